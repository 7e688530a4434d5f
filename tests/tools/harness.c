/* harness.c - running rnnfx, scratch files, WAV through libsndfile (see harness.h). */
#define _GNU_SOURCE /* nftw flags */
#include "harness.h"
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <sndfile.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Parameter counts: LSTM 4H(in + H) + 4H (one summed bias), GRU 3H(in + H) + 2 x 3H (Keras'
 * two biases), Dense out(in + 1). */
const ref_model ref_models[] = {
    {"keras_lstm8.json", "keras_lstm8.golden.csv", 48000, 4 * 8 * (1 + 8) + 4 * 8 + 9, 0, {NULL}},
    {"keras_gru8_dense8.json",
     "keras_gru8_dense8.golden.csv",
     48000,
     3 * 8 * (1 + 8) + 2 * 3 * 8 + 8 * 9 + 9,
     0,
     {NULL}},
    {"guitarml_lstm20_skip.json", "guitarml_lstm20_skip.golden.csv", 44100, 4 * 20 * (1 + 20) + 4 * 20 + 21, 1, {NULL}},
    {"nam_lstm_1x3.nam", "nam_lstm_1x3.golden.csv", 48000, 4 * 3 * (1 + 3) + 4 * 3 + 4, 0, {NULL}},
    {"nam_lstm_2x8.nam", "nam_lstm_2x8.golden.csv", 48000, 4 * 8 * (1 + 8) + 4 * 8 + 4 * 8 * 16 + 4 * 8 + 9, 0, {NULL}},
    /* Synthetic ones (tests/formats/make_synthetic.py): knobs, gains, stacked GRUs, dense heads. */
    {"synth_guitarml_gru2x9_cond1.json",
     "synth_guitarml_gru2x9_cond1.golden.csv",
     44100,
     3 * 9 * (2 + 9) + 2 * 27 + 3 * 9 * (9 + 9) + 2 * 27 + 10,
     1,
     {"--param=p1=0.4"}},
    {"synth_keras_gru2x10_tanh_cond1.json",
     "synth_keras_gru2x10_tanh_cond1.golden.csv",
     48000,
     3 * 10 * (2 + 10) + 2 * 30 + 3 * 10 * (10 + 10) + 2 * 30 + 6 * 11 + 7,
     0,
     {"--param=1=0.65"}},
    {"synth_keras_lstm12_cond2_gain.json",
     "synth_keras_lstm12_cond2_gain.golden.csv",
     44100,
     4 * 12 * (3 + 12) + 4 * 12 + 13,
     1,
     {"--param=p1=0.3", "--param=p2=0.8"}},
    {"synth_keras_lstm24_relu.json",
     "synth_keras_lstm24_relu.golden.csv",
     48000,
     4 * 24 * (1 + 24) + 4 * 24 + 7 * 25 + 8,
     1,
     {NULL}},
};
const int n_ref_models = (int)(sizeof ref_models / sizeof ref_models[0]);

/* Half a path each, so that a name appended to them always fits in PATH_CAP. */
static char bin[PATH_CAP / 2], data_dir[PATH_CAP / 2], scratch[PATH_CAP / 2];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void remove_scratch(void)
{
    if (scratch[0] && !getenv("RNNFX_KEEP_SCRATCH")) nftw(scratch, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void harness_init(int argc, char **argv)
{
    if (argc < 2 || access(argv[1], X_OK) != 0) check_skip("no rnnfx binary given (run through meson test)");
    const char *d = check_env("RNNFX_TEST_DATA");
    if (!d) check_skip("RNNFX_TEST_DATA not set (run through meson test)");
    /* Absolute, because rnnfx must not depend on the folder it is run from. */
    char *abs = realpath(argv[1], NULL);
    if (!abs || strlen(abs) >= sizeof bin) check_skip("cannot resolve the rnnfx path");
    memcpy(bin, abs, strlen(abs) + 1);
    free(abs);
    if (strlen(d) >= sizeof data_dir) check_skip("RNNFX_TEST_DATA is too long a path");
    memcpy(data_dir, d, strlen(d) + 1);
    const char *tmp = getenv("TMPDIR");
    snprintf(scratch, sizeof scratch, "%s/rnnfx_test_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(scratch)) {
        fprintf(stderr, "cannot make a scratch folder\n");
        exit(1);
    }
    atexit(remove_scratch);
}

const char *rnnfx_bin(void) { return bin; }
const char *scratch_dir(void) { return scratch; }
void scratch_path(char out[PATH_CAP], const char *name) { snprintf(out, PATH_CAP, "%s/%s", scratch, name); }
void ref_path(char out[PATH_CAP], const char *name) { snprintf(out, PATH_CAP, "%s/formats/ref/%s", data_dir, name); }

/* ---- running ------------------------------------------------------------------------------ */

cmd_result run_argv(const char *const *argv)
{
    cmd_result r = {-1, NULL, NULL};
    char out_path[PATH_CAP], err_path[PATH_CAP];
    static int serial;
    snprintf(out_path, sizeof out_path, "%s/.stdout%d", scratch, serial);
    snprintf(err_path, sizeof err_path, "%s/.stderr%d", scratch, serial++);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600),
            e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (o < 0 || e < 0) _exit(126);
        dup2(o, 1);
        dup2(e, 2);
        close(o);
        close(e);
        /* Run in the scratch folder: a stray relative file would show up there, not in the tree. */
        if (chdir(scratch) != 0) _exit(126);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0) return r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    size_t n;
    r.out = read_file(out_path, &n);
    r.err = read_file(err_path, &n);
    if (!r.out) r.out = calloc(1, 1);
    if (!r.err) r.err = calloc(1, 1);
    unlink(out_path);
    unlink(err_path);
    return r;
}

cmd_result run_rnnfx(const char *arg, ...)
{
    const char *argv[64];
    int n = 0;
    argv[n++] = bin;
    va_list ap;
    va_start(ap, arg);
    for (const char *a = arg; a && n < 63; a = va_arg(ap, const char *)) argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    return run_argv(argv);
}

void cmd_free(cmd_result *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

int count_lines(const char *s)
{
    int n = 0;
    for (const char *p = s; *p; p++)
        if (*p == '\n') n++;
    if (*s && s[strlen(s) - 1] != '\n') n++;
    return n;
}

int contains(const char *haystack, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = haystack; *p; p++)
        if (!strncasecmp(p, needle, n)) return 1;
    return n == 0;
}

/* ---- files -------------------------------------------------------------------------------- */

int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = len ? fwrite(data, 1, len, f) : 0;
    return fclose(f) == 0 && w == len ? 0 : -1;
}

char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        if (!buf) break;
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) break;
        char *b = realloc(buf, 2 * cap + 1);
        if (!b) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = b;
        cap *= 2;
    }
    fclose(f);
    if (buf) buf[n] = 0;
    if (len) *len = n;
    return buf;
}

int count_files_starting(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (!strncmp(e->d_name, prefix, strlen(prefix))) n++;
    closedir(d);
    return n;
}

int wav_write(const char *path, int channels, int rate, size_t frames, const float *samples)
{
    return sound_write(path, SF_FORMAT_WAV | SF_FORMAT_FLOAT, channels, rate, frames, samples);
}

int sound_write(const char *path, int format, int channels, int rate, size_t frames, const float *samples)
{
    SF_INFO info;
    memset(&info, 0, sizeof info);
    info.samplerate = rate;
    info.channels = channels;
    info.format = format;
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
    if (!sf) return -1;
    sf_count_t w = frames ? sf_writef_float(sf, samples, (sf_count_t)frames) : 0;
    return sf_close(sf) == 0 && w == (sf_count_t)frames ? 0 : -1;
}

float *wav_read(const char *path, int *channels, int *rate, size_t *frames)
{
    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    if (!sf) return NULL;
    float *x = malloc((size_t)(info.frames ? info.frames : 1) * (size_t)info.channels * sizeof *x);
    sf_count_t got = x ? sf_readf_float(sf, x, info.frames) : 0;
    sf_close(sf);
    if (!x || got != info.frames) {
        free(x);
        return NULL;
    }
    *channels = info.channels;
    *rate = info.samplerate;
    *frames = (size_t)info.frames;
    return x;
}

/* ---- reference data ----------------------------------------------------------------------- */

int golden_read(const char *path, float *x, float *y, int cap)
{
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char line[256];
    int n = 0;
    while (n < cap && fgets(line, sizeof line, f)) {
        if (line[0] == '#') continue;
        if (sscanf(line, "%f,%f", &x[n], &y[n]) == 2) n++;
    }
    fclose(f);
    return n;
}

void test_signal(float *x, size_t n, double rate, unsigned seed)
{
    unsigned s = seed * 2654435761u + 12345u;
    double f0 = 82.4 * (1.0 + 0.37 * (seed % 5));
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / rate, tp = fmod(t, 0.3);
        double v = 0;
        for (int h = 1; h <= 4; h++) v += sin(2 * M_PI * f0 * h * t + seed) / h;
        s = s * 1664525u + 1013904223u;
        double noise = ((double)(s >> 8) / 16777216.0 - 0.5) * 0.02;
        x[i] = (float)(0.5 * v * exp(-6.0 * tp) + noise);
    }
}

int write_identity_model(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fprintf(f,
            "{\"in_shape\": [null, null, 1], \"in_skip\": 1, \"metadata\": {\"samplerate\": 48000},\n"
            " \"layers\": [{\"type\": \"lstm\", \"activation\": \"\", \"shape\": [null, null, 1],\n"
            "   \"weights\": [[[0, 0, 0, 0]], [[0, 0, 0, 0]], [0, 0, 0, 0]]},\n"
            "  {\"type\": \"dense\", \"activation\": \"\", \"shape\": [null, null, 1], \"weights\": [[[0]], [0]]}]}\n");
    return fclose(f) == 0 ? 0 : -1;
}
