/* test_cli_bad_input.c CASE - one bad input (bad_inputs.c) through every subcommand that reads
 * it. Each run must: exit non-zero, print exactly one line on stderr, name the bad file, mention
 * the problem, and leave no output file (nor a temporary one) behind. */
#include "bad_inputs.h"
#include "check.h"

#include <stdio.h>
#include <string.h>

static void expect_refusal(const bad_case *bc, const char *bad_file, const char *out, const char *const *args)
{
    const char *argv[16];
    int n = 0;
    argv[n++] = rnnfx_bin();
    for (const char *const *a = args; *a && n < 15; a++) argv[n++] = *a;
    argv[n] = NULL;
    cmd_result r = run_argv(argv);
    const char *what = args[0];
    printf("%s %s: exit %d, stderr: %s", bc->name, what, r.code, r.err);
    CHECK(r.code != 0 && r.code < 128, "%s %s: exit %d (wanted a non-zero exit, no crash)", bc->name, what, r.code);
    CHECK(count_lines(r.err) == 1, "%s %s: %d lines on stderr, wanted 1", bc->name, what, count_lines(r.err));
    CHECK(contains(r.err, bad_file), "%s %s: the message does not name %s", bc->name, what, bad_file);
    CHECK(contains(r.err, bc->keyword), "%s %s: the message does not mention \"%s\"", bc->name, what, bc->keyword);
    if (out) {
        CHECK(!file_exists(out), "%s %s: %s was created", bc->name, what, out);
        CHECK(count_files_starting(scratch_dir(), "out.") == 0, "%s %s: a temporary file was left", bc->name, what);
    }
    cmd_free(&r);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--same-list")) { /* meson.build's list against the table */
        const char *names[64];
        size_t n = 0;
        for (const bad_case *c; n < 64 && (c = bad_case_at(n)); n++) names[n] = c->name;
        return check_same_names(names, n, argc - 2, argv + 2);
    }
    harness_init(argc, argv);
    const bad_case *bc = argc > 2 ? bad_case_find(argv[2]) : NULL;
    if (!bc) {
        fprintf(stderr, "usage: test_cli_bad_input RNNFX CASE (unknown case %s)\n", argc > 2 ? argv[2] : "(none)");
        return 1;
    }
    char bad[PATH_CAP], model[PATH_CAP], in[PATH_CAP], out[PATH_CAP], out_json[PATH_CAP];
    if (bc->make(bad) != 0) {
        fprintf(stderr, "%s: cannot make the bad file %s\n", bc->name, bad);
        return 1;
    }
    good_model(model);
    good_input(in);
    scratch_path(out, "out.wav");
    scratch_path(out_json, "out.json");
    switch (bc->what) {
    case BAD_MODEL: {
        const char *process[] = {"process", bad, in, out, NULL};
        const char *info[] = {"info", bad, NULL};
        const char *info_json[] = {"info", "--json", bad, NULL};
        const char *convert[] = {"convert", bad, out_json, NULL};
        const char *eval[] = {"eval", bad, in, in, NULL};
        expect_refusal(bc, bad, out, process);
        expect_refusal(bc, bad, NULL, eval);
        expect_refusal(bc, bad, NULL, info);
        expect_refusal(bc, bad, NULL, info_json);
        expect_refusal(bc, bad, out_json, convert);
        break;
    }
    case BAD_IN: {
        const char *process[] = {"process", model, bad, out, NULL};
        const char *eval_in[] = {"eval", model, bad, in, NULL};
        const char *eval_target[] = {"eval", model, in, bad, NULL};
        expect_refusal(bc, bad, out, process);
        expect_refusal(bc, bad, NULL, eval_in);
        expect_refusal(bc, bad, NULL, eval_target);
        break;
    }
    case BAD_OUT: {
        const char *process[] = {"process", model, in, bad, NULL};
        expect_refusal(bc, bad, bad, process);
        break;
    }
    }
    return check_exit();
}
