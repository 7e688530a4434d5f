/* test_cli_bench.c - `rnnfx bench` runs and reports every figure it promises (a cut-down run:
 * two sizes, one run each), each with the kernel it was measured with: this CPU's best, or the
 * one --kernel or RNNFX_KERNEL forced. No timing is judged here - speed figures go to
 * BENCHMARKS.md. */
#include "check.h"
#include "harness.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

int main(int argc, char **argv)
{
    harness_init(argc, argv);
    cmd_result r = run_rnnfx("bench", "--quick", "--json", "--sizes", "8,20", "--runs", "1", (const char *)NULL);
    CHECK(r.code == 0 && r.err[0] == 0, "bench: exit %d, stderr: %s", r.code, r.err);
    json_t *j = json_loads(r.out, 0, NULL);
    CHECK(json_is_object(j), "bench --json: not a JSON object:\n%s", r.out);
    cmd_free(&r);
    json_t *rows = json_object_get(j, "results");
    CHECK(json_array_size(rows) == 4, "%zu results, expected LSTM and GRU at 2 sizes", json_array_size(rows));
    CHECK(json_number_value(json_object_get(json_object_get(j, "fma_peak"), "gflops")) > 0, "no FMA peak");
    const char *kernel = json_string_value(json_object_get(j, "kernel"));
    const char *best_j = json_string_value(json_object_get(j, "kernel_best"));
    char best_buf[32];
    snprintf(best_buf, sizeof best_buf, "%s", best_j ? best_j : "");
    const char *best = best_j ? best_buf : NULL; /* (j is freed below) */
    CHECK(kernel && best && !strcmp(kernel, best) && json_is_null(json_object_get(j, "kernel_forced_by")),
          "kernel %s, best %s: with nothing forced, the best runs", kernel ? kernel : "-", best ? best : "-");
    const char *keys[] = {"macs_per_sample", "ns_per_sample",        "floor_ns",
                          "ratio_to_floor",  "stereo_ns_per_sample", "stereo_over_mono"};
    for (size_t i = 0; i < json_array_size(rows); i++) {
        json_t *row = json_array_get(rows, i);
        const char *cell = json_string_value(json_object_get(row, "cell"));
        int h = (int)json_integer_value(json_object_get(row, "hidden"));
        CHECK(cell && (!strcmp(cell, "LSTM") || !strcmp(cell, "GRU")) && (h == 8 || h == 20), "row %zu: %s-%d", i,
              cell ? cell : "?", h);
        const char *rk = json_string_value(json_object_get(row, "kernel"));
        CHECK(rk && kernel && !strcmp(rk, kernel), "row %zu: kernel %s, the run's is %s", i, rk ? rk : "-",
              kernel ? kernel : "-");
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            double v = json_number_value(json_object_get(row, keys[k]));
            CHECK(isfinite(v) && v > 0, "row %zu (%s-%d): %s = %g", i, cell ? cell : "?", h, keys[k], v);
        }
        /* MACs per sample of a one-layer cell, Dense to 1: G x H x (1 + H) + H. */
        double g = cell && !strcmp(cell, "GRU") ? 3 : 4;
        CHECK(json_number_value(json_object_get(row, "macs_per_sample")) == g * h * (1 + h) + h, "%s-%d: %g MACs",
              cell ? cell : "?", h, json_number_value(json_object_get(row, "macs_per_sample")));
    }
    json_decref(j);

    r = run_rnnfx("bench", "--quick", "--sizes", "8", "--runs", "1", "--kernel", "generic", (const char *)NULL);
    char head[128];
    snprintf(head, sizeof head, "kernel generic (forced by --kernel; this CPU's best: %s)", best ? best : "?");
    CHECK(r.code == 0 && contains(r.out, head) && contains(r.out, "LSTM") && contains(r.out, "GRU"),
          "bench --kernel generic: exit %d, no \"%s\":\n%s%s", r.code, head, r.out, r.err);
    /* every figure's row names it */
    int rows_generic = 0;
    for (const char *l = r.out; (l = strstr(l, "\n")) != NULL; l++)
        rows_generic += (!strncmp(l + 1, "LSTM ", 5) || !strncmp(l + 1, "GRU ", 4)) && strstr(l + 1, "generic") &&
                        strstr(l + 1, "generic") < strchr(l + 1, '\n');
    CHECK(rows_generic == 2, "bench --kernel generic: %d of 2 rows say generic:\n%s", rows_generic, r.out);
    cmd_free(&r);
    /* RNNFX_KERNEL does the same for every command; --kernel wins over it */
    setenv("RNNFX_KERNEL", "generic", 1);
    r = run_rnnfx("bench", "--quick", "--json", "--sizes", "8", "--runs", "1", (const char *)NULL);
    json_t *g = json_loads(r.out, 0, NULL);
    const char *gk = json_string_value(json_object_get(g, "kernel"));
    const char *gby = json_string_value(json_object_get(g, "kernel_forced_by"));
    const char *grow = json_string_value(json_object_get(json_array_get(json_object_get(g, "results"), 0), "kernel"));
    CHECK(r.code == 0 && gk && !strcmp(gk, "generic") && gby && !strcmp(gby, "RNNFX_KERNEL") && grow &&
              !strcmp(grow, "generic"),
          "RNNFX_KERNEL=generic bench: exit %d, kernel %s, forced by %s, row %s", r.code, gk ? gk : "-",
          gby ? gby : "-", grow ? grow : "-");
    json_decref(g);
    cmd_free(&r);
    if (best && strcmp(best, "generic") != 0) {
        r = run_rnnfx("bench", "--quick", "--json", "--sizes", "8", "--runs", "1", "--kernel", best,
                      (const char *)NULL);
        g = json_loads(r.out, 0, NULL);
        gk = json_string_value(json_object_get(g, "kernel"));
        CHECK(r.code == 0 && gk && !strcmp(gk, best), "RNNFX_KERNEL=generic bench --kernel %s: exit %d, kernel %s",
              best, r.code, gk ? gk : "-");
        json_decref(g);
        cmd_free(&r);
    }
    unsetenv("RNNFX_KERNEL");
    const char *bad[][2] = {{"--kernel", "no-such-kernel"}, {"--sizes", "0"}, {"--sizes", "8,x"}, {"--runs", "0"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = run_rnnfx("bench", bad[i][0], bad[i][1], (const char *)NULL);
        CHECK(r.code == 2 && count_lines(r.err) == 1, "bench %s %s: exit %d, stderr: %s", bad[i][0], bad[i][1], r.code,
              r.err);
        cmd_free(&r);
    }
    return check_exit();
}
