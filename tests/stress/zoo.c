/* zoo.c - the stress test's model files (see zoo.h). */
#define _GNU_SOURCE
#include "zoo.h"

#include "nn.h"
#include "nn_spec.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <samplerate.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TRY(x)                                                       \
    do {                                                             \
        if (x) {                                                     \
            fprintf(stderr, "zoo.c:%d: failed: %s\n", __LINE__, #x); \
            rc = -1;                                                 \
        }                                                            \
    } while (0)
#define JUNK_MB_BIG 60
#define JUNK_MB_SMALL 6

/* ---- Writing files ---------------------------------------------------------------------------- */

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) free(buf), buf = NULL;
    fclose(f);
    if (buf) buf[n] = '\0', *len = (size_t)n;
    return buf;
}

static int write_all(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = len ? fwrite(data, 1, len, f) : 0;
    return (fclose(f) == 0 && w == len) ? 0 : -1;
}

static ZooFile *add(Zoo *z, ZooKind kind, const char *name, const char *what)
{
    if (z->n == ZOO_MAX) {
        fprintf(stderr, "zoo: more than %d files\n", ZOO_MAX);
        exit(1);
    }
    ZooFile *f = &z->f[z->n++];
    memset(f, 0, sizeof *f);
    f->kind = kind;
    if (name[0] == '/') {
        f->path = strdup(name);
    } else {
        size_t l = strlen(z->dir) + strlen(name) + 2;
        f->path = malloc(l);
        snprintf(f->path, l, "%s/%s", z->dir, name);
    }
    f->what = strdup(what);
    return f;
}

static int add_text(Zoo *z, ZooKind kind, const char *name, const char *what, const char *text, size_t len)
{
    ZooFile *f = add(z, kind, name, what);
    return write_all(f->path, text, len);
}

/* ---- Models made here ---------------------------------------------------------------------- */

static int add_model(Zoo *z, const char *name, const char *what, nn_cell type, int layers, int hidden, int n_cond,
                     double rate, float drive, uint64_t seed)
{
    nn_spec s;
    if (nn_spec_init_random(&s, type, layers, hidden, n_cond, 1, seed) != NN_OK) return -1;
    s.sample_rate = rate;
    /* Louder input weights than a fresh network has: the model distorts, as an amp would. */
    nn_rec_spec *r = &s.rec[0];
    for (int i = 0; i < nn_cell_gates(type) * r->hidden; i++) r->w_ih[(size_t)i * (size_t)r->in] *= drive;
    nn_error err;
    nn_model *m = nn_model_build(&s, name, &err);
    ZooFile *f = add(z, ZOO_GOOD, name, what);
    int rc = m && nn_model_write_keras(m, f->path, &err) == NN_OK ? 0 : -1;
    if (rc) fprintf(stderr, "zoo: %s\n", err.msg);
    nn_model_free(m);
    nn_spec_free(&s);
    return rc;
}

/* ---- Bad files from good ones: JSON surgery -------------------------------------------------- */

/* The first array of numbers (depth first) with at least `min_len` of them. */
static json_t *first_numbers(json_t *j, size_t min_len)
{
    if (json_is_array(j)) {
        if (json_array_size(j) >= min_len && json_is_number(json_array_get(j, 0))) return j;
        for (size_t i = 0; i < json_array_size(j); i++) {
            json_t *r = first_numbers(json_array_get(j, i), min_len);
            if (r) return r;
        }
    } else if (json_is_object(j)) {
        const char *k;
        json_t *v;
        json_object_foreach(j, k, v)
        {
            json_t *r = first_numbers(v, min_len);
            if (r) return r;
        }
    }
    return NULL;
}

/* The weights: the largest array of numbers (the recurrent matrix, usually). */
static void largest_numbers(json_t *j, json_t **best)
{
    if (json_is_array(j) && json_array_size(j) && json_is_number(json_array_get(j, 0))) {
        if (!*best || json_array_size(j) > json_array_size(*best)) *best = j;
        return;
    }
    if (json_is_array(j))
        for (size_t i = 0; i < json_array_size(j); i++) largest_numbers(json_array_get(j, i), best);
    else if (json_is_object(j)) {
        const char *k;
        json_t *v;
        json_object_foreach(j, k, v) largest_numbers(v, best);
    }
}

static int add_json(Zoo *z, const char *name, const char *what, json_t *root, const char *token)
{
    char *text = json_dumps(root, JSON_REAL_PRECISION(9) | JSON_ENCODE_ANY);
    if (!text) return -1;
    if (token) { /* the sentinel weight 1234.5 becomes `token` (NaN, Infinity, 1e999, ...) */
        char *at = strstr(text, "1234.5");
        if (!at) {
            free(text);
            return -1;
        }
        size_t tl = strlen(token), rest = strlen(at + 6);
        char *t2 = malloc(strlen(text) + tl + 1);
        memcpy(t2, text, (size_t)(at - text));
        memcpy(t2 + (at - text), token, tl);
        memcpy(t2 + (at - text) + tl, at + 6, rest + 1);
        free(text);
        text = t2;
    }
    int rc = add_text(z, ZOO_BAD, name, what, text, strlen(text));
    free(text);
    return rc;
}

/* Every way we break one good model file (`src`, `stem` names the results). */
static int break_model(Zoo *z, const char *src, const char *stem)
{
    size_t len = 0;
    char *text = read_all(src, &len);
    if (!text) return -1;
    char name[256], what[256];
    int rc = 0;

    /* Truncated: cut at 1 %, 30 %, 50 %, 90 % and one byte short of the end. */
    const double cuts[] = {0.01, 0.3, 0.5, 0.9};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        snprintf(name, sizeof name, "%s.trunc%02d", stem, (int)(cuts[i] * 100));
        snprintf(what, sizeof what, "%s truncated at %d %%", stem, (int)(cuts[i] * 100));
        TRY(add_text(z, ZOO_BAD, name, what, text, (size_t)(len * cuts[i])));
    }
    size_t end = len;
    while (end && (text[end - 1] == '\n' || text[end - 1] == ' ')) end--;
    snprintf(name, sizeof name, "%s.trunc_last", stem);
    snprintf(what, sizeof what, "%s without its last byte", stem);
    TRY(add_text(z, ZOO_BAD, name, what, text, end - 1));

    json_error_t je;
    json_t *root = json_loads(text, 0, &je);
    free(text);
    if (!root) return -1;

    /* Non-finite and overflowing weights, in the largest weight array. */
    const char *tokens[] = {"NaN", "Infinity", "-Infinity", "1e999", "nan"};
    for (size_t i = 0; i < sizeof tokens / sizeof tokens[0]; i++) {
        json_t *r = json_deep_copy(root), *w = NULL;
        largest_numbers(r, &w);
        json_array_set_new(w, json_array_size(w) / 2, json_real(1234.5));
        snprintf(name, sizeof name, "%s.weight_%zu", stem, i);
        snprintf(what, sizeof what, "%s with a weight of %s", stem, tokens[i]);
        TRY(add_json(z, name, what, r, tokens[i]));
        json_decref(r);
    }

    /* Wrong shapes: a weight array one short, one long, empty, or a number instead. */
    for (int k = 0; k < 4; k++) {
        json_t *r = json_deep_copy(root), *w = NULL;
        largest_numbers(r, &w);
        if (k == 0) json_array_remove(w, json_array_size(w) - 1);
        if (k == 1) json_array_append_new(w, json_real(0.25));
        if (k == 2) json_array_clear(w);
        if (k == 3) { /* the first array of numbers becomes a number */
            json_t *a = first_numbers(r, 1);
            json_array_clear(a);
            json_array_append_new(a, json_array());
        }
        const char *kinds[] = {"one weight short", "one weight too many", "an empty weight array",
                               "an empty array where numbers go"};
        snprintf(name, sizeof name, "%s.shape%d", stem, k);
        snprintf(what, sizeof what, "%s with %s", stem, kinds[k]);
        TRY(add_json(z, name, what, r, NULL));
        json_decref(r);
    }

    /* Missing keys: each top-level key in turn, and each key of the first nested object. */
    const char *key;
    json_t *val;
    int n = 0;
    json_object_foreach(root, key, val)
    {
        json_t *r = json_deep_copy(root);
        json_object_del(r, key);
        /* keys the formats may leave out: the model is still good without them */
        bool optional = !strcmp(key, "metadata") || !strcmp(key, "version") ||
                        (!strcmp(key, "in_shape") && /* without it, one input: audio only */
                         json_integer_value(json_array_get(val, json_array_size(val) - 1)) == 1);
        snprintf(name, sizeof name, "%s.nokey%d", stem, n++);
        snprintf(what, sizeof what, "%s without \"%s\"", stem, key);
        TRY(add_json(z, name, what, r, NULL));
        if (optional) z->f[z->n - 1].kind = ZOO_GOOD;
        json_decref(r);
    }

    /* Absurd sizes and unknown types, where the format says them. */
    struct {
        const char *path[3]; /* object keys (or array index "0") down to the value */
        const char *what;
    } edits[] = {
        {{"model_data", "hidden_size", NULL}, "hidden size 10^6"},
        {{"config", "hidden_size", NULL}, "hidden size 10^6"},
        {{"model_data", "num_layers", NULL}, "10^6 layers"},
        {{"config", "num_layers", NULL}, "10^6 layers"},
        {{"layers", "0", "shape"}, "hidden size 10^6 in the shape"},
        {{"model_data", "unit_type", NULL}, "an unknown cell type"},
        {{"layers", "0", "type"}, "an unknown layer type"},
        {{"architecture", NULL, NULL}, "an unknown architecture"},
    };
    for (size_t e = 0; e < sizeof edits / sizeof edits[0]; e++) {
        json_t *r = json_deep_copy(root), *at = r, *parent = NULL;
        const char *last = NULL;
        for (int d = 0; d < 3 && edits[e].path[d] && at; d++) {
            parent = at;
            last = edits[e].path[d];
            at = json_is_array(at) ? json_array_get(at, (size_t)atoi(last)) : json_object_get(at, last);
        }
        if (at) {
            json_t *nv;
            if (json_is_array(at)) { /* a shape [null, null, H]: H = 10^6 */
                nv = json_deep_copy(at);
                json_array_set_new(nv, json_array_size(nv) - 1, json_integer(1000000));
            } else if (json_is_string(at)) {
                nv = json_string("Transformer");
            } else {
                nv = json_integer(1000000);
            }
            if (json_is_array(parent)) json_array_set_new(parent, (size_t)atoi(last), nv);
            else
                json_object_set_new(parent, last, nv);
            snprintf(name, sizeof name, "%s.edit%zu", stem, e);
            snprintf(what, sizeof what, "%s with %s", stem, edits[e].what);
            TRY(add_json(z, name, what, r, NULL));
        }
        json_decref(r);
    }

    /* The whole model as a string, and wrapped in an array. */
    char *dump = json_dumps(root, 0);
    json_t *s = json_string(dump);
    snprintf(name, sizeof name, "%s.as_string", stem);
    snprintf(what, sizeof what, "%s as a JSON string", stem);
    TRY(add_json(z, name, what, s, NULL));
    json_decref(s);
    json_t *arr = json_pack("[O]", root);
    snprintf(name, sizeof name, "%s.in_array", stem);
    snprintf(what, sizeof what, "%s inside an array", stem);
    TRY(add_json(z, name, what, arr, NULL));
    json_decref(arr);
    free(dump);
    json_decref(root);
    return rc;
}

/* ---- Big files -------------------------------------------------------------------------------- */

static int add_junk(Zoo *z, size_t mb)
{
    size_t len = mb << 20;
    char *buf = malloc(len + 1);
    if (!buf) return -1;
    uint64_t r = 0x243F6A8885A308D3ull;
    for (size_t i = 0; i < len; i++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        buf[i] = (char)(r >> 56);
    }
    char name[64], what[64];
    snprintf(name, sizeof name, "junk_%zumb.json", mb);
    snprintf(what, sizeof what, "%zu MB of random bytes", mb);
    int rc = add_text(z, ZOO_BAD, name, what, buf, len);
    z->f[z->n - 1].huge = true;

    /* A JSON string of that size: valid JSON, not a model. */
    memset(buf, 'a', len);
    memcpy(buf, "{\"layers\": \"", 12);
    memcpy(buf + len - 2, "\"}", 2);
    snprintf(name, sizeof name, "string_%zumb.json", mb);
    snprintf(what, sizeof what, "a %zu MB JSON string", mb);
    TRY(add_text(z, ZOO_BAD, name, what, buf, len));
    z->f[z->n - 1].huge = true;
    free(buf);
    return rc;
}

/* A good model preceded by that much whitespace: valid, and slow to read. */
static int add_padded(Zoo *z, const char *src, size_t mb)
{
    size_t len = 0;
    char *text = read_all(src, &len);
    if (!text) return -1;
    size_t pad = mb << 20;
    char *buf = malloc(pad + len);
    memset(buf, ' ', pad);
    for (size_t i = 4095; i < pad; i += 4096) buf[i] = '\n';
    memcpy(buf + pad, text, len);
    char name[64], what[128];
    snprintf(name, sizeof name, "padded_%zumb.json", mb);
    snprintf(what, sizeof what, "a model after %zu MB of whitespace", mb);
    int rc = add_text(z, ZOO_GOOD, name, what, buf, pad + len);
    z->f[z->n - 1].huge = true;
    free(buf);
    free(text);
    return rc;
}

/* ---- The zoo ------------------------------------------------------------------------------------ */

static int cmp_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static double tick(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int zoo_make(Zoo *z, const char *dir, const char *ref_dir, bool big_junk, bool good_only, bool check, bool lean)
{
    double t0 = tick();
    memset(z, 0, sizeof *z);
    snprintf(z->dir, sizeof z->dir, "%s", dir);
    if (mkdir(dir, 0755) && errno != EEXIST) {
        fprintf(stderr, "%s: cannot create: %s\n", dir, strerror(errno));
        return -1;
    }
    int rc = 0;

    /* The reference models, as they are. */
    DIR *d = opendir(ref_dir);
    if (!d) {
        fprintf(stderr, "%s: %s\n", ref_dir, strerror(errno));
        return -1;
    }
    char *names[64];
    int nn = 0;
    struct dirent *e;
    while ((e = readdir(d)) && nn < 64) {
        const char *dot = strrchr(e->d_name, '.');
        if (dot && (!strcmp(dot, ".json") || !strcmp(dot, ".nam"))) names[nn++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)nn, sizeof names[0], cmp_name);
    char src[2048];
    for (int i = 0; i < nn; i++) {
        snprintf(src, sizeof src, "%s/%s", ref_dir, names[i]);
        ZooFile *f = add(z, ZOO_GOOD, src, names[i]);
        f->what[strcspn(f->what, ".")] = '\0';
    }

    /* Made here: big, at other rates, with knobs, with a strange name. */
    if (!lean) {
        TRY(add_model(z, "lstm128x2.json", "2 x LSTM-128", NN_CELL_LSTM, 2, 128, 0, 48000, 8, 11));
        z->f[z->n - 1].huge = z->f[z->n - 1].costly = true;
        TRY(add_model(z, "gru128x2_44k.json", "2 x GRU-128 at 44.1 kHz", NN_CELL_GRU, 2, 128, 0, 44100, 8, 12));
        z->f[z->n - 1].huge = z->f[z->n - 1].costly = true;
    }
    const double rates[] = {8000, 22050, 32000, 88200, 96000, 192000, 48000.3, 768000};
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
        if (lean && rates[i] > 4 * 48000) continue;
        char name[64], what[64];
        snprintf(name, sizeof name, "rnn_%gHz.json", rates[i]);
        snprintf(what, sizeof what, "%s at %g Hz", i % 2 ? "GRU" : "LSTM", rates[i]);
        int hidden = rates[i] > 200000 ? 4 : 12; /* (16 x the host's rate: cheap, or the test would not be) */
        TRY(add_model(z, name, what, i % 2 ? NN_CELL_GRU : NN_CELL_LSTM, 1, hidden, (int)(i % 3), rates[i], 6, 20 + i));
        z->f[z->n - 1].costly = rates[i] > 4 * 48000;
    }
    if (good_only) goto check;
    snprintf(src, sizeof src, "%s/keras_gru8_dense8.json", ref_dir);
    size_t len = 0;
    char *text = read_all(src, &len);
    if (text) {
        TRY(add_text(z, ZOO_GOOD, "weird name 'q' \"dq\" \xc3\xa9 #%20.json", "a strange file name", text, len));
        free(text);
    }
    TRY(add_padded(z, src, big_junk ? JUNK_MB_BIG : JUNK_MB_SMALL));

    /* Broken copies of one model of each format. */
    const char *victims[][2] = {{"keras_lstm8.json", "keras"},
                                {"guitarml_lstm20_skip.json", "guitarml"},
                                {"nam_lstm_2x8.nam", "nam"},
                                {"synth_keras_gru2x10_tanh_cond1.json", "keras_gru_cond"}};
    for (size_t i = 0; i < sizeof victims / sizeof victims[0]; i++) {
        snprintf(src, sizeof src, "%s/%s", ref_dir, victims[i][0]);
        TRY(break_model(z, src, victims[i][1]));
    }

    /* A model at a rate the plugin will not resample (over 16 x the host's). */
    rc |= add_model(z, "lstm8_1kHz.json", "LSTM-8 at 1 kHz (too far from the host's rate)", NN_CELL_LSTM, 1, 8, 0, 1000,
                    1, 30);
    z->f[z->n - 1].kind = ZOO_BAD;
    z->f[z->n - 1].engine_loads = true;

    /* Files that are not models at all. */
    TRY(add_text(z, ZOO_BAD, "empty.json", "an empty file", "", 0));
    TRY(add_text(z, ZOO_BAD, "spaces.json", "whitespace only", "  \n\t ", 5));
    TRY(add_text(z, ZOO_BAD, "null.json", "JSON null", "null", 4));
    TRY(add_text(z, ZOO_BAD, "number.json", "a JSON number", "42", 2));
    TRY(add_text(z, ZOO_BAD, "deep.json", "arrays nested 100000 deep", NULL, 0));
    {
        size_t depth = 100000;
        char *deep = malloc(depth);
        memset(deep, '[', depth);
        TRY(write_all(z->f[z->n - 1].path, deep, depth));
        free(deep);
    }
    TRY(add_text(z, ZOO_BAD, "elf.nam", "an ELF header",
                 "\x7f"
                 "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0",
                 16));
    TRY(add_text(z, ZOO_BAD, "utf16.json", "UTF-16 text", "\xff\xfe{\0}\0", 6));
    const char *wavenet = "{\"version\": \"0.5.0\", \"architecture\": \"WaveNet\", \"config\": {}, \"weights\": []}";
    TRY(add_text(z, ZOO_BAD, "wavenet.nam", "a NAM WaveNet", wavenet, strlen(wavenet)));
    ZooFile *f = add(z, ZOO_BAD, "a_folder.json", "a folder");
    TRY(mkdir(f->path, 0755));
    add(z, ZOO_BAD, "/dev/zero", "a character device (endless zeros)");
    add(z, ZOO_BAD, "/dev/null", "a character device (empty)");
    f = add(z, ZOO_BAD, "loop.json", "a symlink loop");
    TRY(symlink(f->path, f->path));
    add(z, ZOO_MISSING, "missing.json", "a file that does not exist");
    add(z, ZOO_MISSING, "no_such_folder/model.json", "a path in a missing folder");
    {
        char longname[6000];
        memset(longname, 'x', sizeof longname - 1);
        longname[sizeof longname - 1] = '\0';
        memcpy(longname + sizeof longname - 6, ".json", 5);
        add(z, ZOO_MISSING, longname, "a path of 6000 characters");
    }
    /* Too large to read: a sparse file over the engine's limit (no disk used). */
    f = add(z, ZOO_BAD, "sparse_200mb.json", "a 200 MB sparse file (over the size limit)");
    int fd = open(f->path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    TRY(fd < 0 || ftruncate(fd, (off_t)200 << 20) != 0);
    if (fd >= 0) close(fd);
    TRY(add_junk(z, big_junk ? JUNK_MB_BIG : JUNK_MB_SMALL));
check:
    for (int i = 0; i < nn; i++) free(names[i]);
    if (rc) {
        fprintf(stderr, "zoo: could not make every file in %s\n", dir);
        return -1;
    }

    if (getenv("ZOO_VERBOSE")) fprintf(stderr, "zoo: made in %.2f s\n", tick() - t0);
    /* The engine agrees with the labels: good files load, bad and missing ones do not. */
    for (int i = 0; i < z->n; i++) {
        f = &z->f[i];
        nn_error err;
        double t1 = tick();
        nn_model *m = check || f->kind == ZOO_GOOD ? nn_model_load_file(f->path, &err) : NULL;
        if (getenv("ZOO_VERBOSE") && tick() - t1 > 0.1)
            fprintf(stderr, "zoo: %s: %.2f s to load\n", f->what, tick() - t1);
        if ((check || f->kind == ZOO_GOOD) && (m != NULL) != (f->kind == ZOO_GOOD || f->engine_loads)) {
            fprintf(stderr, "zoo: %s (%s) %s: %s\n", f->path, f->what,
                    m ? "loads, but is meant to be refused" : "is refused", m ? "" : err.msg);
            rc = -1;
        }
        f->real = realpath(f->path, NULL);
        if (m) {
            f->rate = nn_model_sample_rate(m);
            f->n_cond = nn_model_num_cond(m);
            f->params = nn_model_param_count(m);
            const nn_spec *sp = nn_model_spec(m);
            for (int l = 0; l < sp->n_rec; l++) /* a fingerprint of the weights */
                for (int k = 0; k < sp->rec[l].hidden; k++) f->sum += sp->rec[l].w_hh[k] * (k + 1.0);
        }
        nn_model_free(m);
        z->n_good += f->kind == ZOO_GOOD;
        z->n_bad += f->kind != ZOO_GOOD;
    }
    if (getenv("ZOO_VERBOSE")) fprintf(stderr, "zoo: made and checked in %.2f s\n", tick() - t0);
    return rc;
}

int zoo_find(const Zoo *z, const char *path)
{
    for (int i = 0; i < z->n; i++)
        if (!strcmp(z->f[i].path, path)) return i;
    return -1;
}

int zoo_find_real(const Zoo *z, const char *real)
{
    for (int i = 0; i < z->n; i++)
        if (z->f[i].real && !strcmp(z->f[i].real, real)) return i;
    return -1;
}

void zoo_remove(Zoo *z)
{
    for (int i = 0; i < z->n; i++) {
        free(z->f[i].path);
        free(z->f[i].real);
        free(z->f[i].what);
    }
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", z->dir);
    if (system(cmd)) fprintf(stderr, "zoo: could not remove %s\n", z->dir);
}

/* ---- Measuring what the good models do --------------------------------------------------------- */

static float *resample(const float *x, size_t n, double ratio, size_t *out_n)
{
    size_t cap = (size_t)(n * ratio) + 64;
    float *y = calloc(cap, sizeof(float));
    SRC_DATA d = {.data_in = x, .data_out = y, .input_frames = (long)n, .output_frames = (long)cap, .src_ratio = ratio};
    if (src_simple(&d, SRC_SINC_MEDIUM_QUALITY, 1)) {
        fprintf(stderr, "zoo: libsamplerate failed\n");
        exit(1);
    }
    *out_n = (size_t)d.output_frames_gen;
    return y;
}

typedef struct {
    Zoo *z;
    const float *x;
    size_t n;
    double host_rate;
    atomic_int *next; /* the next file to measure, whichever thread is free */
} MeasureJob;

static void *measure_some(void *arg)
{
    MeasureJob *job = arg;
    Zoo *z = job->z;
    const float *x = job->x;
    size_t n = job->n;
    double host_rate = job->host_rate;
    float *xg = malloc(n * sizeof(float));
    for (int i; (i = atomic_fetch_add(job->next, 1)) < z->n;) {
        ZooFile *f = &z->f[i];
        if (!f->is_first_of_kind) continue; /* a network in several files: measured once */
        nn_error err;
        nn_model *m = nn_model_load_file(f->path, &err);
        nn_state *s = nn_state_new(m, &err);
        bool resampled = fabs(f->rate - host_rate) > 0.5;
        for (int gi = 0; gi < ZOO_GAIN_STEPS; gi++) {
            float g = powf(10.0f, (-24.0f + 12.0f * (float)gi) / 20.0f);
            for (size_t k = 0; k < n; k++) xg[k] = x[k] * g;
            size_t nm = n, ny = n;
            float *xm = resampled ? resample(xg, n, f->rate / host_rate, &nm) : xg;
            float *ym = malloc(nm * sizeof(float));
            double step = 0, peak = 0;
            /* knobs at both ends; pre-warmed (a swap) on all of it, from the initial state (the
             * first model) on its start */
            for (int run = 0; run < (f->n_cond ? 4 : 2); run++) {
                bool warm = run % 2 == 0;
                for (int c = 0; c < NN_MAX_COND; c++) nn_state_set_cond(s, c, (float)(run / 2));
                if (warm) nn_state_prewarm(s);
                else
                    nn_state_reset(s);
                size_t len = warm ? nm : (nm < 4096 ? nm : 4096);
                nn_run(s, xm, ym, len);
                float *y = resampled ? resample(ym, len, host_rate / f->rate, &ny) : ym;
                if (!resampled) ny = len;
                for (size_t k = 0; k < ny; k++) {
                    peak = fmax(peak, fabs(y[k]));
                    if (k) step = fmax(step, fabs((double)y[k] - y[k - 1]));
                }
                if (resampled) free(y);
            }
            f->step[gi] = fmax(step, gi ? f->step[gi - 1] : 0);
            f->peak[gi] = fmax(peak, gi ? f->peak[gi - 1] : 0);
            free(ym);
            if (resampled) free(xm);
        }
        nn_state_free(s);
        nn_model_free(m);
        if (getenv("ZOO_VERBOSE"))
            fprintf(stderr, "%-40s %8.0f Hz  step %.3f peak %.3f at 0 dB; step %.3f peak %.3f at +24 dB\n", f->what,
                    f->rate, f->step[2], f->peak[2], f->step[4], f->peak[4]);
    }
    free(xg);
    return NULL;
}

/* Two threads (the machine has two cores); a network in several files is measured once. */
void zoo_measure(Zoo *z, const float *x, size_t n, double host_rate)
{
    for (int i = 0; i < z->n; i++) {
        ZooFile *f = &z->f[i];
        f->is_first_of_kind = f->kind == ZOO_GOOD;
        for (int j = 0; j < i && f->is_first_of_kind; j++)
            if (z->f[j].kind == ZOO_GOOD && z->f[j].params == f->params && z->f[j].rate == f->rate &&
                z->f[j].n_cond == f->n_cond && z->f[j].sum == f->sum)
                f->is_first_of_kind = false;
    }
    atomic_int next = 0;
    MeasureJob job = {z, x, n, host_rate, &next};
    pthread_t t;
    pthread_create(&t, NULL, measure_some, &job);
    measure_some(&job);
    pthread_join(t, NULL);
    for (int i = 0; i < z->n; i++) {
        ZooFile *f = &z->f[i];
        if (f->kind != ZOO_GOOD || f->is_first_of_kind) continue;
        for (int j = 0; j < z->n; j++)
            if (z->f[j].is_first_of_kind && z->f[j].params == f->params && z->f[j].rate == f->rate &&
                z->f[j].n_cond == f->n_cond && z->f[j].sum == f->sum) {
                memcpy(f->step, z->f[j].step, sizeof f->step);
                memcpy(f->peak, z->f[j].peak, sizeof f->peak);
                break;
            }
    }
}

/* ---- Named pipes ---------------------------------------------------------------------------------- */

struct ZooFifo {
    char path[1100];
    struct timespec due;
    _Atomic int state;
    ZooFifo *next;
};

static pthread_mutex_t fifo_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fifo_wake = PTHREAD_COND_INITIALIZER;
static ZooFifo *fifos;
static unsigned fifo_count;
static bool fifo_quit;
static pthread_t fifo_thread;

static bool before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* The writer comes: whoever waits in open() gets the pipe, reads a few bytes and the end of
 * the file; the path goes away before the writer does, so no one can open it afterwards and
 * wait for a writer that never comes. */
static void serve(ZooFifo *f)
{
    int rd = -1, wr = open(f->path, O_WRONLY | O_NONBLOCK);
    bool reader = wr >= 0;
    if (!reader) { /* nobody waits: be our own reader, so that opening for writing succeeds */
        rd = open(f->path, O_RDONLY | O_NONBLOCK);
        wr = open(f->path, O_WRONLY | O_NONBLOCK);
    }
    if (wr >= 0) {
        const char text[] = "{\"layers\": []}\n";
        ssize_t w = write(wr, text, sizeof text - 1);
        (void)w;
    }
    unlink(f->path);
    if (wr >= 0) close(wr);
    if (rd >= 0) close(rd);
    atomic_store(&f->state, reader ? FIFO_SERVED_BLOCKED : FIFO_SERVED);
}

static void *fifo_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&fifo_lock);
    for (;;) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        ZooFifo *first = NULL;
        for (ZooFifo *f = fifos; f; f = f->next)
            if (atomic_load(&f->state) == FIFO_PENDING && (!first || before(&f->due, &first->due))) first = f;
        if (!first) {
            if (fifo_quit) break;
            pthread_cond_wait(&fifo_wake, &fifo_lock);
            continue;
        }
        if (fifo_quit || !before(&now, &first->due)) {
            pthread_mutex_unlock(&fifo_lock);
            serve(first);
            pthread_mutex_lock(&fifo_lock);
            continue;
        }
        pthread_cond_timedwait(&fifo_wake, &fifo_lock, &first->due);
    }
    pthread_mutex_unlock(&fifo_lock);
    return NULL;
}

void zoo_fifo_start(void)
{
    signal(SIGPIPE, SIG_IGN); /* the reader may be gone by the time the writer writes */
    fifo_quit = false;
    pthread_create(&fifo_thread, NULL, fifo_main, NULL);
}

ZooFifo *zoo_fifo_new(const char *dir, double delay)
{
    ZooFifo *f = calloc(1, sizeof *f);
    pthread_mutex_lock(&fifo_lock);
    snprintf(f->path, sizeof f->path, "%s/slow_%u.json", dir, fifo_count++);
    if (mkfifo(f->path, 0644)) fprintf(stderr, "zoo: mkfifo %s: %s\n", f->path, strerror(errno));
    clock_gettime(CLOCK_REALTIME, &f->due);
    double t = f->due.tv_nsec * 1e-9 + delay;
    f->due.tv_sec += (time_t)floor(t);
    f->due.tv_nsec = (long)((t - floor(t)) * 1e9);
    atomic_init(&f->state, FIFO_PENDING);
    f->next = fifos;
    fifos = f;
    pthread_cond_signal(&fifo_wake);
    pthread_mutex_unlock(&fifo_lock);
    return f;
}

const char *zoo_fifo_path(const ZooFifo *f) { return f->path; }
FifoState zoo_fifo_state(const ZooFifo *f) { return (FifoState)atomic_load(&((ZooFifo *)f)->state); }

void zoo_fifo_stop(void)
{
    pthread_mutex_lock(&fifo_lock);
    fifo_quit = true;
    pthread_cond_signal(&fifo_wake);
    pthread_mutex_unlock(&fifo_lock);
    pthread_join(fifo_thread, NULL);
    while (fifos) {
        ZooFifo *f = fifos;
        fifos = f->next;
        free(f);
    }
}
