/* cli.c - shared command-line plumbing (see cli.h). */
#include "cli.h"
#include "clock.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

int cli_fail(const nn_error *err)
{
    fprintf(stderr, "%s\n", err->msg[0] ? err->msg : "rnnfx: failed (no message)");
    return RNNFX_EXIT_FAIL;
}

static void line(const char *prefix, const char *fmt, va_list ap)
{
    char buf[1024];
    vsnprintf(buf, sizeof buf, fmt, ap);
    for (char *p = buf; *p; p++) /* one line per message, whatever a file name holds */
        if (*p == '\n' || *p == '\r') *p = ' ';
    fprintf(stderr, "%s%s\n", prefix, buf);
}

void cli_note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    line("note: ", fmt, ap);
    va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    line("warning: ", fmt, ap);
    va_end(ap);
}

/* ---- options ------------------------------------------------------------------------------ */

cli cli_start(const char *cmd, int argc, char **argv)
{
    cli c;
    memset(&c, 0, sizeof c);
    c.cmd = cmd;
    c.argc = argc;
    c.argv = argv;
    c.at = 1; /* argv[0] is the subcommand */
    return c;
}

int cli_next(cli *c)
{
    c->opt = c->arg = c->inline_value = NULL;
    if (c->at >= c->argc) return 0;
    const char *a = c->argv[c->at++];
    if (c->only_positionals || a[0] != '-' || a[1] == '\0') { /* "-" alone is a file name */
        c->arg = a;
        return 1;
    }
    if (!strcmp(a, "--")) {
        c->only_positionals = 1;
        return cli_next(c);
    }
    if (!strcmp(a, "-h")) {
        c->opt = "help";
        return 1;
    }
    const char *name = a + (a[1] == '-' ? 2 : 1);
    const char *eq = strchr(name, '=');
    size_t n = eq ? (size_t)(eq - name) : strlen(name);
    if (n >= sizeof c->name_buf) n = sizeof c->name_buf - 1;
    memcpy(c->name_buf, name, n);
    c->name_buf[n] = 0;
    c->opt = c->name_buf;
    c->inline_value = eq ? eq + 1 : NULL;
    return 1;
}

int cli_is(const cli *c, const char *name) { return c->opt && !strcmp(c->opt, name); }

const char *cli_value(cli *c)
{
    if (c->inline_value) return c->inline_value;
    if (c->at < c->argc) return c->argv[c->at++];
    cli_usage(c, "--%s needs a value", c->opt);
    return NULL;
}

int cli_flag(cli *c)
{
    if (!c->inline_value) return 1;
    cli_usage(c, "--%s takes no value", c->opt);
    return 0;
}

int cli_usage(const cli *c, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    fprintf(stderr, "rnnfx %s: %s (see rnnfx %s --help)\n", c->cmd, buf, c->cmd);
    return RNNFX_EXIT_USAGE;
}

int cli_unknown(const cli *c) { return cli_usage(c, "unknown option --%s", c->opt); }

int cli_help(const char *text)
{
    fputs(text, stdout);
    return RNNFX_EXIT_OK;
}

int cli_parse_double(const char *s, double lo, double hi, double *out)
{
    if (!s || !*s) return 0;
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (*end || errno == ERANGE || !isfinite(d) || d < lo || d > hi) return 0;
    *out = d;
    return 1;
}

int cli_parse_size(const char *s, size_t lo, size_t hi, size_t *out)
{
    if (!s || *s < '0' || *s > '9') return 0; /* no sign, no blanks */
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || errno == ERANGE || v < lo || v > hi) return 0;
    *out = (size_t)v;
    return 1;
}

int cli_parse_int(const char *s, int lo, int hi, int *out)
{
    if (!s || !*s) return 0;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*end || errno == ERANGE || v < lo || v > hi) return 0;
    *out = (int)v;
    return 1;
}

int cli_cell_value(cli *c, nn_cell *out)
{
    static const struct {
        const char *name;
        nn_cell cell;
    } cells[] = {{"lstm", NN_CELL_LSTM}, {"gru", NN_CELL_GRU}, {"rnn", NN_CELL_RNN}};
    const char *v = cli_value(c);
    if (!v) return 0;
    for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++)
        if (!strcasecmp(v, cells[i].name)) {
            *out = cells[i].cell;
            return 1;
        }
    cli_usage(c, "--%s: lstm, gru or rnn, not \"%s\"", c->opt, v);
    return 0;
}

int cli_has_ext(const char *path, const char *ext)
{
    size_t n = strlen(path), e = strlen(ext);
    return n > e && !strcasecmp(path + n - e, ext);
}

/* ---- where the command's files are ------------------------------------------------------- */

/* Paths relative to the executable's folder, computed by tools/meson.build from the install
 * layout (bindir -> datadir) and the build layout (build/tools -> the source tree). */
#ifndef RNNFX_MODELS_FROM_BIN
#define RNNFX_MODELS_FROM_BIN "../share/rnnfx/models"
#endif
#ifndef RNNFX_MODELS_FROM_BUILD
#define RNNFX_MODELS_FROM_BUILD "../../models"
#endif
#ifndef RNNFX_SHARED_FROM_BUILD
#define RNNFX_SHARED_FROM_BUILD "../../../shared"
#endif

static int is_dir(const char *path)
{
    struct stat st;
    return path && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* "<the executable's folder>/<rel>" into buf; 0 when /proc/self/exe cannot say (not Linux). */
static int beside_exe(const char *rel, char *buf, size_t cap)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return 0;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash) return 0;
    *slash = '\0';
    int w = snprintf(buf, cap, "%s/%s", exe, rel);
    return w > 0 && (size_t)w < cap;
}

/* Meson keeps a target's objects in "<name>.p" beside it: there only in the build tree. */
static int in_build_tree(void)
{
    char exe[4096], probe[4200];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return 0;
    exe[n] = '\0';
    const char *base = strrchr(exe, '/');
    snprintf(probe, sizeof probe, "%s.p", base ? base + 1 : exe);
    char path[4400];
    return beside_exe(probe, path, sizeof path) && is_dir(path);
}

/* dir without its "..": the folder as a person would name it (dir must hold PATH_MAX bytes). */
static const char *canonical(char *dir)
{
    char *real = realpath(dir, NULL);
    if (real && strlen(real) < 4096) strcpy(dir, real);
    free(real);
    return dir;
}

const char *cli_models_dir(void)
{
    static char dir[4200];
    if (beside_exe(RNNFX_MODELS_FROM_BIN, dir, sizeof dir) && is_dir(dir)) return canonical(dir);
    if (in_build_tree() && beside_exe(RNNFX_MODELS_FROM_BUILD, dir, sizeof dir) && is_dir(dir)) return canonical(dir);
    return "models";
}

const char *cli_shared_dir(void)
{
    static char dir[4200];
    const char *env = getenv("RNNFX_SHARED");
    if (env && *env) return env;
    if (in_build_tree() && beside_exe(RNNFX_SHARED_FROM_BUILD, dir, sizeof dir)) return canonical(dir);
    return NULL;
}

/* ---- progress ----------------------------------------------------------------------------- */

int cli_stderr_is_terminal(void) { return isatty(STDERR_FILENO); }

void cli_progress_init(cli_progress *p, const char *label, int enabled)
{
    memset(p, 0, sizeof *p);
    p->enabled = enabled;
    p->label = label;
    p->start = p->last = rnnfx_now();
}

void cli_progress_update(void *vp, double fraction)
{
    cli_progress *p = vp;
    if (!p->enabled) return;
    double now = rnnfx_now();
    if (p->drawn && now - p->last < 0.2) return;
    p->last = now;
    p->drawn = 1;
    double spent = now - p->start;
    if (fraction > 0.01)
        fprintf(stderr, "\r%s: %3.0f%%  (%.0f s left)   ", p->label, 100.0 * fraction,
                spent * (1.0 - fraction) / fraction);
    else
        fprintf(stderr, "\r%s: %3.0f%%   ", p->label, 100.0 * fraction);
    fflush(stderr);
}

void cli_progress_done(cli_progress *p)
{
    if (!p->enabled || !p->drawn) return;
    fprintf(stderr, "\r%s: 100%%  (%.1f s)            \n", p->label, rnnfx_now() - p->start);
}
