/*
 * capture_train.h - a recording of the capture signal as training data: what `rnnfx train
 * --capture` does before it trains.
 *
 * Reads the recording, works out which signal it holds (the signal file given, else the tag in
 * the recording's WAV comment, else the version this rnnfx writes, its length found from where
 * the markers are), regenerates that signal, finds and checks it in the recording
 * (capture_check.h), and adds it to the trainer's data by the signal's own segments: each run of
 * training segments one training pair, the validation and the test phrases pairs of their own
 * (nn_tdata roles) - so the split is the signal's design, never the tail of a training clip.
 */
#ifndef RNNFX_TOOLS_CAPTURE_TRAIN_H
#define RNNFX_TOOLS_CAPTURE_TRAIN_H

#include "capture_check.h"
#include "nn.h"
#include "nn_train.h"

typedef struct rnnfx_capture_source {
    const char *recording; /* the device's output while it played the signal */
    const char *signal;    /* the signal file that was played (NULL: regenerated) */
    int channel;           /* 0-based; -1: the recording must be mono */
    const float *cond;     /* n_cond knob values of this recording */
    int n_cond;
} rnnfx_capture_source;

/* Checks the recording (an error, one line, for a bad one; warnings in `rep`) and, when `d` is
 * not NULL, adds its segments to `d`. */
nn_status rnnfx_capture_add(nn_tdata *d, const rnnfx_capture_source *src, rnnfx_capture_report *rep, nn_error *err);

#endif
