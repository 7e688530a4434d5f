/*
 * cmd_train.c - `rnnfx train`: learn a model from recordings of a device (what went in, what came out).
 *
 *   rnnfx train --input DI.wav --target OUT.wav -o model.json
 *   rnnfx train --pair a_in.wav a_out.wav --cond tone=0.2 --pair b_in.wav b_out.wav --cond tone=0.8 ...
 *   rnnfx train --folders dry/ wet/ --test-names clip7 -o model.json
 *   rnnfx train --capture recorded.wav -o model.json      (a recording of `rnnfx signal`'s file)
 *
 * This file is the front end only: options, reading audio, printing progress. The training itself
 * (batched passes with the engine's cells, loss, Adam, data checks and split, checkpoints, export)
 * is the library nn/train (nn_train.h).
 */
#include "audio_io.h"
#include "capture_train.h"
#include "cli.h"
#include "commands.h"
#include "nn.h"
#include "nn_spec.h"
#include "nn_train.h"
#include "train_plot.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
    "Usage: rnnfx train [options] -o MODEL.json\n"
    "\n"
    "Learns a recurrent model of a device from recordings of its input and output, and writes it\n"
    "in the native format (Keras JSON; AIDA-X loads one LSTM/GRU layer of the sizes it supports).\n"
    "\n"
    "Data (same sample rate everywhere; mono, or pick a channel):\n"
    "  --input FILE --target FILE   one pair: the device's input and its output\n"
    "  --pair IN OUT                a pair (repeat for several)\n"
    "  --folders IN_DIR OUT_DIR     every file of IN_DIR with a namesake in OUT_DIR is a pair\n"
    "  --cond NAME=V[,NAME=V...]    knob values (0..1) of the pair given just before, learned as\n"
    "                               conditioning inputs named in the model (rnnfx process --param)\n"
    "  --test IN OUT, --val IN OUT  pairs used only for the final test / for validation (repeat)\n"
    "  --test-names A,B  --val-names A,B   the same, for pairs named so (file name, no extension)\n"
    "  --split auto|file|time       the other pairs: auto = a test file when there are 3 or more\n"
    "                               (else the test_fraction before the end of each), validation\n"
    "                               the tail of each training file; file / time = both so\n"
    "  --val-fraction F (0)         validation share, the model kept is the epoch of the best\n"
    "                               validation ESR (0: none - all of it to train on, the model kept\n"
    "                               is the epoch of the lowest training loss)\n"
    "  --test-fraction F (0.1)      test share when no test pair is given (0: none)\n"
    "  --channel K                  use channel K (1-based) of multi-channel files\n"
    "  --align                      shift the targets by the lag found (whitened cross-correlation)\n"
    "\n"
    "Capture (the device played `rnnfx signal`'s file; see rnnfx signal --help):\n"
    "  --capture REC.wav            the recording (repeat, each with its --cond, for knobs). The signal\n"
    "                               is found in it (latency, clock drift corrected) and checked\n"
    "                               (clipping, level, DC, polarity, noise floor, repeatability) before\n"
    "                               any training; validation and test are the signal's own phrases\n"
    "  --input SIGNAL.wav           the signal that was played (default: regenerated from the tag in\n"
    "                               the recording, else this version's, its length found)\n"
    "  --check                      only find and check the recordings: no training, no -o needed\n"
    "  --json                       with --check: the checks as JSON on stdout\n"
    "\n";

/* The help's second half (C11 promises string literals of 4095 bytes, not more). */
static const char usage_more[] =
    "Network:\n"
    "  --type lstm|gru|rnn (lstm)  --hidden N (16)  --layers N (1)  --no-skip (skip: out += in)\n"
    "  --init MODEL                 start from an existing model's weights (fine-tuning)\n"
    "\n"
    "Training (defaults: the recipe - segments of 0.5 s, 200 samples of warm-up, an Adam step every\n"
    "1000 samples, batch 50, loss 0.75 ESR(pre-emphasis) + 0.25 DC - with a cosine learning rate\n"
    "from 1e-2 (the recipe: 5e-3) and gradient clipping; --recipe for the published plateau rule\n"
    "from 5e-3, no clipping):\n"
    "  --epochs N (200)  --segment SECONDS  --warmup SAMPLES  --step SAMPLES  --batch N  --lr X\n"
    "  --patience N (stop after N epochs without a better validation ESR; 0 = never, the default;\n"
    "  --recipe: 40)  --schedule cosine|plateau  --lr-min X (5e-5, cosine)  --plateau N (5)\n"
    "  --plateau-factor X (0.5)  --plateau-on train|val  --clip NORM (1; 0 = off)\n"
    "  --weight-decay X (1e-4)  --single-bias (one bias per gate learns at the rate of one: PyTorch\n"
    "  trains two)  --loss-esr W (0.75)  --loss-dc W (0.25)  --pre-emphasis A (0.85)  --seed N (0)\n"
    "  --threads N (1; the same seed and thread count give the same bits)\n"
    "\n"
    "Output:\n"
    "  -o, --output MODEL.json      the model kept: best validation ESR (else the last epoch)\n"
    "  --checkpoint FILE            written after every epoch (default MODEL.json.ckpt)\n"
    "  --resume                     continue from the checkpoint (give the same data options)\n"
    "  --plot FILE.svg              loss and validation/test ESR per epoch\n"
    "  --log FILE                   one JSON line per epoch\n"
    "  --name S  --author S  --device S  --license S   metadata\n"
    "  --quiet                      no progress line, no per-file lines\n"
    "\n"
    "Ctrl-C stops after the current step: the model kept so far is written and the checkpoint\n"
    "holds the last finished epoch (exit status 130); --resume continues.\n";

/* ---- options ------------------------------------------------------------------------------ */

typedef struct pair_arg {
    const char *in, *out;
    nn_trole role;
    const char *cond; /* "name=v,name=v" or NULL */
    int capture;      /* --capture: `out` is a recording of the capture signal, `in` the signal or NULL */
} pair_arg;

typedef struct train_args {
    pair_arg *pairs;
    int n_pairs;
    const char *input, *target, *output, *checkpoint, *plot, *init, *log;
    const char *test_names, *val_names;
    const char *name, *author, *device, *license;
    nn_tsplit split;
    double val_fraction, test_fraction;
    int channel, align, resume, quiet;
    int n_captures, check_only, json;
    int override; /* NN_OVERRIDE_* given on the command line (for --resume) */
    nn_train_opts o;
} train_args;

static int add_pair(train_args *c, const char *in, const char *out, nn_trole role)
{
    pair_arg *p = realloc(c->pairs, (size_t)(c->n_pairs + 1) * sizeof *p);
    if (!p) return -1;
    c->pairs = p;
    c->pairs[c->n_pairs++] = (pair_arg){in, out, role, NULL, 0};
    return 0;
}

/* The option's value as a number in range; on error, the usage message (returns 0). */
static int opt_int(cli *c, int lo, int hi, int *out)
{
    const char *v = cli_value(c);
    if (!v) return 0;
    if (cli_parse_int(v, lo, hi, out)) return 1;
    cli_usage(c, "--%s: expected an integer in %d..%d, not \"%s\"", c->opt, lo, hi, v);
    return 0;
}

static int opt_double(cli *c, double lo, double hi, double *out)
{
    const char *v = cli_value(c);
    if (!v) return 0;
    if (cli_parse_double(v, lo, hi, out)) return 1;
    cli_usage(c, "--%s: expected a number in %g..%g, not \"%s\"", c->opt, lo, hi, v);
    return 0;
}

/* Options with two values (--pair IN OUT): the first may be attached (--pair=IN OUT). */
static int opt_two(cli *c, const char **a, const char **b)
{
    *a = cli_value(c);
    if (!*a) return 0;
    c->inline_value = NULL;
    *b = cli_value(c);
    return *b != NULL;
}

static int is_audio_name(const char *n)
{
    const char *dot = strrchr(n, '.');
    if (!dot || n[0] == '.') return 0;
    const char *ext[] = {".wav", ".flac", ".aif", ".aiff", ".ogg", ".w64", ".caf"};
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++)
        if (!strcasecmp(dot, ext[i])) return 1;
    return 0;
}

static size_t stem_len(const char *n)
{
    const char *dot = strrchr(n, '.');
    return dot ? (size_t)(dot - n) : strlen(n);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Pairs of namesakes (same name without extension) in two folders, in name order. */
static int add_folders(train_args *c, const char *din, const char *dout, char ***keep, int *n_keep)
{
    DIR *d = opendir(din);
    if (!d) {
        fprintf(stderr, "%s: cannot open folder: %s\n", din, strerror(errno));
        return -1;
    }
    char **names = NULL;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!is_audio_name(e->d_name)) continue;
        char **nn = realloc(names, (size_t)(n + 1) * sizeof *nn);
        if (!nn) break;
        names = nn;
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    int found = 0;
    for (int i = 0; i < n; i++) {
        DIR *o = opendir(dout);
        if (!o) {
            fprintf(stderr, "%s: cannot open folder: %s\n", dout, strerror(errno));
            return -1;
        }
        char *match = NULL;
        while ((e = readdir(o)))
            if (is_audio_name(e->d_name) && stem_len(e->d_name) == stem_len(names[i]) &&
                !strncmp(e->d_name, names[i], stem_len(names[i])))
                match = strdup(e->d_name);
        closedir(o);
        if (!match) continue;
        size_t li = strlen(din) + strlen(names[i]) + 2, lo = strlen(dout) + strlen(match) + 2;
        char *pi = malloc(li), *po = malloc(lo);
        snprintf(pi, li, "%s/%s", din, names[i]);
        snprintf(po, lo, "%s/%s", dout, match);
        free(match);
        char **nk = realloc(*keep, (size_t)(*n_keep + 2) * sizeof *nk);
        if (!nk || !pi || !po || add_pair(c, pi, po, NN_ROLE_AUTO)) return -1;
        *keep = nk;
        nk[(*n_keep)++] = pi;
        nk[(*n_keep)++] = po;
        found++;
    }
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
    if (!found) {
        fprintf(stderr, "%s: no audio file with a namesake in %s\n", din, dout);
        return -1;
    }
    return 0;
}

/* Is the stem of `path` in the comma-separated `list`? */
static int named_in(const char *path, const char *list)
{
    if (!list) return 0;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t bl = stem_len(base);
    for (const char *p = list; *p;) {
        const char *q = strchr(p, ',');
        size_t l = q ? (size_t)(q - p) : strlen(p);
        if (l == bl && !strncmp(p, base, l)) return 1;
        if (!q) break;
        p = q + 1;
    }
    return 0;
}

/* Returns -1 to go on, or the exit code (help printed, or a usage error). */
static int parse_args(int argc, char **argv, train_args *t, char ***keep, int *n_keep)
{
    memset(t, 0, sizeof *t);
    nn_train_opts_default(&t->o);
    for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) /* the base the other options change */
        if (!strcmp(argv[i], "--recipe")) nn_train_opts_recipe(&t->o);
    t->split = NN_SPLIT_AUTO;
    t->val_fraction = 0; /* a held-out part costs accuracy: BENCHMARKS.md, Training: quality */
    t->test_fraction = 0.1;
    t->channel = -1;
    cli c = cli_start("train", argc, argv);
    const char *a, *b, *input = NULL;
    double d;
    int k;
#define U RNNFX_EXIT_USAGE
    while (cli_next(&c)) {
        if (!c.opt) return cli_usage(&c, "unexpected argument \"%s\"", c.arg);
        if (cli_is(&c, "help")) return cli_help(usage), cli_help(usage_more);
        else if (cli_is(&c, "input")) {
            if (!(input = cli_value(&c))) return U;
        } else if (cli_is(&c, "target")) {
            if (!(a = cli_value(&c))) return U;
            if (!input) return cli_usage(&c, "--target without --input before it");
            if (add_pair(t, input, a, NN_ROLE_AUTO)) return RNNFX_EXIT_FAIL;
            input = NULL;
        } else if (cli_is(&c, "pair") || cli_is(&c, "test") || cli_is(&c, "val")) {
            nn_trole role = cli_is(&c, "test") ? NN_ROLE_TEST : cli_is(&c, "val") ? NN_ROLE_VAL : NN_ROLE_AUTO;
            if (!opt_two(&c, &a, &b)) return U;
            if (add_pair(t, a, b, role)) return RNNFX_EXIT_FAIL;
        } else if (cli_is(&c, "capture")) {
            if (!(a = cli_value(&c))) return U;
            if (add_pair(t, NULL, a, NN_ROLE_AUTO)) return RNNFX_EXIT_FAIL;
            t->pairs[t->n_pairs - 1].capture = 1;
            t->n_captures++;
        } else if (cli_is(&c, "check")) {
            if (!cli_flag(&c)) return U;
            t->check_only = 1;
        } else if (cli_is(&c, "json")) {
            if (!cli_flag(&c)) return U;
            t->json = 1;
        } else if (cli_is(&c, "folders")) {
            if (!opt_two(&c, &a, &b)) return U;
            if (add_folders(t, a, b, keep, n_keep)) return RNNFX_EXIT_FAIL;
        } else if (cli_is(&c, "cond")) {
            if (!(a = cli_value(&c))) return U;
            if (!t->n_pairs) return cli_usage(&c, "--cond comes after the pair it describes");
            t->pairs[t->n_pairs - 1].cond = a;
        } else if (cli_is(&c, "test-names")) {
            if (!(t->test_names = cli_value(&c))) return U;
        } else if (cli_is(&c, "val-names")) {
            if (!(t->val_names = cli_value(&c))) return U;
        } else if (cli_is(&c, "split")) {
            if (!(a = cli_value(&c))) return U;
            if (!strcmp(a, "auto")) t->split = NN_SPLIT_AUTO;
            else if (!strcmp(a, "file"))
                t->split = NN_SPLIT_FILE;
            else if (!strcmp(a, "time"))
                t->split = NN_SPLIT_TIME;
            else
                return cli_usage(&c, "--split: auto, file or time, not \"%s\"", a);
        } else if (cli_is(&c, "val-fraction")) {
            if (!opt_double(&c, 0, 0.5, &t->val_fraction)) return U;
        } else if (cli_is(&c, "test-fraction")) {
            if (!opt_double(&c, 0, 0.5, &t->test_fraction)) return U;
        } else if (cli_is(&c, "channel")) {
            if (!opt_int(&c, 1, RNNFX_AUDIO_MAX_CHANNELS, &k)) return U;
            t->channel = k - 1;
        } else if (cli_is(&c, "align")) {
            if (!cli_flag(&c)) return U;
            t->align = 1;
        } else if (cli_is(&c, "type")) {
            if (!cli_cell_value(&c, &t->o.type)) return U;
        } else if (cli_is(&c, "hidden")) {
            if (!opt_int(&c, 1, NN_MAX_HIDDEN, &t->o.hidden)) return U;
        } else if (cli_is(&c, "layers")) {
            if (!opt_int(&c, 1, NN_MAX_REC_LAYERS, &t->o.layers)) return U;
        } else if (cli_is(&c, "no-skip")) {
            if (!cli_flag(&c)) return U;
            t->o.skip = 0;
        } else if (cli_is(&c, "init")) {
            if (!(t->init = cli_value(&c))) return U;
        } else if (cli_is(&c, "epochs")) {
            if (!opt_int(&c, 1, 1000000, &t->o.epochs)) return U;
            t->override |= NN_OVERRIDE_EPOCHS;
        } else if (cli_is(&c, "segment")) {
            if (!opt_double(&c, 0.001, 60, &t->o.segment)) return U;
        } else if (cli_is(&c, "warmup")) {
            if (!opt_int(&c, 0, 1000000, &t->o.warmup)) return U;
        } else if (cli_is(&c, "step")) {
            if (!opt_int(&c, 1, 1000000, &t->o.step)) return U;
        } else if (cli_is(&c, "batch")) {
            if (!opt_int(&c, 1, 100000, &t->o.batch)) return U;
        } else if (cli_is(&c, "lr")) {
            if (!opt_double(&c, 1e-9, 1, &t->o.lr)) return U;
        } else if (cli_is(&c, "lr-min")) {
            if (!opt_double(&c, 0, 1, &t->o.lr_min)) return U;
        } else if (cli_is(&c, "schedule")) {
            if (!(a = cli_value(&c))) return U;
            if (strcmp(a, "plateau") && strcmp(a, "cosine"))
                return cli_usage(&c, "--schedule: plateau or cosine, not \"%s\"", a);
            t->o.cosine = !strcmp(a, "cosine");
        } else if (cli_is(&c, "weight-decay")) {
            if (!opt_double(&c, 0, 1, &t->o.weight_decay)) return U;
        } else if (cli_is(&c, "patience")) {
            if (!opt_int(&c, 0, 1000000, &t->o.patience)) return U;
            t->override |= NN_OVERRIDE_PATIENCE;
        } else if (cli_is(&c, "plateau")) {
            if (!opt_int(&c, 0, 1000000, &t->o.plateau)) return U;
        } else if (cli_is(&c, "plateau-factor")) {
            if (!opt_double(&c, 1e-3, 1, &t->o.plateau_factor)) return U;
        } else if (cli_is(&c, "plateau-on")) {
            if (!(a = cli_value(&c))) return U;
            if (strcmp(a, "train") && strcmp(a, "val"))
                return cli_usage(&c, "--plateau-on: train or val, not \"%s\"", a);
            t->o.plateau_on_val = !strcmp(a, "val");
        } else if (cli_is(&c, "recipe")) {
            if (!cli_flag(&c)) return U; /* applied before the loop */
        } else if (cli_is(&c, "clip")) {
            if (!opt_double(&c, 0, 1e9, &t->o.clip)) return U;
        } else if (cli_is(&c, "twin-bias") || cli_is(&c, "single-bias")) {
            t->o.twin_bias = cli_is(&c, "twin-bias");
            if (!cli_flag(&c)) return U;
        } else if (cli_is(&c, "loss-esr")) {
            if (!opt_double(&c, 0, 100, &t->o.loss.esr_weight)) return U;
        } else if (cli_is(&c, "loss-dc")) {
            if (!opt_double(&c, 0, 100, &t->o.loss.dc_weight)) return U;
        } else if (cli_is(&c, "pre-emphasis")) {
            if (!opt_double(&c, 0, 0.9999, &t->o.loss.pre_emph)) return U;
        } else if (cli_is(&c, "seed")) {
            if (!opt_double(&c, 0, 9007199254740991.0, &d) || d != floor(d))
                return d != floor(d) ? cli_usage(&c, "--seed: a whole number") : U;
            t->o.seed = (uint64_t)d;
        } else if (cli_is(&c, "threads")) {
            if (!opt_int(&c, 1, 64, &t->o.threads)) return U;
            t->override |= NN_OVERRIDE_THREADS;
        } else if (cli_is(&c, "o") || cli_is(&c, "output")) {
            if (!(t->output = cli_value(&c))) return U;
        } else if (cli_is(&c, "checkpoint")) {
            if (!(t->checkpoint = cli_value(&c))) return U;
        } else if (cli_is(&c, "resume")) {
            if (!cli_flag(&c)) return U;
            t->resume = 1;
        } else if (cli_is(&c, "plot")) {
            if (!(t->plot = cli_value(&c))) return U;
        } else if (cli_is(&c, "log")) {
            if (!(t->log = cli_value(&c))) return U;
        } else if (cli_is(&c, "name")) {
            if (!(t->name = cli_value(&c))) return U;
        } else if (cli_is(&c, "author")) {
            if (!(t->author = cli_value(&c))) return U;
        } else if (cli_is(&c, "device")) {
            if (!(t->device = cli_value(&c))) return U;
        } else if (cli_is(&c, "license")) {
            if (!(t->license = cli_value(&c))) return U;
        } else if (cli_is(&c, "quiet") || cli_is(&c, "q")) {
            if (!cli_flag(&c)) return U;
            t->quiet = 1;
        } else {
            return cli_unknown(&c);
        }
    }
#undef U
    if (t->n_captures) { /* --input names the signal that was played */
        if (t->n_captures != t->n_pairs) return cli_usage(&c, "--capture recordings cannot be mixed with pairs");
        for (int i = 0; i < t->n_pairs; i++) t->pairs[i].in = input;
        input = NULL;
        if (t->resume) return cli_usage(&c, "--resume: not with --capture (train again)");
        if (t->check_only) return -1;
    } else if (t->check_only || t->json) {
        return cli_usage(&c, "--check and --json go with --capture");
    }
    if (input) return cli_usage(&c, "--input without --target");
    int trainable = 0;
    for (int i = 0; i < t->n_pairs; i++) {
        if (t->pairs[i].role == NN_ROLE_AUTO && named_in(t->pairs[i].out, t->test_names))
            t->pairs[i].role = NN_ROLE_TEST;
        if (t->pairs[i].role == NN_ROLE_AUTO && named_in(t->pairs[i].out, t->val_names)) t->pairs[i].role = NN_ROLE_VAL;
        trainable += t->pairs[i].role == NN_ROLE_AUTO;
    }
    if (!trainable) return cli_usage(&c, "no recordings to train on (--input/--target, --pair or --folders)");
    if (!t->output) return cli_usage(&c, "no output model given (-o MODEL.json)");
    return -1;
}

/* Conditioning: names in the order first seen; every pair must give a value for each. */
static int parse_cond(train_args *c, const char *names[NN_MAX_COND], int *n_names, float (*values)[NN_MAX_COND])
{
    static char store[NN_MAX_COND][64];
    *n_names = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < c->n_pairs; i++) {
            const char *s = c->pairs[i].cond;
            int given[NN_MAX_COND] = {0};
            while (s && *s) {
                const char *eq = strchr(s, '='), *comma = strchr(s, ',');
                if (!eq || (comma && comma < eq) || eq == s) {
                    fprintf(stderr, "rnnfx train: --cond \"%s\": expected NAME=VALUE[,NAME=VALUE...]\n",
                            c->pairs[i].cond);
                    return -1;
                }
                size_t nl = (size_t)(eq - s);
                int k;
                for (k = 0; k < *n_names; k++)
                    if (strlen(names[k]) == nl && !strncmp(names[k], s, nl)) break;
                if (k == *n_names) {
                    if (pass || *n_names == NN_MAX_COND || nl >= sizeof store[0]) {
                        fprintf(stderr, "rnnfx train: --cond: %s\n",
                                pass ? "every pair must give the same knobs"
                                     : "at most 3 knobs, names under 64 characters");
                        return -1;
                    }
                    memcpy(store[k], s, nl);
                    store[k][nl] = 0;
                    names[k] = store[k];
                    (*n_names)++;
                }
                char *end;
                double v = strtod(eq + 1, &end);
                if (end == eq + 1 || (*end && *end != ',') || !isfinite(v)) {
                    fprintf(stderr, "rnnfx train: --cond \"%s\": bad value\n", c->pairs[i].cond);
                    return -1;
                }
                if (pass) {
                    values[i][k] = (float)v;
                    given[k] = 1;
                }
                s = *end ? end + 1 : end;
            }
            if (pass)
                for (int k = 0; k < *n_names; k++)
                    if (!given[k]) {
                        fprintf(stderr, "%s: no value for the knob \"%s\" (--cond %s=...)\n", c->pairs[i].in, names[k],
                                names[k]);
                        return -1;
                    }
        }
    return 0;
}

/* ---- progress ------------------------------------------------------------------------------ */

static volatile int stop_flag;

static void on_sigint(int sig)
{
    (void)sig;
    stop_flag = 1;
    signal(SIGINT, SIG_DFL); /* a second Ctrl-C ends at once */
}

typedef struct view {
    FILE *log;
    int tty, quiet;
    int line_open;
    double last; /* when the progress line was last drawn */
} view;

static void fmt_time(double s, char *b, size_t n)
{
    if (!(s >= 0) || s > 1e7) snprintf(b, n, "?");
    else if (s < 60)
        snprintf(b, n, "%.0fs", s);
    else if (s < 3600)
        snprintf(b, n, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
    else
        snprintf(b, n, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
}

static void json_num(FILE *f, const char *key, double v, const char *fmt)
{
    fprintf(f, ", \"%s\": ", key);
    if (isfinite(v)) fprintf(f, fmt, v);
    else
        fputs("null", f);
}

static void on_progress(void *ctx, const nn_train_progress *p)
{
    view *v = ctx;
    if (p->done && v->log) {
        const nn_epoch_log *e = p->done;
        fprintf(v->log, "{\"epoch\": %d", e->epoch);
        json_num(v->log, "train_loss", e->train_loss, "%.6g");
        json_num(v->log, "val_esr", e->val_esr, "%.6g");
        json_num(v->log, "test_esr", e->test_esr, "%.6g");
        json_num(v->log, "lr", e->lr, "%.6g");
        json_num(v->log, "epoch_s", e->seconds, "%.3f");
        json_num(v->log, "wall_s", e->wall, "%.2f");
        json_num(v->log, "grad_norm", e->grad_norm, "%.4g");
        fputs("}\n", v->log);
        fflush(v->log);
    }
    if (v->quiet) return;
    char eta[32], val[64];
    fmt_time(p->eta, eta, sizeof eta);
    if (isfinite(p->val_esr))
        snprintf(val, sizeof val, "val ESR %.4g (best %.4g @%d)", p->val_esr, p->best_val_esr, p->best_epoch);
    else
        snprintf(val, sizeof val, "val ESR -");
    if (p->done) {
        const nn_epoch_log *e = p->done;
        char test[48] = "";
        if (isfinite(e->test_esr)) snprintf(test, sizeof test, "  test ESR %.4g", e->test_esr);
        if (v->tty) fputs("\r\033[K", stderr);
        fprintf(stderr, "epoch %d/%d  loss %.4g  %s%s  lr %.3g  %.2fs  ETA %s\n", e->epoch, p->epochs, e->train_loss,
                val, test, e->lr, e->seconds, eta);
        v->line_open = 0;
    } else if (v->tty && (p->elapsed - v->last > 0.2 || p->elapsed < v->last)) {
        v->last = p->elapsed;
        fprintf(stderr, "\r\033[Kepoch %d/%d  batch %d/%d  loss %.4g  %s  ETA %s", p->epoch, p->epochs, p->batch,
                p->batches, p->loss, val, eta);
        v->line_open = 1;
    }
    fflush(stderr);
}

/* ---- the command --------------------------------------------------------------------------- */

typedef struct session {
    train_args a;
    char **keep;
    int n_keep;
    float (*cond)[NN_MAX_COND];
    const char *cond_names[NN_MAX_COND];
    int n_cond;
    nn_tdata *data;
    rnnfx_capture_report *reports; /* one per --capture */
    nn_trainer *tr;
    nn_model *init_model;
    char *ckpt_alloc;
} session;

static void session_free(session *s)
{
    nn_trainer_free(s->tr);
    nn_tdata_free(s->data);
    nn_model_free(s->init_model);
    free(s->ckpt_alloc);
    for (int i = 0; i < s->n_keep; i++) free(s->keep[i]);
    free(s->keep);
    free(s->cond);
    free(s->reports);
    free(s->a.pairs);
}

/* Finds and checks every capture recording before anything is trained, and adds its segments
 * to the data (none with --check). */
static int load_captures(session *s)
{
    train_args *a = &s->a;
    nn_error err;
    memset(&err, 0, sizeof err);
    if (!(s->reports = calloc((size_t)a->n_pairs, sizeof *s->reports))) return RNNFX_EXIT_FAIL;
    for (int i = 0; i < a->n_pairs; i++) {
        rnnfx_capture_source src = {a->pairs[i].out, a->pairs[i].in, a->channel, s->cond[i], s->n_cond};
        rnnfx_capture_report *r = &s->reports[i];
        if (rnnfx_capture_add(a->check_only ? NULL : s->data, &src, r, &err) != NN_OK) return cli_fail(&err);
        if (a->json) {
            char *j = rnnfx_capture_report_json(r);
            if (j) printf("%s\n", j);
            free(j);
        } else if (!a->quiet || a->check_only) {
            rnnfx_capture_report_print(r, a->check_only ? stdout : stderr);
        }
        for (int k = 0; k < r->n_warnings; k++) cli_warn("%s", r->warnings[k]);
    }
    return RNNFX_EXIT_OK;
}

/* Reads every pair and checks them all before anything is trained. */
static int load_data(session *s)
{
    train_args *a = &s->a;
    nn_error err;
    s->data = nn_tdata_new();
    if (!s->data) return RNNFX_EXIT_FAIL;
    if (a->n_captures) {
        /* the split is the signal's own: its validation and test phrases */
        int rc = load_captures(s);
        if (rc == RNNFX_EXIT_OK && !a->check_only) {
            if (nn_tdata_split(s->data, NN_SPLIT_AUTO, 0, 0, &err) != NN_OK) return cli_fail(&err);
            if (!a->quiet) fprintf(stderr, "data: %s\n", nn_tdata_describe(s->data));
        }
        return rc;
    }
    for (int i = 0; i < a->n_pairs; i++) {
        rnnfx_audio in = {0}, out = {0};
        if (rnnfx_audio_read(a->pairs[i].in, &in, &err) != NN_OK ||
            rnnfx_audio_read(a->pairs[i].out, &out, &err) != NN_OK) {
            rnnfx_audio_free(&in);
            return cli_fail(&err);
        }
        nn_taudio x = {a->pairs[i].in, (const float *const *)in.data, in.frames, in.channels, in.rate};
        nn_taudio y = {a->pairs[i].out, (const float *const *)out.data, out.frames, out.channels, out.rate};
        nn_status st = nn_tdata_add(s->data, &x, &y, a->channel, s->cond[i], s->n_cond, a->pairs[i].role, &err);
        rnnfx_audio_free(&in);
        rnnfx_audio_free(&out);
        if (st != NN_OK) return cli_fail(&err);
    }
    for (size_t i = 0; i < nn_tdata_num_warnings(s->data); i++) cli_warn("%s", nn_tdata_warning(s->data, i));
    double rate = nn_tdata_rate(s->data);
    for (int i = 0; i < nn_tdata_num_pairs(s->data) && !a->quiet; i++) {
        nn_tpair_info pi;
        nn_tdata_pair(s->data, i, &pi);
        fprintf(stderr, "%s: %.2f s; the target lags the input by %d sample%s (%.2f ms)%s\n", pi.out_name,
                (double)pi.frames / rate, pi.lag, abs(pi.lag) == 1 ? "" : "s", 1000.0 * pi.lag / rate,
                a->align && pi.lag ? ": corrected (--align)" : "");
    }
    if (a->align) nn_tdata_align(s->data);
    if (nn_tdata_split(s->data, a->split, a->val_fraction, a->test_fraction, &err) != NN_OK) return cli_fail(&err);
    if (!a->quiet) fprintf(stderr, "data: %s\n", nn_tdata_describe(s->data));
    return RNNFX_EXIT_OK;
}

/* A fresh trainer, one started from a model (--init), or one resumed from the checkpoint. */
static int make_trainer(session *s)
{
    train_args *a = &s->a;
    nn_error err;
    if (!a->checkpoint) {
        size_t l = strlen(a->output) + 6;
        if (!(s->ckpt_alloc = malloc(l))) return RNNFX_EXIT_FAIL;
        snprintf(s->ckpt_alloc, l, "%s.ckpt", a->output);
        a->checkpoint = s->ckpt_alloc;
    }
    if (a->resume) {
        if (access(a->checkpoint, F_OK) != 0) {
            fprintf(stderr, "%s: no checkpoint to resume from\n", a->checkpoint);
            return RNNFX_EXIT_FAIL;
        }
        s->tr = nn_trainer_resume(a->checkpoint, s->data, &a->o, a->override, &err);
        if (s->tr && !a->quiet) {
            int n;
            nn_trainer_log(s->tr, &n);
            cli_note("resuming %s after epoch %d", a->checkpoint, n);
        }
    } else {
        if (a->init && !(s->init_model = nn_model_load_file(a->init, &err))) return cli_fail(&err);
        s->tr = nn_trainer_new(&a->o, s->data, s->init_model ? nn_model_spec(s->init_model) : NULL, &err);
    }
    if (!s->tr) return cli_fail(&err);
    const nn_train_opts *o = nn_trainer_opts(s->tr);
    if (!a->quiet) {
        nn_spec s0;
        size_t np = 0;
        if (nn_tnet_to_spec(nn_trainer_net(s->tr), &s0, NULL) == NN_OK)
            np = nn_spec_param_count(&s0), nn_spec_free(&s0);
        fprintf(stderr, "network: %s %d x %d%s%s, %zu parameters; %d epochs, batch %d, lr %g%s, %d thread%s\n",
                nn_cell_name(o->type), o->layers, o->hidden, o->skip ? " + skip" : "", s->n_cond ? " + knobs" : "", np,
                o->epochs, o->batch, o->lr, o->cosine ? " (cosine)" : "", o->threads, o->threads == 1 ? "" : "s");
    }
    return RNNFX_EXIT_OK;
}

/* The kept model, with its metadata, to -o; the plot; the summary. */
static int finish(session *s)
{
    train_args *a = &s->a;
    nn_error err;
    int n_ep;
    const nn_epoch_log *log = nn_trainer_log(s->tr, &n_ep);
    nn_train_end end = nn_trainer_end_reason(s->tr);
    if (n_ep == 0) {
        fprintf(stderr, "rnnfx train: stopped before the first epoch finished: no model written\n");
        return end == NN_TRAIN_INTERRUPTED ? 130 : RNNFX_EXIT_FAIL;
    }
    nn_spec fs;
    if (nn_trainer_final_spec(s->tr, s->cond_names, &fs, &err) != NN_OK) return cli_fail(&err);
    const char *base = strrchr(a->output, '/');
    fs.meta.name = nn_spec_strdup(&fs, a->name ? a->name : base ? base + 1 : a->output);
    fs.meta.author = nn_spec_strdup(&fs, a->author);
    fs.meta.device = nn_spec_strdup(&fs, a->device);
    fs.meta.license = nn_spec_strdup(&fs, a->license);
    if (a->n_captures) { /* the checks of every recording, in the metadata as "capture" */
        size_t cap = 32;
        char **js = calloc((size_t)a->n_pairs, sizeof *js);
        for (int i = 0; js && i < a->n_pairs; i++)
            if ((js[i] = rnnfx_capture_report_json(&s->reports[i]))) cap += strlen(js[i]) + 1;
        char *all = js ? malloc(cap) : NULL;
        if (all) {
            size_t at = (size_t)snprintf(all, cap, "{\"capture\": [");
            for (int i = 0; i < a->n_pairs; i++)
                at += (size_t)snprintf(all + at, cap - at, "%s%s", i ? "," : "", js[i] ? js[i] : "null");
            snprintf(all + at, cap - at, "]}");
            fs.meta.extra_json = nn_spec_strdup(&fs, all);
        }
        for (int i = 0; js && i < a->n_pairs; i++) free(js[i]);
        free(js);
        free(all);
    }
    nn_model *m = nn_model_build(&fs, a->output, &err);
    int rc = RNNFX_EXIT_OK;
    if (!m || nn_model_write_keras(m, a->output, &err) != NN_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    if (a->plot && rnnfx_train_plot(a->plot, &fs, log, n_ep, nn_trainer_best_epoch(s->tr), &err) != NN_OK)
        rc = cli_fail(&err);

    const nn_train_opts *o = nn_trainer_opts(s->tr);
    const char *why = end == NN_TRAIN_EARLY_STOP    ? "early stopping"
                      : end == NN_TRAIN_INTERRUPTED ? "interrupted"
                                                    : "the epoch budget";
    double secs = 0;
    for (int i = 0; i < n_ep; i++) secs += log[i].seconds;
    char tw[32];
    fmt_time(log[n_ep - 1].wall, tw, sizeof tw);
    printf("trained %d epoch%s (ended by %s) in %s, %.2f s per epoch\n", n_ep, n_ep == 1 ? "" : "s", why, tw,
           secs / n_ep);
    if (isfinite(nn_trainer_best_val_esr(s->tr)))
        printf("kept epoch %d: validation ESR %.6g\n", nn_trainer_best_epoch(s->tr), nn_trainer_best_val_esr(s->tr));
    else
        printf("kept epoch %d (no validation part: the lowest training loss)\n", nn_trainer_best_epoch(s->tr));
    if (isfinite(fs.meta.test_esr)) printf("test ESR %.6g\n", fs.meta.test_esr);
    for (int i = 0; i < a->n_captures; i++) /* what no model can beat: the device against itself */
        if (s->reports[i].repeat_esr > 0)
            printf("%s: repeatability floor ESR %.3g (the test ESR is %.3g times it)\n", s->reports[i].name,
                   s->reports[i].repeat_esr, fs.meta.test_esr / s->reports[i].repeat_esr);
        else
            printf("%s: repeatability floor ESR 0 (the two copies are identical: no noise, no floor)\n",
                   s->reports[i].name);
    printf("wrote %s (%s %d x %d, %.0f Hz)\n", a->output, nn_cell_name(o->type), o->layers, o->hidden,
           nn_tdata_rate(s->data));
    const char *why_not = nn_aidax_incompatibility(&fs);
    if (why_not) cli_note("AIDA-X will not load this model: %s", why_not);
    if (end == NN_TRAIN_INTERRUPTED) {
        cli_note("interrupted: %s holds the last finished epoch; continue with --resume", a->checkpoint);
        rc = 130;
    }
done:
    nn_model_free(m);
    nn_spec_free(&fs);
    return rc;
}

/* A file the run will write (model, checkpoint, plot, log): its folder must exist and take new
 * files (they are written atomically, temp + rename, in that folder), and it must not be a folder
 * itself - checked before training, not found out after it. */
static int check_writable(const char *path)
{
    if (!path) return 0;
    struct stat st;
    if (!*path || (stat(path, &st) == 0 && S_ISDIR(st.st_mode))) {
        fprintf(stderr, "%s: cannot write: is a folder\n", *path ? path : "\"\"");
        return -1;
    }
    const char *slash = strrchr(path, '/');
    char dir[4096];
    if (!slash) snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "%s: cannot write: folder %s does not exist\n", path, dir);
        return -1;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        fprintf(stderr, "%s: cannot write: folder %s is not writable\n", path, dir);
        return -1;
    }
    return 0;
}

int rnnfx_cmd_train(int argc, char **argv)
{
    session s;
    memset(&s, 0, sizeof s);
    int rc = parse_args(argc, argv, &s.a, &s.keep, &s.n_keep);
    if (rc >= 0) goto out;
    rc = RNNFX_EXIT_FAIL;
    /* the default checkpoint (MODEL.json.ckpt) is in the model's folder */
    if (check_writable(s.a.output) || check_writable(s.a.checkpoint) || check_writable(s.a.plot) ||
        check_writable(s.a.log))
        goto out;
    if (!(s.cond = calloc((size_t)s.a.n_pairs, sizeof *s.cond))) goto out;
    if (parse_cond(&s.a, s.cond_names, &s.n_cond, s.cond)) {
        rc = RNNFX_EXIT_USAGE;
        goto out;
    }
    if ((rc = load_data(&s)) != RNNFX_EXIT_OK || s.a.check_only || (rc = make_trainer(&s)) != RNNFX_EXIT_OK) goto out;

    view v = {NULL, cli_stderr_is_terminal(), s.a.quiet, 0, -1};
    if (s.a.log && !(v.log = fopen(s.a.log, s.a.resume ? "a" : "w"))) {
        fprintf(stderr, "%s: cannot write: %s\n", s.a.log, strerror(errno));
        rc = RNNFX_EXIT_FAIL;
        goto out;
    }
    /* Ctrl-C: finish the step, roll back to the last finished epoch, write the model kept so far */
    void (*old)(int) = signal(SIGINT, on_sigint);
    nn_error err;
    nn_status st = nn_trainer_run(s.tr, s.a.checkpoint, &stop_flag, on_progress, &v, &err);
    signal(SIGINT, old);
    if (v.log) fclose(v.log);
    if (v.line_open) fputs("\n", stderr);
    rc = st != NN_OK ? cli_fail(&err) : finish(&s);
out:
    session_free(&s);
    return rc;
}
