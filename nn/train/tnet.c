/* tnet.c - the trainable network: one arena (parameters, gradients, Adam moments), built from a
 * spec and turned back into one; Adam. Layout: train_internal.h. */
#include "train_internal.h"
#include "../errors.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where slot s of the spec's gate g lands. Spec gates (nn_spec.h): LSTM i,f,g,o; GRU r,z,n;
 * RNN a. wx column slot of gate g: the same index (GRU n -> nx, slot 2). wh column slot: the same
 * index (GRU n -> nh, the third wh slot). Pre-activation slot of wh's slot: GRU 2 -> 3 (nh). */
static int pre_slot_of_wh(nn_cell type, int s) { return type == NN_CELL_GRU && s == 2 ? 3 : s; }

tn_view tn_view_of(const nn_tnet *net, float *base)
{
    tn_view v;
    memset(&v, 0, sizeof v);
    for (int l = 0; l < net->n_rec; l++) {
        v.rec[l].wx = base + net->rec[l].wx;
        v.rec[l].wh = base + net->rec[l].wh;
        v.rec[l].b = base + net->rec[l].b;
    }
    for (int d = 0; d < net->n_dense; d++) {
        v.dense[d].w = base + net->dense[d].w;
        v.dense[d].b = base + net->dense[d].b;
    }
    return v;
}

int tn_max_width(const nn_tnet *net)
{
    int w = net->n_inputs + 1;
    for (int l = 0; l < net->n_rec; l++)
        if (net->rec[l].Gp * net->rec[l].Hp > w) w = net->rec[l].Gp * net->rec[l].Hp;
    for (int d = 0; d < net->n_dense; d++)
        if (net->dense[d].out > w) w = net->dense[d].out;
    return w;
}

/* Offsets of every array, 16-float (64-byte) aligned. */
static size_t carve(size_t *used, size_t n)
{
    size_t at = nn_round_up(*used, 16);
    *used = at + n;
    return at;
}

nn_tnet *nn_tnet_new(const nn_spec *spec, nn_error *err)
{
    if (nn_spec_validate(spec, "network", err) != NN_OK) return NULL;
    nn_tnet *net = calloc(1, sizeof *net);
    if (!net) {
        nn_fail(err, NN_ERR_NOMEM, "network", "out of memory");
        return NULL;
    }
    net->k = nn_kernels_select();
    net->vw = net->k->vw;
    net->n_inputs = spec->n_inputs;
    net->n_cond = spec->n_inputs - 1;
    net->n_rec = spec->n_rec;
    net->n_dense = spec->n_dense;
    net->skip = spec->skip ? 1 : 0;
    net->in_gain_db = spec->in_gain_db;
    net->out_gain_db = spec->out_gain_db;
    net->in_gain = (float)pow(10.0, spec->in_gain_db / 20.0);
    net->out_gain = (float)pow(10.0, spec->out_gain_db / 20.0);

    size_t used = 0, h0floats = 0;
    for (int l = 0; l < spec->n_rec; l++) {
        const nn_rec_spec *r = &spec->rec[l];
        tn_rec_shape *L = &net->rec[l];
        L->type = r->type;
        L->H = r->hidden;
        L->Hp = (int)nn_round_up((size_t)r->hidden, (size_t)net->vw);
        L->nin = l == 0 ? spec->n_inputs : net->rec[l - 1].Hp;
        L->Gh = nn_cell_gates(r->type);
        L->Gx = L->Gh;
        L->Gp = r->type == NN_CELL_GRU ? 4 : L->Gh;
        L->Gs = r->type == NN_CELL_LSTM ? 5 : r->type == NN_CELL_GRU ? 4 : 0;
        L->wx = carve(&used, (size_t)L->nin * (size_t)(L->Gx * L->Hp));
        L->wh = carve(&used, (size_t)L->Hp * (size_t)(L->Gh * L->Hp));
        L->b = carve(&used, (size_t)(L->Gp * L->Hp));
        if (r->h0 || r->c0) h0floats += 2 * (size_t)L->Hp;
    }
    int width = net->rec[spec->n_rec - 1].Hp;
    for (int d = 0; d < spec->n_dense; d++) {
        tn_dense_shape *D = &net->dense[d];
        D->in = width;
        D->out = spec->dense[d].out;
        D->act = spec->dense[d].act;
        D->w = carve(&used, (size_t)D->in * (size_t)D->out);
        D->b = carve(&used, (size_t)D->out);
        width = D->out;
    }
    net->n = nn_round_up(used, 16);
    net->mem = nn_aligned_alloc(5 * net->n * sizeof(float));
    net->h0mem = h0floats ? nn_aligned_alloc(h0floats * sizeof(float)) : NULL;
    if (!net->mem || (h0floats && !net->h0mem)) {
        nn_tnet_free(net);
        nn_fail(err, NN_ERR_NOMEM, "network", "out of memory");
        return NULL;
    }
    net->params = net->mem;
    net->grads = net->params + net->n;
    net->m = net->grads + net->n;
    net->v = net->m + net->n;
    /* PyTorch trains b_ih and b_hh separately; with the same gradient, Adam moves each by the same
     * step, so their sum (what the arena keeps) moves twice as far as one bias would. lr_scale lets
     * Adam reproduce that exactly (up to the weight decay of each half). GRU's candidate biases are
     * two different things (b_in outside r *, b_hn inside), so they are not doubled. */
    net->lr_scale = net->v + net->n;
    /* lr_scale is also 0 on the padding, which must stay exactly zero: its gradients vanish only
     * while tanh(0) is exactly 0 (vmath.h makes it so on every instruction set; this guards the
     * padding should that ever slip) - and Adam makes a full step of any non-zero gradient. Live
     * padded units would train a wider network than the one exported, and a different one on
     * each CPU. */
    size_t *real = malloc(net->n * sizeof *real);
    if (!real) {
        nn_tnet_free(net);
        nn_fail(err, NN_ERR_NOMEM, "network", "out of memory");
        return NULL;
    }
    size_t n_real = nn_tnet_param_indices(net, real);
    memset(net->lr_scale, 0, net->n * sizeof(float));
    for (size_t k = 0; k < n_real; k++) net->lr_scale[real[k]] = 1.0f;
    free(real);
    for (int l = 0; l < net->n_rec; l++) {
        const tn_rec_shape *L = &net->rec[l];
        int summed = L->type == NN_CELL_GRU ? 2 : L->Gp;
        for (int i = 0; i < summed * L->Hp; i++)
            if (net->lr_scale[L->b + (size_t)i] != 0.0f) net->lr_scale[L->b + (size_t)i] = 2.0f;
    }

    /* Copy the spec's weights in. */
    tn_view P = tn_view_of(net, net->params);
    float *h0p = net->h0mem;
    for (int l = 0; l < spec->n_rec; l++) {
        const nn_rec_spec *r = &spec->rec[l];
        const tn_rec_shape *L = &net->rec[l];
        int H = L->H, Hp = L->Hp;
        for (int g = 0; g < L->Gh; g++)
            for (int u = 0; u < H; u++) {
                size_t row = (size_t)g * (size_t)H + (size_t)u;
                for (int j = 0; j < r->in; j++)
                    P.rec[l].wx[(size_t)j * (size_t)(L->Gx * Hp) + (size_t)(g * Hp + u)] =
                        r->w_ih[row * (size_t)r->in + (size_t)j];
                for (int k = 0; k < H; k++)
                    P.rec[l].wh[(size_t)k * (size_t)(L->Gh * Hp) + (size_t)(g * Hp + u)] =
                        r->w_hh[row * (size_t)H + (size_t)k];
                float bi = r->b_ih[row], bh = r->b_hh ? r->b_hh[row] : 0.0f;
                if (r->type == NN_CELL_GRU && g == 2) {
                    P.rec[l].b[2 * Hp + u] = bi; /* nx */
                    P.rec[l].b[3 * Hp + u] = bh; /* nh */
                } else {
                    P.rec[l].b[g * Hp + u] = bi + bh;
                }
            }
        if (r->h0 || r->c0) {
            net->h0[l] = h0p, h0p += Hp;
            net->c0[l] = h0p, h0p += Hp;
            for (int u = 0; u < H; u++) {
                net->h0[l][u] = r->h0 ? r->h0[u] : 0.0f;
                net->c0[l][u] = r->c0 ? r->c0[u] : 0.0f;
            }
        }
    }
    for (int d = 0; d < spec->n_dense; d++) {
        const nn_dense_spec *s = &spec->dense[d];
        const tn_dense_shape *D = &net->dense[d];
        for (int o = 0; o < s->out; o++) {
            for (int j = 0; j < s->in; j++)
                P.dense[d].w[(size_t)j * (size_t)D->out + (size_t)o] = s->w[(size_t)o * (size_t)s->in + (size_t)j];
            P.dense[d].b[o] = s->b[o];
        }
    }
    return net;
}

void nn_tnet_free(nn_tnet *net)
{
    if (!net) return;
    nn_aligned_free(net->mem);
    nn_aligned_free(net->h0mem);
    free(net);
}

size_t nn_tnet_size(const nn_tnet *net) { return net->n; }
float *nn_tnet_params(nn_tnet *net) { return net->params; }
float *nn_tnet_grads(nn_tnet *net) { return net->grads; }
float *nn_tnet_moment1(nn_tnet *net) { return net->m; }
float *nn_tnet_moment2(nn_tnet *net) { return net->v; }

/* Visits every real (non-padding) parameter: fn(ctx, arena index, layer kind, layer, name parts). */
typedef struct {
    size_t *idx;
    size_t count;
    size_t want; /* for naming: the index looked for */
    char *buf;
    size_t len;
    int found;
} visit_ctx;

static void visit(visit_ctx *c, size_t i, const char *fmt, int a, const char *gate, int u, int j)
{
    if (c->idx) c->idx[c->count] = i;
    c->count++;
    if (c->buf && !c->found && i == c->want) {
        snprintf(c->buf, c->len, fmt, a, gate, u, j);
        c->found = 1;
    }
}

static const char *gate_name(nn_cell t, int slot)
{
    static const char *lstm[] = {"i", "f", "g", "o"}, *gru[] = {"r", "z", "nx", "nh"};
    if (t == NN_CELL_LSTM) return lstm[slot];
    if (t == NN_CELL_GRU) return gru[slot];
    return "a";
}

static void walk(const nn_tnet *net, visit_ctx *c)
{
    for (int l = 0; l < net->n_rec; l++) {
        const tn_rec_shape *L = &net->rec[l];
        int nin_real = l == 0 ? net->n_inputs : net->rec[l - 1].H;
        for (int j = 0; j < nin_real; j++)
            for (int g = 0; g < L->Gx; g++)
                for (int u = 0; u < L->H; u++)
                    visit(c, L->wx + (size_t)j * (size_t)(L->Gx * L->Hp) + (size_t)(g * L->Hp + u),
                          "layer %d w_ih[%s][%d][%d]", l + 1, gate_name(L->type, g), u, j);
        for (int k = 0; k < L->H; k++)
            for (int g = 0; g < L->Gh; g++)
                for (int u = 0; u < L->H; u++)
                    visit(c, L->wh + (size_t)k * (size_t)(L->Gh * L->Hp) + (size_t)(g * L->Hp + u),
                          "layer %d w_hh[%s][%d][%d]", l + 1, gate_name(L->type, pre_slot_of_wh(L->type, g)), u, k);
        for (int g = 0; g < L->Gp; g++)
            for (int u = 0; u < L->H; u++)
                visit(c, L->b + (size_t)(g * L->Hp + u), "layer %d b[%s][%d]%.0d", l + 1, gate_name(L->type, g), u, 0);
    }
    int in_real = net->rec[net->n_rec - 1].H;
    for (int d = 0; d < net->n_dense; d++) {
        const tn_dense_shape *D = &net->dense[d];
        for (int j = 0; j < in_real; j++)
            for (int o = 0; o < D->out; o++)
                visit(c, D->w + (size_t)j * (size_t)D->out + (size_t)o, "dense %d w%s[%d][%d]", d + 1, "", o, j);
        for (int o = 0; o < D->out; o++) visit(c, D->b + (size_t)o, "dense %d b%s[%d]%.0d", d + 1, "", o, 0);
        in_real = D->out;
    }
}

size_t nn_tnet_param_indices(const nn_tnet *net, size_t *idx)
{
    visit_ctx c = {idx, 0, 0, NULL, 0, 0};
    walk(net, &c);
    return c.count;
}

void nn_tnet_param_name(const nn_tnet *net, size_t i, char *buf, size_t len)
{
    visit_ctx c = {NULL, 0, i, buf, len, 0};
    walk(net, &c);
    if (!c.found) snprintf(buf, len, "padding[%zu]", i);
}

nn_status nn_tnet_to_spec(const nn_tnet *net, nn_spec *s, nn_error *err)
{
    nn_spec_init(s);
    s->n_inputs = net->n_inputs;
    s->n_rec = net->n_rec;
    s->n_dense = net->n_dense;
    s->skip = net->skip;
    s->in_gain_db = net->in_gain_db;
    s->out_gain_db = net->out_gain_db;
    tn_view P = tn_view_of(net, net->params);
    for (int l = 0; l < net->n_rec; l++) {
        const tn_rec_shape *L = &net->rec[l];
        nn_rec_spec *r = &s->rec[l];
        int H = L->H, Hp = L->Hp, G = L->Gh;
        size_t gh = (size_t)G * (size_t)H;
        r->type = L->type;
        r->hidden = H;
        r->in = l == 0 ? net->n_inputs : net->rec[l - 1].H;
        r->w_ih = nn_spec_floats(s, gh * (size_t)r->in);
        r->w_hh = nn_spec_floats(s, gh * (size_t)H);
        r->b_ih = nn_spec_floats(s, gh);
        r->b_hh = nn_spec_floats(s, gh);
        if (net->h0[l]) {
            r->h0 = nn_spec_floats(s, (size_t)H);
            if (L->type == NN_CELL_LSTM) r->c0 = nn_spec_floats(s, (size_t)H);
        }
        if (!r->w_ih || !r->w_hh || !r->b_ih || !r->b_hh || (net->h0[l] && !r->h0) ||
            (net->h0[l] && L->type == NN_CELL_LSTM && !r->c0))
            goto nomem;
        for (int g = 0; g < G; g++)
            for (int u = 0; u < H; u++) {
                size_t row = (size_t)g * (size_t)H + (size_t)u;
                for (int j = 0; j < r->in; j++)
                    r->w_ih[row * (size_t)r->in + (size_t)j] =
                        P.rec[l].wx[(size_t)j * (size_t)(L->Gx * Hp) + (size_t)(g * Hp + u)];
                for (int k = 0; k < H; k++)
                    r->w_hh[row * (size_t)H + (size_t)k] =
                        P.rec[l].wh[(size_t)k * (size_t)(G * Hp) + (size_t)(g * Hp + u)];
                if (L->type == NN_CELL_GRU && g == 2) {
                    r->b_ih[row] = P.rec[l].b[2 * Hp + u];
                    r->b_hh[row] = P.rec[l].b[3 * Hp + u];
                } else {
                    r->b_ih[row] = P.rec[l].b[g * Hp + u]; /* the sum lives in b_ih, b_hh = 0 */
                }
            }
        for (int u = 0; net->h0[l] && u < H; u++) {
            r->h0[u] = net->h0[l][u];
            if (r->c0) r->c0[u] = net->c0[l][u];
        }
    }
    for (int d = 0; d < net->n_dense; d++) {
        const tn_dense_shape *D = &net->dense[d];
        nn_dense_spec *o = &s->dense[d];
        o->in = d == 0 ? net->rec[net->n_rec - 1].H : D->in;
        o->out = D->out;
        o->act = D->act;
        o->w = nn_spec_floats(s, (size_t)o->in * (size_t)o->out);
        o->b = nn_spec_floats(s, (size_t)o->out);
        if (!o->w || !o->b) goto nomem;
        for (int k = 0; k < o->out; k++) {
            for (int j = 0; j < o->in; j++)
                o->w[(size_t)k * (size_t)o->in + (size_t)j] = P.dense[d].w[(size_t)j * (size_t)D->out + (size_t)k];
            o->b[k] = P.dense[d].b[k];
        }
    }
    return NN_OK;
nomem:
    nn_spec_free(s);
    return nn_fail(err, NN_ERR_NOMEM, "network", "out of memory");
}

/* ---- Adam ------------------------------------------------------------------------------------ */

void nn_adam_default(nn_adam *a)
{
    a->lr = 5e-3;
    a->beta1 = 0.9;
    a->beta2 = 0.999;
    a->eps = 1e-8;
    a->weight_decay = 1e-4;
    a->step = 0;
}

void nn_tnet_zero_grads(nn_tnet *net) { memset(net->grads, 0, net->n * sizeof(float)); }

/* As torch.optim.Adam: g += wd * w; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
 * w -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps). */
void nn_tnet_adam_step(nn_tnet *net, nn_adam *a)
{
    a->step++;
    const float b1 = (float)a->beta1, b2 = (float)a->beta2, wd = (float)a->weight_decay;
    const double bc1 = 1.0 - pow(a->beta1, (double)a->step), bc2 = 1.0 - pow(a->beta2, (double)a->step);
    const float step_size = (float)(a->lr / bc1), inv_sqrt_bc2 = (float)(1.0 / sqrt(bc2)), eps = (float)a->eps;
    float *w = net->params, *g = net->grads, *m = net->m, *v = net->v;
    const float *scale = net->lr_scale;
    const int use_scale = net->bias_lr2;
    for (size_t i = 0; i < net->n; i++) {
        float gi = g[i] + wd * w[i];
        m[i] = b1 * m[i] + (1.0f - b1) * gi;
        v[i] = b2 * v[i] + (1.0f - b2) * gi * gi;
        float si = scale[i]; /* 0 on the padding (kept at zero), 2 for a twin bias, else 1 */
        if (!use_scale && si > 1.0f) si = 1.0f;
        w[i] -= si * step_size * m[i] / (sqrtf(v[i]) * inv_sqrt_bc2 + eps);
    }
}
