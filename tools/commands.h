/* commands.h - the subcommands of `rnnfx`, one file each (cmd_<name>.c). Each takes the
 * arguments from its own name on (argv[0] = "process") and returns the exit code. */
#ifndef RNNFX_TOOLS_COMMANDS_H
#define RNNFX_TOOLS_COMMANDS_H

int rnnfx_cmd_process(int argc, char **argv);
int rnnfx_cmd_info(int argc, char **argv);
int rnnfx_cmd_convert(int argc, char **argv);
int rnnfx_cmd_eval(int argc, char **argv);
int rnnfx_cmd_bench(int argc, char **argv);
int rnnfx_cmd_train(int argc, char **argv);
int rnnfx_cmd_demo(int argc, char **argv);
int rnnfx_cmd_signal(int argc, char **argv);

#endif
