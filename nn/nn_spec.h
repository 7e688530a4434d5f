/*
 * nn_spec.h - the canonical, unpacked description of a model.
 *
 * Every reader produces one of these, every writer consumes one, the trainer fills one, and
 * nn_model_build() packs it. Weights use the PyTorch layout whatever the file's layout was:
 *
 *   recurrent layer, G gates (LSTM 4: i,f,g,o   GRU 3: r,z,n   RNN 1):
 *     w_ih [G*H][in]    w_hh [G*H][H]     b_ih [G*H]    b_hh [G*H]    (row-major)
 *     LSTM/RNN: the two biases are simply added. GRU (Keras reset_after == PyTorch):
 *       r = sig(Wr x + bir + Ur h + bhr)   z = sig(Wz x + biz + Uz h + bhz)
 *       n = tanh(Wn x + bin + r * (Un h + bhn))   h' = (1 - z) * n + z * h
 *     h0, c0 [H] or NULL (zeros); c0 only for LSTM.
 *   dense layer:  w [out][in], b [out], then the activation.
 *
 *   input vector = [audio, cond_1 .. cond_N]  (n_inputs = 1 + N)
 *   out = (dense(rec(in_gain * audio, cond)) + skip * in_gain * audio) * out_gain
 *
 * Memory: all arrays and strings of a spec live in the spec's own arena (nn_spec_alloc*), freed
 * together by nn_spec_free. A spec is plain data: copy fields freely, but only through the
 * arena functions for anything that must outlive the spec.
 */
#ifndef RNNFX_NN_SPEC_H
#define RNNFX_NN_SPEC_H

#include "nn.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nn_rec_spec {
    nn_cell type;
    int in, hidden;
    float *w_ih, *w_hh, *b_ih, *b_hh; /* shapes above; b_hh may be NULL (zeros) */
    float *h0, *c0;                   /* NULL = zeros */
} nn_rec_spec;

typedef struct nn_dense_spec {
    int in, out;
    nn_act act;
    float *w, *b; /* [out][in], [out] */
} nn_dense_spec;

typedef struct nn_meta {
    /* All optional (NULL when absent); UTF-8. */
    const char *name, *author, *device, *license, *description, *date;
    const char *training;                /* training settings, as compact JSON text */
    const char *extra_json;              /* other metadata keys of the source file, as a JSON object text */
    double test_esr;                     /* NaN when unknown */
    const char *cond_names[NN_MAX_COND]; /* knob names ("gain", "tone"), NULL if unnamed */
} nn_meta;

struct nn_spec {
    int n_inputs; /* 1 + conditioning inputs */
    int n_rec;    /* 1..NN_MAX_REC_LAYERS */
    nn_rec_spec rec[NN_MAX_REC_LAYERS];
    int n_dense; /* 0..NN_MAX_DENSE_LAYERS; the last output size must be 1 */
    nn_dense_spec dense[NN_MAX_DENSE_LAYERS];
    int skip; /* 1: add the (gained) audio input to the output */
    float in_gain_db, out_gain_db;
    double sample_rate; /* Hz; 0 = not stated by the file */
    nn_format source_format;
    nn_meta meta;
    /* Self-test pair some trainers store: output_batch = model(input_batch) from the initial
     * state. Audio-only input (conditioning at 0). NULL/0 when absent. */
    float *selftest_in, *selftest_out;
    size_t selftest_len;

    struct nn_arena_block *arena_; /* private */
};

static inline int nn_cell_gates(nn_cell c) { return c == NN_CELL_LSTM ? 4 : c == NN_CELL_GRU ? 3 : 1; }

/* An empty spec (meta.test_esr = NaN). */
void nn_spec_init(nn_spec *s);
void nn_spec_free(nn_spec *s);
/* Arena allocation, zeroed; NULL on out-of-memory. Freed by nn_spec_free. */
void *nn_spec_alloc(nn_spec *s, size_t bytes);
float *nn_spec_floats(nn_spec *s, size_t n);
const char *nn_spec_strdup(nn_spec *s, const char *str); /* NULL -> NULL */
/* Deep copy into `dst` (initialised here). Returns NN_OK or NN_ERR_NOMEM. */
nn_status nn_spec_copy(nn_spec *dst, const nn_spec *src);

/* Checks shapes, limits and values (all finite). Fills err with "<name>: <problem>". */
nn_status nn_spec_validate(const nn_spec *s, const char *name, nn_error *err);

size_t nn_spec_param_count(const nn_spec *s);
double nn_spec_macs_per_sample(const nn_spec *s);

/* Fills a spec with a freshly initialised network (uniform +-1/sqrt(H) as PyTorch, dense
 * likewise), deterministic for a seed. Used by the trainer and by tests/benchmarks. */
nn_status nn_spec_init_random(nn_spec *s, nn_cell type, int n_layers, int hidden, int n_cond, int skip, uint64_t seed);

#ifdef __cplusplus
}
#endif
#endif
