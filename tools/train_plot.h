/* train_plot.h - `rnnfx train --plot`: the training curves as an SVG file (svg_plot.h). */
#ifndef RNNFX_TOOLS_TRAIN_PLOT_H
#define RNNFX_TOOLS_TRAIN_PLOT_H

#include "nn.h"
#include "nn_spec.h"
#include "nn_train.h"

/* Training loss, validation ESR and test ESR per epoch on a log scale, the kept epoch circled,
 * for the network `net` (named in the title) after `n_epochs` epochs of `log`. Written
 * atomically. Returns NN_OK, or an error with err filled ("<path>: <problem>"). */
nn_status rnnfx_train_plot(const char *path, const nn_spec *net, const nn_epoch_log *log, int n_epochs, int kept_epoch,
                           nn_error *err);

#endif
