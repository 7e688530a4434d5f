/*
 * cmd_demo.c - `rnnfx demo [--out DIR]`: the whole chain on a built-in default, no files needed.
 *
 *   1. synthesises a guitar-like DI phrase (synth_di.h: plucked strings, chords and a riff);
 *   2. plays it through every shipped model (every .json in models/) into WAV files;
 *   3. makes a training pair from it with a synthetic overdrive (toy_pedal.h), trains a small
 *      network on it for a few seconds with the trainer (nn_train.h), and measures it on a
 *      phrase it never heard;
 *   4. draws the picture: input, target and the model's output, waveform and spectrum (SVG);
 *      and, when the MorphDrive recordings are there, a second one of a shipped model on its
 *      real recordings;
 *   5. shows the capture flow on the overdrive: the capture signal (capture_signal.h), its
 *      "recording" through the overdrive with a latency, found and checked (capture_check.h), and
 *      the three commands that capture a real device;
 *   6. says where all that went and how to load the plugin in a host.
 *
 * Everything the demo writes goes under DIR (default ./rnnfx-demo), each file atomically.
 */
#include "audio_io.h"
#include "capture_signal.h"
#include "capture_train.h"
#include "cli.h"
#include "clock.h"
#include "commands.h"
#include "metrics.h"
#include "nn.h"
#include "nn_spec.h"
#include "nn_train.h"
#include "render.h"
#include "spectrum.h"
#include "svg_plot.h"
#include "synth_di.h"
#include "toy_pedal.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>


#define RATE 48000.0
#define NFFT 4096

static const char usage[] =
    "Usage: rnnfx demo [--out DIR] [options]\n"
    "\n"
    "The whole chain on a built-in default, no files needed: synthesises a guitar-like DI\n"
    "phrase (plucked strings: chords and a riff), plays it through every shipped model, trains\n"
    "a small model for a few seconds on the phrase through a synthetic overdrive, measures it\n"
    "on a phrase it never heard, and draws input, target and output (waveform and spectrum)\n"
    "as an SVG picture. With the MorphDrive recordings at hand (--data), it also draws a\n"
    "shipped model against its real pedal.\n"
    "\n"
    "Options:\n"
    "  --out DIR        where everything goes (./rnnfx-demo)\n"
    "  --models DIR     the shipped models (those installed with rnnfx, or the source tree's)\n"
    "  --data DIR       the MorphDrive recordings ($RNNFX_SHARED/data/morphdrive, or the\n"
    "                   source tree's ../shared/data/morphdrive); absent: no second picture\n"
    "  --seconds S      training budget in seconds (8; at least one epoch)\n"
    "  --epochs N       train exactly N epochs instead (the same result on every machine)\n"
    "  --type lstm|gru|rnn  --hidden N   the small model (gru, 8)\n"
    "  -h, --help       this text\n";

typedef struct demo_args {
    const char *out, *models, *data;
    double seconds;
    int epochs; /* 0: train for `seconds` */
    nn_cell type;
    int hidden;
} demo_args;

/* ---- small helpers ----------------------------------------------------------------------- */

static char *path_join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", a, b);
    return p;
}

/* mkdir -p */
static int make_dir(const char *path, nn_error *err)
{
    char *p = strdup(path);
    if (!p) return -1;
    for (char *s = p + 1;; s++) {
        if (*s == '/' || !*s) {
            char c = *s;
            *s = 0;
            if (mkdir(p, 0755) != 0 && errno != EEXIST) {
                snprintf(err->msg, sizeof err->msg, "%s: cannot create: %s", p, strerror(errno));
                free(p);
                return -1;
            }
            *s = c;
            if (!c) break;
        }
    }
    free(p);
    return 0;
}

static int write_mono(const char *path, const float *x, size_t n, nn_error *err)
{
    rnnfx_audio a = {0};
    if (rnnfx_audio_alloc(&a, 1, n, RATE, path, err) != NN_OK) return -1;
    memcpy(a.data[0], x, n * sizeof *x);
    int r = rnnfx_audio_write_wav(path, &a, err) != NN_OK;
    rnnfx_audio_free(&a);
    return r ? -1 : 0;
}

static int is_dir(const char *p)
{
    struct stat st;
    return p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The *.json files of `dir`, sorted; *n set; NULL when none (or no folder). Caller frees all. */
static char **list_models(const char *dir, int *n)
{
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) return NULL;
    char **names = NULL;
    int cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || !cli_has_ext(e->d_name, ".json")) continue;
        if (*n == cap) {
            char **nn = realloc(names, (size_t)(cap = cap ? 2 * cap : 32) * sizeof *names);
            if (!nn) break;
            names = nn;
        }
        if (!(names[*n] = strdup(e->d_name))) break;
        (*n)++;
    }
    closedir(d);
    if (*n) qsort(names, (size_t)*n, sizeof *names, cmp_str);
    return names;
}

static void free_list(char **l, int n)
{
    for (int i = 0; i < n; i++) free(l[i]);
    free(l);
}

/* ---- 2. the shipped models --------------------------------------------------------------- */

/* Runs `di` through `m` with the knobs `cond` into a new buffer (NULL on failure). */
static float *run_model(const nn_model *m, const float *di, size_t n, const float *cond, nn_error *err)
{
    rnnfx_audio in = {1, n, RATE, (float **)&di}, out;
    rnnfx_render_opts o;
    rnnfx_render_info info;
    rnnfx_render_opts_init(&o);
    for (int k = 0; cond && k < nn_model_num_cond(m); k++) o.cond[k] = cond[k];
    if (rnnfx_render(m, &in, &o, &out, &info, "the DI phrase", err) != NN_OK) return NULL;
    float *y = out.data[0];
    free(out.data);
    return y;
}

static int play_shipped(const demo_args *a, const float *di, size_t n, const char *out_dir)
{
    int count;
    char **names = list_models(a->models, &count);
    if (!count) {
        printf("2. shipped models: none found in %s (--models DIR)\n", a->models);
        return 0;
    }
    printf("2. the DI phrase through the %d shipped models of %s:\n", count, a->models);
    nn_error err = {0};
    int failed = 0;
    for (int i = 0; i < count; i++) {
        char *path = path_join(a->models, names[i]);
        nn_model *m = path ? nn_model_load_file(path, &err) : NULL;
        free(path);
        if (!m) {
            cli_fail(&err);
            failed = 1;
            continue;
        }
        const nn_spec *s = nn_model_spec(m);
        int knobs = nn_model_num_cond(m);
        /* a model with knobs: its two ends and the middle */
        for (int v = 0; v < (knobs ? 3 : 1); v++) {
            float cond[NN_MAX_COND] = {0};
            char file[512], base[256];
            snprintf(base, sizeof base, "%.*s", (int)(strlen(names[i]) - 5), names[i]);
            if (knobs) {
                for (int k = 0; k < knobs; k++) cond[k] = 0.5f * (float)v;
                snprintf(file, sizeof file, "%s/%s_%s%.1f.wav", out_dir, base,
                         s->meta.cond_names[0] ? s->meta.cond_names[0] : "knob", 0.5 * v);
            } else {
                snprintf(file, sizeof file, "%s/%s.wav", out_dir, base);
            }
            float *y = run_model(m, di, n, cond, &err);
            if (!y || write_mono(file, y, n, &err)) {
                cli_fail(&err);
                failed = 1;
            } else {
                const char *label = s->meta.name ? s->meta.name : base;
                if (knobs)
                    printf("   %-30s at %s %.1f -> %s\n", label, s->meta.cond_names[0] ? s->meta.cond_names[0] : "knob",
                           0.5 * v, file);
                else
                    printf("   %-30s -> %s\n", label, file);
            }
            free(y);
        }
        nn_model_free(m);
    }
    free_list(names, count);
    return failed;
}

/* ---- 3. training on the built-in pair ---------------------------------------------------- */

typedef struct train_view {
    double budget, last_print;
    int epochs_done;
    volatile int stop;
} train_view;

/* The budget ends training, but never before the first epoch has finished. */
static void on_progress(void *ctx, const nn_train_progress *p)
{
    train_view *v = ctx;
    if (p->done) v->epochs_done = p->done->epoch;
    if (v->epochs_done && p->elapsed >= v->budget) v->stop = 1;
    if (p->done && p->elapsed - v->last_print >= 1.0) {
        v->last_print = p->elapsed;
        printf("   %4.1f s  epoch %3d  validation ESR %.4f\n", p->elapsed, p->done->epoch, p->done->val_esr);
        fflush(stdout);
    }
}

/* Trains a.type/a.hidden on (di, target), tests on (tdi, ttarget); writes the model to
 * `model_path`. Returns the model (NULL + err on failure). */
static nn_model *train_toy(const demo_args *a, const float *di, const float *target, size_t n, const float *tdi,
                           const float *ttarget, size_t tn, const char *model_path, nn_error *err)
{
    nn_tdata *d = nn_tdata_new();
    nn_trainer *tr = NULL;
    nn_model *m = NULL;
    nn_spec s;
    int have_spec = 0;
    if (!d) return NULL;
    nn_taudio x = {"the DI phrase", &di, n, 1, RATE}, y = {"the toy pedal's output", &target, n, 1, RATE};
    nn_taudio tx = {"the test phrase", &tdi, tn, 1, RATE}, ty = {"the toy pedal's test output", &ttarget, tn, 1, RATE};
    if (nn_tdata_add(d, &x, &y, -1, NULL, 0, NN_ROLE_AUTO, err) != NN_OK ||
        nn_tdata_add(d, &tx, &ty, -1, NULL, 0, NN_ROLE_TEST, err) != NN_OK ||
        nn_tdata_split(d, NN_SPLIT_TIME, 0.15, 0.0, err) != NN_OK)
        goto done;
    nn_train_opts o;
    nn_train_opts_default(&o);
    o.type = a->type;
    o.hidden = a->hidden;
    o.batch = 8;                               /* ~15 segments of the phrase: two Adam batches per epoch */
    o.epochs = a->epochs ? a->epochs : 100000; /* else the time budget ends it */
    o.patience = 0;
    o.plateau = 10;
    tr = nn_trainer_new(&o, d, NULL, err);
    if (!tr) goto done;
    train_view v = {a->epochs ? INFINITY : a->seconds, 0, 0, 0};
    if (a->epochs)
        printf("3. training a %s-%d on the DI phrase through the built-in overdrive, %d epochs:\n",
               nn_cell_name(o.type), o.hidden, a->epochs);
    else
        printf("3. training a %s-%d on the DI phrase through the built-in overdrive, for %.0f s:\n",
               nn_cell_name(o.type), o.hidden, a->seconds);
    if (nn_trainer_run(tr, NULL, &v.stop, on_progress, &v, err) != NN_OK) goto done;
    int n_ep;
    nn_trainer_log(tr, &n_ep);
    if (nn_trainer_final_spec(tr, NULL, &s, err) != NN_OK) goto done;
    have_spec = 1;
    s.meta.name = nn_spec_strdup(&s, "rnnfx demo: built-in overdrive");
    s.meta.device = nn_spec_strdup(&s, "the synthetic overdrive of rnnfx (tools/toy_pedal.c)");
    s.meta.author = nn_spec_strdup(&s, "rnnfx demo");
    if (!(m = nn_model_build(&s, model_path, err))) goto done;
    if (nn_model_write_keras(m, model_path, err) != NN_OK) {
        nn_model_free(m);
        m = NULL;
        goto done;
    }
    printf("   kept epoch %d of %d: validation ESR %.4f, test ESR %.4f on a phrase it never heard\n",
           nn_trainer_best_epoch(tr), n_ep, nn_trainer_best_val_esr(tr), s.meta.test_esr);
done:
    if (have_spec) nn_spec_free(&s);
    nn_trainer_free(tr);
    nn_tdata_free(d);
    return m;
}

/* ---- 4. the picture ----------------------------------------------------------------------- */

/* Where the target is loudest (start of a window of `len` samples, a little before the peak). */
static size_t loudest(const float *t, size_t n, size_t len)
{
    size_t at = 0;
    float peak = 0;
    for (size_t i = 0; i < n; i++)
        if (fabsf(t[i]) > peak) peak = fabsf(t[i]), at = i;
    at = at > len / 4 ? at - len / 4 : 0;
    return at + len <= n ? at : n > len ? n - len : 0;
}

static float peak_of(const float *x, size_t n)
{
    float p = 0;
    for (size_t i = 0; i < n; i++)
        if (fabsf(x[i]) > p) p = fabsf(x[i]);
    return p;
}

/* Input, target and output: the whole clip (target and error), a zoom on its loudest 25 ms,
 * and the three spectra. */
static int picture(const char *path, const char *title, const char *note, const float *in, const float *tgt,
                   const float *out, size_t n, nn_error *err)
{
    const char *c_in = "#9a9a9a", *c_tgt = "#1f5fbf", *c_out = "#e8590c", *c_err = "#c92a2a";
    float *e = malloc(n * sizeof *e);
    float *db[3] = {malloc((NFFT / 2 + 1) * sizeof(float)), malloc((NFFT / 2 + 1) * sizeof(float)),
                    malloc((NFFT / 2 + 1) * sizeof(float))};
    int r = -1;
    if (!e || !db[0] || !db[1] || !db[2]) goto done;
    for (size_t i = 0; i < n; i++) e[i] = out[i] - tgt[i];
    const float *sig[3] = {in, tgt, out};
    for (int k = 0; k < 3; k++)
        if (rnnfx_spectrum_db(sig[k], n, NFFT, db[k])) goto done;
    float top = -200;
    for (int k = 0; k < 3; k++)
        for (int i = 1; i <= NFFT / 2; i++)
            if (db[k][i] > top) top = db[k][i];
    top = 10.0f * ceilf(top / 10.0f);

    double dur = (double)n / RATE;
    float full = peak_of(tgt, n);
    size_t zl = (size_t)(0.025 * RATE), z0 = loudest(tgt, n, zl);
    size_t zn = zl < n ? zl : n;
    float zpeak = fmaxf(fmaxf(peak_of(tgt + z0, zn), peak_of(in + z0, zn)), peak_of(out + z0, zn));
    rnnfx_svg_panel p[3] = {
        {"The whole clip: target, and the model's error (output - target)",
         "time (s)",
         "amplitude",
         0,
         dur,
         -1.1 * full,
         1.1 * full,
         0,
         2,
         {{tgt, n, 0, 1 / RATE, "target", c_tgt, 1, 0}, {e, n, 0, 1 / RATE, "error", c_err, 1, 0}}},
        {"25 ms at the loudest moment: input, target, output",
         "time (ms)",
         "amplitude",
         0,
         25,
         -1.1 * zpeak,
         1.1 * zpeak,
         0,
         3,
         {{in + z0, zn, 0, 1000 / RATE, "input (DI)", c_in, 1.5, 0},
          {tgt + z0, zn, 0, 1000 / RATE, "target", c_tgt, 2.5, 0},
          {out + z0, zn, 0, 1000 / RATE, "model", c_out, 1.8, 1}}},
        {"Spectrum (average power, Hann frames of 4096)",
         "frequency (Hz)",
         "dB",
         20,
         20000,
         top - 100,
         top,
         1,
         3,
         {{db[0], NFFT / 2 + 1, 0, RATE / NFFT, "input (DI)", c_in, 1.2, 0},
          {db[1], NFFT / 2 + 1, 0, RATE / NFFT, "target", c_tgt, 2, 0},
          {db[2], NFFT / 2 + 1, 0, RATE / NFFT, "model", c_out, 1.4, 1}}},
    };
    r = rnnfx_svg_write(path, title, note, p, 3, err);
done:
    if (r && !err->msg[0]) snprintf(err->msg, sizeof err->msg, "%s: out of memory", path);
    free(e), free(db[0]), free(db[1]), free(db[2]);
    return r;
}

/* Pooled ESR of y against t. */
static double esr_of(const float *y, const float *t, size_t n)
{
    rnnfx_metrics_acc acc;
    rnnfx_metrics_init(&acc);
    rnnfx_metrics_add(&acc, y, t, n);
    return rnnfx_metrics_finish(&acc).esr;
}

/* The second picture: the Zendrive's LSTM-16 on the real guitar-chords test clip. Returns 1
 * when drawn, 0 when the recordings are not there, 2 when the model is not, -1 on error. */
static int real_picture(const demo_args *a, const char *path, nn_error *err)
{
    static const char model_file[] = "zendrive_g5_t3_lstm16.json";
    if (!is_dir(a->data)) return 0;
    char *mp = path_join(a->models, model_file), *dry = path_join(a->data, "dry/guitar-chords.flac"),
         *wet = path_join(a->data, "zendrive_g5_t3/guitar-chords.flac");
    rnnfx_audio in = {0}, t = {0};
    nn_model *m = NULL;
    float *y = NULL;
    int r = 0;
    if (!mp || !dry || !wet) goto done;
    FILE *f = fopen(mp, "r");
    r = 2;
    if (!f) goto done;
    fclose(f);
    r = -1;
    if (!(m = nn_model_load_file(mp, err)) || rnnfx_audio_read(dry, &in, err) != NN_OK ||
        rnnfx_audio_read(wet, &t, err) != NN_OK)
        goto done;
    size_t n = in.frames < t.frames ? in.frames : t.frames;
    if (!(y = run_model(m, in.data[0], in.frames, NULL, err))) goto done;
    char title[256], note[256];
    snprintf(title, sizeof title, "A real pedal: Hermida Zendrive (gain 5/5, tone 3/5), shipped LSTM-16");
    snprintf(note, sizeof note,
             "guitar-chords.flac, a test clip (never seen in training); MorphDrive recordings, CC BY-NC 4.0; "
             "ESR %.4f",
             esr_of(y, t.data[0], n));
    if (picture(path, title, note, in.data[0], t.data[0], y, n, err)) goto done;
    r = 1;
done:
    free(y);
    nn_model_free(m);
    rnnfx_audio_free(&in);
    rnnfx_audio_free(&t);
    free(mp), free(dry), free(wet);
    return r;
}

/* ---- 5. where it went, and the plugin ---------------------------------------------------- */

/* 5. The capture flow on the built-in overdrive: the signal (the shortest), as if played through
 * it and recorded 2.5 ms late, found and checked as `rnnfx train --capture --check` does; then the
 * three commands for a real device. */
#define DEMO_LATENCY 120
static int capture_step(const char *out_dir, nn_error *err)
{
    char *dir = path_join(out_dir, "capture"), *p_sig = dir ? path_join(dir, "reamp.wav") : NULL;
    char *p_rec = dir ? path_join(dir, "recorded.wav") : NULL;
    rnnfx_capture_layout *l = malloc(sizeof *l);
    float *x = NULL, *y = NULL;
    int rc = -1;
    if (!dir || !p_sig || !p_rec || !l || make_dir(dir, err) ||
        rnnfx_capture_layout_make(l, RNNFX_CAPTURE_VERSION, RATE, RNNFX_CAPTURE_MIN_MINUTES))
        goto done;
    size_t n = l->frames + DEMO_LATENCY + (size_t)RATE;
    if (!(x = malloc(l->frames * sizeof *x)) || !(y = calloc(n, sizeof *y)) || rnnfx_capture_render(l, x)) goto done;
    rnnfx_toy_pedal(x, y + DEMO_LATENCY, l->frames, RATE);
    if (write_mono(p_sig, x, l->frames, err) || write_mono(p_rec, y, n, err)) goto done;
    printf("5. capturing a device: %s (%.0f s, the shortest capture signal), through the overdrive\n"
           "   and recorded %d samples late: %s. Found and checked:\n",
           p_sig, (double)l->frames / RATE, DEMO_LATENCY, p_rec);
    rnnfx_capture_source src = {p_rec, NULL, -1, NULL, 0}; /* the signal regenerated, as by default */
    rnnfx_capture_report rep;
    if (rnnfx_capture_add(NULL, &src, &rep, err) != NN_OK) goto done;
    printf("   latency %ld samples, clock %+.2f ppm, gain %+.1f dB, repeatability ESR %.2g, %d warning%s.\n"
           "   For your own pedal or amp, three commands:\n"
           "     rnnfx signal -o reamp.wav       # play it through the device, record the output\n"
           "     rnnfx train --capture recorded.wav --device \"My pedal\" -o my_pedal.json\n"
           "     rnnfx process my_pedal.json guitar.wav guitar_through_my_pedal.wav\n",
           rep.latency, rep.drift_ppm, rep.gain_db, rep.repeat_esr, rep.n_warnings, rep.n_warnings == 1 ? "" : "s");
    rc = 0;
done:
    if (rc && !err->msg[0]) snprintf(err->msg, sizeof err->msg, "rnnfx demo: out of memory");
    free(x), free(y), free(l), free(p_sig), free(p_rec), free(dir);
    return rc;
}

static void print_hosts(void)
{
    printf("\nThe plugin (rnnfx.lv2: \"rnnfx\" mono, \"rnnfx stereo\"; every shipped model is a preset):\n"
           "  jalv:    jalv.gtk3 urn:rnnfx:mono        (GUI: Presets menu, or the Model file button)\n"
           "           jalv -p urn:rnnfx:preset:mono:zendrive_g5_t3_lstm16.json urn:rnnfx:mono   (console)\n"
           "  Ardour:  Mixer strip > right-click the processor box > New Plugin > Plugin Selector,\n"
           "           search \"rnnfx\"; double-click it: the Presets list (top left) has the models,\n"
           "           the Model button takes any .json/.aidax/.nam file. Saved with the session.\n"
           "  Carla:   Add Plugin > LV2 > \"rnnfx\"; its Edit window has the Presets list and the\n"
           "           Model file parameter.\n"
           "  Any model file (AIDA-X .json/.aidax, NAM LSTM .nam) loads through the Model parameter;\n"
           "  the knob ports drive a model's conditioning inputs (the Zendrive's tone).\n");
}

/* ---- the command ------------------------------------------------------------------------- */

static int parse(int argc, char **argv, demo_args *a)
{
    a->out = "rnnfx-demo";
    a->models = cli_models_dir();
    a->data = NULL;
    a->seconds = 8;
    a->epochs = 0;
    a->type = NN_CELL_GRU;
    a->hidden = 8;
    cli c = cli_start("demo", argc, argv);
    while (cli_next(&c)) {
        const char *v;
        if (!c.opt) return cli_usage(&c, "unexpected argument \"%s\"", c.arg);
        if (cli_is(&c, "help") || cli_is(&c, "h")) return cli_help(usage) == 0 ? -2 : RNNFX_EXIT_USAGE;
        if (cli_is(&c, "type")) {
            if (!cli_cell_value(&c, &a->type)) return RNNFX_EXIT_USAGE;
        } else if (cli_is(&c, "out") || cli_is(&c, "models") || cli_is(&c, "data")) {
            if (!(v = cli_value(&c))) return RNNFX_EXIT_USAGE;
            if (cli_is(&c, "out")) a->out = v;
            else if (cli_is(&c, "models"))
                a->models = v;
            else
                a->data = v;
        } else if (cli_is(&c, "seconds")) {
            if (!(v = cli_value(&c)) || !cli_parse_double(v, 0.5, 3600, &a->seconds))
                return cli_usage(&c, "--seconds: a number of seconds, 0.5..3600");
        } else if (cli_is(&c, "epochs")) {
            if (!(v = cli_value(&c)) || !cli_parse_int(v, 1, 100000, &a->epochs))
                return cli_usage(&c, "--epochs: 1..100000");
        } else if (cli_is(&c, "hidden")) {
            if (!(v = cli_value(&c)) || !cli_parse_int(v, 1, 64, &a->hidden)) return cli_usage(&c, "--hidden: 1..64");
        } else {
            return cli_unknown(&c);
        }
    }
    return -1;
}

int rnnfx_cmd_demo(int argc, char **argv)
{
    demo_args a;
    int rc = parse(argc, argv, &a);
    if (rc == -2) return RNNFX_EXIT_OK;
    if (rc >= 0) return rc;
    char *data_alloc = NULL;
    if (!a.data) {
        const char *shared = cli_shared_dir();
        data_alloc = path_join(shared ? shared : "$RNNFX_SHARED", "data/morphdrive"); /* named, absent */
        a.data = data_alloc;
    }
    double t0 = rnnfx_now();
    nn_error err = {0};
    rc = RNNFX_EXIT_FAIL;
    size_t n = rnnfx_phrase_frames(RNNFX_PHRASE_MAIN, RATE), tn = rnnfx_phrase_frames(RNNFX_PHRASE_TEST, RATE);
    float *di = malloc(n * sizeof *di), *tgt = malloc(n * sizeof *tgt);
    float *tdi = malloc(tn * sizeof *tdi), *ttgt = malloc(tn * sizeof *ttgt), *tout = NULL;
    char *p_shipped = path_join(a.out, "shipped"), *p_toy = path_join(a.out, "toy");
    char *p_di = path_join(a.out, "di.wav"), *p_pic = path_join(a.out, "demo.svg");
    char *p_real = path_join(a.out, "demo_zendrive.svg");
    char *p_tgt = p_toy ? path_join(p_toy, "target.wav") : NULL,
         *p_model = p_toy ? path_join(p_toy, "model.json") : NULL;
    char *p_tdi = p_toy ? path_join(p_toy, "test_di.wav") : NULL,
         *p_ttgt = p_toy ? path_join(p_toy, "test_target.wav") : NULL;
    char *p_tout = p_toy ? path_join(p_toy, "test_model.wav") : NULL;
    nn_model *m = NULL;
    if (!di || !tgt || !tdi || !ttgt || !p_shipped || !p_toy || !p_di || !p_pic || !p_real || !p_tgt || !p_model ||
        !p_tdi || !p_ttgt || !p_tout) {
        fprintf(stderr, "rnnfx demo: out of memory\n");
        goto done;
    }
    int fresh = !is_dir(a.out);
    if (make_dir(p_shipped, &err) || make_dir(p_toy, &err)) goto fail;
    if (fresh) { /* a folder of results, not sources: keep it out of version control, as meson does */
        char *ign = path_join(a.out, ".gitignore");
        int bad = !ign || nn_write_file_atomic(ign, "*", 1, &err) != NN_OK;
        free(ign);
        if (bad) goto fail;
    }

    /* 1. the DI phrase, and the test phrase */
    if (rnnfx_phrase_render(RNNFX_PHRASE_MAIN, RATE, di, n) || rnnfx_phrase_render(RNNFX_PHRASE_TEST, RATE, tdi, tn)) {
        fprintf(stderr, "rnnfx demo: out of memory\n");
        goto done;
    }
    if (write_mono(p_di, di, n, &err)) goto fail;
    printf("1. a guitar-like DI phrase (plucked strings: chugs, Em C G D, a riff), %.1f s: %s\n", (double)n / RATE,
           p_di);

    /* 2. through the shipped models */
    if (play_shipped(&a, di, n, p_shipped)) goto done;

    /* 3. the built-in pair, a few seconds of training */
    rnnfx_toy_pedal(di, tgt, n, RATE);
    rnnfx_toy_pedal(tdi, ttgt, tn, RATE);
    if (write_mono(p_tgt, tgt, n, &err) || write_mono(p_tdi, tdi, tn, &err) || write_mono(p_ttgt, ttgt, tn, &err))
        goto fail;
    double t_train = rnnfx_now();
    if (!(m = train_toy(&a, di, tgt, n, tdi, ttgt, tn, p_model, &err))) goto fail;
    double train_s = rnnfx_now() - t_train;
    if (!(tout = run_model(m, tdi, tn, NULL, &err)) || write_mono(p_tout, tout, tn, &err)) goto fail;
    double esr = esr_of(tout, ttgt, tn);
    printf("   the test phrase through it: ESR %.4f (%s; 0 = identical, 1 = as large as the signal)\n", esr,
           esr < 0.01   ? "very close"
           : esr < 0.05 ? "close: a trained ear may hear it"
                        : "audibly different");

    /* 4. the picture(s) */
    char note[256];
    snprintf(note, sizeof note,
             "A %s-%d trained for %.0f s by rnnfx on a %.1f s synthetic DI phrase; shown on a %.1f s phrase it "
             "never heard. ESR %.4f",
             nn_cell_name(a.type), a.hidden, train_s, (double)n / RATE, (double)tn / RATE, esr);
    if (picture(p_pic, "rnnfx: a synthetic overdrive and the model that learnt it", note, tdi, ttgt, tout, tn, &err))
        goto fail;
    printf("4. the picture (input, target, model: waveform and spectrum): %s\n", p_pic);
    int real = real_picture(&a, p_real, &err);
    if (real < 0) goto fail;
    if (real == 1) printf("   and a real pedal (%s/zendrive_g5_t3) against its shipped model: %s\n", a.data, p_real);
    else if (real == 2)
        printf("   (no zendrive_g5_t3_lstm16.json in %s: no picture of a real pedal)\n", a.models);
    else
        printf("   (no MorphDrive recordings in %s: no picture of a real pedal)\n", a.data);

    /* 5. the capture flow */
    if (capture_step(a.out, &err)) goto fail;

    /* 6. where everything went */
    printf("\nEverything is in %s/ (%.0f s):\n"
           "  di.wav              the synthesised DI phrase\n"
           "  shipped/*.wav       it, through each shipped model\n"
           "  toy/target.wav      it, through the built-in overdrive (the training target)\n"
           "  toy/model.json      the model trained just now (loads in the plugin and in AIDA-X)\n"
           "  toy/test_*.wav      the unseen phrase: DI, overdrive, model\n"
           "  demo.svg            the picture (open it in a browser)\n"
           "  capture/            the capture signal and its recording through the overdrive\n",
           a.out, rnnfx_now() - t0);
    print_hosts();
    rc = RNNFX_EXIT_OK;
    goto done;
fail:
    rc = cli_fail(&err);
done:
    nn_model_free(m);
    free(di), free(tgt), free(tdi), free(ttgt), free(tout);
    free(p_shipped), free(p_toy), free(p_di), free(p_pic), free(p_real), free(p_tgt), free(p_model), free(p_tdi),
        free(p_ttgt), free(p_tout), free(data_alloc);
    return rc;
}
