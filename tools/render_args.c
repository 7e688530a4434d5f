/* render_args.c - the options `process` and `eval` share (see render_args.h). */
#include "render_args.h"
#include "knobs.h"
#include "rnnfx_error.h"

#include <math.h>
#include <string.h>

void render_args_init(render_args *a)
{
    memset(a, 0, sizeof *a);
    a->block = RNNFX_DEFAULT_BLOCK;
}

int render_args_option(cli *c, render_args *a)
{
    if (cli_is(c, "param")) {
        const char *v = cli_value(c);
        if (!v) return -1;
        if (a->n_params == RENDER_ARGS_MAX_PARAMS) return cli_usage(c, "too many --param"), -1;
        a->params[a->n_params++] = v;
        return 1;
    }
    if (cli_is(c, "block")) {
        const char *v = cli_value(c);
        if (!v) return -1;
        if (!cli_parse_size(v, 1, (size_t)1 << 24, &a->block))
            return cli_usage(c, "--block %s: expected a whole number of samples, 1..16777216", v), -1;
        return 1;
    }
    if (cli_is(c, "channel")) {
        const char *v = cli_value(c);
        if (!v) return -1;
        if (!cli_parse_int(v, 1, RNNFX_AUDIO_MAX_CHANNELS, &a->channel))
            return cli_usage(c, "--channel %s: expected a channel number counted from 1 (1 = left)", v), -1;
        return 1;
    }
    if (cli_is(c, "no-resample")) return cli_flag(c) ? (a->no_resample = 1) : -1;
    if (cli_is(c, "progress")) return cli_flag(c) ? (a->progress = 1) : -1;
    return 0;
}

nn_status render_args_apply(const render_args *a, const nn_model *m, const char *model_name, rnnfx_render_opts *o,
                            nn_error *err)
{
    rnnfx_render_opts_init(o);
    o->block = a->block;
    o->channel = a->channel - 1;
    o->resample = !a->no_resample;
    for (int i = 0; i < a->n_params; i++) {
        int k;
        float v;
        nn_status st = rnnfx_knob_parse(m, model_name, a->params[i], &k, &v, err);
        if (st) return st;
        o->cond[k] = v;
    }
    return NN_OK;
}

void render_args_notes(const render_args *a, const nn_model *m, const char *model_name, const rnnfx_audio *in,
                       const char *in_name)
{
    double rate = nn_model_sample_rate(m);
    if (rate != in->rate) {
        const char *stated = nn_model_sample_rate_known(m) ? "" : " (not stated in the file: the format's default)";
        if (a->no_resample)
            cli_note("%s is at %.0f Hz, %s at %.0f Hz%s: running at the file's rate as asked (--no-resample)", in_name,
                     in->rate, model_name, rate, stated);
        else
            cli_note("%s is at %.0f Hz, %s at %.0f Hz%s: resampling to %.0f Hz and back", in_name, in->rate, model_name,
                     rate, stated, rate);
    }
    for (int k = 0; k < nn_model_num_cond(m); k++) {
        int set = 0;
        for (int i = 0; i < a->n_params; i++) {
            int idx;
            float v;
            if (!rnnfx_knob_parse(m, model_name, a->params[i], &idx, &v, NULL) && idx == k) set = 1;
        }
        char buf[16];
        if (!set)
            cli_note("knob \"%s\" of %s not set: 0 (--param %s=VALUE)", rnnfx_knob_name(m, k, buf, sizeof buf),
                     model_name, rnnfx_knob_name(m, k, buf, sizeof buf));
    }
}

void render_args_check_input(const rnnfx_audio *in, int channel, const char *in_name)
{
    size_t bad = 0, first = 0;
    int first_ch = 0;
    for (int c = 0; c < in->channels; c++) {
        if (channel && c != channel - 1) continue;
        for (size_t i = 0; i < in->frames; i++)
            if (!isfinite(in->data[c][i]) && (!bad++ || i < first)) first = i, first_ch = c;
    }
    if (bad)
        cli_warn("%s: %zu sample%s not a number (NaN or Inf), the first at %.3f s in channel %d", in_name, bad,
                 bad == 1 ? " is" : "s are", (double)first / in->rate, first_ch + 1);
}

void render_args_report(const rnnfx_render_info *info, const char *in_name)
{
    if (!info->reset_blocks) return;
    cli_warn("%s: the network produced non-finite values (NaN/Inf in the input, or an overflow): the state was reset "
             "and %zu block%s silenced, the first at %.3f s",
             in_name, info->reset_blocks, info->reset_blocks == 1 ? "" : "s",
             (double)info->first_reset / info->run_rate);
}
