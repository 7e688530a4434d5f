/* test_goldens.c - every reference model (tests/formats/ref) reproduces the output of an independent PyTorch
 * implementation (its golden.csv) within 1e-5 on all 4096 samples, with every kernel this CPU
 * has and whatever the block size; and a round trip through the native format changes no bit. */
#include "check.h"
#include "kernels.h"
#include "nn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N 4096

/* Reads x,y rows; the comment line may carry the conditioning values: "params=[0.3, 0.8]". */
static int read_golden(const char *path, float *x, float *y, float *params, int *n_params)
{
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char line[256];
    int n = 0;
    *n_params = 0;
    while (fgets(line, sizeof line, f) && n < N) {
        if (line[0] == '#') {
            char *p = strstr(line, "params=[");
            for (p = p ? p + 8 : NULL; p && *n_params < 3;) {
                char *end;
                float v = strtof(p, &end);
                if (end == p) break;
                params[(*n_params)++] = v;
                p = end + strspn(end, ", ");
            }
            continue;
        }
        if (sscanf(line, "%f,%f", &x[n], &y[n]) == 2) n++;
    }
    fclose(f);
    return n;
}

static double max_err(const float *a, const float *b, int n, int *at)
{
    double worst = 0;
    *at = -1;
    for (int i = 0; i < n; i++) {
        double e = fabs((double)a[i] - (double)b[i]);
        if (!(e <= worst)) worst = e, *at = i;
    }
    return worst;
}

static float params[3];
static int n_params;

static void run_blocks(nn_model *m, const float *x, float *y, int n, int block)
{
    nn_state *s = nn_state_new(m, NULL);
    for (int k = 0; k < n_params; k++) nn_state_set_cond(s, k, params[k]);
    for (int i = 0; i < n; i += block) nn_run(s, x + i, y + i, (size_t)(n - i < block ? n - i : block));
    nn_state_free(s);
}

int main(void)
{
    const char *dir = check_env("RNNFX_TEST_DATA");
    if (!dir) check_skip("RNNFX_TEST_DATA not set (run through meson test)");
    const char *names[] = {"keras_lstm8.json", "keras_gru8_dense8.json", "guitarml_lstm20_skip.json",
                           "nam_lstm_1x3.nam", "nam_lstm_2x8.nam",
                           /* synthetic (tests/formats/make_synthetic.py): knobs, gains, stacks */
                           "synth_keras_lstm12_cond2_gain.json", "synth_keras_gru2x10_tanh_cond1.json",
                           "synth_keras_lstm24_relu.json", "synth_guitarml_gru2x9_cond1.json"};
    static float x[N], y[N], out[N], out2[N], out3[N];
    char path[1024], golden[1024], tmp[1024];
    for (const char *kernel = test_kernel_first(); kernel; kernel = test_kernel_next()) {
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
            snprintf(path, sizeof path, "%s/formats/ref/%s", dir, names[i]);
            snprintf(golden, sizeof golden, "%s/formats/ref/%.*s.golden.csv", dir,
                     (int)(strrchr(names[i], '.') - names[i]), names[i]);
            int n = read_golden(golden, x, y, params, &n_params);
            CHECK(n == N, "%s: %d rows", golden, n);
            nn_error err = {0};
            nn_model *m = nn_model_load_file(path, &err);
            CHECK(m != NULL, "%s", err.msg);
            if (!m) continue;
            CHECK(nn_model_num_cond(m) == n_params, "%s: %d knobs, golden has %d values", names[i],
                  nn_model_num_cond(m), n_params);
            run_blocks(m, x, out, n, 4096);
            int at;
            double e = max_err(out, y, n, &at);
            printf("%-10s %-28s max |err| %.3g (sample %d)\n", kernel, names[i], e, at);
            CHECK(e <= 1e-5, "%s [%s]: max error %g at sample %d (ours %.9g, golden %.9g)", names[i], kernel, e, at,
                  at >= 0 ? out[at] : 0.f, at >= 0 ? y[at] : 0.f);
            /* Block size does not change a bit. */
            run_blocks(m, x, out2, n, 1);
            CHECK(!memcmp(out, out2, sizeof(float) * (size_t)n), "%s: block 1 differs from 4096", names[i]);
            run_blocks(m, x, out2, n, 64);
            CHECK(!memcmp(out, out2, sizeof(float) * (size_t)n), "%s: block 64 differs from 4096", names[i]);
            /* Round trip through the native format: not one bit changes. */
            snprintf(tmp, sizeof tmp, "/tmp/rnnfx_rt_%d_%zu.json", (int)getpid(), i);
            CHECK(nn_model_write_keras(m, tmp, &err) == 0, "%s", err.msg);
            nn_model *m2 = nn_model_load_file(tmp, &err);
            CHECK(m2 != NULL, "round trip of %s: %s", names[i], err.msg);
            if (m2) {
                run_blocks(m2, x, out3, n, 4096);
                CHECK(!memcmp(out, out3, sizeof(float) * (size_t)n), "%s: round trip changed the output", names[i]);
                CHECK(nn_model_sample_rate(m2) == nn_model_sample_rate(m), "%s: sample rate %g -> %g", names[i],
                      nn_model_sample_rate(m), nn_model_sample_rate(m2));
                CHECK(nn_model_param_count(m2) == nn_model_param_count(m), "%s: parameter count changed", names[i]);
                nn_model_free(m2);
            }
            unlink(tmp);
            nn_model_free(m);
        }
    }
    return check_exit();
}
