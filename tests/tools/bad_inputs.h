/*
 * bad_inputs.h - the bad model files the command must refuse (and their audio cousins), each
 * made on the fly from the reference models in the scratch folder: small, and always in step
 * with the formats. Shared by test_cli_bad_input.c (one meson test per case) and
 * test_cli_valgrind.c.
 */
#ifndef RNNFX_TESTS_TOOLS_BAD_INPUTS_H
#define RNNFX_TESTS_TOOLS_BAD_INPUTS_H

#include "harness.h"

typedef enum bad_what { BAD_MODEL, BAD_IN, BAD_OUT } bad_what;

typedef struct bad_case {
    const char *name;
    bad_what what;       /* which file is bad: the message must name it */
    const char *keyword; /* the message must mention the problem (case-insensitive) */
    /* Makes the bad file in the scratch folder: `path` is where (for BAD_OUT, a destination). */
    int (*make)(char path[PATH_CAP]);
} bad_case;

const bad_case *bad_case_find(const char *name);
const bad_case *bad_case_at(size_t i); /* the i-th case of the table, NULL past the last */

/* Good companions for a bad case: a reference model and a short WAV, made once. */
void good_model(char path[PATH_CAP]);
void good_input(char path[PATH_CAP]);

#endif
