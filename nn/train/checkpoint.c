/*
 * checkpoint.c - the trainer's state on disk, so that an interrupted run resumes where it was.
 *
 *   "RNNFX-CHECKPOINT 1\n" <length of the JSON text> "\n" <JSON text>
 *   then four float32 arrays of n values (this machine's byte order): parameters, Adam's two
 *   moments, the best parameters so far.
 *
 * The JSON holds the options, a fingerprint of the data (resuming on other data is refused), the
 * network's shapes (as the native model format, so nn_read_keras rebuilds it), the counters
 * (epoch, Adam steps, learning rate, plateau and early-stopping state, best epoch) and the
 * per-epoch log. Written atomically (nn_write_file_atomic): a crash leaves the previous one.
 * NaN and infinities are stored as null (JSON has no such numbers).
 */
#include "train_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC "RNNFX-CHECKPOINT 1\n"

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static double get_num(const json_t *o, const char *key, double dflt)
{
    const json_t *v = json_object_get(o, key);
    if (json_is_null(v)) return dflt;
    return json_is_number(v) ? json_number_value(v) : dflt;
}

nn_status nn_trainer_save(const nn_trainer *t, const char *path, nn_error *err)
{
    nn_spec spec;
    nn_status st = nn_tnet_to_spec(t->net, &spec, err);
    if (st != NN_OK) return st;
    json_t *root = json_object();
    char fp[32];
    snprintf(fp, sizeof fp, "%016" PRIx64, t->fingerprint);
    json_object_set_new(root, "format", json_string("rnnfx-checkpoint"));
    json_object_set_new(root, "opts", tn_opts_tree(&t->o));
    json_object_set_new(root, "data", json_string(fp));
    json_object_set_new(root, "model", nn_keras_tree(&spec, t->data->rate));
    nn_spec_free(&spec);
    json_object_set_new(root, "n", json_integer((json_int_t)t->net->n));
    json_object_set_new(root, "adam_step", json_integer(t->adam.step));
    json_object_set_new(root, "lr", num(t->lr));
    json_object_set_new(root, "plateau_best", num(t->plat_best));
    json_object_set_new(root, "plateau_bad", json_integer(t->plat_bad));
    json_object_set_new(root, "since_best", json_integer(t->since_best));
    json_object_set_new(root, "best_val", num(t->best_val));
    json_object_set_new(root, "best_epoch", json_integer(t->best_epoch));
    json_object_set_new(root, "wall", num(t->wall0));
    json_t *log = json_array();
    for (int i = 0; i < t->n_log; i++) {
        const nn_epoch_log *e = &t->log[i];
        json_array_append_new(log, json_pack("[i, o, o, o, o, o, o, o]", e->epoch, num(e->train_loss), num(e->val_esr),
                                             num(e->test_esr), num(e->lr), num(e->seconds), num(e->wall),
                                             num(e->grad_norm)));
    }
    json_object_set_new(root, "log", log);
    char *text = json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(root);
    if (!text) return nn_fail(err, NN_ERR_NOMEM, path, "out of memory");
    size_t tl = strlen(text), n = t->net->n;
    char head[64];
    int hl = snprintf(head, sizeof head, "%s%zu\n", MAGIC, tl);
    size_t total = (size_t)hl + tl + 4 * n * sizeof(float);
    char *buf = malloc(total);
    if (!buf) {
        free(text);
        return nn_fail(err, NN_ERR_NOMEM, path, "out of memory");
    }
    char *p = buf;
    memcpy(p, head, (size_t)hl), p += hl;
    memcpy(p, text, tl), p += tl;
    memcpy(p, t->net->params, n * sizeof(float)), p += n * sizeof(float);
    memcpy(p, t->net->m, n * sizeof(float)), p += n * sizeof(float);
    memcpy(p, t->net->v, n * sizeof(float)), p += n * sizeof(float);
    memcpy(p, t->best, n * sizeof(float));
    free(text);
    nn_status r = nn_write_file_atomic(path, buf, total, err);
    free(buf);
    return r;
}

static char *read_all(const char *path, size_t *len, nn_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        nn_fail(err, NN_ERR_IO, path, "cannot open: %s", strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            char *nb = cap < ((size_t)1 << 31) ? realloc(buf, cap * 2) : NULL;
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        free(buf);
        nn_fail(err, bad ? NN_ERR_IO : NN_ERR_NOMEM, path, bad ? "read error" : "out of memory");
        return NULL;
    }
    *len = n;
    return buf;
}

nn_trainer *nn_trainer_resume(const char *path, nn_tdata *data, const nn_train_opts *over, int override, nn_error *err)
{
    size_t len;
    char *buf = read_all(path, &len, err);
    if (!buf) return NULL;
    nn_trainer *t = NULL;
    json_t *root = NULL;
    nn_spec spec;
    nn_spec_init(&spec);
    size_t ml = strlen(MAGIC), tl = 0;
    char *p = buf + ml, *end = NULL;
    if (len < ml + 2 || memcmp(buf, MAGIC, ml)) {
        nn_fail(err, NN_ERR_FORMAT, path, "not an rnnfx checkpoint");
        goto out;
    }
    tl = strtoull(p, &end, 10);
    if (!end || *end != '\n' || tl > len - (size_t)(end + 1 - buf)) {
        nn_fail(err, NN_ERR_FORMAT, path, "damaged checkpoint (header)");
        goto out;
    }
    p = end + 1;
    json_error_t je;
    root = json_loadb(p, tl, 0, &je);
    if (!json_is_object(root)) {
        nn_fail(err, NN_ERR_FORMAT, path, "damaged checkpoint (%s)", je.text);
        goto out;
    }
    p += tl;
    nn_train_opts o;
    if (tn_opts_from_tree(json_object_get(root, "opts"), &o)) {
        nn_fail(err, NN_ERR_FORMAT, path, "damaged checkpoint (options)");
        goto out;
    }
    if (override & NN_OVERRIDE_EPOCHS) o.epochs = over->epochs;
    if (override & NN_OVERRIDE_PATIENCE) o.patience = over->patience;
    if (override & NN_OVERRIDE_THREADS) o.threads = over->threads;
    if (nn_read_keras(&spec, json_object_get(root, "model"), path, err) != NN_OK) goto out;
    size_t n = (size_t)json_integer_value(json_object_get(root, "n"));
    size_t bin = len - (size_t)(p - buf);
    if (bin != 4 * n * sizeof(float) && bin != 4 * n * sizeof(float) + 1) { /* +1: the writer's newline */
        nn_fail(err, NN_ERR_FORMAT, path, "damaged checkpoint (%zu bytes of weights, expected %zu)", bin,
                4 * n * sizeof(float));
        goto out;
    }
    t = tn_trainer_alloc(&o, data, &spec, err);
    if (!t) { /* "trainer: invalid options": the user needs to hear which file holds them */
        if (err) {
            char why[sizeof err->msg];
            memcpy(why, err->msg, sizeof why);
            nn_fail(err, err->status, path, "cannot resume from it: %s", why);
        }
        goto out;
    }
    char fp[32];
    snprintf(fp, sizeof fp, "%016" PRIx64, t->fingerprint);
    const char *was = json_string_value(json_object_get(root, "data"));
    if (!was || strcmp(was, fp)) {
        nn_fail(err, NN_ERR_ARG, path, "made with other recordings or another split: cannot resume on these");
        goto fail;
    }
    if (t->net->n != n) {
        nn_fail(err, NN_ERR_FORMAT, path, "damaged checkpoint (network size)");
        goto fail;
    }
    memcpy(t->net->params, p, n * sizeof(float)), p += n * sizeof(float);
    memcpy(t->net->m, p, n * sizeof(float)), p += n * sizeof(float);
    memcpy(t->net->v, p, n * sizeof(float)), p += n * sizeof(float);
    memcpy(t->best, p, n * sizeof(float));
    /* What a save writes is finite (and Adam's second moment is not negative): anything else is
     * damage, which would otherwise train on NaN and fail only at the export, epochs later. */
    for (size_t i = 0; i < n; i++)
        if (!isfinite(t->net->params[i]) || !isfinite(t->net->m[i]) || !(t->net->v[i] >= 0 && isfinite(t->net->v[i])) ||
            !isfinite(t->best[i])) {
            nn_fail(err, NN_ERR_VALUE, path, "damaged checkpoint (a weight or moment is NaN, infinite or negative)");
            goto fail;
        }
    /* The padding is zero (lr_scale 0 there, tnet.c): whatever a file holds in it - damage, or a
     * checkpoint from before that was enforced - would train units the export drops. */
    for (size_t i = 0; i < n; i++)
        if (t->net->lr_scale[i] == 0.0f) t->net->params[i] = t->net->m[i] = t->net->v[i] = t->best[i] = 0.0f;
    t->adam.step = (long)json_integer_value(json_object_get(root, "adam_step"));
    t->lr = get_num(root, "lr", o.lr);
    t->plat_best = get_num(root, "plateau_best", INFINITY);
    t->plat_bad = (int)json_integer_value(json_object_get(root, "plateau_bad"));
    t->since_best = (int)json_integer_value(json_object_get(root, "since_best"));
    t->best_val = get_num(root, "best_val", NAN);
    t->best_epoch = (int)json_integer_value(json_object_get(root, "best_epoch"));
    t->wall0 = get_num(root, "wall", 0);
    const json_t *log = json_object_get(root, "log");
    for (size_t i = 0; i < json_array_size(log); i++) {
        const json_t *r = json_array_get(log, i);
        nn_epoch_log e;
        e.epoch = (int)json_integer_value(json_array_get(r, 0));
        double *f[7] = {&e.train_loss, &e.val_esr, &e.test_esr, &e.lr, &e.seconds, &e.wall, &e.grad_norm};
        for (int k = 0; k < 7; k++) {
            const json_t *v = json_array_get(r, (size_t)k + 1);
            *f[k] = json_is_number(v) ? json_number_value(v) : NAN;
        }
        if (e.epoch != (int)i + 1 || tn_log_push(t, &e)) {
            nn_fail(err, NN_ERR_FORMAT, path, "damaged checkpoint (log)");
            goto fail;
        }
    }
    goto out;
fail:
    nn_trainer_free(t);
    t = NULL;
out:
    json_decref(root);
    nn_spec_free(&spec);
    free(buf);
    return t;
}
