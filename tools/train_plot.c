/* train_plot.c - the training curves as an SVG file (see train_plot.h). */
#include "train_plot.h"
#include "rnnfx_error.h"
#include "svg_plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

nn_status rnnfx_train_plot(const char *path, const nn_spec *net, const nn_epoch_log *log, int n_epochs, int kept_epoch,
                           nn_error *err)
{
    size_t n = n_epochs > 0 ? (size_t)n_epochs : 0;
    float *y[3] = {malloc((n + 1) * sizeof(float)), malloc((n + 1) * sizeof(float)), malloc((n + 1) * sizeof(float))};
    nn_status st = NN_ERR_NOMEM;
    if (!y[0] || !y[1] || !y[2]) {
        rnnfx_fail(err, st, path, "out of memory");
        goto done;
    }
    /* whole decades around every positive value shown */
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double v[3] = {log[i].train_loss, log[i].val_esr, log[i].test_esr};
        for (int k = 0; k < 3; k++) {
            y[k][i] = (float)v[k];
            if (isfinite(v[k]) && v[k] > 0) lo = fmin(lo, v[k]), hi = fmax(hi, v[k]);
        }
    }
    if (!(lo <= hi)) lo = 1e-3, hi = 1;
    lo = pow(10, floor(log10(lo)));
    hi = pow(10, ceil(log10(hi)));
    if (hi <= lo) hi = lo * 10;

    rnnfx_svg_panel p = {"Loss and ESR per epoch (log scale)",
                         "epoch",
                         "loss, ESR",
                         0,
                         n > 6 ? (double)n : 6,
                         lo,
                         hi,
                         RNNFX_SVG_LOG_Y,
                         3,
                         {{y[0], n, 1, 1, "training loss", "#1f77b4", 1.5, RNNFX_SVG_SOLID},
                          {y[1], n, 1, 1, "validation ESR", "#ff7f0e", 1.5, RNNFX_SVG_SOLID},
                          {y[2], n, 1, 1, "test ESR", "#2ca02c", 1.5, RNNFX_SVG_DASHED}}};
    /* the kept epoch, circled on the curve that chose it: validation ESR, or without a
     * validation part the training loss */
    if (kept_epoch > 0 && (size_t)kept_epoch <= n) {
        int by = isfinite(log[kept_epoch - 1].val_esr) ? 1 : 0;
        y[by][n] = y[by][kept_epoch - 1];
        p.series[3] = (rnnfx_svg_series){y[by] + n, 1, kept_epoch, 1, "kept epoch", "#000", 1.5, RNNFX_SVG_DOTS};
        p.n_series = 4;
    }
    char layers[16] = "", title[160];
    if (net->n_rec > 1) snprintf(layers, sizeof layers, "%d x ", net->n_rec);
    snprintf(title, sizeof title, "rnnfx train: %s%s-%d, %d epoch%s, kept epoch %d", layers,
             nn_cell_name(net->rec[0].type), net->rec[0].hidden, n_epochs, n_epochs == 1 ? "" : "s", kept_epoch);
    st = rnnfx_svg_write(path, title, "ESR = sum (y - t)^2 / sum t^2 on the validation and test parts", &p, 1, err);
done:
    free(y[0]), free(y[1]), free(y[2]);
    return st;
}
