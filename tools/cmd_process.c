/* cmd_process.c - `rnnfx process MODEL IN OUT`: a model over an audio file, offline, through the
 * same code the plugin plays it with (dsp/model_stream.h: engine, DC blocker, resamplers), so
 * the same bits. */
#include "audio_io.h"
#include "cli.h"
#include "commands.h"
#include "render_args.h"

#include <stdlib.h>

static const char usage[] =
    "Usage: rnnfx process MODEL IN OUT [options]\n"
    "\n"
    "Runs MODEL over IN and writes OUT: 32-bit float WAV at IN's sample rate, as long as IN.\n"
    "Every channel has its own state (a stereo file is two mono signals through the same model).\n"
    "MODEL: Keras/RTNeural/AIDA-X JSON, GuitarML JSON or NAM (LSTM). IN: WAV, FLAC, AIFF, ...\n"
    "When the model was trained at another sample rate than IN's, IN is resampled to the model's\n"
    "rate, run, and resampled back (a note says so), as the plugin does it: OUT holds exactly the\n"
    "samples the plugin plays, moved earlier by the plugin's latency so that they line up with IN.\n"
    "A DC blocker (a 5 Hz high-pass, as in the plugin) takes off the constant many models put out.\n"
    "\n"
    "Options:\n" RENDER_ARGS_HELP
    "  --no-dc-block       the network's output as it is, without the DC blocker: for comparing\n"
    "                      with other engines bit for bit (and what `rnnfx eval` measures)\n"
    "  -h, --help          this text\n";

/* A progress line is worth it from a few seconds of work on. */
#define PROGRESS_MIN_SAMPLES (10.0 * 48000.0)

int rnnfx_cmd_process(int argc, char **argv)
{
    render_args ra;
    render_args_init(&ra);
    int dc_block = 1;
    const char *pos[3];
    int npos = 0;
    cli c = cli_start("process", argc, argv);
    while (cli_next(&c)) {
        if (!c.opt) {
            if (npos == 3) return cli_usage(&c, "unexpected argument \"%s\"", c.arg);
            pos[npos++] = c.arg;
            continue;
        }
        if (cli_is(&c, "help")) return cli_help(usage);
        if (cli_is(&c, "no-dc-block")) {
            if (!cli_flag(&c)) return RNNFX_EXIT_USAGE;
            dc_block = 0;
            continue;
        }
        int r = render_args_option(&c, &ra);
        if (r < 0) return RNNFX_EXIT_USAGE;
        if (r == 0) return cli_unknown(&c);
    }
    if (npos < 3) return cli_usage(&c, "expected MODEL IN OUT");
    const char *model_path = pos[0], *in_path = pos[1], *out_path = pos[2];

    nn_error err = {0};
    rnnfx_audio in = {0}, out = {0};
    rnnfx_render_opts opts;
    rnnfx_render_info info;
    rnnfx_wav_writer *w = NULL;
    int rc = RNNFX_EXIT_FAIL;
    nn_model *m = nn_model_load_file(model_path, &err);
    if (!m) return cli_fail(&err);
    if (render_args_apply(&ra, m, model_path, &opts, &err)) {
        cli_fail(&err);
        rc = RNNFX_EXIT_USAGE; /* a wrong knob name or value */
        goto done;
    }
    opts.dc_block = dc_block;
    if (rnnfx_audio_read(in_path, &in, &err)) goto fail;
    if (ra.channel > in.channels) {
        rc = cli_usage(&c, "--channel %d: %s has %d channel%s", ra.channel, in_path, in.channels,
                       in.channels == 1 ? "" : "s");
        goto done;
    }
    /* Before the long part: a destination we cannot write is reported now, not after the work. */
    w = rnnfx_wav_create(out_path, ra.channel ? 1 : in.channels, in.rate, &err);
    if (!w) goto fail;
    render_args_notes(&ra, m, model_path, &in, in_path);
    render_args_check_input(&in, ra.channel, in_path);

    cli_progress prog;
    double work = (double)in.frames * (ra.channel ? 1 : in.channels);
    cli_progress_init(&prog, "processing", ra.progress || (cli_stderr_is_terminal() && work > PROGRESS_MIN_SAMPLES));
    opts.progress = cli_progress_update;
    opts.progress_ctx = &prog;
    if (rnnfx_render(m, &in, &opts, &out, &info, in_path, &err)) goto fail;
    cli_progress_done(&prog);
    if (rnnfx_wav_write(w, (const float *const *)out.data, out.frames, &err)) goto fail;
    nn_status st = rnnfx_wav_commit(w, &err);
    w = NULL;
    if (st) goto fail;
    render_args_report(&info, in_path);
    rc = RNNFX_EXIT_OK;
    goto done;
fail:
    rc = cli_fail(&err);
done:
    if (w) rnnfx_wav_abort(w);
    rnnfx_audio_free(&in);
    rnnfx_audio_free(&out);
    nn_model_free(m);
    return rc;
}
