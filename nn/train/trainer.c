/*
 * trainer.c - the training loop: the recipe's epochs of shuffled segments, batches split over
 * worker threads, Adam steps every window, validation with the engine, the best model kept.
 *
 *   epoch:   shuffle the training segments (seeded by seed and epoch: resuming needs no RNG state)
 *     batch: `batch` segments start from the initial state, split into one chunk per thread
 *       window (warm-up + step samples first, then step): gather x and target [T][B]
 *              -> forward (threads, each its chunk) -> loss over the whole batch (here)
 *              -> backward (threads, each into its own gradient array) -> sum (fixed order) -> Adam
 *     then: validation and test ESR with nn_run on the model built from the parameters (what
 *           `rnnfx eval` will measure), best kept, plateau rule, early stopping, checkpoint.
 *
 * Determinism: for a given seed and thread count the bits are the same run after run, and a
 * resumed run gives the bits of an uninterrupted one (tests/train/test_trainer.c).
 */
#include "train_internal.h"

#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- options ----------------------------------------------------------------------------------- */

/* The recipe of the published amp-modelling work (Automated-GuitarAmpModelling's PyTorch
 * training; BENCHMARKS.md compares against it): plateau rule on the training loss, no clipping;
 * PyTorch's two biases per gate are reproduced (twin_bias). */
void nn_train_opts_recipe(nn_train_opts *o)
{
    memset(o, 0, sizeof *o);
    o->type = NN_CELL_LSTM;
    o->layers = 1;
    o->hidden = 16;
    o->skip = 1;
    o->segment = 0.5;
    o->warmup = 200;
    o->step = 1000;
    o->batch = 50;
    o->lr = 5e-3;
    o->weight_decay = 1e-4;
    o->epochs = 200;
    o->patience = 40;
    o->plateau = 5;
    o->plateau_factor = 0.5;
    o->plateau_on_val = 0;
    o->twin_bias = 1;
    nn_loss_default(&o->loss);
    o->seed = 0;
    o->threads = 1;
}

/* rnnfx's defaults: the recipe, but the learning rate follows a cosine from 1e-2 to 5e-5 over
 * the budget, the gradient norm is clipped to 1, and no early stopping (the cosine's low rates
 * come last: validation ESR wanders for the first half, and patience 40 stopped a GRU-16 at
 * epoch 156 of 200; the best epoch is kept anyway). The plateau rule, watching a training loss
 * that jumps from epoch to epoch, halved the rate to nothing within ~60 epochs on the morphdrive
 * pedals (GRU-16, zendrive: stuck at test ESR 0.0121); a blow-up of the loss (LSTM-16, epoch 16:
 * 0.046 -> 0.23) then left it stuck too. With the cosine and clipping the same runs reach 0.0027
 * and 0.0095 (BENCHMARKS.md, "Training"). */
void nn_train_opts_default(nn_train_opts *o)
{
    nn_train_opts_recipe(o);
    /* Twice the recipe's peak rate: under the cosine it is high only early, and there it carries
     * the networks out of the poorer minima that 5e-3 settles in by epoch ~60 (the Zendrive GRU-16
     * went from 0.0068 / 0.0025 / 0.0030 over seeds 0-2 to 0.0027 / 0.0023 / 0.0028, its LSTM-16
     * from 0.0095 to 0.0025; BENCHMARKS.md, "Training: quality on morphdrive"). */
    o->lr = 1e-2;
    o->patience = 0;
    o->cosine = 1;
    o->lr_min = 5e-5;
    o->clip = 1.0;
}

json_t *tn_opts_tree(const nn_train_opts *o)
{
    return json_pack("{s:s, s:i, s:i, s:b, s:f, s:i, s:i, s:i, s:f, s:f, s:i, s:i, s:i, s:f, s:s, s:f, s:f, s:f, "
                     "s:I, s:i, s:f, s:s, s:f, s:b}",
                     "type", nn_cell_name(o->type), "layers", o->layers, "hidden", o->hidden, "skip", o->skip,
                     "segment", o->segment, "warmup", o->warmup, "step", o->step, "batch", o->batch, "lr", o->lr,
                     "weight_decay", o->weight_decay, "epochs", o->epochs, "patience", o->patience, "plateau",
                     o->plateau, "plateau_factor", o->plateau_factor, "plateau_on", o->plateau_on_val ? "val" : "train",
                     "loss_esr", o->loss.esr_weight, "loss_dc", o->loss.dc_weight, "pre_emphasis", o->loss.pre_emph,
                     "seed", (json_int_t)o->seed, "threads", o->threads, "clip", o->clip, "schedule",
                     o->cosine ? "cosine" : "plateau", "lr_min", o->lr_min, "twin_bias", o->twin_bias);
}

int tn_opts_from_tree(const json_t *j, nn_train_opts *o)
{
    nn_train_opts_default(o);
    const char *type = NULL, *pon = NULL;
    int skip = 1;
    json_int_t seed = 0;
    if (json_unpack((json_t *)j,
                    "{s:s, s:i, s:i, s:b, s:F, s:i, s:i, s:i, s:F, s:F, s:i, s:i, s:i, s:F, s:s, s:F, s:F, s:F, s:I, "
                    "s:i}",
                    "type", &type, "layers", &o->layers, "hidden", &o->hidden, "skip", &skip, "segment", &o->segment,
                    "warmup", &o->warmup, "step", &o->step, "batch", &o->batch, "lr", &o->lr, "weight_decay",
                    &o->weight_decay, "epochs", &o->epochs, "patience", &o->patience, "plateau", &o->plateau,
                    "plateau_factor", &o->plateau_factor, "plateau_on", &pon, "loss_esr", &o->loss.esr_weight,
                    "loss_dc", &o->loss.dc_weight, "pre_emphasis", &o->loss.pre_emph, "seed", &seed, "threads",
                    &o->threads))
        return -1;
    if (nn_cell_parse(type, &o->type)) return -1;
    const json_t *clip = json_object_get(j, "clip");
    o->clip = json_is_number(clip) ? json_number_value(clip) : 0;
    const char *sched = json_string_value(json_object_get(j, "schedule"));
    o->cosine = sched && !strcmp(sched, "cosine");
    o->twin_bias = json_is_true(json_object_get(j, "twin_bias"));
    const json_t *lrm = json_object_get(j, "lr_min");
    o->lr_min = json_is_number(lrm) ? json_number_value(lrm) : 0;
    o->skip = skip;
    o->seed = (uint64_t)seed;
    o->plateau_on_val = pon && !strcmp(pon, "val");
    return 0;
}

/* ---- a tiny worker pool: run fn(arg, worker) on every worker, the caller being worker 0 -------- */


static void *pool_main(void *v)
{
    pool_seat *s = v;
    pool *p = s->p;
    long seen = 0;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->gen == seen && !p->quit) pthread_cond_wait(&p->go, &p->mu);
        if (p->quit) break;
        seen = p->gen;
        job_fn fn = p->fn;
        void *arg = p->arg;
        pthread_mutex_unlock(&p->mu);
        fn(arg, s->id);
        pthread_mutex_lock(&p->mu);
        if (--p->pending == 0) pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}


static int pool_init(pool *p, int n, pool_start *ps)
{
    memset(p, 0, sizeof *p);
    p->n = n < 1 ? 1 : n > 64 ? 64 : n;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->go, NULL);
    pthread_cond_init(&p->done, NULL);
    for (int i = 1; i < p->n; i++) {
        ps->seat[i].p = p;
        ps->seat[i].id = i;
        if (pthread_create(&p->th[i], NULL, pool_main, &ps->seat[i]) != 0) {
            p->n = i;
            break;
        }
    }
    return p->n;
}

static void pool_run(pool *p, job_fn fn, void *arg)
{
    if (p->n > 1) {
        pthread_mutex_lock(&p->mu);
        p->fn = fn;
        p->arg = arg;
        p->pending = p->n - 1;
        p->gen++;
        pthread_cond_broadcast(&p->go);
        pthread_mutex_unlock(&p->mu);
    }
    fn(arg, 0);
    if (p->n > 1) {
        pthread_mutex_lock(&p->mu);
        while (p->pending) pthread_cond_wait(&p->done, &p->mu);
        pthread_mutex_unlock(&p->mu);
    }
}

static void pool_end(pool *p)
{
    pthread_mutex_lock(&p->mu);
    p->quit = 1;
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->mu);
    for (int i = 1; i < p->n; i++) pthread_join(p->th[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->go);
    pthread_cond_destroy(&p->done);
}

/* ---- the trainer --------------------------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++) h = (h ^ c[i]) * 0x100000001b3ull;
    return h;
}

static uint64_t data_fingerprint(const nn_tdata *d)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (int i = 0; i < d->n_pairs; i++) {
        const tn_pair *p = &d->pairs[i];
        size_t r[7] = {p->n, p->train_from, p->train_to, p->val_from, p->val_to, p->test_from, p->test_to};
        h = fnv(h, r, sizeof r);
        h = fnv(h, p->cond, sizeof p->cond);
        /* every 7th sample of each: enough to tell recordings apart, fast */
        for (size_t k = 0; k < p->n; k += 7) {
            h = fnv(h, &p->x[k], sizeof(float));
            h = fnv(h, &p->y[k], sizeof(float));
        }
    }
    return h;
}

static void chunk_bounds(int B, int nw, int c, int *b0, int *b1)
{
    *b0 = (int)((long)B * c / nw);
    *b1 = (int)((long)B * (c + 1) / nw);
}

static int build_clips(nn_trainer *t)
{
    for (int k = 1; k <= 2; k++) {
        int n = 0;
        for (int i = 0; i < t->data->n_pairs; i++) {
            const tn_pair *p = &t->data->pairs[i];
            size_t from = k == 1 ? p->val_from : p->test_from, to = k == 1 ? p->val_to : p->test_to;
            if (to > from) n++;
        }
        t->clips[k] = calloc((size_t)(n ? n : 1), sizeof(clip));
        if (!t->clips[k]) return -1;
        t->n_clips[k] = 0;
        for (int i = 0; i < t->data->n_pairs; i++) {
            const tn_pair *p = &t->data->pairs[i];
            size_t from = k == 1 ? p->val_from : p->test_from, to = k == 1 ? p->val_to : p->test_to;
            if (to > from) t->clips[k][t->n_clips[k]++] = (clip){i, from, to};
        }
    }
    return 0;
}

nn_trainer *tn_trainer_alloc(const nn_train_opts *o, nn_tdata *data, const nn_spec *spec, nn_error *err)
{
    nn_trainer *t = calloc(1, sizeof *t);
    if (!t) {
        nn_fail(err, NN_ERR_NOMEM, "trainer", "out of memory");
        return NULL;
    }
    t->o = *o;
    t->data = data;
    pthread_mutex_init(&t->eval_mu, NULL);
    if (o->segment <= 0 || o->warmup < 0 || o->step < 1 || o->batch < 1 || o->epochs < 0 || !(o->lr > 0) ||
        o->threads < 1 || o->threads > 64 || o->plateau < 0 || !(o->plateau_factor > 0 && o->plateau_factor <= 1)) {
        nn_fail(err, NN_ERR_ARG, "trainer", "invalid options (segment, warm-up, step, batch, lr, threads 1..64)");
        goto fail;
    }
    t->seg_len = (int)lround(o->segment * data->rate);
    if (t->seg_len < o->warmup + o->step) {
        nn_fail(err, NN_ERR_ARG, "trainer",
                "segments of %d samples (%.3f s) cannot hold the warm-up (%d) and one step (%d)", t->seg_len,
                o->segment, o->warmup, o->step);
        goto fail;
    }
    t->n_win = (t->seg_len - o->warmup - o->step) / o->step + 1;
    for (int i = 0; i < data->n_pairs; i++) {
        const tn_pair *p = &data->pairs[i];
        t->n_seg += (int)((p->train_to - p->train_from) / (size_t)t->seg_len);
    }
    if (t->n_seg == 0) {
        double tr;
        nn_tdata_durations(data, &tr, NULL, NULL);
        nn_fail(err, NN_ERR_ARG, "trainer", "%.2f s of training audio: not one segment of %.3f s", tr, o->segment);
        goto fail;
    }
    t->seg = calloc((size_t)t->n_seg, sizeof *t->seg);
    t->order = calloc((size_t)t->n_seg, sizeof *t->order);
    if (!t->seg || !t->order) goto nomem;
    int k = 0;
    for (int i = 0; i < data->n_pairs; i++) {
        const tn_pair *p = &data->pairs[i];
        for (size_t s = p->train_from; s + (size_t)t->seg_len <= p->train_to; s += (size_t)t->seg_len)
            t->seg[k++] = (segment){i, s};
    }
    if (build_clips(t)) goto nomem;

    t->net = nn_tnet_new(spec, err);
    if (!t->net) goto fail;
    if (t->net->n_cond != nn_tdata_num_cond(data)) {
        nn_fail(err, NN_ERR_ARG, "trainer", "the network has %d conditioning inputs, the data %d", t->net->n_cond,
                nn_tdata_num_cond(data));
        goto fail;
    }
    t->net->bias_lr2 = o->twin_bias;
    t->B = o->batch < t->n_seg ? o->batch : t->n_seg;
    t->T = o->warmup + o->step;
    size_t tb = (size_t)t->B * (size_t)t->T;
    t->x = malloc(tb * sizeof(float));
    t->tg = malloc(tb * sizeof(float));
    t->y = malloc(tb * sizeof(float));
    t->dy = malloc(tb * sizeof(float));
    t->best = nn_aligned_alloc(t->net->n * sizeof(float));
    if (!t->x || !t->tg || !t->y || !t->dy || !t->best) goto nomem;
    openblas_set_num_threads(1); /* we parallelise over the batch ourselves */
    t->nw = pool_init(&t->pool, o->threads, &t->pool_start);
    t->max_chunk = (t->B + t->nw - 1) / t->nw;
    for (int c = 0; c < t->nw; c++) {
        worker *w = &t->w[c];
        w->tb = nn_tbatch_new(t->net, t->max_chunk, t->T, err);
        if (!w->tb) goto fail;
        w->grads = t->nw > 1 ? nn_aligned_alloc(t->net->n * sizeof(float)) : t->net->grads;
        w->xbuf = malloc(4096 * sizeof(float));
        w->ybuf = malloc(4096 * sizeof(float));
        if (!w->grads || !w->xbuf || !w->ybuf) goto nomem;
    }
    nn_adam_default(&t->adam);
    t->adam.lr = o->lr;
    t->adam.weight_decay = o->weight_decay;
    t->lr = o->lr;
    t->best_val = NAN;
    t->plat_best = INFINITY;
    memcpy(t->best, t->net->params, t->net->n * sizeof(float));
    t->fingerprint = data_fingerprint(data);
    return t;
nomem:
    nn_fail(err, NN_ERR_NOMEM, "trainer", "out of memory");
fail:
    nn_trainer_free(t);
    return NULL;
}

nn_trainer *nn_trainer_new(const nn_train_opts *o, nn_tdata *data, const nn_spec *init, nn_error *err)
{
    nn_spec fresh;
    const nn_spec *spec = init;
    if (!spec) {
        nn_status st = nn_spec_init_random(&fresh, o->type, o->layers, o->hidden, nn_tdata_num_cond(data), o->skip,
                                           o->seed);
        if (st != NN_OK) {
            nn_fail(err, st, "trainer", "cannot make a %s network of %d x %d (1..%d layers, 1..%d units)",
                    nn_cell_name(o->type), o->layers, o->hidden, NN_MAX_REC_LAYERS, NN_MAX_HIDDEN);
            return NULL;
        }
        spec = &fresh;
    }
    nn_trainer *t = tn_trainer_alloc(o, data, spec, err);
    if (!init) nn_spec_free(&fresh);
    return t;
}

void nn_trainer_free(nn_trainer *t)
{
    if (!t) return;
    if (t->nw) pool_end(&t->pool);
    for (int c = 0; c < t->nw; c++) {
        nn_tbatch_free(t->w[c].tb);
        if (t->nw > 1) nn_aligned_free(t->w[c].grads);
        free(t->w[c].xbuf);
        free(t->w[c].ybuf);
    }
    nn_tnet_free(t->net);
    free(t->seg);
    free(t->order);
    free(t->x), free(t->tg), free(t->y), free(t->dy);
    nn_aligned_free(t->best);
    free(t->clips[1]), free(t->clips[2]);
    free(t->log);
    pthread_mutex_destroy(&t->eval_mu);
    free(t);
}

/* ---- one epoch -------------------------------------------------------------------------------- */

static void job_forward(void *arg, int c)
{
    nn_trainer *t = arg;
    worker *w = &t->w[c];
    if (w->b1 > w->b0) nn_tbatch_forward(w->tb, t->x + w->b0, t->B, t->T, t->y + w->b0, t->B);
}

static void job_backward(void *arg, int c)
{
    nn_trainer *t = arg;
    worker *w = &t->w[c];
    if (t->nw > 1) memset(w->grads, 0, t->net->n * sizeof(float));
    if (w->b1 > w->b0) nn_tbatch_backward(w->tb, t->dy + w->b0, t->B, w->grads);
}

static void shuffle(nn_trainer *t, int epoch)
{
    uint64_t s = t->o.seed * 0x9E3779B97F4A7C15ull + (uint64_t)epoch * 0xD1B54A32D192ED03ull + 1;
    for (int i = 0; i < t->n_seg; i++) t->order[i] = i;
    for (int i = t->n_seg - 1; i > 0; i--) {
        int j = (int)(splitmix64(&s) % (uint64_t)(i + 1));
        int tmp = t->order[i];
        t->order[i] = t->order[j];
        t->order[j] = tmp;
    }
}

/* Returns 1 when stopped by *stop. */
static int train_epoch(nn_trainer *t, int epoch, volatile int *stop, nn_train_progress_fn fn, void *ctx, double t_start,
                       double *mean_loss, double *mean_gnorm)
{
    double gnorm_sum = 0;
    const nn_train_opts *o = &t->o;
    shuffle(t, epoch);
    int batches = (t->n_seg + o->batch - 1) / o->batch, steps = batches * t->n_win, done = 0;
    double loss_sum = 0;
    int loss_n = 0;
    for (int bi = 0; bi < batches; bi++) {
        int B = t->n_seg - bi * o->batch;
        if (B > o->batch) B = o->batch;
        t->B = B;
        const int *segs = t->order + bi * o->batch;
        for (int c = 0; c < t->nw; c++) {
            worker *w = &t->w[c];
            chunk_bounds(B, t->nw, c, &w->b0, &w->b1);
            float cond[64 * NN_MAX_COND];
            float *cv = w->b1 - w->b0 <= 64 ? cond : malloc(sizeof(float) * (size_t)(w->b1 - w->b0) * NN_MAX_COND);
            int nc = t->net->n_cond;
            for (int e = w->b0; e < w->b1; e++)
                for (int k = 0; k < nc; k++) cv[(e - w->b0) * nc + k] = t->data->pairs[t->seg[segs[e]].pair].cond[k];
            nn_tbatch_start(w->tb, w->b1 - w->b0, cv);
            if (cv != cond) free(cv);
        }
        size_t pos = 0;
        for (int wi = 0; wi < t->n_win; wi++) {
            int T = wi == 0 ? o->warmup + o->step : o->step, t0 = wi == 0 ? o->warmup : 0;
            t->T = T;
            for (int e = 0; e < B; e++) {
                const segment *sg = &t->seg[segs[e]];
                const tn_pair *p = &t->data->pairs[sg->pair];
                const float *xs = p->x + sg->from + pos, *ys = p->y + sg->from + pos;
                for (int s = 0; s < T; s++) {
                    t->x[(size_t)s * (size_t)B + (size_t)e] = xs[s];
                    t->tg[(size_t)s * (size_t)B + (size_t)e] = ys[s];
                }
            }
            pos += (size_t)T;
            pool_run(&t->pool, job_forward, t);
            nn_loss_parts lp;
            nn_loss_forward(&o->loss, t->y, t->tg, B, T, B, t0, &lp);
            if (isfinite(lp.loss)) {
                nn_loss_backward(&o->loss, t->y, t->tg, B, T, B, t0, &lp, t->dy, B);
                if (t->nw == 1) nn_tnet_zero_grads(t->net);
                pool_run(&t->pool, job_backward, t);
                if (t->nw > 1) {
                    float *g = t->net->grads;
                    memcpy(g, t->w[0].grads, t->net->n * sizeof *g);
                    for (int c = 1; c < t->nw; c++)
                        for (size_t i = 0; i < t->net->n; i++) g[i] += t->w[c].grads[i];
                }
                /* global gradient norm; clipped when asked */
                double g2 = 0;
                const float *g = t->net->grads;
                for (size_t i = 0; i < t->net->n; i++) g2 += (double)g[i] * g[i];
                double gn = sqrt(g2);
                gnorm_sum += gn;
                if (o->clip > 0 && gn > o->clip) {
                    float k = (float)(o->clip / gn);
                    for (size_t i = 0; i < t->net->n; i++) t->net->grads[i] *= k;
                }
                if (o->cosine) {
                    double lo = o->lr_min > 0 ? o->lr_min : o->lr / 100;
                    double x = ((double)(epoch - 1) * steps + done) / ((double)o->epochs * steps);
                    t->lr = lo + 0.5 * (o->lr - lo) * (1 + cos(M_PI * (x < 1 ? x : 1)));
                }
                t->adam.lr = t->lr;
                nn_tnet_adam_step(t->net, &t->adam);
                loss_sum += lp.loss;
                loss_n++;
            }
            done++;
            if (stop && *stop) return 1;
            if (fn) {
                double now = now_s();
                nn_train_progress p;
                memset(&p, 0, sizeof p);
                p.epoch = epoch;
                p.epochs = o->epochs;
                p.batch = bi + 1;
                p.batches = batches;
                p.step = done;
                p.steps = steps;
                p.loss = loss_n ? loss_sum / loss_n : NAN;
                p.lr = t->lr;
                p.val_esr = t->n_log ? t->log[t->n_log - 1].val_esr : NAN;
                p.best_val_esr = t->best_val;
                p.best_epoch = t->best_epoch;
                p.elapsed = now - t_start;
                int ep_done = epoch - 1 - (t->n_log ? t->log[0].epoch - 1 : 0);
                double per = (now - t_start) / ((double)ep_done + (double)done / steps);
                p.eta = per * ((double)(o->epochs - epoch) + 1.0 - (double)done / steps);
                fn(ctx, &p);
            }
        }
    }
    *mean_loss = loss_n ? loss_sum / loss_n : NAN;
    *mean_gnorm = loss_n ? gnorm_sum / loss_n : NAN;
    return 0;
}

/* ---- evaluation with the engine ------------------------------------------------------------- */

static void job_eval(void *arg, int c)
{
    nn_trainer *t = arg;
    worker *w = &t->w[c];
    nn_state *st = nn_state_new(t->eval_model, NULL);
    for (;;) {
        pthread_mutex_lock(&t->eval_mu);
        int i = t->eval_next++;
        pthread_mutex_unlock(&t->eval_mu);
        if (i >= t->eval_n) break;
        const clip *cl = &t->eval_clips[i];
        const tn_pair *p = &t->data->pairs[cl->pair];
        double num = 0, den = 0;
        if (st) {
            for (int k = 0; k < t->net->n_cond; k++) nn_state_set_cond(st, k, p->cond[k]);
            nn_state_reset(st);
            for (size_t s = cl->from; s < cl->to; s += 4096) {
                size_t n = cl->to - s < 4096 ? cl->to - s : 4096;
                if (nn_run(st, p->x + s, w->ybuf, n) != 0) num = INFINITY;
                for (size_t j = 0; j < n; j++) {
                    double d = (double)w->ybuf[j] - p->y[s + j];
                    num += d * d;
                    den += (double)p->y[s + j] * p->y[s + j];
                }
            }
        } else {
            num = NAN;
        }
        t->eval_num[i] = num;
        t->eval_den[i] = den;
    }
    nn_state_free(st);
}

/* Plain ESR over the clips of part `which` (1 validation, 2 test), energy-weighted. */
double nn_trainer_eval(nn_trainer *t, const nn_model *m, int which)
{
    if (which < 1 || which > 2 || !t->n_clips[which]) return NAN;
    int n = t->n_clips[which];
    t->eval_model = m;
    t->eval_clips = t->clips[which];
    t->eval_n = n;
    t->eval_next = 0;
    t->eval_num = calloc((size_t)n, sizeof(double));
    t->eval_den = calloc((size_t)n, sizeof(double));
    double num = 0, den = 0;
    if (t->eval_num && t->eval_den) {
        pool_run(&t->pool, job_eval, t);
        for (int i = 0; i < n; i++) num += t->eval_num[i], den += t->eval_den[i];
    } else {
        num = NAN;
    }
    free(t->eval_num), free(t->eval_den);
    t->eval_num = t->eval_den = NULL;
    return den > 0 ? num / den : NAN;
}

static nn_model *model_of(const nn_tnet *net, nn_error *err)
{
    nn_spec s;
    if (nn_tnet_to_spec(net, &s, err) != NN_OK) return NULL;
    nn_model *m = nn_model_build(&s, "trained model", err);
    nn_spec_free(&s);
    return m;
}

/* ---- the loop ---------------------------------------------------------------------------------- */

int tn_log_push(nn_trainer *t, const nn_epoch_log *e)
{
    if (t->n_log == t->cap_log) {
        int cap = t->cap_log ? 2 * t->cap_log : 64;
        nn_epoch_log *l = realloc(t->log, (size_t)cap * sizeof *l);
        if (!l) return -1;
        t->log = l;
        t->cap_log = cap;
    }
    t->log[t->n_log++] = *e;
    return 0;
}

static int params_finite(const nn_tnet *net)
{
    float acc = 0;
    for (size_t i = 0; i < net->n; i++) acc += net->params[i] * 0.0f;
    return acc == 0.0f;
}

nn_status nn_trainer_run(nn_trainer *t, const char *checkpoint, volatile int *stop, nn_train_progress_fn fn, void *ctx,
                         nn_error *err)
{
    const nn_train_opts *o = &t->o;
    double t_start = now_s();
    double wall_base = t->wall0;
    /* what an interrupted epoch rolls back to: the whole arena (parameters, gradients, moments) */
    size_t bytes = 4 * t->net->n * sizeof(float);
    float *undo = malloc(bytes);
    if (!undo) return nn_fail(err, NN_ERR_NOMEM, "trainer", "out of memory");
    t->end = NN_TRAIN_RUNNING;
    while (t->end == NN_TRAIN_RUNNING) {
        int epoch = t->n_log + 1;
        if (epoch > o->epochs) {
            t->end = NN_TRAIN_BUDGET;
            break;
        }
        memcpy(undo, t->net->params, bytes);
        long adam_step = t->adam.step;
        double te = now_s(), mean_loss, mean_gnorm;
        int stopped = train_epoch(t, epoch, stop, fn, ctx, t_start, &mean_loss, &mean_gnorm);
        double secs = now_s() - te;
        if (stopped) {
            memcpy(t->net->params, undo, bytes);
            t->adam.step = adam_step;
            t->end = NN_TRAIN_INTERRUPTED;
            break;
        }
        if (!params_finite(t->net)) { /* diverged: back to the best, at half the rate */
            memcpy(t->net->params, t->best, t->net->n * sizeof(float));
            memset(t->net->m, 0, 2 * t->net->n * sizeof(float));
            t->lr *= 0.5;
        }
        nn_epoch_log e = {epoch, mean_loss, NAN, NAN, t->lr, secs, mean_gnorm, 0};
        nn_model *m = model_of(t->net, err);
        if (!m) {
            free(undo);
            return err ? err->status : NN_ERR_NOMEM;
        }
        e.val_esr = nn_trainer_eval(t, m, 1);
        e.test_esr = nn_trainer_eval(t, m, 2);
        nn_model_free(m);
        /* Keep the best by validation ESR. Without validation, by training loss - what the epoch
         * measured on the training data as it went (never the test part): under the cosine
         * schedule that is one of the last epochs; under the plateau rule it skips a late
         * blow-up. (Holding out validation audio costs accuracy: BENCHMARKS.md.) */
        int better;
        if (t->n_clips[1]) {
            better = isfinite(e.val_esr) && !(e.val_esr >= t->best_val);
        } else {
            double kept = INFINITY;
            for (int i = 0; i < t->n_log; i++)
                if (t->log[i].epoch == t->best_epoch) kept = t->log[i].train_loss;
            better = isfinite(mean_loss) && (t->best_epoch < 1 || !(mean_loss > kept));
        }
        if (better) {
            if (t->n_clips[1]) t->best_val = e.val_esr;
            t->best_epoch = epoch;
            t->since_best = 0;
            memcpy(t->best, t->net->params, t->net->n * sizeof(float));
        } else {
            t->since_best++;
        }
        /* the plateau rule (as torch's ReduceLROnPlateau: relative threshold 1e-4) */
        double metric = o->plateau_on_val && t->n_clips[1] ? e.val_esr : mean_loss;
        if (metric < t->plat_best * (1.0 - 1e-4)) {
            t->plat_best = metric;
            t->plat_bad = 0;
        } else if (++t->plat_bad > o->plateau && !o->cosine) {
            t->lr *= o->plateau_factor;
            t->plat_bad = 0;
        }
        e.wall = wall_base + (now_s() - t_start);
        if (tn_log_push(t, &e)) {
            free(undo);
            return nn_fail(err, NN_ERR_NOMEM, "trainer", "out of memory");
        }
        if (o->patience > 0 && t->n_clips[1] && t->since_best >= o->patience) t->end = NN_TRAIN_EARLY_STOP;
        if (t->end == NN_TRAIN_RUNNING && epoch >= o->epochs) t->end = NN_TRAIN_BUDGET;
        t->wall0 = wall_base + (now_s() - t_start);
        if (checkpoint) {
            nn_status st = nn_trainer_save(t, checkpoint, err);
            if (st != NN_OK) {
                free(undo);
                return st;
            }
        }
        if (fn) {
            nn_train_progress p;
            memset(&p, 0, sizeof p);
            p.epoch = epoch;
            p.epochs = o->epochs;
            p.lr = t->lr;
            p.loss = mean_loss;
            p.val_esr = e.val_esr;
            p.best_val_esr = t->best_val;
            p.best_epoch = t->best_epoch;
            p.elapsed = now_s() - t_start;
            int here = 0; /* epochs run in this session */
            for (int i = t->n_log - 1; i >= 0 && t->log[i].wall > wall_base; i--) here++;
            p.eta = here ? p.elapsed / here * (double)(o->epochs - epoch) : 0;
            p.done = &t->log[t->n_log - 1];
            fn(ctx, &p);
        }
    }
    free(undo);
    return NN_OK;
}

nn_train_end nn_trainer_end_reason(const nn_trainer *t) { return t->end; }
const nn_train_opts *nn_trainer_opts(const nn_trainer *t) { return &t->o; }
int nn_trainer_best_epoch(const nn_trainer *t) { return t->best_epoch; }
double nn_trainer_best_val_esr(const nn_trainer *t) { return t->best_val; }
nn_tnet *nn_trainer_net(nn_trainer *t) { return t->net; }

const nn_epoch_log *nn_trainer_log(const nn_trainer *t, int *n)
{
    if (n) *n = t->n_log;
    return t->log;
}
