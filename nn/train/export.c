/* export.c - what leaves the trainer: the kept model as a spec with its metadata and self-test,
 * and AIDA-X's constraints. (The plot of the curves is the command's: tools/train_plot.c.) */
#include "train_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *nn_aidax_incompatibility(const nn_spec *s)
{
    static const int sizes[] = {8, 12, 16, 20, 24, 32, 40, 64, 80};
    if (s->n_rec != 1) return "AIDA-X runs one recurrent layer";
    if (s->rec[0].type == NN_CELL_RNN) return "AIDA-X runs LSTM and GRU layers, not plain RNN";
    int ok = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) ok |= s->rec[0].hidden == sizes[i];
    if (!ok) return "AIDA-X runs hidden sizes 8, 12, 16, 20, 24, 32, 40, 64, 80";
    if (s->n_dense != 1 || s->dense[0].act != NN_ACT_LINEAR) return "AIDA-X runs a single linear Dense(1) head";
    if (s->n_inputs > 3) return "AIDA-X takes at most 2 conditioning inputs";
    if (s->rec[0].h0 || s->rec[0].c0) return "AIDA-X ignores a stored initial state";
    return NULL;
}

/* The 2048 samples with the most energy (hop 512) of the first clip of a part. */
static const float *selftest_input(const nn_trainer *t, size_t *n)
{
    for (int which = 2; which >= 0; which--) {
        for (int i = 0; i < t->data->n_pairs; i++) {
            const tn_pair *p = &t->data->pairs[i];
            size_t from = which == 2 ? p->test_from : which == 1 ? p->val_from : p->train_from;
            size_t to = which == 2 ? p->test_to : which == 1 ? p->val_to : p->train_to;
            if (to <= from) continue;
            size_t len = to - from < 2048 ? to - from : 2048, best = from;
            double beste = -1;
            for (size_t s = from; s + len <= to; s += 512) {
                double e = 0;
                for (size_t k = 0; k < len; k++) e += (double)p->x[s + k] * p->x[s + k];
                if (e > beste) beste = e, best = s;
            }
            *n = len;
            return p->x + best;
        }
    }
    *n = 0;
    return NULL;
}

nn_status nn_trainer_final_spec(nn_trainer *t, const char *const *cond_names, nn_spec *out, nn_error *err)
{
    nn_spec s;
    /* the kept parameters, through the net's own conversion */
    float *cur = malloc(t->net->n * sizeof(float));
    if (!cur) return nn_fail(err, NN_ERR_NOMEM, "trainer", "out of memory");
    memcpy(cur, t->net->params, t->net->n * sizeof(float));
    memcpy(t->net->params, t->best, t->net->n * sizeof(float));
    nn_status st = nn_tnet_to_spec(t->net, &s, err);
    memcpy(t->net->params, cur, t->net->n * sizeof(float));
    free(cur);
    if (st != NN_OK) return st;
    s.sample_rate = t->data->rate;
    s.source_format = NN_FORMAT_KERAS;
    nn_model *m = nn_model_build(&s, "trained model", err);
    if (!m) {
        nn_spec_free(&s);
        return err ? err->status : NN_ERR_NOMEM;
    }
    s.meta.test_esr = nn_trainer_eval(t, m, 2);
    /* self-test: audio only, conditioning at 0 (as AIDA-X's exporter assumes), initial state */
    size_t n;
    const float *xin = selftest_input(t, &n);
    nn_state *stt = xin ? nn_state_new(m, err) : NULL;
    if (stt) {
        s.selftest_in = nn_spec_floats(&s, n);
        s.selftest_out = nn_spec_floats(&s, n);
        if (s.selftest_in && s.selftest_out) {
            memcpy(s.selftest_in, xin, n * sizeof(float));
            nn_run(stt, xin, s.selftest_out, n);
            s.selftest_len = n;
        }
        nn_state_free(stt);
    }
    nn_model_free(m);

    s.meta.description = nn_spec_strdup(&s, nn_tdata_describe(t->data));
    time_t now = time(NULL);
    struct tm tmv;
    char date[32];
    gmtime_r(&now, &tmv);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    s.meta.date = nn_spec_strdup(&s, date);
    for (int k = 0; cond_names && k < s.n_inputs - 1; k++) s.meta.cond_names[k] = nn_spec_strdup(&s, cond_names[k]);

    /* training settings and outcome */
    json_t *tr = tn_opts_tree(&t->o);
    json_object_set_new(tr, "trainer", json_string("rnnfx"));
    json_object_set_new(tr, "epochs_run", json_integer(t->n_log));
    json_object_set_new(tr, "best_epoch", json_integer(t->best_epoch));
    if (isfinite(t->best_val)) json_object_set_new(tr, "val_esr", json_real(t->best_val));
    if (t->n_log) json_object_set_new(tr, "seconds", json_real(round(t->log[t->n_log - 1].wall * 10) / 10));
    const char *why[] = {"running", "epoch budget", "early stopping", "interrupted"};
    json_object_set_new(tr, "ended_by", json_string(why[t->end]));
    json_t *lags = json_array();
    for (int i = 0; i < t->data->n_pairs; i++)
        json_array_append_new(lags, json_integer(t->data->pairs[i].aligned ? 0 : t->data->pairs[i].lag));
    json_object_set_new(tr, "lag", lags);
    int aligned = 0;
    for (int i = 0; i < t->data->n_pairs; i++) aligned |= t->data->pairs[i].aligned;
    if (aligned) json_object_set_new(tr, "aligned", json_true());
    char *text = json_dumps(tr, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
    json_decref(tr);
    s.meta.training = text ? nn_spec_strdup(&s, text) : NULL;
    free(text);
    *out = s;
    return NN_OK;
}
