/*
 * cmd_signal.c - `rnnfx signal -o reamp.wav`: the file to play through a pedal or an amp and
 * record, for `rnnfx train --capture` (the signal itself: capture_signal.h).
 */
#include "audio_io.h"
#include "capture_signal.h"
#include "cli.h"
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "Usage: rnnfx signal -o reamp.wav [--rate R] [--minutes M] [--layout]\n"
    "\n"
    "Writes the capture signal: the one file to play through your pedal or amp while recording\n"
    "what comes out. Then `rnnfx train --capture RECORDED.wav -o model.json` finds the signal in\n"
    "the recording, checks the recording (latency, clock drift, clipping, level, DC, polarity,\n"
    "noise floor, how repeatable the reamp is) and trains a model on it.\n"
    "\n"
    "How to record: play the file from its first sample to its last at its own sample rate (do\n"
    "not let the player resample it), record the device's output (mono, or pick the channel later\n"
    "with --channel) at the same rate, from before the file starts to after it ends. Set the\n"
    "levels so that the loudest part does not clip (the signal peaks at -3 dBFS).\n"
    "\n"
    "The signal (the same bits from the same version; the version is in the file's comment):\n"
    "two noise-burst markers (latency; clock ratio from their distance), a phrase played near\n"
    "the start and again near the end (how repeatable the reamp is), sine sweeps and white noise\n"
    "at three levels, synthesised guitar and bass phrases (chords, palm-muted chugs, single-note\n"
    "riffs; an octave and a half below to an octave above the guitar; -24 to +9 dB) and short\n"
    "silences (the noise floor). Validation and test phrases are a phrase training never plays.\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE   the WAV file to write (32-bit float)\n"
    "  --rate R            sample rate in Hz (48000); record at the same rate\n"
    "  --minutes M         about how long, 1..20 minutes (3: 184.5 s); the markers, sweeps, noise,\n"
    "                      validation and test phrases make the shortest (1) last 96 s\n"
    "  --layout            print the table of segments with their times (also printed after\n"
    "                      writing the file)\n"
    "\n"
    "The default layout (48000 Hz, 3 minutes), as --layout prints it; each segment is followed by\n"
    "a short silence (the noise floor, and the tail of what rang):\n";

int rnnfx_cmd_signal(int argc, char **argv)
{
    cli c = cli_start("signal", argc, argv);
    const char *out = NULL, *v;
    double rate = 48000;
    int minutes = RNNFX_CAPTURE_DEFAULT_MINUTES, layout_only = 0;
    while (cli_next(&c)) {
        if (!c.opt) return cli_usage(&c, "unexpected argument \"%s\"", c.arg);
        if (cli_is(&c, "help")) {
            cli_help(usage);
            rnnfx_capture_layout *l = malloc(sizeof *l);
            if (l && !rnnfx_capture_layout_make(l, RNNFX_CAPTURE_VERSION, 48000, RNNFX_CAPTURE_DEFAULT_MINUTES))
                rnnfx_capture_print_layout(l, stdout);
            free(l);
            return RNNFX_EXIT_OK;
        }
        if (cli_is(&c, "o") || cli_is(&c, "output")) {
            if (!(out = cli_value(&c))) return RNNFX_EXIT_USAGE;
        } else if (cli_is(&c, "rate")) {
            int r;
            if (!(v = cli_value(&c))) return RNNFX_EXIT_USAGE;
            if (!cli_parse_int(v, (int)RNNFX_CAPTURE_MIN_RATE, (int)RNNFX_CAPTURE_MAX_RATE, &r))
                return cli_usage(&c, "--rate: a sample rate in %.0f..%.0f Hz, not \"%s\"", RNNFX_CAPTURE_MIN_RATE,
                                 RNNFX_CAPTURE_MAX_RATE, v);
            rate = r;
        } else if (cli_is(&c, "minutes")) {
            if (!(v = cli_value(&c))) return RNNFX_EXIT_USAGE;
            if (!cli_parse_int(v, RNNFX_CAPTURE_MIN_MINUTES, RNNFX_CAPTURE_MAX_MINUTES, &minutes))
                return cli_usage(&c, "--minutes: a whole number of minutes in %d..%d, not \"%s\"",
                                 RNNFX_CAPTURE_MIN_MINUTES, RNNFX_CAPTURE_MAX_MINUTES, v);
        } else if (cli_is(&c, "layout")) {
            if (!cli_flag(&c)) return RNNFX_EXIT_USAGE;
            layout_only = 1;
        } else {
            return cli_unknown(&c);
        }
    }
    if (!out && !layout_only) return cli_usage(&c, "no output file given (-o reamp.wav)");
    rnnfx_capture_layout *l = malloc(sizeof *l);
    if (!l || rnnfx_capture_layout_make(l, RNNFX_CAPTURE_VERSION, rate, minutes)) {
        free(l);
        fprintf(stderr, "rnnfx signal: out of memory\n");
        return RNNFX_EXIT_FAIL;
    }
    char tag[128];
    rnnfx_capture_tag(l, tag, sizeof tag);
    if (layout_only) {
        printf("%s: %.2f s\n", tag, (double)l->frames / l->rate);
        rnnfx_capture_print_layout(l, stdout);
        free(l);
        return RNNFX_EXIT_OK;
    }
    nn_error err;
    memset(&err, 0, sizeof err);
    int rc = RNNFX_EXIT_FAIL;
    /* the destination is checked (created as a temporary) before the synthesis */
    rnnfx_wav_writer *w = rnnfx_wav_create(out, 1, rate, &err);
    float *x = w ? malloc(l->frames * sizeof *x) : NULL;
    if (!w) {
        rc = cli_fail(&err);
    } else if (!x || rnnfx_capture_render(l, x)) {
        fprintf(stderr, "%s: out of memory\n", out);
        rnnfx_wav_abort(w);
    } else if (rnnfx_wav_set_text(w, tag, "rnnfx " RNNFX_VERSION, &err) != NN_OK ||
               rnnfx_wav_write(w, (const float *const *)&x, l->frames, &err) != NN_OK) {
        rc = cli_fail(&err);
        rnnfx_wav_abort(w);
    } else if (rnnfx_wav_commit(w, &err) != NN_OK) {
        rc = cli_fail(&err);
    } else {
        printf("wrote %s: %s, %.2f s\n", out, tag, (double)l->frames / l->rate);
        rnnfx_capture_print_layout(l, stdout);
        printf("Play it through the device, record the output at %.0f Hz, then:\n"
               "  rnnfx train --capture RECORDED.wav -o model.json\n",
               rate);
        rc = RNNFX_EXIT_OK;
    }
    free(x);
    free(l);
    return rc;
}
