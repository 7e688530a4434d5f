/* test_cli_usage.c - the command line itself: --help everywhere (exit 0, a usage text on
 * stdout), and every wrong command line refused with exit 2 and one line on stderr. */
#include "check.h"
#include "harness.h"

#include <string.h>

static const char *commands[] = {"process", "info", "convert", "eval", "bench"};

static void refused(const char *why, const char *a, const char *b, const char *c, const char *d)
{
    cmd_result r = run_rnnfx(a, b, c, d, (const char *)NULL);
    CHECK(r.code == 2 && count_lines(r.err) == 1 && r.out[0] == 0, "%s (%s %s ...): exit %d, stderr: %s", why,
          a ? a : "", b ? b : "", r.code, r.err);
    cmd_free(&r);
}

int main(int argc, char **argv)
{
    harness_init(argc, argv);
    const char *helps[] = {"--help", "-h", "help"};
    for (int i = 0; i < 3; i++) {
        cmd_result r = run_rnnfx(helps[i], (const char *)NULL);
        CHECK(r.code == 0 && contains(r.out, "Usage") && r.err[0] == 0, "rnnfx %s: exit %d", helps[i], r.code);
        for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++)
            CHECK(contains(r.out, commands[k]), "rnnfx %s does not list %s", helps[i], commands[k]);
        cmd_free(&r);
    }
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++) {
        cmd_result r = run_rnnfx(commands[k], "--help", (const char *)NULL);
        char want[64] = "rnnfx ";
        strcat(want, commands[k]);
        CHECK(r.code == 0 && contains(r.out, "Usage") && contains(r.out, want) && r.err[0] == 0,
              "rnnfx %s --help: exit %d", commands[k], r.code);
        cmd_free(&r);
        r = run_rnnfx(commands[k], "-h", (const char *)NULL);
        CHECK(r.code == 0 && contains(r.out, "Usage"), "rnnfx %s -h: exit %d", commands[k], r.code);
        cmd_free(&r);
        refused("unknown option", commands[k], "--no-such-option", NULL, NULL);
    }
    cmd_result r = run_rnnfx((const char *)NULL);
    CHECK(r.code == 2 && contains(r.err, "Usage"), "rnnfx alone: exit %d", r.code);
    cmd_free(&r);
    refused("unknown command", "frobnicate", NULL, NULL, NULL);
    refused("missing arguments", "process", "model.json", NULL, NULL);
    refused("too many arguments", "info", "a.json", "b.json", NULL);
    refused("missing arguments", "convert", "a.json", NULL, NULL);
    refused("--block 0", "process", "--block", "0", NULL);
    refused("--block without a value", "process", "--block", NULL, NULL);
    refused("--block not a number", "process", "--block=12x", NULL, NULL);
    refused("--channel 0", "process", "--channel=0", NULL, NULL);
    refused("a flag with a value", "info", "--json=yes", NULL, NULL);
    return check_exit();
}
