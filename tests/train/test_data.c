/* test_data.c - what the trainer checks about recordings before training, the lag it finds, and
 * the split: each bad input gets an error naming the file; tolerable ones a warning. */
#include "check.h"
#include "nn_train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 48000

static uint64_t rng = 7;
static float frand(void)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((double)(rng >> 11) * (1.0 / 4503599627370496.0) - 1.0);
}

static float x[2 * N], y[2 * N];

/* xi, yi: cx / cy channels of nx / ny frames one after the other (planar) */
static nn_status add(nn_tdata *d, const float *xi, size_t nx, int cx, double rx, const float *yi, size_t ny, int cy,
                     double ry, int channel, nn_error *err)
{
    const float *xc[4], *yc[4];
    for (int c = 0; c < 4; c++) xc[c] = xi + (size_t)(c < cx ? c : 0) * nx, yc[c] = yi + (size_t)(c < cy ? c : 0) * ny;
    nn_taudio a = {"in.wav", xc, nx, cx, rx}, b = {"out.wav", yc, ny, cy, ry};
    return nn_tdata_add(d, &a, &b, channel, NULL, 0, NN_ROLE_AUTO, err);
}

static int has_warning(const nn_tdata *d, const char *what)
{
    for (size_t i = 0; i < nn_tdata_num_warnings(d); i++)
        if (strstr(nn_tdata_warning(d, i), what)) return 1;
    return 0;
}

/* A device with a delay: y[t] = sign * 0.7 * tanh(2 x[t - lag]) + a little of the past. */
static void delayed(const float *xi, float *yo, size_t n, int lag, float sign)
{
    for (size_t t = 0; t < n; t++) {
        float v = t >= (size_t)lag ? xi[t - (size_t)lag] : 0.0f;
        float p = t >= (size_t)lag + 3 ? xi[t - (size_t)lag - 3] : 0.0f;
        yo[t] = sign * (0.7f * tanhf(2.0f * v) + 0.2f * p);
    }
}

int main(void)
{
    for (int i = 0; i < 2 * N; i++) { /* band-limited-ish noise with a bass line */
        static float s = 0;
        s = 0.7f * s + 0.3f * frand();
        x[i] = 0.5f * s + 0.3f * sinf(0.01f * (float)i);
    }
    nn_error err;
    nn_tdata *d;

    /* errors: each names the file and the problem */
    struct {
        const char *what, *file, *words;
        size_t nx, ny;
        int cx, cy, channel;
        double rx, ry;
        int silent_in, nan_out;
    } bad[] = {
        {"different rates", "out.wav", "44100", N, N, 1, 1, -1, 48000, 44100, 0, 0},
        {"very different lengths", "out.wav", "same take", N, N / 2, 1, 1, -1, 48000, 48000, 0, 0},
        {"stereo without --channel", "in.wav", "channels", N, N, 2, 1, -1, 48000, 48000, 0, 0},
        {"no such channel", "out.wav", "no channel 2", N, N, 2, 1, 1, 48000, 48000, 0, 0},
        {"silent input", "in.wav", "silent", N, N, 1, 1, -1, 48000, 48000, 1, 0},
        {"NaN in the target", "out.wav", "NaN", N, N, 1, 1, -1, 48000, 48000, 0, 1},
        {"too short", "in.wav", "too short", 500, 500, 1, 1, -1, 48000, 48000, 0, 0},
        {"absurd rate", "in.wav", "out of range", N, N, 1, 1, -1, 10, 10, 0, 0},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        static float xs[2 * N], ys[2 * N];
        memcpy(xs, x, sizeof xs);
        delayed(x, ys, 2 * N, 5, 1.0f);
        if (bad[k].silent_in) memset(xs, 0, sizeof xs);
        if (bad[k].nan_out) ys[1234] = NAN;
        d = nn_tdata_new();
        nn_status st = add(d, xs, bad[k].nx, bad[k].cx, bad[k].rx, ys, bad[k].ny, bad[k].cy, bad[k].ry, bad[k].channel,
                           &err);
        CHECK(st != NN_OK, "%s: accepted", bad[k].what);
        if (st != NN_OK) {
            printf("%-26s -> %s\n", bad[k].what, err.msg);
            CHECK(!strncmp(err.msg, bad[k].file, strlen(bad[k].file)) && strstr(err.msg, bad[k].words),
                  "%s: message \"%s\" should name %s and say \"%s\"", bad[k].what, err.msg, bad[k].file, bad[k].words);
        }
        CHECK(nn_tdata_num_pairs(d) == 0, "%s: the pair was kept", bad[k].what);
        nn_tdata_free(d);
    }
    /* a second pair at another rate */
    d = nn_tdata_new();
    delayed(x, y, N, 5, 1.0f);
    CHECK(add(d, x, N, 1, 48000, y, N, 1, 48000, -1, &err) == NN_OK, "%s", err.msg);
    CHECK(add(d, x, N, 1, 44100, y, N, 1, 44100, -1, &err) != NN_OK && strstr(err.msg, "earlier pairs"),
          "a pair at another rate: %s", err.msg);
    nn_tdata_free(d);

    /* warnings: slightly different lengths (cut), clipping, inverted polarity */
    d = nn_tdata_new();
    delayed(x, y, N, 5, -1.0f);
    for (int i = 0; i < 200; i++) y[1000 + i * 7] = 1.0f;
    CHECK(add(d, x, N, 1, 48000, y, N - 100, 1, 48000, -1, &err) == NN_OK, "%s", err.msg);
    for (size_t i = 0; i < nn_tdata_num_warnings(d); i++) printf("warning: %s\n", nn_tdata_warning(d, i));
    CHECK(has_warning(d, "using the first"), "no warning about the lengths");
    CHECK(has_warning(d, "full scale"), "no warning about clipping");
    CHECK(has_warning(d, "polarity inverted"), "no warning about the polarity");
    nn_tpair_info pi;
    nn_tdata_pair(d, 0, &pi);
    CHECK(pi.frames == N - 100, "%zu frames kept, expected %d", pi.frames, N - 100);
    nn_tdata_free(d);

    /* channel selection: channel 2 of a stereo input */
    static float st2[2 * N];
    for (int i = 0; i < N; i++) st2[i] = 0.001f * frand(), st2[N + i] = x[i];
    delayed(x, y, N, 5, 1.0f);
    static float y2[2 * N];
    for (int i = 0; i < N; i++) y2[i] = y2[N + i] = y[i];
    d = nn_tdata_new();
    CHECK(add(d, st2, N, 2, 48000, y2, N, 2, 48000, 1, &err) == NN_OK, "%s", err.msg);
    nn_tdata_pair(d, 0, &pi);
    CHECK(pi.lag == 5 && pi.lag_corr > 0.5, "channel 2: lag %d, correlation %.2f", pi.lag, pi.lag_corr);
    nn_tdata_free(d);

    /* lag: found for delays both ways and for an inverted device; --align lines them up */
    int lags[] = {0, 7, 23, 300};
    for (size_t k = 0; k < sizeof lags / sizeof lags[0]; k++)
        for (int sign = -1; sign <= 1; sign += 2) {
            delayed(x, y, 2 * N, lags[k], (float)sign);
            d = nn_tdata_new();
            CHECK(add(d, x, 2 * N, 1, 48000, y, 2 * N, 1, 48000, -1, &err) == NN_OK, "%s", err.msg);
            nn_tdata_pair(d, 0, &pi);
            CHECK(pi.lag == lags[k] && (pi.lag_corr > 0) == (sign > 0),
                  "delay %d sign %d: found lag %d, correlation %.2f", lags[k], sign, pi.lag, pi.lag_corr);
            nn_tdata_align(d);
            nn_tdata_pair(d, 0, &pi);
            CHECK(pi.frames == (size_t)(2 * N - lags[k]), "aligned: %zu frames", pi.frames);
            nn_tdata_free(d);
        }
    /* the target early (negative lag) */
    delayed(x + 9, y, 2 * N - 9, 0, 1.0f);
    CHECK(nn_find_lag(x, y, 2 * N - 9, 100, NULL) == -9, "an early target: lag %d",
          nn_find_lag(x, y, 2 * N - 9, 100, NULL));

    /* split: one pair by time, several by file, explicit test pairs kept whole */
    d = nn_tdata_new();
    delayed(x, y, 2 * N, 5, 1.0f);
    add(d, x, 2 * N, 1, 48000, y, 2 * N, 1, 48000, -1, &err);
    CHECK(nn_tdata_split(d, NN_SPLIT_AUTO, 0.2, 0.1, &err) == NN_OK, "%s", err.msg);
    nn_tdata_pair(d, 0, &pi);
    CHECK(pi.train_from == 0 && pi.train_to == 2 * N - 2 * N / 5 - 2 * N / 10 && pi.test_to == pi.val_from &&
              pi.val_to == 2 * N && pi.val_to - pi.val_from == 2 * N / 5,
          "by time: train %zu-%zu test %zu-%zu val %zu-%zu", pi.train_from, pi.train_to, pi.test_from, pi.test_to,
          pi.val_from, pi.val_to);
    CHECK(nn_tdata_split(d, NN_SPLIT_FILE, 0.2, 0.1, &err) != NN_OK, "one file split by file");
    nn_tdata_free(d);

    d = nn_tdata_new();
    size_t lens[5] = {N, N / 2, 2 * N, N, N / 4};
    for (int i = 0; i < 5; i++) {
        const float *xc[1] = {x}, *yc[1] = {y};
        nn_taudio a = {"in", xc, lens[i], 1, 48000}, b = {"out", yc, lens[i], 1, 48000};
        nn_tdata_add(d, &a, &b, -1, NULL, 0, i == 4 ? NN_ROLE_TEST : NN_ROLE_AUTO, &err);
    }
    CHECK(nn_tdata_split(d, NN_SPLIT_FILE, 0.2, 0.15, &err) == NN_OK, "%s", err.msg);
    int roles[3] = {0};
    for (int i = 0; i < 5; i++) {
        nn_tdata_pair(d, i, &pi);
        int whole = (pi.train_to - pi.train_from == pi.frames) + (pi.val_to - pi.val_from == pi.frames) +
                    (pi.test_to - pi.test_from == pi.frames);
        CHECK(whole == 1, "pair %d is not whole in one part", i);
        roles[pi.train_to > 0 ? 0 : pi.val_to > 0 ? 1 : 2]++;
        if (i == 4) CHECK(pi.test_to == pi.frames, "the given test pair is not the test part");
        /* validation: the file nearest 20 % of the 4.5 N frames, ties to the later: pair 3 */
        if (i == 3) CHECK(pi.val_to == pi.frames, "validation should be pair 3");
    }
    CHECK(roles[0] == 3 && roles[1] == 1 && roles[2] == 1, "parts: %d train, %d validation, %d test", roles[0],
          roles[1], roles[2]);
    printf("by file: %s\n", nn_tdata_describe(d));
    /* AUTO with a test pair given: validation is the tail of every other file */
    CHECK(nn_tdata_split(d, NN_SPLIT_AUTO, 0.2, 0.15, &err) == NN_OK, "%s", err.msg);
    for (int i = 0; i < 4; i++) {
        nn_tdata_pair(d, i, &pi);
        CHECK(pi.train_from == 0 && pi.train_to == pi.frames - (size_t)(0.2 * (double)pi.frames) &&
                  pi.val_to == pi.frames && pi.test_to == pi.test_from,
              "auto, pair %d: train %zu-%zu val %zu-%zu test %zu-%zu", i, pi.train_from, pi.train_to, pi.val_from,
              pi.val_to, pi.test_from, pi.test_to);
    }
    printf("auto: %s\n", nn_tdata_describe(d));
    nn_tdata_free(d);
    /* AUTO without a test pair, 4 files: the test part is a whole file, validation by time */
    d = nn_tdata_new();
    for (int i = 0; i < 4; i++) {
        const float *xc[1] = {x}, *yc[1] = {y};
        nn_taudio a = {"in", xc, lens[i], 1, 48000}, b = {"out", yc, lens[i], 1, 48000};
        nn_tdata_add(d, &a, &b, -1, NULL, 0, NN_ROLE_AUTO, &err);
    }
    CHECK(nn_tdata_split(d, NN_SPLIT_AUTO, 0.1, 0.1, &err) == NN_OK, "%s", err.msg);
    int whole_test = 0, tails = 0;
    for (int i = 0; i < 4; i++) {
        nn_tdata_pair(d, i, &pi);
        whole_test += pi.test_to - pi.test_from == pi.frames;
        tails += pi.val_to == pi.frames && pi.val_from > 0 && pi.test_to == pi.test_from;
    }
    CHECK(whole_test == 1 && tails == 3, "auto, 4 files: %d whole test files, %d with a validation tail", whole_test,
          tails);
    printf("auto: %s\n", nn_tdata_describe(d));
    nn_tdata_free(d);
    return check_exit();
}
