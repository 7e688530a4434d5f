/*
 * fuzz_checkpoint.c - libFuzzer target for the trainer's checkpoint reader (nn_trainer_resume,
 * nn/train/checkpoint.c): a checkpoint is a file the user hands back to `rnnfx train --resume`,
 * so it is input like any other. The bytes are the checkpoint; the recordings are a fixed
 * synthetic pair made here (a checkpoint only resumes on the data it was made with, which its
 * fingerprint checks - the seed corpus was written for exactly this pair).
 *
 * A checkpoint that does not resume must say why in one line. One that does must be usable:
 *   - saved again and resumed again, it gives the same file (a round trip changes nothing);
 *   - one more epoch trains (threads, batches, windows from the file's options), checkpointed;
 *   - the kept model exports (nn_trainer_final_spec) and builds, or says why in one line.
 *
 * To write the seed corpus (tests/fuzz/corpus/fuzz_checkpoint/), run the target with
 * RNNFX_FUZZ_WRITE_SEEDS=<folder>: it trains a few small networks for two epochs on the pair.
 */
#define _GNU_SOURCE /* memfd_create */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_memfile.h"
#include "nn.h"
#include "nn_spec.h"
#include "nn_train.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RATE 16000.0
#define FRAMES 8000 /* 0.5 s: 60 % train, 20 % validation, 20 % test */

static nn_tdata *tdata;
static int verbose; /* RNNFX_FUZZ_VERBOSE=1: one line per input, what became of it */
static float *sig_in, *sig_out;

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_checkpoint: %s: %s\n", what, detail);
    abort();
}

/* The pair: noise through a soft-ish clipper, in exact float arithmetic (no libm, no fused
 * operations), so that its fingerprint is the same with any compiler and options. */
static void make_data(void)
{
    sig_in = malloc(FRAMES * sizeof(float));
    sig_out = malloc(FRAMES * sizeof(float));
    if (!sig_in || !sig_out) die("data", "out of memory");
    uint32_t s = 12345;
    for (int i = 0; i < FRAMES; i++) {
        s = s * 1664525u + 1013904223u;
        float x = (float)(s >> 8) * (1.0f / 16777216.0f);
        x -= 0.5f;
        sig_in[i] = x;
        float y = x * 0.75f;
        sig_out[i] = y > 0.25f ? 0.25f : y < -0.25f ? -0.25f : y;
    }
    static const float *ch_in[1], *ch_out[1];
    ch_in[0] = sig_in;
    ch_out[0] = sig_out;
    nn_taudio in = {"fuzz_in.wav", ch_in, FRAMES, 1, RATE}, out = {"fuzz_out.wav", ch_out, FRAMES, 1, RATE};
    nn_error err = {0};
    tdata = nn_tdata_new();
    if (!tdata || nn_tdata_add(tdata, &in, &out, -1, NULL, 0, NN_ROLE_AUTO, &err) != NN_OK ||
        nn_tdata_split(tdata, NN_SPLIT_TIME, 0.2, 0.2, &err) != NN_OK)
        die("data", err.msg);
}

/* Seeds: small networks of each kind, two epochs each. */
static void write_seeds(const char *dir)
{
    struct {
        nn_cell type;
        int layers, hidden, threads, batch, cosine, twin;
        double clip;
        const char *name;
    } nets[] = {
        {NN_CELL_LSTM, 1, 4, 1, 4, 0, 0, 0, "lstm4"},
        {NN_CELL_GRU, 2, 3, 2, 3, 0, 1, 0, "gru2x3_threads2_twin"},
        {NN_CELL_RNN, 1, 5, 1, 8, 1, 0, 0.5, "rnn5_cosine_clip"},
    };
    for (size_t i = 0; i < sizeof nets / sizeof nets[0]; i++) {
        nn_train_opts o;
        nn_train_opts_default(&o);
        o.type = nets[i].type;
        o.layers = nets[i].layers;
        o.hidden = nets[i].hidden;
        o.threads = nets[i].threads;
        o.batch = nets[i].batch;
        o.cosine = nets[i].cosine;
        o.twin_bias = nets[i].twin;
        o.clip = nets[i].clip;
        o.segment = 0.05;
        o.warmup = 50;
        o.step = 250;
        o.epochs = 2;
        o.seed = i + 1;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.ckpt", dir, nets[i].name);
        nn_error err = {0};
        nn_trainer *t = nn_trainer_new(&o, tdata, NULL, &err);
        if (!t || nn_trainer_run(t, path, NULL, NULL, NULL, &err) != NN_OK) die("writing a seed", err.msg);
        nn_trainer_free(t);
        printf("wrote %s\n", path);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    /* The trainer's arena pads hidden sizes to the kernel's vector width, and a checkpoint holds
     * the arena: the portable kernel everywhere, so that the seeds resume on any CPU. */
    if (!nn_kernel_force("generic")) die("kernels", "no generic kernel");
    make_data();
    verbose = getenv("RNNFX_FUZZ_VERBOSE") != NULL;
    const char *seeds = getenv("RNNFX_FUZZ_WRITE_SEEDS");
    if (seeds && *seeds) {
        write_seeds(seeds);
        exit(0);
    }
    return 0;
}

/* The error contract: one line, naming the file. */
static void check_error(const nn_error *err, const char *path, const char *what)
{
    size_t n = strlen(path);
    int named = !strncmp(err->msg, path, n) && !strncmp(err->msg + n, ": ", 2);
    if (!err->msg[0] || strchr(err->msg, '\n') || !named) die(what, err->msg[0] ? err->msg : "(empty error message)");
    if (err->status == NN_OK) die(what, "an error with status NN_OK");
}

/* Where the round trip writes: memory (/dev/shm) when there is one - the writer syncs every file
 * it renames into place, which on a disk costs more than everything else here. */
static const char *tmp_dir(void) { return access("/dev/shm", W_OK) == 0 ? "/dev/shm" : P_tmpdir; }

/* The first `arrays` of parameters, Adam's two moments are zero on the padding. */
static void check_padding(nn_tnet *net, int arrays, const char *when)
{
    size_t n = nn_tnet_size(net), np = nn_tnet_param_indices(net, NULL);
    size_t *idx = malloc((np ? np : 1) * sizeof *idx);
    unsigned char *real = calloc(n ? n : 1, 1);
    if (!idx || !real) die("padding check", "out of memory");
    nn_tnet_param_indices(net, idx);
    for (size_t k = 0; k < np; k++) real[idx[k]] = 1;
    const float *a[3] = {nn_tnet_params(net), nn_tnet_moment1(net), nn_tnet_moment2(net)};
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < arrays; k++)
            if (!real[i] && a[k][i] != 0.0f) {
                char name[96];
                nn_tnet_param_name(net, i, name, sizeof name);
                fprintf(stderr, "fuzz_checkpoint: %s: array %d, %s = %g\n", when, k, name, (double)a[k][i]);
                die(when, "non-zero padding in the network");
            }
    free(idx);
    free(real);
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            unsigned char *nb = realloc(buf, cap = cap ? 2 * cap : 65536);
            if (!nb) break;
            buf = nb;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        if (!r) break;
        n += r;
    }
    fclose(f);
    *len = n;
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!tdata) LLVMFuzzerInitialize(NULL, NULL);
    char path[64];
    int fd = fuzz_memfile("fuzz_checkpoint", data, size, path, sizeof path);
    nn_error err = {0};
    nn_trainer *t = nn_trainer_resume(path, tdata, NULL, 0, &err);
    if (!t) {
        check_error(&err, path, "resume error");
        if (verbose) printf("refused: %s\n", err.msg);
        close(fd);
        return 0;
    }

    /* The arena's padding (hidden sizes rounded up to the vector width) is zero: the passes
     * rely on it (train_internal.h), the export drops it - a live padding would train another
     * network than the one exported. Resuming clears it, whatever the file held. */
    check_padding(nn_trainer_net(t), 3, "resume");

    /* Round trip: save, resume, save again: the same bytes. */
    char p1[128], p2[128];
    snprintf(p1, sizeof p1, "%s/rnnfx_fuzz_ckpt_%d_a", tmp_dir(), (int)getpid());
    snprintf(p2, sizeof p2, "%s/rnnfx_fuzz_ckpt_%d_b", tmp_dir(), (int)getpid());
    if (nn_trainer_save(t, p1, &err) != NN_OK) die("save of a resumed checkpoint", err.msg);
    nn_trainer *t2 = nn_trainer_resume(p1, tdata, NULL, 0, &err);
    if (!t2) die("resume of a saved checkpoint", err.msg);
    if (nn_trainer_save(t2, p2, &err) != NN_OK) die("second save", err.msg);
    nn_trainer_free(t2);
    size_t l1 = 0, l2 = 0;
    unsigned char *b1 = slurp(p1, &l1), *b2 = slurp(p2, &l2);
    if (!b1 || !b2 || l1 != l2 || memcmp(b1, b2, l1)) die("round trip", "saving a resumed checkpoint changed it");
    free(b1);
    free(b2);
    unlink(p2);

    /* The kept model exports. */
    nn_spec spec;
    if (nn_trainer_final_spec(t, NULL, &spec, &err) != NN_OK) {
        check_error(&err, path, "export error");
    } else {
        nn_model *m = nn_model_build(&spec, "exported", &err);
        if (!m) check_error(&err, "exported", "export build error");
        nn_model_free(m);
        nn_spec_free(&spec);
    }

    /* One more epoch, checkpointed. */
    int n_epochs = 0;
    nn_trainer_log(t, &n_epochs);
    nn_trainer_free(t);
    nn_train_opts over;
    nn_train_opts_default(&over);
    over.epochs = n_epochs + 1;
    t = nn_trainer_resume(path, tdata, &over, NN_OVERRIDE_EPOCHS, &err);
    close(fd);
    if (!t) die("resume with one more epoch", err.msg);
    if (verbose) printf("resumed after epoch %d\n", n_epochs);
    if (nn_trainer_run(t, p1, NULL, NULL, NULL, &err) != NN_OK) {
        check_error(&err, p1, "training error");
        if (verbose) printf("training error: %s\n", err.msg);
    } else {
        int after = 0;
        nn_trainer_log(t, &after);
        if (after != n_epochs + 1) die("training", "not exactly one more epoch");
        check_padding(nn_trainer_net(t), 1, "training"); /* Adam keeps the padded weights at zero */
    }
    nn_trainer_free(t);
    unlink(p1);
    return 0;
}
