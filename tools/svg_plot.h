/*
 * svg_plot.h - line plots as an SVG file: a title, then panels stacked top to bottom, each
 * with its axes, ticks, grid, labels, a legend and up to four curves. Enough for the demo's
 * picture (waveforms and spectra) and the trainer's curves (`rnnfx train --plot`); any browser
 * shows the file. All of rnnfx's drawing is here: the engine and the trainer library draw nothing.
 *
 * Curves with more points than the panel has pixels are drawn as their min/max per pixel
 * column (the outline a waveform display shows), so files stay small. The file is written
 * atomically.
 */
#ifndef RNNFX_TOOLS_SVG_PLOT_H
#define RNNFX_TOOLS_SVG_PLOT_H

#include <stddef.h>

#include "nn.h"

#define RNNFX_SVG_MAX_SERIES 4

typedef struct rnnfx_svg_series {
    const float *y; /* n values */
    size_t n;
    double x0, dx;     /* point i is at x = x0 + i * dx */
    const char *label; /* for the legend */
    const char *color; /* an SVG colour: "#1f77b4" */
    double width;      /* stroke width in pixels (1.5 when 0) */
    int style;         /* RNNFX_SVG_SOLID, RNNFX_SVG_DASHED, or RNNFX_SVG_DOTS: a circle at each
                          point (for a few marked points) */
} rnnfx_svg_series;
enum { RNNFX_SVG_SOLID, RNNFX_SVG_DASHED, RNNFX_SVG_DOTS };

typedef struct rnnfx_svg_panel {
    const char *title, *xlabel, *ylabel;
    double xmin, xmax, ymin, ymax; /* the visible ranges; values beyond are clipped */
    int log_axes;                  /* RNNFX_SVG_LOG_X (xmin > 0) | RNNFX_SVG_LOG_Y (ymin > 0): log
                                      scales, labelled 1, 2, 5 x 10^k (x) or by decades (y) */
    int n_series;
    rnnfx_svg_series series[RNNFX_SVG_MAX_SERIES];
} rnnfx_svg_panel;
enum { RNNFX_SVG_LOG_X = 1, RNNFX_SVG_LOG_Y = 2 };

/* Writes the figure to `path`: `title` on top, `note` (may be NULL) under it in smaller type,
 * then the panels. Returns NN_OK, or an error with err filled ("<path>: <problem>") and nothing
 * at `path` changed. */
nn_status rnnfx_svg_write(const char *path, const char *title, const char *note, const rnnfx_svg_panel *panels,
                          int n_panels, nn_error *err);

#endif
