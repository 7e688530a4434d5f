/*
 * test_train_faults.c - `rnnfx train` under faults, run as a user runs it (the built binary),
 * with faults injected from outside: SIGKILL, and faultinject.so preloaded (LD_PRELOAD) to
 * kill it in the middle of writing a file, to fill the disk, to make a file unreadable.
 *
 *   test_train_faults RNNFX FAULTINJECT.so kill [--kills N] [--epochs E] [--seed S]
 *   test_train_faults RNNFX FAULTINJECT.so disk | inputs
 *   test_train_faults RNNFX FAULTINJECT.so paths model|model_folder|checkpoint|plot|log
 *
 * kill: training (a small model, a checkpoint after every epoch) is killed N times - at random
 *   moments, in the middle of a write() of the checkpoint or the model, just before and just
 *   after the rename() that puts one in place - and resumed with --resume each time. A thread
 *   watches the output folder all along: every model and checkpoint file that is there at any
 *   moment parses completely and loads (checked by a parser of the checkpoint layout written
 *   here, and the model by the engine), the checkpoint never goes back in epochs, a resume
 *   says it starts from the epoch the checkpoint on disk holds, nothing but the model, the
 *   checkpoint, the log and at most one temporary file per kill is left, and the model finally
 *   written is the one an uninterrupted run writes, weight for weight: nothing was lost.
 * disk: the disk fills up (every write from the Nth on fails with ENOSPC) at each write of a
 *   run in turn: a one-line error naming the file, a non-zero exit, no partial or temporary
 *   file, the last complete checkpoint intact, and --resume (or a new run, when none was kept)
 *   finishes the job with the uninterrupted run's model once there is room again.
 * inputs: an unreadable input (EACCES: root ignores chmod 000, so the injector refuses the
 *   open), one that fails to read (EIO), a missing one, a folder, recordings of another rate,
 *   length or channel count, too short: each refused before training starts (no epoch logged),
 *   with one line naming the file, and no file written; an input deleted while training runs
 *   changes nothing (it was read at the start).
 * paths: a model, checkpoint, plot or log path in a missing folder, or a model path that is a
 *   folder: refused with one line naming it, non-zero, no epoch logged, no file written. (What
 *   the test sees is the log: an epoch trained before the first checkpoint write fails is not
 *   logged, so for the checkpoint this shows only that no epoch was lost, not that none ran.)
 */
#define _GNU_SOURCE
#include "check.h"
#include "harness.h"
#include "music.h"
#include "nn.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RATE 16000
#define MAGIC "RNNFX-CHECKPOINT 1\n"

static const char *rnnfx, *inject;
static char in_wav[PATH_CAP], out_wav[PATH_CAP];

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void sleep_s(double s)
{
    struct timespec t = {(time_t)s, (long)((s - floor(s)) * 1e9)};
    nanosleep(&t, NULL);
}

/* ---- The recordings: music through a made-up drive pedal ------------------------------------- */

static void make_recordings(const char *in, const char *out, double seconds, int channels, int rate, uint64_t seed)
{
    size_t n = (size_t)(seconds * rate);
    float *x = music(n, rate, seed), *y = malloc(n * sizeof(float));
    double lp = 0, a = exp(-2 * M_PI * 3000.0 / rate);
    for (size_t i = 0; i < n; i++) {
        x[i] *= 1.4f;
        lp = a * lp + (1 - a) * x[i];
        y[i] = (float)(0.7 * tanh(3.0 * lp));
    }
    float *xi = malloc(n * (size_t)channels * sizeof(float)), *yi = malloc(n * (size_t)channels * sizeof(float));
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < channels; c++)
            xi[i * (size_t)channels + (size_t)c] = x[i], yi[i * (size_t)channels + (size_t)c] = y[i];
    if ((in && wav_write(in, channels, rate, n, xi)) || (out && wav_write(out, channels, rate, n, yi))) {
        fprintf(stderr, "cannot write %s\n", in);
        exit(1);
    }
    free(x), free(y), free(xi), free(yi);
}

/* ---- Running rnnfx in the background ------------------------------------------------------------ */

typedef struct {
    pid_t pid;
    char out[PATH_CAP], err[PATH_CAP];
} Proc;

/* Starts `rnnfx train <args>` with the environment variables `env` ("NAME=value", NULL-ended)
 * added; stdout and stderr go to files. */
static void spawn(Proc *p, const char *const *args, const char *const *env)
{
    static int serial;
    snprintf(p->out, sizeof p->out, "%s/.out%d", scratch_dir(), serial);
    snprintf(p->err, sizeof p->err, "%s/.err%d", scratch_dir(), serial++);
    const char *argv[64];
    int n = 0;
    argv[n++] = rnnfx;
    argv[n++] = "train";
    for (int i = 0; args[i] && n < 63; i++) argv[n++] = args[i];
    argv[n] = NULL;
    fflush(NULL);
    p->pid = fork();
    if (p->pid == 0) {
        int o = open(p->out, O_WRONLY | O_CREAT | O_TRUNC, 0644), e = open(p->err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(o, 1), dup2(e, 2);
        for (int i = 0; env && env[i]; i++) putenv((char *)env[i]);
        if (chdir(scratch_dir())) _exit(126);
        execv(rnnfx, (char *const *)argv);
        _exit(127);
    }
}

/* Waits; returns the exit code, or 128 + the signal that ended it. */
static int reap(Proc *p)
{
    int st = 0;
    while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static char *slurp(const char *path)
{
    size_t len;
    char *s = read_file(path, &len);
    return s ? s : strdup("");
}

/* Runs to the end; the exit code, stderr in *err (caller frees). */
static int run(const char *const *args, const char *const *env, char **err)
{
    Proc p;
    spawn(&p, args, env);
    int code = reap(&p);
    if (err) *err = slurp(p.err);
    unlink(p.out), unlink(p.err);
    return code;
}

/* ---- What is in a folder, and whether it is whole ------------------------------------------------ */

/* The checkpoint layout (nn/train/checkpoint.c): "RNNFX-CHECKPOINT 1\n" <JSON length> "\n" <JSON>
 * and four float32 arrays of n values (+ one newline). Returns the epochs it holds, or -1 (with
 * why) if it is not a whole checkpoint. */
static int checkpoint_epochs(const char *path, char *why, size_t cap)
{
    size_t len;
    char *buf = read_file(path, &len);
    int epochs = -1;
    json_t *root = NULL;
    size_t ml = strlen(MAGIC);
    if (!buf) {
        snprintf(why, cap, "cannot read");
        return -1;
    }
    char *end = NULL;
    unsigned long long tl = len > ml ? strtoull(buf + ml, &end, 10) : 0;
    if (len < ml || memcmp(buf, MAGIC, ml) || !end || *end != '\n' || tl > len - (size_t)(end + 1 - buf)) {
        snprintf(why, cap, "no checkpoint header (%zu bytes)", len);
        goto out;
    }
    json_error_t je;
    root = json_loadb(end + 1, (size_t)tl, 0, &je);
    if (!json_is_object(root) || !json_is_string(json_object_get(root, "format")) ||
        strcmp(json_string_value(json_object_get(root, "format")), "rnnfx-checkpoint")) {
        snprintf(why, cap, "its JSON does not parse: %s", je.text);
        goto out;
    }
    size_t n = (size_t)json_integer_value(json_object_get(root, "n"));
    size_t bin = len - (size_t)(end + 1 - buf) - (size_t)tl;
    if (!n || (bin != 16 * n && bin != 16 * n + 1)) {
        snprintf(why, cap, "%zu bytes of weights for n = %zu", bin, n);
        goto out;
    }
    const float *w = (const float *)(void *)(end + 1 + tl);
    float v;
    for (size_t i = 0; i < 4 * n; i++) {
        memcpy(&v, (const char *)w + 4 * i, 4);
        if (!isfinite(v)) {
            snprintf(why, cap, "weight %zu is not finite", i);
            goto out;
        }
    }
    epochs = (int)json_array_size(json_object_get(root, "log"));
out:
    json_decref(root);
    free(buf);
    return epochs;
}

/* A model file that loads (the engine's loader). */
static bool model_loads(const char *path, char *why, size_t cap)
{
    nn_error err;
    nn_model *m = nn_model_load_file(path, &err);
    if (!m) snprintf(why, cap, "%s", err.msg);
    nn_model_free(m);
    return m != NULL;
}

/* The weights of a written model (its "layers"), as JSON text, for comparing two models. */
static char *model_weights(const char *path)
{
    json_t *j = json_load_file(path, 0, NULL);
    char *s = j ? json_dumps(json_object_get(j, "layers"), JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(j);
    return s;
}

/* A write's temporary file (nn_write_file_atomic: "<file>.tmp.XXXXXX", renamed over <file> when
 * complete). A process killed between creating and renaming one cannot remove it. */
static bool is_temp(const char *name, const char *const *allowed)
{
    for (int i = 0; allowed[i]; i++) {
        size_t l = strlen(allowed[i]);
        if (!strncmp(name, allowed[i], l) && !strncmp(name + l, ".tmp.", 5) && strlen(name + l + 5) == 6) return true;
    }
    return false;
}

/* Files in `dir` other than those named in `allowed` (NULL-ended) and their temporary files;
 * prints them. The temporary files are counted in *temps. */
static int strangers(const char *dir, const char *const *allowed, const char *when, int *temps)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    *temps = 0;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        bool ok = false;
        for (int i = 0; allowed[i] && !ok; i++) ok = !strcmp(e->d_name, allowed[i]);
        if (!ok && is_temp(e->d_name, allowed)) {
            ++*temps;
        } else if (!ok) {
            fprintf(stderr, "%s: %s left in %s\n", when, e->d_name, dir);
            n++;
        }
    }
    if (d) closedir(d);
    return n;
}

static void empty_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[PATH_CAP * 2];
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2]))) continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    if (d) closedir(d);
}

/* ---- The watcher: every file there at any moment is whole --------------------------------------- */

typedef struct {
    const char *dir, *model, *ckpt;
    atomic_bool stop;
    atomic_ulong looks, models_seen, ckpts_seen, bad;
    atomic_int max_epochs; /* the most epochs a checkpoint has held so far */
    char first_bad[512];
} Watch;

static void *watcher(void *arg)
{
    Watch *w = arg;
    char why[400];
    while (!atomic_load(&w->stop)) {
        atomic_fetch_add(&w->looks, 1);
        if (access(w->ckpt, F_OK) == 0) {
            int e = checkpoint_epochs(w->ckpt, why, sizeof why);
            if (e < 0 && access(w->ckpt, F_OK) == 0) { /* (it did not just vanish: a new round) */
                if (!atomic_fetch_add(&w->bad, 1)) snprintf(w->first_bad, sizeof w->first_bad, "checkpoint: %s", why);
            } else if (e >= 0) {
                atomic_fetch_add(&w->ckpts_seen, 1);
                int m = atomic_load(&w->max_epochs);
                while (e > m && !atomic_compare_exchange_weak(&w->max_epochs, &m, e)) {
                }
            }
        }
        if (access(w->model, F_OK) == 0) {
            if (!model_loads(w->model, why, sizeof why) && access(w->model, F_OK) == 0) {
                if (!atomic_fetch_add(&w->bad, 1)) snprintf(w->first_bad, sizeof w->first_bad, "model: %s", why);
            } else {
                atomic_fetch_add(&w->models_seen, 1);
            }
        }
        sleep_s(0.0005);
    }
    return NULL;
}

/* ---- kill ----------------------------------------------------------------------------------------- */

static int kills_wanted = 10, epochs = 12;
static uint64_t seed = 1;

static void test_kill(void)
{
    char dir[PATH_CAP], model[PATH_CAP + 16], ckpt[PATH_CAP + 24], logf[PATH_CAP + 16], ref[PATH_CAP], count[PATH_CAP];
    scratch_path(dir, "out");
    mkdir(dir, 0755);
    snprintf(model, sizeof model, "%s/model.json", dir);
    snprintf(ckpt, sizeof ckpt, "%s.ckpt", model);
    snprintf(logf, sizeof logf, "%s/log.jsonl", dir);
    scratch_path(ref, "reference.json");
    scratch_path(count, "count.txt");
    char ep[16];
    snprintf(ep, sizeof ep, "%d", epochs);
    const char *args[] = {"--input",    in_wav, "--target", out_wav, "--hidden", "8",  "--segment", "0.25",
                          "--warmup",   "100",  "--step",   "500",   "--batch",  "8",  "--epochs",  ep,
                          "--patience", "0",    "-o",       model,   "--log",    logf, NULL,        NULL};
    const int resume_at = 22; /* where "--resume" goes */

    /* The uninterrupted run: its model, its length, and how many writes and renames it makes. */
    char env_dir[PATH_CAP + 16], env_out[PATH_CAP + 16], preload[PATH_CAP + 16];
    snprintf(env_dir, sizeof env_dir, "FAULT_DIR=%s", dir);
    snprintf(env_out, sizeof env_out, "FAULT_OUT=%s", count);
    snprintf(preload, sizeof preload, "LD_PRELOAD=%s", inject);
    const char *count_env[] = {env_dir, env_out, preload, "FAULT=count", NULL};
    double t0 = now_s();
    char *err = NULL;
    int code = run(args, count_env, &err);
    double t_ref = now_s() - t0;
    CHECK(code == 0, "the uninterrupted run: exit %d: %s", code, err);
    free(err);
    long writes = 0, renames = 0;
    char *c = slurp(count);
    sscanf(c, "writes %ld renames %ld", &writes, &renames);
    free(c);
    CHECK(writes >= 2 * epochs && renames == epochs + 1, "the uninterrupted run made %ld writes and %ld renames",
          writes, renames);
    if (writes < 2 || renames < 1 || rename(model, ref)) {
        CHECK(0, "no model from the uninterrupted run");
        return;
    }
    char *ref_weights = model_weights(ref);
    long writes_per_file = writes / renames; /* every file: its bytes, then a newline */
    printf("uninterrupted: %d epochs in %.2f s, %ld writes and %ld renames into the output folder\n", epochs, t_ref,
           writes, renames);
    empty_dir(dir);

    Watch w = {.dir = dir, .model = model, .ckpt = ckpt};
    pthread_t wt;
    pthread_create(&wt, NULL, watcher, &w);

    Rng rng = rng_seed(seed);
    int kills = 0, runs = 0, rounds = 0, finished = 0, resumes_checked = 0;
    int by_kind[5] = {0};
    const char *kind_name[5] = {"at a random moment", "in the middle of a write()", "just before a rename()",
                                "just after a rename()", "(not killed)"};
    int last_epochs = 0, temps = 0, max_temps = 0, log_lost = 0; /* a killed write's temporary files (see is_temp) */
    const char *allowed[] = {"model.json", "model.json.ckpt", "log.jsonl", NULL};
    while (kills < kills_wanted || !finished) {
        bool resume = access(ckpt, F_OK) == 0;
        int before = resume ? checkpoint_epochs(ckpt, (char[400]){0}, 400) : 0;
        args[resume_at] = resume ? "--resume" : NULL;
        /* How to end this run. What is left to do: the epochs after the checkpoint, the model. */
        int left = epochs - (before > 0 ? before : 0) + 1;
        int kind = kills >= kills_wanted ? 4 : (int)rng_below(&rng, 100);
        kind = kind == 4 ? 4 : kind < 40 ? 0 : kind < 65 ? 1 : kind < 80 ? 2 : kind < 95 ? 3 : 4;
        char fault[64] = "";
        if (kind == 1)
            snprintf(fault, sizeof fault, "FAULT=kill-write:%ld:%.3f",
                     1 + (long)rng_below(&rng, (uint32_t)(left * writes_per_file)), rng_01(&rng));
        if (kind == 2) snprintf(fault, sizeof fault, "FAULT=kill-rename:%d", 1 + (int)rng_below(&rng, (uint32_t)left));
        if (kind == 3) snprintf(fault, sizeof fault, "FAULT=kill-renamed:%d", 1 + (int)rng_below(&rng, (uint32_t)left));
        const char *env[] = {env_dir, preload, fault[0] ? fault : NULL, NULL};
        Proc p;
        spawn(&p, args, kind >= 1 && kind <= 3 ? env : NULL);
        if (kind == 0) { /* SIGKILL from outside, any time in the run (it may finish first) */
            sleep_s(rng_01(&rng) * t_ref * left / (epochs + 1) * 1.2);
            kill(p.pid, SIGKILL);
        }
        code = reap(&p);
        runs++;
        char *e = slurp(p.err);
        bool killed = code == 128 + SIGKILL;
        kills += killed;
        by_kind[killed ? kind : 4]++;

        /* A resumed run starts from the checkpoint that was on disk. */
        if (resume) {
            char want[64];
            snprintf(want, sizeof want, "after epoch %d\n", before);
            const char *said = strstr(e, "resuming ");
            CHECK(!said || strstr(said, want), "run %d: the checkpoint held %d epochs, but: %.200s", runs, before,
                  said);
            resumes_checked += said != NULL;
        }
        CHECK(killed || code == 0, "run %d ended with exit %d: %.300s", runs, code, e);

        /* What is left: nothing but the model, the checkpoint and the log; each whole. */
        char why[400];
        int now_temps = 0;
        CHECK(strangers(dir, allowed, kind_name[kind], &now_temps) == 0, "run %d (killed %s): files left behind", runs,
              kind_name[kind]);
        CHECK(now_temps <= temps + (killed ? 1 : 0), "run %d (%s): %d temporary files left, %d before it", runs,
              killed ? kind_name[kind] : "not killed", now_temps, temps);
        temps = now_temps;
        max_temps = now_temps > max_temps ? now_temps : max_temps;
        int now = access(ckpt, F_OK) == 0 ? checkpoint_epochs(ckpt, why, sizeof why) : 0;
        CHECK(now >= 0, "run %d: the checkpoint is damaged: %s", runs, why);
        CHECK(now >= last_epochs, "run %d: the checkpoint went back from %d epochs to %d", runs, last_epochs, now);
        last_epochs = now;
        if (access(model, F_OK) == 0) CHECK(model_loads(model, why, sizeof why), "run %d: the model: %s", runs, why);
        if (code == 0) { /* the job is done: the model is the uninterrupted run's, weight for weight */
            char *mw = model_weights(model);
            CHECK(mw && ref_weights && !strcmp(mw, ref_weights),
                  "round %d: after %d runs the model differs from the uninterrupted run's", rounds + 1, runs);
            free(mw);
            size_t len;
            char *log = read_file(logf, &len);
            /* The --log file (stdio, appended on --resume) is not the model or the checkpoint: what a
             * kill costs it is counted and reported, not failed (see TESTING.md). Each line it has is
             * whole, and none is there twice. */
            int lines = log ? count_lines(log) : 0, whole = 0, last = 0;
            bool ordered = true;
            for (char *l = log ? strtok(log, "\n") : NULL; l; l = strtok(NULL, "\n")) {
                json_t *j = json_loads(l, 0, NULL);
                int e = (int)json_integer_value(json_object_get(j, "epoch"));
                whole += e > 0;
                ordered &= e > last;
                last = e > last ? e : last;
                json_decref(j);
            }
            CHECK(log && whole == lines && ordered && lines <= epochs,
                  "round %d: the log has %d lines, %d whole, for %d "
                  "epochs%s",
                  rounds + 1, lines, whole, epochs, ordered ? "" : ", not in order");
            log_lost += epochs - lines;
            free(log);
            finished++, rounds++;
            empty_dir(dir); /* a new round, from nothing */
            last_epochs = 0, temps = 0;
        }
        free(e);
        unlink(p.out), unlink(p.err);
    }
    atomic_store(&w.stop, true);
    pthread_join(wt, NULL);
    CHECK(atomic_load(&w.bad) == 0, "%lu times a file in the output folder was not whole (first: %s)",
          atomic_load(&w.bad), w.first_bad);
    printf(
        "%d kills in %d runs (%d rounds from nothing to the finished model, each equal to the uninterrupted run's):\n",
        kills, runs, rounds);
    for (int k = 0; k < 4; k++) printf("  %3d killed %s\n", by_kind[k], kind_name[k]);
    printf("  %3d runs not killed (finished, or the kill came too late); %d resumes said where they started\n",
           by_kind[4], resumes_checked);
    printf("  a killed write leaves its temporary file (<file>.tmp.XXXXXX, never the file itself): at most %d "
           "in the folder at once\n",
           max_temps);
    printf("  the --log file lost %d epoch lines in all (the lines of a killed run are in stdio's buffer; a resumed "
           "run appends)\n",
           log_lost);
    printf("the watcher looked %lu times: %lu checkpoints and %lu models seen, all whole; %lu not\n",
           atomic_load(&w.looks), atomic_load(&w.ckpts_seen), atomic_load(&w.models_seen), atomic_load(&w.bad));
    free(ref_weights);
}

/* ---- disk ------------------------------------------------------------------------------------------ */

#define SMALL_RUN                                                                                                     \
    "--input", in_wav, "--target", out_wav, "--hidden", "8", "--segment", "0.25", "--warmup", "100", "--step", "500", \
        "--batch", "8", "--patience", "0", "--quiet"

/* The last line of a text (without its newline), in `line`. */
static void last_line(const char *text, char *line, size_t cap)
{
    size_t n = strlen(text);
    while (n && text[n - 1] == '\n') n--;
    size_t b = n;
    while (b && text[b - 1] != '\n') b--;
    snprintf(line, cap, "%.*s", (int)(n - b), text + b);
}

static int lines_of(const char *text)
{
    int n = 0;
    for (const char *p = text; *p; p++) n += *p == '\n';
    return n + (text[0] && text[strlen(text) - 1] != '\n');
}

/* The disk fills up at the Nth write into the output folder, for every N of a run: a one-line
 * error naming the file it could not write, a non-zero exit, no partial or temporary file, the
 * checkpoint on disk (if any) whole and not newer than what was written before the disk filled;
 * then, with room again, --resume (or a new run when no checkpoint was kept) finishes the job
 * with the model an uninterrupted run writes. */
static void test_disk(void)
{
    char dir[PATH_CAP], model[PATH_CAP + 16], ckpt[PATH_CAP + 24], ref[PATH_CAP], count[PATH_CAP];
    scratch_path(dir, "out");
    mkdir(dir, 0755);
    snprintf(model, sizeof model, "%s/model.json", dir);
    snprintf(ckpt, sizeof ckpt, "%s.ckpt", model);
    scratch_path(ref, "reference.json");
    scratch_path(count, "count.txt");
    char env_dir[PATH_CAP + 16], env_out[PATH_CAP + 16], preload[PATH_CAP + 16], fault[64];
    snprintf(env_dir, sizeof env_dir, "FAULT_DIR=%s", dir);
    snprintf(env_out, sizeof env_out, "FAULT_OUT=%s", count);
    snprintf(preload, sizeof preload, "LD_PRELOAD=%s", inject);
    const char *args[] = {SMALL_RUN, "--epochs", "4", "-o", model, NULL, NULL};
    const int resume_at = (int)(sizeof args / sizeof args[0]) - 2;

    const char *count_env[] = {env_dir, env_out, preload, "FAULT=count", NULL};
    char *err = NULL;
    int code = run(args, count_env, &err);
    CHECK(code == 0, "the run with room: exit %d: %s", code, err);
    free(err);
    long writes = 0, renames = 0;
    char *c = slurp(count);
    sscanf(c, "writes %ld renames %ld", &writes, &renames);
    free(c);
    if (writes < 2 || rename(model, ref)) {
        CHECK(0, "the run with room made %ld writes and %ld renames, and no model", writes, renames);
        return;
    }
    char *ref_weights = model_weights(ref);
    empty_dir(dir);
    const char *allowed[] = {"model.json", "model.json.ckpt", NULL};
    int runs = 0, resumed = 0;
    for (long n = 1; n <= writes; n++) {
        snprintf(fault, sizeof fault, "FAULT=enospc:%ld", n);
        const char *env[] = {env_dir, preload, fault, NULL};
        args[resume_at] = NULL;
        code = run(args, env, &err);
        runs++;
        char line[1024], why[400];
        last_line(err, line, sizeof line);
        bool names = strstr(line, model) || strstr(line, ckpt);
        CHECK(code != 0 && code < 128, "disk full at write %ld: exit %d", n, code);
        CHECK(lines_of(err) == 1 && names && strstr(line, strerror(ENOSPC)),
              "disk full at write %ld: not one line naming the file and the problem: %s", n, err);
        int temps = 0;
        CHECK(strangers(dir, allowed, "disk full", &temps) == 0 && temps == 0,
              "disk full at write %ld: %d temporary files left", n, temps);
        int epochs_kept = access(ckpt, F_OK) == 0 ? checkpoint_epochs(ckpt, why, sizeof why) : 0;
        CHECK(epochs_kept >= 0, "disk full at write %ld: the checkpoint is damaged: %s", n, why);
        CHECK(epochs_kept <= (int)(n - 1) / 2, "disk full at write %ld: the checkpoint holds %d epochs", n,
              epochs_kept);
        if (access(model, F_OK) == 0)
            CHECK(model_loads(model, why, sizeof why), "disk full at write %ld: the model: %s", n, why);
        if (n == 1) printf("disk full at the first write: %s\n", line);
        free(err);

        /* room again: finish the job */
        bool resume = access(ckpt, F_OK) == 0;
        args[resume_at] = resume ? "--resume" : NULL;
        code = run(args, NULL, &err);
        runs++, resumed += resume;
        CHECK(code == 0, "after the disk was full at write %ld, %s: exit %d: %s", n, resume ? "--resume" : "a new run",
              code, err);
        free(err);
        char *mw = model_weights(model);
        CHECK(mw && ref_weights && !strcmp(mw, ref_weights),
              "disk full at write %ld, then %s: the model differs from the "
              "uninterrupted run's",
              n, resume ? "resumed" : "run again");
        free(mw);
        empty_dir(dir);
    }
    printf("the disk filled up at each of the %ld writes of a run in turn: each time one line, exit 1, nothing partial "
           "left; %d runs in all, %d resumed from the checkpoint kept, every finished model the uninterrupted run's\n",
           writes, runs, resumed);
    free(ref_weights);
}

/* ---- inputs -------------------------------------------------------------------------------------- */

/* A run that must be refused before training starts: non-zero exit, one line naming `file`,
 * no model, no checkpoint, and no epoch in the log. */
static void refused(const char *what, const char *const *args, const char *const *env, const char *file)
{
    char dir[PATH_CAP], logf[PATH_CAP + 16];
    scratch_path(dir, "out");
    snprintf(logf, sizeof logf, "%s/log.jsonl", dir);
    char *err = NULL;
    int code = run(args, env, &err);
    char line[1024];
    last_line(err, line, sizeof line);
    CHECK(code != 0 && code < 128, "%s: exit %d", what, code);
    CHECK(lines_of(err) == 1 && strstr(line, file), "%s: not one line naming %s: %s", what, file, err);
    size_t len;
    char *log = read_file(logf, &len);
    int epochs_run = log ? lines_of(log) : 0;
    free(log);
    int temps = 0;
    const char *allowed[] = {"log.jsonl", NULL};
    CHECK(strangers(dir, allowed, what, &temps) == 0 && temps == 0, "%s: files written", what);
    CHECK(epochs_run == 0, "%s: refused only after %d epochs of training", what, epochs_run);
    printf("%-40s %s\n", what, line);
    free(err);
    empty_dir(dir);
}

static void test_inputs(void)
{
    char dir[PATH_CAP], model[PATH_CAP + 16], logf[PATH_CAP + 16];
    scratch_path(dir, "out");
    mkdir(dir, 0755);
    snprintf(model, sizeof model, "%s/model.json", dir);
    snprintf(logf, sizeof logf, "%s/log.jsonl", dir);
    char rate[PATH_CAP], shorter[PATH_CAP], stereo[PATH_CAP], tiny_in[PATH_CAP], tiny_out[PATH_CAP];
    char missing[PATH_CAP], folder[PATH_CAP];
    scratch_path(rate, "target_44k.wav");
    scratch_path(shorter, "target_short.wav");
    scratch_path(stereo, "input_stereo.wav");
    scratch_path(tiny_in, "tiny_in.wav");
    scratch_path(tiny_out, "tiny_out.wav");
    scratch_path(missing, "missing.wav");
    scratch_path(folder, "a_folder.wav");
    mkdir(folder, 0755);
    make_recordings(NULL, rate, 4.0, 1, 44100, 3);
    make_recordings(NULL, shorter, 3.0, 1, RATE, 3);
    make_recordings(stereo, NULL, 4.0, 2, RATE, 3);
    make_recordings(tiny_in, tiny_out, 0.05, 1, RATE, 3);
    char preload[PATH_CAP + 16];
    snprintf(preload, sizeof preload, "LD_PRELOAD=%s", inject);
#define TRAIN(IN, OUT)                                                                                            \
    {"--input", IN,  "--target", OUT, "--hidden", "8",  "--segment", "0.25",  "--warmup", "100", "--step", "500", \
     "--batch", "8", "--epochs", "3", "--quiet",  "-o", model,       "--log", logf,       NULL}
    {
        const char *a[] = TRAIN(in_wav, rate);
        refused("target of another sample rate", a, NULL, rate);
    }
    {
        const char *a[] = TRAIN(in_wav, shorter);
        refused("target of another length", a, NULL, shorter);
    }
    {
        const char *a[] = TRAIN(stereo, out_wav);
        refused("input of two channels", a, NULL, stereo);
    }
    {
        const char *a[] = TRAIN(tiny_in, tiny_out);
        refused("recordings too short", a, NULL, tiny_in);
    }
    {
        const char *a[] = TRAIN(missing, out_wav);
        refused("input missing", a, NULL, missing);
    }
    {
        const char *a[] = TRAIN(in_wav, folder);
        refused("target is a folder", a, NULL, folder);
    }
    {
        const char *a[] = TRAIN(in_wav, out_wav);
        const char *env[] = {preload, "FAULT=eacces:/in.wav", NULL};
        refused("input unreadable (EACCES)", a, env, in_wav);
    }
    {
        const char *a[] = TRAIN(in_wav, out_wav);
        const char *env[] = {preload, "FAULT=eio:/out.wav", NULL};
        refused("target fails to read (EIO)", a, env, out_wav);
    }

    /* An input that vanishes while training runs: it was read at the start; nothing changes. */
    char copy_in[PATH_CAP], ref[PATH_CAP];
    scratch_path(copy_in, "vanishing_in.wav");
    scratch_path(ref, "reference.json");
    {
        const char *a[] = TRAIN(in_wav, out_wav);
        a[15] = "6";
        char *err = NULL;
        int code = run(a, NULL, &err);
        CHECK(code == 0 && rename(model, ref) == 0, "the reference run: exit %d: %s", code, err);
        free(err);
        empty_dir(dir);
    }
    {
        size_t len;
        char *wav = read_file(in_wav, &len);
        FILE *f = fopen(copy_in, "wb");
        CHECK(wav && f && fwrite(wav, 1, len, f) == len, "cannot copy %s", in_wav);
        if (f) fclose(f);
        free(wav);
        const char *a[] = TRAIN(copy_in, out_wav);
        a[15] = "6";
        char ckpt[PATH_CAP + 24];
        snprintf(ckpt, sizeof ckpt, "%s.ckpt", model);
        Proc p;
        spawn(&p, a, NULL);
        for (int i = 0; i < 20000 && access(ckpt, F_OK) != 0; i++) sleep_s(0.001); /* training has started */
        bool gone = unlink(copy_in) == 0;
        int code = reap(&p);
        char *err = slurp(p.err);
        CHECK(gone && code == 0, "the input deleted while training ran: exit %d: %s", code, err);
        char *mw = model_weights(model), *rw = model_weights(ref);
        CHECK(mw && rw && !strcmp(mw, rw), "the input deleted while training ran: the model differs");
        printf("%-40s trained to the end, the same model\n", "input deleted while training runs");
        free(mw), free(rw), free(err);
        unlink(p.out), unlink(p.err);
        empty_dir(dir);
    }
#undef TRAIN
}

/* ---- paths ------------------------------------------------------------------------------------------ */

/* An output path that cannot be written: in a missing folder, or a folder itself. Refused before
 * training starts. Cases: model, checkpoint, plot, log (each in a missing folder), model_folder. */
static void test_paths(const char *which)
{
    char dir[PATH_CAP], model[PATH_CAP + 16], logf[PATH_CAP + 16], bad[PATH_CAP + 32];
    scratch_path(dir, "out");
    mkdir(dir, 0755);
    snprintf(model, sizeof model, "%s/model.json", dir);
    snprintf(logf, sizeof logf, "%s/log.jsonl", dir);
    const char *a[32] = {SMALL_RUN, "--epochs", "3", NULL};
    int n = 0;
    while (a[n]) n++;
    const char *flag = NULL, *path_model = model, *path_log = logf;
    char ckpt[PATH_CAP + 24];
    snprintf(ckpt, sizeof ckpt, "%s/model.ckpt", dir);
    if (!strcmp(which, "model")) { /* (the checkpoint elsewhere: only the model's path is wrong) */
        snprintf(bad, sizeof bad, "%s/no_such_folder/model.json", scratch_dir());
        path_model = bad;
        flag = "--checkpoint";
    } else if (!strcmp(which, "model_folder")) {
        snprintf(bad, sizeof bad, "%s", dir);
        path_model = bad;
    } else if (!strcmp(which, "checkpoint") || !strcmp(which, "plot")) {
        snprintf(bad, sizeof bad, "%s/no_such_folder/file.%s", scratch_dir(), which[0] == 'p' ? "svg" : "ckpt");
        flag = which[0] == 'p' ? "--plot" : "--checkpoint";
    } else if (!strcmp(which, "log")) {
        snprintf(bad, sizeof bad, "%s/no_such_folder/log.jsonl", scratch_dir());
        path_log = bad;
    } else {
        fprintf(stderr, "test_train_faults paths: no case '%s'\n", which);
        exit(2);
    }
    a[n++] = "-o", a[n++] = path_model, a[n++] = "--log", a[n++] = path_log;
    if (flag) a[n++] = flag, a[n++] = flag[2] == 'c' && path_model == bad ? ckpt : bad;
    a[n] = NULL;
    char what[64];
    snprintf(what, sizeof what, "%s path %s", which,
             strcmp(which, "model_folder") ? "in a missing folder" : "a folder");
    refused(what, a, NULL, bad);
}

/* ---- main ------------------------------------------------------------------------------------------ */

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: test_train_faults RNNFX FAULTINJECT.so kill|disk|inputs|paths [options]\n");
        return 2;
    }
    static char inject_abs[PATH_MAX];
    inject = realpath(argv[2], inject_abs) ? inject_abs : argv[2]; /* (the runs start in the scratch folder) */
    const char *scenario = argv[3];
    for (int i = 4 + !strcmp(argv[3], "paths"); i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--kills")) kills_wanted = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--epochs"))
            epochs = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--seed"))
            seed = (uint64_t)atoll(argv[i + 1]);
    }
    char *hargv[] = {argv[0], argv[1], NULL};
    harness_init(2, hargv);
    rnnfx = rnnfx_bin();
    if (access(inject, R_OK)) check_skip("the fault injector was not built");
    scratch_path(in_wav, "in.wav");
    scratch_path(out_wav, "out.wav");
    make_recordings(in_wav, out_wav, 4.0, 1, RATE, 3);
    if (!strcmp(scenario, "kill")) test_kill();
    else if (!strcmp(scenario, "disk"))
        test_disk();
    else if (!strcmp(scenario, "inputs"))
        test_inputs();
    else if (!strcmp(scenario, "paths") && argc > 4)
        test_paths(argv[4]);
    else {
        fprintf(stderr, "test_train_faults: no scenario '%s'\n", scenario);
        return 2;
    }
    return check_exit();
}
