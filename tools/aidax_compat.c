/* aidax_compat.c - the model shapes AIDA-X plays (see aidax_compat.h). */
#include "aidax_compat.h"

#include <stdio.h>

/* The hidden sizes of AIDA-X's RTNeural model variants (LSTM and GRU alike). */
static const int aidax_sizes[] = {8, 12, 16, 20, 24, 32, 40, 64, 80};

static int aidax_size(int h)
{
    for (size_t i = 0; i < sizeof aidax_sizes / sizeof aidax_sizes[0]; i++)
        if (aidax_sizes[i] == h) return 1;
    return 0;
}

const char *rnnfx_aidax_problem(const nn_spec *s, char *buf, size_t n)
{
    const nn_rec_spec *r = &s->rec[0];
    if (s->n_inputs > 3) snprintf(buf, n, "it has %d knobs; AIDA-X feeds at most 2", s->n_inputs - 1);
    else if (r->type == NN_CELL_RNN)
        snprintf(buf, n, "AIDA-X runs LSTM and GRU layers only, not a plain RNN");
    else if (s->n_rec != 1)
        snprintf(buf, n,
                 "it has %d recurrent layers; AIDA-X runs one (it reports such a file loaded, "
                 "then plays silence)",
                 s->n_rec);
    else if (!aidax_size(r->hidden))
        snprintf(buf, n, "AIDA-X runs hidden sizes 8, 12, 16, 20, 24, 32, 40, 64 and 80, not %d", r->hidden);
    else if (s->n_dense != 1 || s->dense[0].out != 1 || s->dense[0].act != NN_ACT_LINEAR)
        snprintf(buf, n,
                 "AIDA-X runs one linear Dense(1) after the recurrent layer, this has %d dense "
                 "layer%s (it reports such a file loaded, then plays silence)",
                 s->n_dense, s->n_dense == 1 ? " of another kind" : "s");
    else if (r->h0 || r->c0)
        snprintf(buf, n, "AIDA-X ignores the stored initial state (h0/c0), so its first samples differ");
    else
        return NULL;
    return buf;
}
