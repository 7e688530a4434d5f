/*
 * zoo.h - the model files the plugin stress test swaps between, made in a scratch folder:
 *
 *   good    every reference model of tests/formats/ref, a large valid model (2 x LSTM-128),
 *           models at other sample rates (resampled by the plugin), a model padded to 60 MB
 *           with whitespace, a model whose file name has quotes, spaces, UTF-8 and a newline;
 *   bad     truncated files, NaN/Inf/overflowing weights, wrong shapes, missing keys, absurd
 *           sizes, unknown types, a rate too far from the host's, empty/binary files, a
 *           folder, a device, a symlink loop, a path in a missing folder, a path too long,
 *           60 MB of junk, a 60 MB string, a sparse file over the size limit;
 *   slow    named pipes (FIFOs) made on demand: a load blocks in open() until the test's
 *           writer thread serves the pipe, up to seconds later (see zoo_fifo_*).
 *
 * Each file is checked against the engine before the test uses it: a "good" one must load
 * (nn_model_load_file) and a "bad" one must be refused, so that the test knows what the
 * plugin will do with each request. What the plugin's output may do is bounded from the good
 * models' own outputs (zoo_measure).
 */
#ifndef RNNFX_TESTS_STRESS_ZOO_H
#define RNNFX_TESTS_STRESS_ZOO_H

#include <stdbool.h>
#include <stddef.h>

#define ZOO_MAX 256
#define ZOO_GAIN_STEPS 5 /* input gains -24, -12, 0, +12, +24 dB: the plugin's input_gain range */

typedef enum { ZOO_GOOD, ZOO_BAD, ZOO_MISSING } ZooKind;

typedef struct {
    char *path;
    char *real; /* realpath(path), NULL when it does not resolve */
    char *what; /* a short description ("truncated at 50 %", "2 x LSTM-128", ...) */
    ZooKind kind;
    bool huge;         /* large file: used less often */
    bool costly;       /* costly to run (large, or at 4 x the host's rate and more) */
    bool engine_loads; /* bad: the engine loads it, the plugin refuses it (its rate) */
    double rate;       /* good: the model's sample rate */
    int n_cond;
    size_t params;
    double sum;            /* a fingerprint of the weights (same network, other file) */
    bool is_first_of_kind; /* (zoo_measure: the file measured for all copies of its network) */
    /* good: largest |y[i] - y[i-1]| and |y[i]| of the model on the test's music, at each input
     * gain of the grid (cumulative maximum from low to high gains, so that any gain up to
     * the grid point is covered), over knob settings 0, 0.5, 1, from the initial state and
     * pre-warmed, through offline resamplers when the model's rate is not the host's. */
    double step[ZOO_GAIN_STEPS], peak[ZOO_GAIN_STEPS];
} ZooFile;

typedef struct {
    char dir[1024];
    ZooFile f[ZOO_MAX];
    int n, n_good, n_bad;
} Zoo;

/* Makes every file in `dir` (created), from the reference models in `ref_dir`. `big_junk`:
 * the 60 MB files (false: 6 MB). `good_only`: only the good models, each network once. `check`:
 * every bad file is tried with the engine too (good ones always are). `lean`: not the costly
 * models (2 x 128 units, 768 kHz: for valgrind). Returns 0, or -1 with a message printed. */
int zoo_make(Zoo *z, const char *dir, const char *ref_dir, bool big_junk, bool good_only, bool check, bool lean);
/* Measures every good model's step and peak on `x` (n samples at `host_rate`). */
void zoo_measure(Zoo *z, const float *x, size_t n, double host_rate);
/* Index of the file whose path is `path` (-1 if none). */
int zoo_find(const Zoo *z, const char *path);
int zoo_find_real(const Zoo *z, const char *real); /* by realpath() */
void zoo_remove(Zoo *z);                           /* deletes the folder and what is in it */

/* ---- Slow files: named pipes -------------------------------------------------------------- */

typedef struct ZooFifo ZooFifo;
typedef enum { FIFO_PENDING, FIFO_SERVED, FIFO_SERVED_BLOCKED } FifoState;

/* Starts the thread that serves the pipes. */
void zoo_fifo_start(void);
/* A new pipe in `dir`, whose writer appears `delay` seconds from now: until then, whoever opens
 * it for reading blocks. Thread-safe. Lives until zoo_fifo_stop. */
ZooFifo *zoo_fifo_new(const char *dir, double delay);
const char *zoo_fifo_path(const ZooFifo *f);
/* PENDING until the writer came; then SERVED_BLOCKED if a reader (the plugin's worker) was
 * blocked in open() waiting for it, else SERVED (nobody had opened it). Thread-safe. */
FifoState zoo_fifo_state(const ZooFifo *f);
/* Serves every pipe still waiting, ends the thread, frees them all. */
void zoo_fifo_stop(void);

#endif
