/*
 * cli.h - what every subcommand of `rnnfx` shares: exit codes, error/note lines, a small option
 * parser, strict number parsing, and the progress line.
 *
 * Conventions (README.md, "The command"): results on stdout; errors on stderr, one line each,
 * "<file>: <problem>" (the engine's nn_error messages already read so); notes and warnings on
 * stderr, prefixed "note: " / "warning: ". Exit 0 only on success.
 */
#ifndef RNNFX_TOOLS_CLI_H
#define RNNFX_TOOLS_CLI_H

#include <stddef.h>

#include "nn.h"

#define RNNFX_EXIT_OK 0
#define RNNFX_EXIT_FAIL 1  /* the work failed: a bad or missing file, an I/O error */
#define RNNFX_EXIT_USAGE 2 /* the command line was wrong */

#if defined(__GNUC__)
#define CLI_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CLI_PRINTF(a, b)
#endif

/* Prints err->msg as the one error line; returns RNNFX_EXIT_FAIL. */
int cli_fail(const nn_error *err);
void cli_note(const char *fmt, ...) CLI_PRINTF(1, 2);
void cli_warn(const char *fmt, ...) CLI_PRINTF(1, 2);

/* ---- Options --------------------------------------------------------------------------------
 * Walks argv (argv[0] is the subcommand's name): `--name value`, `--name=value`, `-h`, `--`, and
 * positionals, in any order.
 *
 *     cli c = cli_start("process", argc, argv);
 *     while (cli_next(&c)) {
 *         if (!c.opt) positional[n++] = c.arg;
 *         else if (cli_is(&c, "block")) { const char *v = cli_value(&c); ... }
 *         else return cli_unknown(&c);
 *     }
 */
typedef struct cli {
    const char *cmd;
    int argc, at;
    char **argv;
    const char *opt;          /* the current option's name without dashes ("block"), or NULL */
    const char *arg;          /* the current positional argument, when opt is NULL */
    const char *inline_value; /* from --name=value */
    int only_positionals;     /* after "--" */
    char name_buf[64];
} cli;

cli cli_start(const char *cmd, int argc, char **argv);
int cli_next(cli *c);
int cli_is(const cli *c, const char *name);
/* The current option's value; NULL (after printing the usage error) when it has none. */
const char *cli_value(cli *c);
/* For flags: 1, or 0 after printing a usage error if a value was attached (--flag=x). */
int cli_flag(cli *c);
/* Prints "rnnfx CMD: <message> (see rnnfx CMD --help)"; returns RNNFX_EXIT_USAGE. */
int cli_usage(const cli *c, const char *fmt, ...) CLI_PRINTF(2, 3);
int cli_unknown(const cli *c); /* "unknown option --x" */
/* Prints the help text to stdout; returns RNNFX_EXIT_OK. */
int cli_help(const char *text);

/* Strict parsing: the whole string, finite, in range. Return 1 on success. */
int cli_parse_size(const char *s, size_t lo, size_t hi, size_t *out);
int cli_parse_int(const char *s, int lo, int hi, int *out);
int cli_parse_double(const char *s, double lo, double hi, double *out);

/* --type's value: "lstm", "gru" or "rnn" (any case) -> *out. Returns 1, or 0 (after printing
 * the usage error) for anything else. */
int cli_cell_value(cli *c, nn_cell *out);

/* Case-insensitive "does `path` end with `ext`" (ext with its dot: ".json"). */
int cli_has_ext(const char *path, const char *ext);

/* ---- Where the command's files are ----------------------------------------------------------
 * Found from the executable's own location, never from paths compiled in: an installed rnnfx
 * (<prefix>/bin/rnnfx) finds what `meson install` put beside it (<prefix>/share/rnnfx/...), and
 * one run from its build tree (build/tools/rnnfx) finds the source tree's. */

/* The shipped models: installed (<bindir>/../share/rnnfx/models), else the source tree's
 * models/ when run from the build tree, else "models" (the current folder's). Never NULL. */
const char *cli_models_dir(void);
/* The folder of recordings and reference data: $RNNFX_SHARED when set, else ../shared beside the
 * source tree when run from the build tree; NULL when there is none. */
const char *cli_shared_dir(void);

/* ---- Progress --------------------------------------------------------------------------------
 * One line on stderr, redrawn in place ("\r"), at most ~5 times a second, only when enabled:
 * stderr is a terminal and the job is long, or --progress was given. */
typedef struct cli_progress {
    int enabled, drawn;
    double start, last;
    const char *label;
} cli_progress;

void cli_progress_init(cli_progress *p, const char *label, int enabled);
void cli_progress_update(void *p, double fraction); /* a render progress callback (render.h) */
void cli_progress_done(cli_progress *p);
int cli_stderr_is_terminal(void);

#endif
