/* knobs.c - naming conditioning inputs on the command line (see knobs.h). */
#include "knobs.h"
#include "cli.h"
#include "nn_spec.h"
#include "rnnfx_error.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *rnnfx_knob_name(const nn_model *m, int k, char *buf, size_t cap)
{
    const char *name = k >= 0 && k < NN_MAX_COND ? nn_model_spec(m)->meta.cond_names[k] : NULL;
    if (name && *name) return name;
    snprintf(buf, cap, "p%d", k + 1);
    return buf;
}

/* "gain, tone" or "p1, p2": what the model offers, for messages. */
static void knob_list(const nn_model *m, char *out, size_t cap)
{
    size_t at = 0;
    out[0] = 0;
    for (int k = 0; k < nn_model_num_cond(m) && at < cap; k++) {
        char buf[16];
        int n = snprintf(out + at, cap - at, "%s%s", k ? ", " : "", rnnfx_knob_name(m, k, buf, sizeof buf));
        if (n < 0) break;
        at += (size_t)n;
    }
}

static int find_knob(const nn_model *m, const char *name, size_t len)
{
    int n = nn_model_num_cond(m);
    const nn_meta *meta = &nn_model_spec(m)->meta;
    for (int k = 0; k < n; k++) /* a metadata name first: a knob may well be called "1" */
        if (meta->cond_names[k] && strlen(meta->cond_names[k]) == len && !strncasecmp(meta->cond_names[k], name, len))
            return k;
    if (len == 2 && (name[0] == 'p' || name[0] == 'P') && name[1] >= '1' && name[1] <= '0' + n) return name[1] - '1';
    if (len == 1 && name[0] >= '1' && name[0] <= '0' + n) return name[0] - '1';
    return -1;
}

nn_status rnnfx_knob_parse(const nn_model *m, const char *model_name, const char *arg, int *index, float *value,
                           nn_error *err)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg)
        return rnnfx_fail(err, NN_ERR_ARG, "--param", "\"%s\": expected NAME=VALUE (e.g. gain=0.5)", arg);
    size_t len = (size_t)(eq - arg);
    if (nn_model_num_cond(m) == 0)
        return rnnfx_fail(err, NN_ERR_ARG, model_name, "the model has no knobs (conditioning inputs); --param %s", arg);
    int k = find_knob(m, arg, len);
    if (k < 0) {
        char list[128];
        knob_list(m, list, sizeof list);
        return rnnfx_fail(err, NN_ERR_ARG, model_name, "no knob named \"%.*s\" (the model's knobs: %s)", (int)len, arg,
                          list);
    }
    double v;
    if (!cli_parse_double(eq + 1, 0.0, 1.0, &v))
        return rnnfx_fail(err, NN_ERR_ARG, "--param", "\"%s\": the value must be a number from 0 to 1", arg);
    *index = k;
    *value = (float)v;
    return NN_OK;
}
