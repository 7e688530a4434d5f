/*
 * harness.h - what the command-line tests share: running the built `rnnfx` and capturing what it
 * says, a scratch folder removed at exit, WAV files read and written with libsndfile directly
 * (not through tools/audio_io, which is under test), and the reference models with their goldens.
 *
 * Every test executable takes the path of the `rnnfx` binary as argv[1] (meson passes it) and
 * finds the reference models through RNNFX_TEST_DATA.
 */
#ifndef RNNFX_TESTS_TOOLS_HARNESS_H
#define RNNFX_TESTS_TOOLS_HARNESS_H

#include <stddef.h>

#define PATH_CAP 1024

/* ---- set-up ------------------------------------------------------------------------------- */

/* Reads argv[1] (the rnnfx binary) and RNNFX_TEST_DATA, makes the scratch folder; skips the test
 * (exit 77, with the reason) when either is missing. */
void harness_init(int argc, char **argv);
const char *rnnfx_bin(void);
const char *scratch_dir(void);
/* out = <scratch>/<name> */
void scratch_path(char out[PATH_CAP], const char *name);
/* out = <RNNFX_TEST_DATA>/formats/ref/<name> */
void ref_path(char out[PATH_CAP], const char *name);

/* ---- running the command ------------------------------------------------------------------- */

typedef struct cmd_result {
    int code;        /* exit code, or 128 + signal number */
    char *out, *err; /* everything printed, NUL-terminated */
} cmd_result;

/* Runs rnnfx with the given arguments (NULL-terminated list). */
cmd_result run_rnnfx(const char *arg, ...);
/* Runs any program: argv[0] is its path, argv NULL-terminated. */
cmd_result run_argv(const char *const *argv);
void cmd_free(cmd_result *r);
/* Number of lines in s (a last line without '\n' counts). */
int count_lines(const char *s);
/* Case-insensitive substring test. */
int contains(const char *haystack, const char *needle);

/* ---- files --------------------------------------------------------------------------------- */

int file_exists(const char *path);
/* Writes bytes to a file; returns 0 on success. */
int write_file(const char *path, const void *data, size_t len);
/* Reads a whole file (NUL-terminated, caller frees); NULL on failure. */
char *read_file(const char *path, size_t *len);
/* Number of entries in a folder whose names start with `prefix` (temporary files left behind). */
int count_files_starting(const char *dir, const char *prefix);

/* Float WAV through libsndfile. Samples are interleaved. Return 0 on success. */
int wav_write(const char *path, int channels, int rate, size_t frames, const float *samples);
/* Writes through libsndfile in another format (SF_FORMAT_* major | subtype). */
int sound_write(const char *path, int format, int channels, int rate, size_t frames, const float *samples);
/* Reads any file libsndfile reads as float, interleaved (caller frees); NULL on failure. */
float *wav_read(const char *path, int *channels, int *rate, size_t *frames);

/* ---- reference models ---------------------------------------------------------------------- */

typedef struct ref_model {
    const char *file;     /* in tests/formats/ref */
    const char *golden;   /* its golden output */
    int rate;             /* the sample rate the model runs at */
    long params;          /* parameter count, worked out by hand from the architecture */
    int skip;             /* the file adds the input to the output */
    const char *knobs[3]; /* the golden's knob values, as --param arguments (NULL-terminated) */
} ref_model;

extern const ref_model ref_models[];
extern const int n_ref_models;

#define GOLDEN_N 4096
/* Reads a golden.csv (x, y columns); returns the number of rows. */
int golden_read(const char *path, float *x, float *y, int cap);

/* A deterministic test signal: a few decaying harmonics plus a little noise, different per
 * `seed` (so that channels differ). */
void test_signal(float *x, size_t n, double rate, unsigned seed);

/* Writes the identity model at 48 kHz to `path`: an LSTM-1 with zero weights (its output is
 * exactly 0), the input skip and a Dense(1) of zero - so that the model's output is its input.
 * Returns 0 on success. */
int write_identity_model(const char *path);

#endif
