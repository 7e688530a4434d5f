/* test_trainer.c - the training loop on a synthetic device generated here (a one-pole low-pass into a
 * tanh soft clipper, and a conditioned variant whose drive follows a knob):
 *   - a small LSTM learns it to a low test ESR in a couple of seconds;
 *   - the same seed gives the same bits (1 and 2 threads), another seed other bits;
 *   - an interrupted run (Ctrl-C mid-epoch) resumed from its checkpoint ends with the bits of an
 *     uninterrupted run; so does a run stopped by its budget and resumed with a larger one;
 *   - the exported model loads, passes its stored self-test exactly, reproduces the reported test
 *     ESR through the engine, and carries its metadata (rate, ESR, knob names, training JSON);
 *   - without a validation part, the epoch of the lowest training loss is kept and exported;
 *   - conditioning is learned (the knob changes the output as the device's does).
 * All of it with every kernel this CPU runs.
 */
#include "check.h"
#include "kernels.h"
#include "nn_train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RATE 16000.0

static uint64_t rng = 99;
static float frand(void)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((double)(rng >> 11) * (1.0 / 4503599627370496.0) - 1.0);
}

/* A guitar-ish test signal: decaying plucks of a few partials, with varying level. */
static void make_input(float *x, size_t n)
{
    double ph[3] = {0}, f[3] = {110, 220, 330}, env = 0;
    for (size_t i = 0; i < n; i++) {
        if (i % 4000 == 0) {
            env = 0.2 + 0.7 * (0.5 + 0.5 * frand());
            f[0] = 80 + 300 * (0.5 + 0.5 * frand());
            f[1] = 2 * f[0] * (1 + 0.01 * frand()), f[2] = 3 * f[0];
        }
        env *= 0.9996;
        double v = 0;
        for (int k = 0; k < 3; k++) {
            ph[k] += 2 * M_PI * f[k] / RATE;
            v += sin(ph[k]) / (k + 1);
        }
        x[i] = (float)(env * 0.6 * v + 0.01 * frand());
    }
}

/* The device: y = tanh(drive * lp(x)), lp a one-pole low-pass at ~2 kHz. */
static void device(const float *x, float *y, size_t n, double drive)
{
    double s = 0, a = exp(-2 * M_PI * 2000 / RATE);
    for (size_t i = 0; i < n; i++) {
        s = a * s + (1 - a) * x[i];
        y[i] = (float)(0.5 * tanh(drive * s));
    }
}

static nn_tdata *make_data(size_t n, int conditioned)
{
    nn_tdata *d = nn_tdata_new();
    int pairs = conditioned ? 2 : 1;
    for (int p = 0; p < pairs; p++) {
        float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
        make_input(x, n);
        float knob = conditioned ? (float)p : 0.0f;
        device(x, y, n, conditioned ? 1.0 + 5.0 * knob : 4.0);
        const float *xc[1] = {x}, *yc[1] = {y};
        nn_taudio a = {p ? "in2.wav" : "in.wav", xc, n, 1, RATE}, b = {p ? "out2.wav" : "out.wav", yc, n, 1, RATE};
        nn_error err;
        nn_status st = nn_tdata_add(d, &a, &b, -1, &knob, conditioned, NN_ROLE_AUTO, &err);
        CHECK(st == NN_OK, "add: %s", err.msg);
        free(x), free(y);
    }
    nn_error err;
    CHECK(nn_tdata_split(d, NN_SPLIT_TIME, 0.15, 0.15, &err) == NN_OK, "split: %s", err.msg);
    return d;
}

static void small_opts(nn_train_opts *o, int epochs, int threads)
{
    nn_train_opts_default(o);
    o->hidden = 8;
    o->segment = 0.25; /* 4000 samples */
    o->warmup = 100;
    o->step = 500;
    o->batch = 8;
    o->lr = 1e-2;
    o->epochs = epochs;
    o->threads = threads;
    o->seed = 3;
}

static int stop_after;
static volatile int stop_now;
static void stopper(void *ctx, const nn_train_progress *p)
{
    (void)ctx;
    if (!p->done && p->epoch == stop_after && p->step >= 3) stop_now = 1;
}

static int same_params(nn_trainer *a, nn_trainer *b)
{
    nn_tnet *na = nn_trainer_net(a), *nb = nn_trainer_net(b);
    return nn_tnet_size(na) == nn_tnet_size(nb) &&
           !memcmp(nn_tnet_params(na), nn_tnet_params(nb), nn_tnet_size(na) * sizeof(float));
}

static int same_logs(nn_trainer *a, nn_trainer *b)
{
    int na, nb;
    const nn_epoch_log *la = nn_trainer_log(a, &na), *lb = nn_trainer_log(b, &nb);
    if (na != nb) return 0;
    for (int i = 0; i < na; i++)
        if (la[i].train_loss != lb[i].train_loss || la[i].lr != lb[i].lr ||
            !(la[i].val_esr == lb[i].val_esr || (isnan(la[i].val_esr) && isnan(lb[i].val_esr))))
            return 0;
    return nn_trainer_best_epoch(a) == nn_trainer_best_epoch(b);
}

static nn_trainer *train(nn_tdata *d, const nn_train_opts *o, const char *ckpt)
{
    nn_error err;
    nn_trainer *t = nn_trainer_new(o, d, NULL, &err);
    CHECK(t, "trainer: %s", t ? "" : err.msg);
    if (!t) exit(check_exit());
    CHECK(nn_trainer_run(t, ckpt, NULL, NULL, NULL, &err) == NN_OK, "run: %s", err.msg);
    return t;
}

/* Everything above, with the kernel the caller forced; files go in dir. */
static void check_trainer(const char *dir)
{
    char ckpt[256], ckpt2[256], model[256];
    snprintf(ckpt, sizeof ckpt, "%s/a.ckpt", dir);
    snprintf(ckpt2, sizeof ckpt2, "%s/b.ckpt", dir);
    snprintf(model, sizeof model, "%s/model.json", dir);
    nn_error err;
    rng = 99; /* the same data with every kernel */

    nn_tdata *d = make_data((size_t)(10 * RATE), 0);

    /* 1. it learns: 40 epochs of an LSTM-8 (about a second) */
    nn_train_opts o;
    small_opts(&o, 40, 1);
    nn_trainer *t = train(d, &o, NULL);
    int n;
    const nn_epoch_log *log = nn_trainer_log(t, &n);
    nn_spec fs;
    const char *knob = NULL;
    CHECK(nn_trainer_final_spec(t, &knob, &fs, &err) == NN_OK, "final spec: %s", err.msg);
    printf("learned: %d epochs, first loss %.4f, last %.5f, kept epoch %d (val ESR %.5f), test ESR %.5f\n", n,
           log[0].train_loss, log[n - 1].train_loss, nn_trainer_best_epoch(t), nn_trainer_best_val_esr(t),
           fs.meta.test_esr);
    CHECK(n == 40, "ran %d epochs, not 40", n);
    CHECK(fs.meta.test_esr < 0.01, "test ESR %.4f after 40 epochs: not learning", fs.meta.test_esr);
    CHECK(log[n - 1].train_loss < 0.2 * log[0].train_loss, "loss went from %g to %g", log[0].train_loss,
          log[n - 1].train_loss);

    /* 2. export: loads, self-test exact, the ESR it reports is what the engine measures */
    nn_model *m = nn_model_build(&fs, "trained", &err);
    CHECK(m && nn_model_write_keras(m, model, &err) == NN_OK, "write: %s", err.msg);
    nn_model_free(m);
    nn_model *back = nn_model_load_file(model, &err);
    CHECK(back, "load: %s", err.msg);
    if (back) {
        double st_err;
        size_t st_n;
        CHECK(nn_model_selftest(back, &st_err, &st_n) == 1 && st_n == 2048 && st_err == 0.0,
              "self-test: %zu samples, error %g", st_n, st_err);
        const nn_spec *bs = nn_model_spec(back);
        CHECK(bs->sample_rate == RATE, "sample rate %g", bs->sample_rate);
        CHECK(fabs(bs->meta.test_esr - fs.meta.test_esr) <= 1e-8 * fs.meta.test_esr, "stored ESR %.9g != reported %.9g",
              bs->meta.test_esr, fs.meta.test_esr);
        CHECK(bs->meta.training && strstr(bs->meta.training, "\"hidden\":8") &&
                  strstr(bs->meta.training, "\"best_epoch\""),
              "training settings: %s", bs->meta.training ? bs->meta.training : "(none)");
        CHECK(bs->meta.description && strstr(bs->meta.description, "test:"), "description: %s",
              bs->meta.description ? bs->meta.description : "(none)");
        double esr = nn_trainer_eval(t, back, 2);
        CHECK(esr == fs.meta.test_esr, "the exported model's test ESR %.9g differs from the reported %.9g", esr,
              fs.meta.test_esr);
        CHECK(nn_aidax_incompatibility(bs) == NULL, "AIDA-X: %s", nn_aidax_incompatibility(bs));
        nn_model_free(back);
    }
    nn_spec_free(&fs);
    nn_trainer_free(t);

    /* 3. determinism: same seed, same bits; another seed, other bits; 2 threads likewise */
    small_opts(&o, 3, 1);
    nn_trainer *a = train(d, &o, NULL), *b = train(d, &o, NULL);
    CHECK(same_params(a, b) && same_logs(a, b), "two runs with seed 3 differ");
    o.seed = 4;
    nn_trainer *c = train(d, &o, NULL);
    CHECK(!same_params(a, c), "seeds 3 and 4 gave the same network");
    nn_trainer_free(c);
    o.seed = 3;
    o.threads = 2;
    nn_trainer *a2 = train(d, &o, NULL), *b2 = train(d, &o, NULL);
    CHECK(same_params(a2, b2) && same_logs(a2, b2), "two runs with 2 threads differ");
    int na2;
    const nn_epoch_log *l1 = nn_trainer_log(a, &n), *l2 = nn_trainer_log(a2, &na2);
    CHECK(fabs(l1[n - 1].train_loss - l2[na2 - 1].train_loss) < 0.05 * l1[n - 1].train_loss,
          "1 and 2 threads train differently: loss %g vs %g", l1[n - 1].train_loss, l2[na2 - 1].train_loss);
    nn_trainer_free(a2);
    nn_trainer_free(b2);
    nn_trainer_free(b);

    /* 4. interrupted mid-epoch 2, resumed: the bits of the uninterrupted 3-epoch run `a` */
    o.threads = 1;
    t = nn_trainer_new(&o, d, NULL, &err);
    stop_after = 2;
    stop_now = 0;
    CHECK(nn_trainer_run(t, ckpt, &stop_now, stopper, NULL, &err) == NN_OK, "run: %s", err.msg);
    CHECK(nn_trainer_end_reason(t) == NN_TRAIN_INTERRUPTED, "not interrupted");
    nn_trainer_log(t, &n);
    CHECK(n == 1, "%d epochs finished before the interruption, expected 1", n);
    nn_trainer_free(t);
    t = nn_trainer_resume(ckpt, d, NULL, 0, &err);
    CHECK(t, "resume: %s", t ? "" : err.msg);
    if (t) {
        CHECK(nn_trainer_run(t, ckpt, NULL, NULL, NULL, &err) == NN_OK, "run: %s", err.msg);
        CHECK(same_params(a, t) && same_logs(a, t), "interrupted + resumed differs from uninterrupted");
        nn_trainer_free(t);
    }
    /* a budget of 1 epoch, resumed with a budget of 3 (with the plateau rule: a cosine schedule
     * is drawn over the budget, so a larger budget changes the rates from then on) */
    o.cosine = 0;
    nn_trainer_free(a);
    a = train(d, &o, NULL);
    o.epochs = 1;
    t = train(d, &o, ckpt2);
    nn_trainer_free(t);
    nn_train_opts more = o;
    more.epochs = 3;
    t = nn_trainer_resume(ckpt2, d, &more, NN_OVERRIDE_EPOCHS, &err);
    CHECK(t, "resume: %s", t ? "" : err.msg);
    if (t) {
        CHECK(nn_trainer_run(t, ckpt2, NULL, NULL, NULL, &err) == NN_OK, "run: %s", err.msg);
        CHECK(same_params(a, t) && same_logs(a, t), "1 epoch + resumed 2 differs from 3 epochs");
        nn_trainer_free(t);
    }
    nn_trainer_free(a);
    /* a checkpoint does not resume on other data */
    nn_tdata *other = make_data((size_t)(10 * RATE), 0);
    t = nn_trainer_resume(ckpt2, other, NULL, 0, &err);
    CHECK(!t && strstr(err.msg, "other recordings"), "resumed on other data (%s)", t ? "accepted" : err.msg);
    nn_trainer_free(t);
    nn_tdata_free(other);
    nn_tdata_free(d);

    /* 5. without a validation part, the epoch kept is the one of the lowest training loss (never
     * the test part's choice), and it is what gets exported. A rate too high for the network, no
     * clipping, no schedule: the loss bounces, so that the last epoch is not the best. */
    d = make_data((size_t)(10 * RATE), 0);
    CHECK(nn_tdata_split(d, NN_SPLIT_TIME, 0, 0.15, &err) == NN_OK, "split: %s", err.msg);
    small_opts(&o, 12, 1);
    o.lr = 0.08;
    o.clip = 0;
    o.cosine = 0;
    t = train(d, &o, NULL);
    log = nn_trainer_log(t, &n);
    int lowest = 0;
    for (int i = 1; i < n; i++)
        if (log[i].train_loss <= log[lowest].train_loss) lowest = i;
    printf("no validation: training loss");
    for (int i = 0; i < n; i++) printf(" %.4g", log[i].train_loss);
    printf("; kept epoch %d\n", nn_trainer_best_epoch(t));
    CHECK(n == 12 && nn_trainer_best_epoch(t) == log[lowest].epoch && isnan(nn_trainer_best_val_esr(t)),
          "no validation: kept epoch %d, the lowest training loss is epoch %d's", nn_trainer_best_epoch(t),
          log[lowest].epoch);
    CHECK(lowest != n - 1, "the loss did not bounce: this part of the test proves nothing");
    CHECK(nn_trainer_final_spec(t, NULL, &fs, &err) == NN_OK, "final spec: %s", err.msg);
    CHECK(fs.meta.test_esr == log[lowest].test_esr, "exported test ESR %.9g, epoch %d's %.9g", fs.meta.test_esr,
          log[lowest].epoch, log[lowest].test_esr);
    nn_spec_free(&fs);
    nn_trainer_free(t);
    nn_tdata_free(d);

    /* 6. conditioning: a knob (0: drive 1, 1: drive 6) learned as an input */
    d = make_data((size_t)(8 * RATE), 1);
    small_opts(&o, 40, 1);
    t = train(d, &o, NULL);
    const char *names[1] = {"drive"};
    CHECK(nn_trainer_final_spec(t, names, &fs, &err) == NN_OK, "final spec: %s", err.msg);
    printf("conditioned: test ESR %.5f\n", fs.meta.test_esr);
    CHECK(fs.meta.test_esr < 0.02, "conditioned test ESR %.4f", fs.meta.test_esr);
    CHECK(fs.n_inputs == 2 && fs.meta.cond_names[0] && !strcmp(fs.meta.cond_names[0], "drive"), "knob name lost");
    m = nn_model_build(&fs, "cond", &err);
    if (m) { /* the knob matters as it does for the device: drive 6 compresses a loud sine more */
        nn_state *st = nn_state_new(m, NULL);
        float x[4000], y0[4000], y1[4000], ref0[4000], ref1[4000];
        for (int i = 0; i < 4000; i++) x[i] = 0.5f * sinf(2 * (float)M_PI * 200 * (float)i / (float)RATE);
        nn_state_set_cond(st, 0, 0.0f);
        nn_state_reset(st);
        nn_run(st, x, y0, 4000);
        nn_state_set_cond(st, 0, 1.0f);
        nn_state_reset(st);
        nn_run(st, x, y1, 4000);
        device(x, ref0, 4000, 1.0);
        device(x, ref1, 4000, 6.0);
        double e0 = 0, e1 = 0, d0 = 0, d1 = 0;
        for (int i = 1000; i < 4000; i++) {
            e0 += (y0[i] - ref0[i]) * (y0[i] - ref0[i]), d0 += ref0[i] * ref0[i];
            e1 += (y1[i] - ref1[i]) * (y1[i] - ref1[i]), d1 += ref1[i] * ref1[i];
        }
        printf("knob 0: ESR %.4f, knob 1: ESR %.4f on a sine\n", e0 / d0, e1 / d1);
        CHECK(e0 / d0 < 0.05 && e1 / d1 < 0.05, "the knob is not learned (ESR %.3f at 0, %.3f at 1)", e0 / d0, e1 / d1);
        nn_state_free(st);
        nn_model_free(m);
    }
    nn_spec_free(&fs);
    nn_trainer_free(t);
    nn_tdata_free(d);

    unlink(ckpt), unlink(ckpt2), unlink(model);
}

int main(void)
{
    char dir[] = "/tmp/rnnfx-test-trainer-XXXXXX";
    if (!mkdtemp(dir)) check_skip("cannot make a temporary folder");
    for (const char *k = test_kernel_first(); k; k = test_kernel_next()) check_trainer(dir);
    rmdir(dir);
    return check_exit();
}
