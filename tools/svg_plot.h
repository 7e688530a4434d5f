/*
 * svg_plot.h - line plots as an SVG file: a title, then panels stacked top to bottom, each
 * with its axes, ticks, grid, labels, a legend and up to four curves. Enough for the demo's
 * picture (waveforms and spectra); any browser shows the file.
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
    const float *y;    /* n values */
    size_t n;
    double x0, dx;     /* point i is at x = x0 + i * dx */
    const char *label; /* for the legend */
    const char *color; /* an SVG colour: "#1f77b4" */
    double width;      /* stroke width in pixels (1.5 when 0) */
    int dashed;
} rnnfx_svg_series;

typedef struct rnnfx_svg_panel {
    const char *title, *xlabel, *ylabel;
    double xmin, xmax, ymin, ymax; /* the visible ranges; values beyond are clipped */
    int xlog;                      /* logarithmic x axis (xmin > 0) */
    int n_series;
    rnnfx_svg_series series[RNNFX_SVG_MAX_SERIES];
} rnnfx_svg_panel;

/* Writes the figure to `path`: `title` on top, `note` (may be NULL) under it in smaller type,
 * then the panels. Returns 0, or -1 with err filled ("<path>: <problem>"). */
int rnnfx_svg_write(const char *path, const char *title, const char *note, const rnnfx_svg_panel *panels,
                    int n_panels, nn_error *err);

#endif
