/* test_cli_bench.c - `rnnfx bench` runs and reports every figure it promises (a cut-down run:
 * two sizes, one run each). No timing is judged here - speed figures go to BENCHMARKS.md. */
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
    CHECK(json_string_value(json_object_get(j, "kernel")) != NULL, "no kernel named");
    const char *keys[] = {"macs_per_sample", "ns_per_sample", "floor_ns", "ratio_to_floor", "stereo_ns_per_sample",
                          "stereo_over_mono"};
    for (size_t i = 0; i < json_array_size(rows); i++) {
        json_t *row = json_array_get(rows, i);
        const char *cell = json_string_value(json_object_get(row, "cell"));
        int h = (int)json_integer_value(json_object_get(row, "hidden"));
        CHECK(cell && (!strcmp(cell, "LSTM") || !strcmp(cell, "GRU")) && (h == 8 || h == 20), "row %zu: %s-%d", i,
              cell ? cell : "?", h);
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
    CHECK(r.code == 0 && contains(r.out, "generic") && contains(r.out, "LSTM") && contains(r.out, "GRU"),
          "bench --kernel generic: exit %d:\n%s%s", r.code, r.out, r.err);
    cmd_free(&r);
    const char *bad[][2] = {{"--kernel", "no-such-kernel"}, {"--sizes", "0"}, {"--sizes", "8,x"}, {"--runs", "0"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = run_rnnfx("bench", bad[i][0], bad[i][1], (const char *)NULL);
        CHECK(r.code == 2 && count_lines(r.err) == 1, "bench %s %s: exit %d, stderr: %s", bad[i][0], bad[i][1], r.code,
              r.err);
        cmd_free(&r);
    }
    return check_exit();
}
