/* cmd_convert.c - `rnnfx convert IN OUT`: any model file rnnfx reads -> the native format. */
#include "aidax_compat.h"
#include "cli.h"
#include "commands.h"
#include "nn.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "Usage: rnnfx convert IN OUT\n"
    "\n"
    "Reads a model in any format rnnfx reads (Keras/RTNeural/AIDA-X JSON, GuitarML JSON, NAM LSTM)\n"
    "and writes it in the native format: the Keras-style JSON that RTNeural and AIDA-X load, with\n"
    "the metadata (sample rate included, so a GuitarML model stays at 44.1 kHz), the initial state\n"
    "and the self-test pair kept. This is the only format rnnfx writes: OUT must end in .json or\n"
    ".aidax. The output runs bit for bit like the input. OUT is written atomically.\n"
    "When AIDA-X would not play the result as rnnfx does (stacked layers, extra dense layers, a\n"
    "plain RNN, a hidden size it has no variant for, more than two knobs, a stored initial\n"
    "state), a note on stderr says why; the file is written all the same (exit 0).\n"
    "\n"
    "Options:\n"
    "  -h, --help   this text\n";

int rnnfx_cmd_convert(int argc, char **argv)
{
    const char *pos[2];
    int npos = 0;
    cli c = cli_start("convert", argc, argv);
    while (cli_next(&c)) {
        if (!c.opt) {
            if (npos == 2) return cli_usage(&c, "unexpected argument \"%s\"", c.arg);
            pos[npos++] = c.arg;
        } else if (cli_is(&c, "help")) {
            return cli_help(usage);
        } else {
            return cli_unknown(&c);
        }
    }
    if (npos < 2) return cli_usage(&c, "expected IN OUT");
    const char *in = pos[0], *out = pos[1];
    /* Checked first: a wrong destination is a mistake in the command, whatever IN holds. */
    if (cli_has_ext(out, ".nam")) {
        fprintf(stderr,
                "%s: rnnfx does not write NAM files; it writes only the native Keras/AIDA-X JSON "
                "(name the output .json or .aidax)\n",
                out);
        return RNNFX_EXIT_USAGE;
    }
    if (!cli_has_ext(out, ".json") && !cli_has_ext(out, ".aidax")) {
        fprintf(stderr,
                "%s: unknown output format; rnnfx writes only the native Keras/AIDA-X JSON "
                "(name the output .json or .aidax)\n",
                out);
        return RNNFX_EXIT_USAGE;
    }
    nn_error err = {0};
    nn_model *m = nn_model_load_file(in, &err);
    if (!m) return cli_fail(&err);
    int rc = nn_model_write_keras(m, out, &err) == 0 ? RNNFX_EXIT_OK : cli_fail(&err);
    char why[200];
    if (rc == RNNFX_EXIT_OK && rnnfx_aidax_problem(nn_model_spec(m), why, sizeof why))
        fprintf(stderr, "%s: note: AIDA-X will not play this model as rnnfx does: %s\n", out, why);
    nn_model_free(m);
    return rc;
}
