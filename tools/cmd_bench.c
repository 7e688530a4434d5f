/* cmd_bench.c - `rnnfx bench`: the engine's speed as a plugin sees it.
 *
 * For LSTM and GRU at each hidden size: one recurrent layer (1 input), Dense to 1, skip, random
 * weights (nn_spec_init_random). Samples go through nn_run in blocks of 128 - the engine steps
 * one sample at a time through the recurrence inside, as in a plugin - and the time per sample is
 * the median of several runs. Each figure is also given as a ratio to two floors of this CPU,
 * both measured here (fma_peak.h): the model's multiply-adds per sample over the FMA throughput
 * on registers (the peak), and over the FMA throughput when each multiply-add reads one operand
 * from a buffer the size of the model's weights (the stream: a recurrent layer reads every
 * weight once per sample, from L1 while they fit, else from L2). The stream's buffer is
 * MACs x 4 bytes: one float per multiply-add, which is the packed weights to within their
 * padding to whole vectors. Its rate is measured per row as a fraction of the peak's, the two
 * loops timed in alternation, so that the two floors compare like with like. Stereo (nn_run2,
 * two states of one model) is timed in the same runs, interleaved with mono, so that the ratio
 * compares like with like on a noisy shared machine. */
#include "cli.h"
#include "clock.h"
#include "commands.h"
#include "fma_peak.h"
#include "kernel_choice.h"
#include "nn.h"
#include "nn_spec.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "Usage: rnnfx bench [--quick] [--json] [--sizes LIST] [--runs N] [--kernel NAME]\n"
    "\n"
    "Measures the engine as a plugin runs it: nn_run on blocks of 128 samples (the recurrence\n"
    "steps sample by sample inside), ns per sample for LSTM and GRU (1 input, one recurrent layer,\n"
    "Dense to 1, skip, random weights) at each hidden size; the median of several runs. Each time\n"
    "is also shown as a ratio to two floors of this CPU, the multiply-adds per sample divided by an\n"
    "FMA throughput measured here on one core: 'floor' with a tight loop of independent vector FMAs\n"
    "on registers; 'stream' with the same FMAs each reading its weight from a buffer as big as the\n"
    "model's weights (MACs x 4 bytes), read in order as the engine reads them once per sample - the\n"
    "floor once the weights outgrow L1 and come from L2. Stereo is two channels through nn_run2,\n"
    "timed in the same runs as mono; 'stereo/mono' is the cost of two channels relative to one.\n"
    "Times are the CPU time of the measuring thread, so that other processes on a shared machine\n"
    "disturb them less. About 20-50 s; --quick 3-10 s.\n"
    "\n"
    "Options:\n"
    "  --quick         shorter runs (less precise)\n"
    "  --json          machine-readable output (one JSON object)\n"
    "  --sizes LIST    hidden sizes, comma-separated (default 8,12,16,20,32,40,64,80,128)\n"
    "  --runs N        runs per figure, the median is kept (default 7; --quick 5; at least 1)\n"
    "  --kernel NAME   force a kernel (generic, avx2+fma, avx512) instead of this CPU's best\n"
    "                  (or RNNFX_KERNEL=NAME in the environment; --kernel wins)\n"
    "  -h, --help      this text\n";

#define BLOCK 128
#define MAX_SIZES 32
#define MAX_RUNS 31

typedef struct result {
    nn_cell cell;
    int hidden;
    double macs, ns_mono, ns_stereo; /* ns_stereo: per sample of both channels together */
    double stream_gflops;            /* the FMA rate streaming MACs x 4 bytes of weights (fma_peak.h) */
    const char *kernel;              /* the one the model ran with */
} result;

typedef struct bench_opts {
    int quick, runs, n_sizes;
    int sizes[MAX_SIZES];
    double run_seconds; /* target length of one timed run */
    int stream_runs;    /* runs of each FMA loop (peak, stream; ~20 ms each) per row */
} bench_opts;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static double time_mono(nn_state *s, const float *x, float *y, size_t n)
{
    nn_state_reset(s);
    double t0 = rnnfx_cpu_now();
    for (size_t at = 0; at < n; at += BLOCK) nn_run(s, x + at, y + at, BLOCK);
    return rnnfx_cpu_now() - t0;
}

static double time_stereo(nn_state *a, nn_state *b, const float *x0, const float *x1, float *y0, float *y1, size_t n)
{
    nn_state_reset(a);
    nn_state_reset(b);
    double t0 = rnnfx_cpu_now();
    for (size_t at = 0; at < n; at += BLOCK) nn_run2(a, b, x0 + at, x1 + at, y0 + at, y1 + at, BLOCK);
    return rnnfx_cpu_now() - t0;
}

/* A noise-like guitar level signal: keeps every gate busy, no denormals, no silence shortcuts. */
static void fill_input(float *x, size_t n, unsigned seed)
{
    unsigned s = seed * 2654435761u + 1u;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = ((float)(s >> 8) / 16777216.0f - 0.5f) * 0.8f;
    }
}

static int measure(nn_cell cell, int hidden, const bench_opts *o, result *r, nn_error *err)
{
    nn_spec spec;
    if (nn_spec_init_random(&spec, cell, 1, hidden, 0, 1, 0x5eed0000u + (uint64_t)hidden) != NN_OK) {
        snprintf(err->msg, sizeof err->msg, "rnnfx bench: cannot make a %s-%d model", nn_cell_name(cell), hidden);
        nn_spec_free(&spec);
        return -1;
    }
    char name[32];
    snprintf(name, sizeof name, "%s-%d", nn_cell_name(cell), hidden);
    nn_model *m = nn_model_build(&spec, name, err);
    nn_spec_free(&spec);
    if (!m) return -1;
    nn_state *a = nn_state_new(m, err), *b = nn_state_new(m, err);
    /* Calibrate the run length on a short run: about o->run_seconds of mono work. */
    size_t n = 64 * BLOCK;
    float *buf = malloc(4 * n * sizeof *buf);
    int ok = a && b && buf;
    if (ok) {
        fill_input(buf, n, 1);
        time_mono(a, buf, buf + n, n); /* warm-up: caches, clock */
        double t = time_mono(a, buf, buf + n, n);
        size_t want = (size_t)(o->run_seconds / (t > 1e-9 ? t : 1e-9) * (double)n);
        n = (want / BLOCK + 1) * BLOCK;
        if (n > ((size_t)1 << 24)) n = (size_t)1 << 24;
        free(buf);
        buf = malloc(4 * n * sizeof *buf);
        ok = buf != NULL;
    }
    if (!ok) {
        snprintf(err->msg, sizeof err->msg, "rnnfx bench: out of memory");
        free(buf);
        nn_state_free(a);
        nn_state_free(b);
        nn_model_free(m);
        return -1;
    }
    float *x0 = buf, *x1 = buf + n, *y0 = buf + 2 * n, *y1 = buf + 3 * n;
    fill_input(x0, n, 1);
    fill_input(x1, n, 2);
    double tm[MAX_RUNS], ts[MAX_RUNS];
    for (int i = 0; i < o->runs; i++) { /* interleaved: both see the same machine */
        tm[i] = time_mono(a, x0, y0, n);
        ts[i] = time_stereo(a, b, x0, x1, y0, y1, n);
    }
    r->cell = cell;
    r->hidden = hidden;
    r->macs = nn_model_macs_per_sample(m);
    r->kernel = nn_model_kernel_name(m);
    r->ns_mono = 1e9 * median(tm, o->runs) / (double)n;
    r->ns_stereo = 1e9 * median(ts, o->runs) / (double)n;
    free(buf);
    nn_state_free(a);
    nn_state_free(b);
    nn_model_free(m);
    return 0;
}

static void cpu_name(char *out, size_t cap)
{
    snprintf(out, cap, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (!strncmp(line, "model name", 10) && colon) {
            colon += 2;
            colon[strcspn(colon, "\n")] = 0;
            snprintf(out, cap, "%s", colon);
            break;
        }
    }
    fclose(f);
}

static int parse_sizes(const char *s, bench_opts *o)
{
    o->n_sizes = 0;
    while (*s) {
        char *end;
        long h = strtol(s, &end, 10);
        if (end == s || h < 1 || h > NN_MAX_HIDDEN || o->n_sizes == MAX_SIZES) return 0;
        o->sizes[o->n_sizes++] = (int)h;
        s = end;
        if (*s == ',') s++;
        else if (*s)
            return 0;
    }
    return o->n_sizes > 0;
}

/* The weights a row's model reads per sample, as the stream floor counts them: 4 bytes a MAC. */
static size_t stream_bytes(const result *r) { return (size_t)r->macs * sizeof(float); }

/* ns per sample of `macs` multiply-adds at `gflops` (2 flops each): a floor. */
static double floor_at(double macs, double gflops) { return macs / (gflops / 2.0); }

static void print_row(const result *r, double gflops)
{
    double floor_ns = floor_at(r->macs, gflops), stream_ns = floor_at(r->macs, r->stream_gflops);
    printf("%-5s %4d %9.0f %10.1f", nn_cell_name(r->cell), r->hidden, r->macs, r->ns_mono);
    printf(" %9.2f %8.2f %10.2f %9.2f", floor_ns, r->ns_mono / floor_ns, stream_ns, r->ns_mono / stream_ns);
    printf(" %10.1f %12.2f  %s\n", r->ns_stereo, r->ns_stereo / r->ns_mono, r->kernel);
}

static void print_json(const bench_opts *o, const char *kernel, const char *isa, double gflops, const char *cpu,
                       const result *r, int nr)
{
    json_t *root = json_object();
    json_object_set_new(root, "cpu", json_string(cpu));
    json_object_set_new(root, "kernel", json_string(kernel));
    json_object_set_new(root, "kernel_best", json_string(rnnfx_kernel_cpu_best()));
    const char *by = rnnfx_kernel_forced_by();
    json_object_set_new(root, "kernel_forced_by", by ? json_string(by) : json_null());
    json_object_set_new(root, "fma_peak", json_pack("{s:s, s:f}", "isa", isa, "gflops", gflops));
    json_object_set_new(root, "block", json_integer(BLOCK));
    json_object_set_new(root, "runs", json_integer(o->runs));
    json_object_set_new(root, "quick", json_boolean(o->quick));
    json_t *rows = json_array();
    for (int i = 0; i < nr; i++) {
        const result *x = &r[i];
        double floor_ns = floor_at(x->macs, gflops), stream_ns = floor_at(x->macs, x->stream_gflops);
        json_t *row = json_object();
        json_object_set_new(row, "cell", json_string(nn_cell_name(x->cell)));
        json_object_set_new(row, "hidden", json_integer(x->hidden));
        json_object_set_new(row, "kernel", json_string(x->kernel));
        json_object_set_new(row, "macs_per_sample", json_real(x->macs));
        json_object_set_new(row, "ns_per_sample", json_real(x->ns_mono));
        json_object_set_new(row, "floor_ns", json_real(floor_ns));
        json_object_set_new(row, "ratio_to_floor", json_real(x->ns_mono / floor_ns));
        json_object_set_new(row, "stream_bytes", json_integer((json_int_t)stream_bytes(x)));
        json_object_set_new(row, "stream_gflops", json_real(x->stream_gflops));
        json_object_set_new(row, "stream_floor_ns", json_real(stream_ns));
        json_object_set_new(row, "ratio_to_stream_floor", json_real(x->ns_mono / stream_ns));
        json_object_set_new(row, "stereo_ns_per_sample", json_real(x->ns_stereo));
        json_object_set_new(row, "stereo_over_mono", json_real(x->ns_stereo / x->ns_mono));
        json_array_append_new(rows, row);
    }
    json_object_set_new(root, "results", rows);
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
    if (text) printf("%s\n", text);
    free(text);
    json_decref(root);
}

int rnnfx_cmd_bench(int argc, char **argv)
{
    bench_opts o = {0, 0, 9, {8, 12, 16, 20, 32, 40, 64, 80, 128}, 0, 0};
    int as_json = 0;
    const char *kernel = NULL;
    cli c = cli_start("bench", argc, argv);
    while (cli_next(&c)) {
        if (!c.opt) return cli_usage(&c, "unexpected argument \"%s\"", c.arg);
        if (cli_is(&c, "help")) return cli_help(usage);
        if (cli_is(&c, "quick") || cli_is(&c, "json")) {
            if (!cli_flag(&c)) return RNNFX_EXIT_USAGE;
            *(cli_is(&c, "quick") ? &o.quick : &as_json) = 1;
        } else if (cli_is(&c, "sizes")) {
            const char *v = cli_value(&c);
            if (!v) return RNNFX_EXIT_USAGE;
            if (!parse_sizes(v, &o))
                return cli_usage(&c, "--sizes %s: expected hidden sizes 1..%d like 8,16,32", v, NN_MAX_HIDDEN);
        } else if (cli_is(&c, "runs")) {
            const char *v = cli_value(&c);
            if (!v) return RNNFX_EXIT_USAGE;
            if (!cli_parse_int(v, 1, MAX_RUNS, &o.runs)) return cli_usage(&c, "--runs %s: expected 1..%d", v, MAX_RUNS);
        } else if (cli_is(&c, "kernel")) {
            if (!(kernel = cli_value(&c))) return RNNFX_EXIT_USAGE;
        } else {
            return cli_unknown(&c);
        }
    }
    if (kernel && !rnnfx_kernel_force_option(kernel, "--kernel"))
        return cli_usage(&c, "--kernel %s: not available on this CPU (generic always is)", kernel);
    if (!o.runs) o.runs = o.quick ? 5 : 7;
    o.run_seconds = o.quick ? 0.015 : 0.05;
    o.stream_runs = o.quick ? 3 : 5; /* once per row: 0.2-0.5 s a row with the calibration */
    const char *kname = nn_kernel_best();
    const char *isa = rnnfx_fma_isa_for_kernel(kname);
    double gflops = rnnfx_fma_peak_gflops(isa, o.quick ? 3 : 7);
    char cpu[128];
    cpu_name(cpu, sizeof cpu);
    if (!as_json) {
        const char *by = rnnfx_kernel_forced_by();
        printf("rnnfx bench: %s; kernel %s (%s%s; this CPU's best: %s); nn_run on blocks of %d, median of %d runs%s\n",
               cpu, kname, by ? "forced by " : "the engine's choice", by ? by : "", rnnfx_kernel_cpu_best(), BLOCK,
               o.runs, o.quick ? " (quick)" : "");
        printf("FMA peak (%s, one core, measured): %.1f GFLOP/s; floor = MACs per sample / %.1f GMAC/s\n", isa, gflops,
               gflops / 2);
        printf("stream = MACs per sample / the FMA rate with each weight read from memory (a buffer\n"
               "of MACs x 4 bytes, in order), measured per row as a fraction of the peak\n\n");
        printf("%-5s %4s %9s %10s %9s %8s", "cell", "H", "MACs/smp", "ns/sample", "floor ns", "x floor");
        printf(" %10s %9s %10s %12s  %s\n", "stream ns", "x stream", "stereo ns", "stereo/mono", "kernel");
        fflush(stdout);
    }
    result r[2 * MAX_SIZES];
    int nr = 0;
    const nn_cell cells[2] = {NN_CELL_LSTM, NN_CELL_GRU};
    for (int ci = 0; ci < 2; ci++)
        for (int i = 0; i < o.n_sizes; i++) {
            nn_error err = {0};
            if (measure(cells[ci], o.sizes[i], &o, &r[nr], &err) != 0) return cli_fail(&err);
            r[nr].stream_gflops = gflops * rnnfx_fma_stream_of_peak(isa, stream_bytes(&r[nr]), o.stream_runs);
            if (!(r[nr].stream_gflops > 0)) {
                snprintf(err.msg, sizeof err.msg, "rnnfx bench: out of memory (FMA stream over %zu bytes)",
                         stream_bytes(&r[nr]));
                return cli_fail(&err);
            }
            if (!as_json) {
                print_row(&r[nr], gflops);
                fflush(stdout);
            }
            nr++;
        }
    if (as_json) print_json(&o, kname, isa, gflops, cpu, r, nr);
    return RNNFX_EXIT_OK;
}
