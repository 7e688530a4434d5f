/*
 * fuzz_audio.c - libFuzzer target for the audio-file front end of `rnnfx process` and `rnnfx
 * eval` (tools/audio_io.h, tools/render.h): the bytes are an audio file of any kind libsndfile
 * reads (detected from the content, as in real use), opened by name through the same
 * rnnfx_audio_read the command calls (the bytes sit in a memfd, named /proc/self/fd/N).
 *
 * A file that does not read must say why in one line that names the file. One that reads must
 * be sane (1..64 channels, a rate in range, at least one sample) and is rendered through a small
 * reference model (tests/formats/ref/keras_lstm8.json):
 *   1. at the model's rate, resampling when the file's rate differs (rnnfx process's default);
 *   2. at the file's rate, all channels (pairs through nn_run2), an odd block size;
 *   3. at the file's rate, the last channel alone, the default block.
 * Every output has the input's length and channel count and is finite, whatever the samples
 * (NaN, Inf, 3e38); 2 and 3 give the same bits for the last channel when no block was reset
 * (the engine's promise: block size and nn_run2 versus nn_run change nothing).
 * Then the file goes where `rnnfx train` sends its recordings (nn_tdata_add, as input and as
 * target): refused in one line naming it, or taken with a lag inside the +-50 ms searched, and
 * split without complaint or with one line.
 * Long files are cut to a few thousand samples before rendering, so that each input runs in
 * milliseconds: what is fuzzed here is the reading and the shapes, not the length.
 */
#define _GNU_SOURCE /* memfd_create */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "audio_io.h"
#include "fuzz_memfile.h"
#include "nn.h"
#include "nn_train.h"
#include "render.h"

#ifndef FUZZ_REF_DIR
#error "FUZZ_REF_DIR: the folder of the reference models (tests/formats/ref), set by meson"
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SAMPLES 16384  /* frames x channels rendered at the file's rate */
#define MAX_RESAMPLED 8192 /* frames x channels at the model's rate, when resampling */

static nn_model *model;
static int verbose; /* RNNFX_FUZZ_VERBOSE=1: one line per input, what became of it */

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_audio: %s: %s\n", what, detail);
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    nn_error err = {0};
    model = nn_model_load_file(FUZZ_REF_DIR "/keras_lstm8.json", &err);
    if (!model) die("cannot load the reference model", err.msg);
    verbose = getenv("RNNFX_FUZZ_VERBOSE") != NULL;
    return 0;
}

/* The error contract: one line, "<name>: <problem>". */
static void check_error(const nn_error *err, const char *name, const char *what)
{
    size_t n = strlen(name);
    if (!err->msg[0] || strchr(err->msg, '\n') || strncmp(err->msg, name, n) != 0 ||
        strncmp(err->msg + n, ": ", 2) != 0 || !err->msg[n + 2])
        die(what, err->msg[0] ? err->msg : "(empty error message)");
    if (err->status == NN_OK) die(what, "an error with status NN_OK");
}

static void check_output(const rnnfx_audio *in, const rnnfx_audio *out, int channels, const char *what)
{
    if (out->channels != channels || out->frames != in->frames || out->rate != in->rate || !out->data)
        die(what, "output shape differs from the input's");
    for (int c = 0; c < out->channels; c++)
        for (size_t i = 0; i < out->frames; i++)
            if (!isfinite(out->data[c][i])) die(what, "non-finite output sample");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!model) LLVMFuzzerInitialize(NULL, NULL);
    char path[64];
    int fd = fuzz_memfile("fuzz_audio", data, size, path, sizeof path);

    rnnfx_audio a;
    nn_error err = {0};
    nn_status st = rnnfx_audio_read(path, &a, &err);
    close(fd);
    if (st != NN_OK) {
        check_error(&err, path, "read error");
        if (verbose) printf("refused: %s\n", err.msg);
        if (a.data || a.frames || a.channels) die("read error", "the audio is not left empty");
        return 0;
    }
    if (a.channels < 1 || a.channels > RNNFX_AUDIO_MAX_CHANNELS || a.frames == 0 || !a.data ||
        !(a.rate >= RNNFX_AUDIO_MIN_RATE && a.rate <= RNNFX_AUDIO_MAX_RATE))
        die("read", "a file was read into an impossible shape");
    for (int c = 0; c < a.channels; c++)
        if (!a.data[c]) die("read", "a channel without samples");

    if (verbose) printf("read: %d channels, %zu frames at %g Hz\n", a.channels, a.frames, a.rate);
    /* A view of the first samples (no copy). */
    rnnfx_audio in = a;
    if (in.frames > MAX_SAMPLES / (size_t)in.channels) in.frames = MAX_SAMPLES / (size_t)in.channels;

    const char *name = "fuzz.wav";
    rnnfx_render_opts o;
    rnnfx_render_info info;
    rnnfx_audio out;

    /* 1: rnnfx process's default. The resampled length is capped too. */
    rnnfx_audio in1 = in;
    double ratio = nn_model_sample_rate(model) / in.rate;
    double most = (double)MAX_RESAMPLED / (double)in.channels / (ratio > 1 ? ratio : 1);
    if ((double)in1.frames > most) in1.frames = most >= 1 ? (size_t)most : 1;
    rnnfx_render_opts_init(&o);
    if (rnnfx_render(model, &in1, &o, &out, &info, name, &err) != NN_OK) {
        check_error(&err, name, "render (resampled) error");
    } else {
        if (info.resampled != (nn_model_sample_rate(model) != in1.rate))
            die("render (resampled)", "resampled when the rates agree, or not when not");
        check_output(&in1, &out, in1.channels, "render (resampled)");
        rnnfx_audio_free(&out);
    }

    /* 2: at the file's rate, every channel, an odd block size. */
    rnnfx_render_opts_init(&o);
    o.resample = 0;
    o.block = 1 + size % 1021;
    rnnfx_render_info info2;
    rnnfx_audio out2;
    if (rnnfx_render(model, &in, &o, &out2, &info2, name, &err) != NN_OK)
        die("render (all channels)", err.msg); /* nothing here can fail but memory */
    check_output(&in, &out2, in.channels, "render (all channels)");

    /* 3: the last channel alone, the default block. */
    rnnfx_render_opts_init(&o);
    o.resample = 0;
    o.channel = in.channels - 1;
    if (rnnfx_render(model, &in, &o, &out, &info, name, &err) != NN_OK) die("render (one channel)", err.msg);
    check_output(&in, &out, 1, "render (one channel)");
    if (!info.reset_blocks && !info2.reset_blocks &&
        memcmp(out.data[0], out2.data[in.channels - 1], in.frames * sizeof(float)) != 0)
        die("render", "block size or nn_run2 changed the output bits");
    rnnfx_audio_free(&out);
    rnnfx_audio_free(&out2);

    /* Asking for a channel the file lacks is an error that names the file. */
    o.channel = a.channels;
    if (rnnfx_render(model, &in, &o, &out, &info, name, &err) == NN_OK) die("render", "a missing channel was accepted");
    check_error(&err, name, "render (missing channel) error");

    /* 4: the trainer's front end, as cmd_train.c calls it (the file as input and as target). */
    nn_tdata *d = nn_tdata_new();
    if (!d) die("nn_tdata_new", "out of memory");
    int channel = in.channels == 1 ? -1 : (int)(size % (size_t)in.channels);
    nn_taudio x = {"fuzz_in.wav", (const float *const *)in.data, in.frames, in.channels, in.rate};
    nn_taudio y = {"fuzz_out.wav", (const float *const *)in.data, in.frames, in.channels, in.rate};
    if (nn_tdata_add(d, &x, &y, channel, NULL, 0, NN_ROLE_AUTO, &err) != NN_OK) {
        if (strncmp(err.msg, "fuzz_out.wav: ", 14) != 0) check_error(&err, "fuzz_in.wav", "training data error");
        else
            check_error(&err, "fuzz_out.wav", "training data error");
        if (verbose) printf("training data refused: %s\n", err.msg);
    } else {
        nn_tpair_info pi;
        nn_tdata_pair(d, 0, &pi);
        if (pi.frames != in.frames || pi.rate != in.rate) die("training data", "the pair lost frames or its rate");
        if (abs(pi.lag) > (int)(0.05 * in.rate) || !(pi.lag_corr >= -1.0001 && pi.lag_corr <= 1.0001))
            die("training data", "a lag outside the range searched, or a correlation outside -1..1");
        if (nn_tdata_split(d, NN_SPLIT_AUTO, 0.2, 0.2, &err) != NN_OK) check_error(&err, "data", "split error");
        if (verbose)
            printf("training data: lag %d (correlation %.3f), %zu warnings\n", pi.lag, pi.lag_corr,
                   nn_tdata_num_warnings(d));
    }
    nn_tdata_free(d);

    rnnfx_audio_free(&a);
    return 0;
}
