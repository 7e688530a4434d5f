/* test_cli_valgrind.c - the command under valgrind's memcheck: a few bad model files (each takes
 * a different way out of the readers), a bad audio file, and one full process run (resampling
 * included), eval, info and convert. No invalid access, no uninitialised value used, no leak.
 * valgrind's own exit code for errors is set apart from rnnfx's (which exits 1 on a bad file). */
#include "bad_inputs.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VALGRIND_ERROR 99

static const char *find_valgrind(void)
{
    static const char *where[] = {"/usr/bin/valgrind", "/usr/local/bin/valgrind"};
    for (size_t i = 0; i < sizeof where / sizeof where[0]; i++)
        if (access(where[i], X_OK) == 0) return where[i];
    return NULL;
}

static void under_valgrind(const char *vg, const char *what, int want_code, const char *const *args)
{
    const char *argv[24];
    int n = 0;
    argv[n++] = vg;
    argv[n++] = "--error-exitcode=99";
    argv[n++] = "--leak-check=full";
    argv[n++] = "--errors-for-leak-kinds=definite,indirect,possible";
    argv[n++] = "--track-fds=no";
    argv[n++] = "--quiet";
    argv[n++] = rnnfx_bin();
    for (const char *const *a = args; *a && n < 23; a++) argv[n++] = *a;
    argv[n] = NULL;
    cmd_result r = run_argv(argv);
    printf("%-22s exit %d\n", what, r.code);
    CHECK(r.code != VALGRIND_ERROR, "%s: valgrind found errors:\n%s", what, r.err);
    CHECK(r.code == want_code, "%s: exit %d, wanted %d:\n%s", what, r.code, want_code, r.err);
    cmd_free(&r);
}

int main(int argc, char **argv)
{
    harness_init(argc, argv);
    if (argc > 2 && !strcmp(argv[2], "sanitized"))
        check_skip("this build uses the sanitizers, which valgrind cannot run");
    const char *vg = find_valgrind();
    if (!vg) check_skip("valgrind is not installed");
    char model[PATH_CAP], in[PATH_CAP], out[PATH_CAP], bad[PATH_CAP];
    good_model(model);
    good_input(in);
    scratch_path(out, "vg_out.wav");
    const char *model_cases[] = {"truncated",  "wrong_shape", "missing_key", "nan_weight",
                                 "hidden_1e6", "nam_wavenet", "binary_file"};
    for (size_t i = 0; i < sizeof model_cases / sizeof model_cases[0]; i++) {
        const bad_case *bc = bad_case_find(model_cases[i]);
        if (!bc || bc->make(bad) != 0) {
            CHECK(0, "cannot make %s", model_cases[i]);
            continue;
        }
        const char *args[] = {"process", bad, in, out, NULL};
        under_valgrind(vg, model_cases[i], 1, args);
    }
    const bad_case *bc = bad_case_find("audio_not_audio");
    if (bc && bc->make(bad) == 0) {
        const char *args[] = {"process", model, bad, out, NULL};
        under_valgrind(vg, "audio_not_audio", 1, args);
    }
    /* A full run: stereo at 44.1 kHz through a 48 kHz model (resampling both ways). */
    static float st[2 * 8820];
    float ch[8820];
    for (int c = 0; c < 2; c++) {
        test_signal(ch, 8820, 44100, (unsigned)c + 1);
        for (int i = 0; i < 8820; i++) st[2 * i + c] = ch[i];
    }
    char stereo[PATH_CAP];
    scratch_path(stereo, "vg_stereo.wav");
    CHECK(wav_write(stereo, 2, 44100, 8820, st) == 0, "cannot write %s", stereo);
    const char *args[] = {"process", model, stereo, out, "--block", "100", NULL};
    under_valgrind(vg, "process (resampling)", 0, args);
    CHECK(file_exists(out), "no output from the process run");
    const char *info[] = {"info", model, NULL};
    under_valgrind(vg, "info", 0, info);
    const char *eval[] = {"eval", "--json", model, stereo, stereo, NULL};
    under_valgrind(vg, "eval (resampling)", 0, eval);
    char converted[PATH_CAP];
    scratch_path(converted, "vg_converted.json");
    const char *convert[] = {"convert", model, converted, NULL};
    under_valgrind(vg, "convert", 0, convert);
    return check_exit();
}
