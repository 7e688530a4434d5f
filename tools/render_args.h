/*
 * render_args.h - the options `process` and `eval` share (--param, --block, --channel,
 * --no-resample, --progress): parsed before the model is loaded, applied after, so that knob
 * names can be checked against the model's metadata.
 */
#ifndef RNNFX_TOOLS_RENDER_ARGS_H
#define RNNFX_TOOLS_RENDER_ARGS_H

#include "audio_io.h"
#include "cli.h"
#include "render.h"

#define RENDER_ARGS_MAX_PARAMS 16

typedef struct render_args {
    const char *params[RENDER_ARGS_MAX_PARAMS];
    int n_params;
    size_t block;
    int channel; /* 1-based as the user types it; 0 = every channel */
    int no_resample, progress;
} render_args;

#define RENDER_ARGS_HELP                                                                               \
    "  --param NAME=VALUE  set a knob (conditioning input) to VALUE, 0..1; NAME is the knob's name\n"  \
    "                      in the model's metadata, p1/p2/p3, or its number 1..3 (repeatable).\n"      \
    "                      A knob left unset is 0.\n"                                                  \
    "  --block N           samples per engine call (default 4096; the output does not depend on it)\n" \
    "  --channel K         use only channel K of IN, counted from 1 (1 = left); the output is mono\n"  \
    "  --no-resample       run at the file's rate even when the model was trained at another\n"        \
    "  --progress          show the progress line even when stderr is not a terminal\n"

void render_args_init(render_args *a);
/* If c's current option is one of ours, consumes it: returns 1, or -1 after printing a usage
 * error. Returns 0 for an option that is not ours. */
int render_args_option(cli *c, render_args *a);
/* Fills `o` for model `m` (knob names checked against it). */
nn_status render_args_apply(const render_args *a, const nn_model *m, const char *model_name, rnnfx_render_opts *o,
                            nn_error *err);
/* The notes a user wants before a long job: resampling, knobs left at 0. */
void render_args_notes(const render_args *a, const nn_model *m, const char *model_name, const rnnfx_audio *in,
                       const char *in_name);
/* Warns about NaN/Inf samples in the input (only channel `channel` when not 0): what the engine
 * makes of them depends on the network, so the user should hear of them from us. */
void render_args_check_input(const rnnfx_audio *in, int channel, const char *in_name);
/* After the job: the engine reset the state on non-finite output. */
void render_args_report(const rnnfx_render_info *info, const char *in_name);

#endif
