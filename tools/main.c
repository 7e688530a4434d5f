/* main.c - `rnnfx`: finds the subcommand in the table and hands it the rest of the command line.
 * Each subcommand lives in its own file (commands.h). */
#include "audio_io.h"
#include "cli.h"
#include "commands.h"
#include "kernel_choice.h"
#include "nn.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"process", rnnfx_cmd_process, "run a model over an audio file (offline, same bits as the plugin)"},
    {"info", rnnfx_cmd_info, "show a model: architecture, parameters, metadata, self-test, speed"},
    {"convert", rnnfx_cmd_convert, "write a model in the native format (Keras JSON, for AIDA-X / RTNeural)"},
    {"eval", rnnfx_cmd_eval, "compare a model's output with a target recording (ESR and friends)"},
    {"bench", rnnfx_cmd_bench, "measure the engine's speed (ns per sample) against this CPU's floor"},
    {"signal", rnnfx_cmd_signal, "write the capture signal: the file to play through a device and record"},
    {"train", rnnfx_cmd_train, "learn a model from recordings of a device's input and output"},
    {"demo", rnnfx_cmd_demo, "the whole chain on a built-in example: synthesised guitar, models, training, a picture"},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void print_help(FILE *f)
{
    fprintf(f, "Usage: rnnfx COMMAND [ARGS...]    (rnnfx COMMAND --help for each)\n\n"
               "Recurrent neural network models of audio effects (LSTM, GRU, RNN).\n\nCommands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++) fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nExit status: 0 on success, 1 when the work failed (a bad file), 2 on a wrong command line.\n"
               "Environment: RNNFX_KERNEL=generic|avx2+fma|avx512 runs that SIMD kernel instead of this CPU's best.\n");
}

/* Ctrl-C during a write: remove the temporary file, then die of the signal as usual. */
static void on_signal(int sig)
{
    rnnfx_wav_remove_pending();
    signal(sig, SIG_DFL);
    raise(sig);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_help(stderr);
        return RNNFX_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
        print_help(stdout);
        return RNNFX_EXIT_OK;
    }
    if (rnnfx_kernel_from_env() != 0) return RNNFX_EXIT_USAGE;
    if (!strcmp(name, "--version")) {
        printf("rnnfx %s (kernel %s)\n", RNNFX_VERSION, nn_kernel_best());
        return RNNFX_EXIT_OK;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (!strcmp(name, commands[i].name)) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "rnnfx: unknown command \"%s\" (see rnnfx --help)\n", name);
    return RNNFX_EXIT_USAGE;
}
