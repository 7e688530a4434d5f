/* cmd_eval.c - `rnnfx eval MODEL IN TARGET`: runs MODEL over IN exactly as `process` does and
 * says how close the result is to TARGET (metrics.h). */
#include "audio_io.h"
#include "cli.h"
#include "commands.h"
#include "metrics.h"
#include "render_args.h"
#include "rnnfx_error.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* The lag search is a sanity hint (were the recordings aligned?), not an alignment tool: a
 * millisecond either way at 48 kHz catches the usual interface latencies. */
#define LAG_WINDOW 64

static const char usage[] =
    "Usage: rnnfx eval MODEL IN TARGET [options]\n"
    "\n"
    "Runs MODEL over IN exactly as `rnnfx process` does (resampling included) and compares the\n"
    "output y with TARGET t, the device's recording of the same input:\n"
    "  ESR                sum (y - t)^2 / sum t^2  (0 = perfect; 1 = as large as the signal)\n"
    "  ESR, pre-emphasis  the same after the filter 1 - 0.85 z^-1 on both (weights the highs)\n"
    "  DC error           (mean (t - y))^2 / mean t^2\n"
    "  RMS levels         of input, output and target (dBFS)\n"
    "  best lag           the shift of TARGET (within +-64 samples) that correlates best with\n"
    "                     the output: not 0 suggests the recordings are not aligned\n"
    "TARGET must have IN's sample rate and length, and its channel count (or be mono, or have\n"
    "IN's channels with --channel, which then picks the same channel of TARGET).\n"
    "\n"
    "Options:\n" RENDER_ARGS_HELP "  --json              machine-readable output (one JSON object)\n"
    "  -h, --help          this text\n";

typedef struct channel_result {
    rnnfx_metrics m;
    int lag;
    double corr;
} channel_result;

/* TARGET's channel for output channel c. */
static const float *target_channel(const rnnfx_audio *t, const render_args *ra, int c)
{
    if (t->channels == 1) return t->data[0];
    return t->data[ra->channel ? ra->channel - 1 : c];
}

static nn_status check_target(const rnnfx_audio *in, const rnnfx_audio *t, const render_args *ra, const char *in_path,
                              const char *t_path, nn_error *err)
{
    int out_channels = ra->channel ? 1 : in->channels;
    if (t->rate != in->rate)
        return rnnfx_fail(err, NN_ERR_FORMAT, t_path, "%.0f Hz, but %s is at %.0f Hz (they must match)", t->rate,
                          in_path, in->rate);
    if (t->frames != in->frames)
        return rnnfx_fail(err, NN_ERR_FORMAT, t_path, "%zu samples, but %s has %zu (they must be the same length)",
                          t->frames, in_path, in->frames);
    if (t->channels != out_channels && !(ra->channel && t->channels == in->channels))
        return rnnfx_fail(err, NN_ERR_FORMAT, t_path, "%d channel%s, but %s gives %d (they must match)", t->channels,
                          t->channels == 1 ? "" : "s", in_path, out_channels);
    return NN_OK;
}

static json_t *number(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static void print_json(const char *model, const char *in_path, const char *t_path, const rnnfx_audio *out,
                       double rms_in, const rnnfx_metrics *all, const channel_result *ch)
{
    json_t *root = json_object();
    json_object_set_new(root, "model", json_string(model));
    json_object_set_new(root, "input", json_string(in_path));
    json_object_set_new(root, "target", json_string(t_path));
    json_object_set_new(root, "channels", json_integer(out->channels));
    json_object_set_new(root, "rate", json_real(out->rate));
    json_object_set_new(root, "samples", json_integer((json_int_t)out->frames));
    json_object_set_new(root, "esr", number(all->esr));
    json_object_set_new(root, "esr_pre_emphasis", number(all->esr_pre));
    json_object_set_new(root, "dc_error", number(all->dc));
    json_object_set_new(root, "rms_db",
                        json_pack("{s:o, s:o, s:o}", "input", number(rms_in), "output", number(all->rms_out_db),
                                  "target", number(all->rms_target_db)));
    json_object_set_new(root, "lag_window", json_integer(LAG_WINDOW));
    json_t *per = json_array();
    for (int c = 0; c < out->channels; c++)
        json_array_append_new(per, json_pack("{s:o, s:o, s:o, s:i, s:o}", "esr", number(ch[c].m.esr),
                                             "esr_pre_emphasis", number(ch[c].m.esr_pre), "dc_error",
                                             number(ch[c].m.dc), "lag", ch[c].lag, "correlation", number(ch[c].corr)));
    json_object_set_new(root, "per_channel", per);
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
    if (text) printf("%s\n", text);
    free(text);
    json_decref(root);
}

static void print_db(const char *label, double v)
{
    if (isfinite(v)) printf("  %-18s %.6g  (%.1f dB)\n", label, v, 10 * log10(v > 0 ? v : 1e-300));
    else
        printf("  %-18s n/a (silent target)\n", label);
}

static void print_text(const char *model, const char *in_path, const char *t_path, const rnnfx_audio *out,
                       double rms_in, const rnnfx_metrics *all, const channel_result *ch)
{
    printf("%s on %s against %s\n", model, in_path, t_path);
    printf("  %d channel%s, %.0f Hz, %zu samples (%.2f s)\n", out->channels, out->channels == 1 ? "" : "s", out->rate,
           out->frames, (double)out->frames / out->rate);
    print_db("ESR", all->esr);
    print_db("ESR, pre-emphasis", all->esr_pre);
    print_db("DC error", all->dc);
    printf("  %-18s input %.1f dBFS, output %.1f dBFS, target %.1f dBFS\n", "RMS", rms_in, all->rms_out_db,
           all->rms_target_db);
    int shifted = 0;
    for (int c = 0; c < out->channels; c++) {
        shifted |= ch[c].lag != 0;
        if (out->channels == 1)
            printf("  %-18s %d sample%s (correlation %.4f)\n", "best lag", ch[c].lag, abs(ch[c].lag) == 1 ? "" : "s",
                   ch[c].corr);
        else
            printf("  channel %-10d ESR %.6g, pre-emphasis %.6g, best lag %d (correlation %.4f)\n", c + 1, ch[c].m.esr,
                   ch[c].m.esr_pre, ch[c].lag, ch[c].corr);
    }
    if (shifted)
        printf("  (a best lag other than 0: the target is shifted against the output - were the recordings "
               "aligned?)\n");
}

int rnnfx_cmd_eval(int argc, char **argv)
{
    render_args ra;
    render_args_init(&ra);
    const char *pos[3];
    int npos = 0, as_json = 0;
    cli c = cli_start("eval", argc, argv);
    while (cli_next(&c)) {
        if (!c.opt) {
            if (npos == 3) return cli_usage(&c, "unexpected argument \"%s\"", c.arg);
            pos[npos++] = c.arg;
            continue;
        }
        if (cli_is(&c, "help")) return cli_help(usage);
        if (cli_is(&c, "json")) {
            if (!cli_flag(&c)) return RNNFX_EXIT_USAGE;
            as_json = 1;
            continue;
        }
        int r = render_args_option(&c, &ra);
        if (r < 0) return RNNFX_EXIT_USAGE;
        if (r == 0) return cli_unknown(&c);
    }
    if (npos < 3) return cli_usage(&c, "expected MODEL IN TARGET");
    const char *model_path = pos[0], *in_path = pos[1], *t_path = pos[2];

    nn_error err = {0};
    rnnfx_audio in = {0}, target = {0}, out = {0};
    rnnfx_render_opts opts;
    rnnfx_render_info info;
    channel_result *ch = NULL;
    int rc = RNNFX_EXIT_FAIL;
    nn_model *m = nn_model_load_file(model_path, &err);
    if (!m) return cli_fail(&err);
    if (render_args_apply(&ra, m, model_path, &opts, &err)) {
        cli_fail(&err);
        rc = RNNFX_EXIT_USAGE;
        goto done;
    }
    if (rnnfx_audio_read(in_path, &in, &err) || rnnfx_audio_read(t_path, &target, &err)) goto fail;
    if (ra.channel > in.channels) {
        rc = cli_usage(&c, "--channel %d: %s has %d channel%s", ra.channel, in_path, in.channels,
                       in.channels == 1 ? "" : "s");
        goto done;
    }
    if (check_target(&in, &target, &ra, in_path, t_path, &err)) goto fail;
    render_args_notes(&ra, m, model_path, &in, in_path);
    render_args_check_input(&in, ra.channel, in_path);

    cli_progress prog;
    cli_progress_init(&prog, "evaluating", ra.progress || (cli_stderr_is_terminal() && in.frames > 480000));
    opts.progress = cli_progress_update;
    opts.progress_ctx = &prog;
    if (rnnfx_render(m, &in, &opts, &out, &info, in_path, &err)) goto fail;
    cli_progress_done(&prog);
    render_args_report(&info, in_path);

    ch = calloc((size_t)out.channels, sizeof *ch);
    if (!ch) {
        rnnfx_fail(&err, NN_ERR_NOMEM, "rnnfx eval", "out of memory");
        goto fail;
    }
    rnnfx_metrics_acc all;
    rnnfx_metrics_init(&all);
    double in2 = 0;
    for (int k = 0; k < out.channels; k++) {
        const float *t = target_channel(&target, &ra, k);
        rnnfx_metrics_acc one;
        rnnfx_metrics_init(&one);
        rnnfx_metrics_add(&one, out.data[k], t, out.frames);
        rnnfx_metrics_add(&all, out.data[k], t, out.frames);
        ch[k].m = rnnfx_metrics_finish(&one);
        ch[k].lag = rnnfx_best_lag(out.data[k], t, out.frames, LAG_WINDOW, &ch[k].corr);
        const float *x = in.data[ra.channel ? ra.channel - 1 : k];
        double db = rnnfx_rms_db(x, in.frames);
        in2 += isfinite(db) ? pow(10.0, db / 10.0) : 0.0;
    }
    rnnfx_metrics total = rnnfx_metrics_finish(&all);
    double rms_in = in2 > 0 ? 10.0 * log10(in2 / out.channels) : -INFINITY;
    if (as_json) print_json(model_path, in_path, t_path, &out, rms_in, &total, ch);
    else
        print_text(model_path, in_path, t_path, &out, rms_in, &total, ch);
    rc = RNNFX_EXIT_OK;
    goto done;
fail:
    rc = cli_fail(&err);
done:
    free(ch);
    rnnfx_audio_free(&in);
    rnnfx_audio_free(&target);
    rnnfx_audio_free(&out);
    nn_model_free(m);
    return rc;
}
