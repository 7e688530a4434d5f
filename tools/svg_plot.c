/* svg_plot.c - line plots as SVG (see svg_plot.h). */
#include "svg_plot.h"
#include "rnnfx_error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Geometry, in pixels: the page is WIDTH wide; each panel PANEL_H high under the title. */
#define WIDTH 1000
#define TITLE_H 64
#define PANEL_H 300
#define LEFT 78
#define RIGHT 24
#define TOP 34
#define BOTTOM 46

typedef struct frame {
    double px0, px1, py0, py1; /* plot area: left, right, top, bottom */
    const rnnfx_svg_panel *p;
} frame;

static int xlog(const rnnfx_svg_panel *p) { return p->log_axes & RNNFX_SVG_LOG_X; }
static int ylog(const rnnfx_svg_panel *p) { return p->log_axes & RNNFX_SVG_LOG_Y; }

static double map_x(const frame *f, double x)
{
    const rnnfx_svg_panel *p = f->p;
    double u = xlog(p) ? (log10(x) - log10(p->xmin)) / (log10(p->xmax) - log10(p->xmin))
                       : (x - p->xmin) / (p->xmax - p->xmin);
    return f->px0 + u * (f->px1 - f->px0);
}

static double map_y(const frame *f, double y)
{
    const rnnfx_svg_panel *p = f->p;
    if (y < p->ymin) y = p->ymin;
    if (y > p->ymax) y = p->ymax;
    double u = ylog(p) ? (log10(y) - log10(p->ymin)) / (log10(p->ymax) - log10(p->ymin))
                       : (y - p->ymin) / (p->ymax - p->ymin);
    return f->py1 - u * (f->py1 - f->py0);
}

static void text(FILE *o, double x, double y, const char *anchor, int size, const char *extra, const char *s)
{
    fprintf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\"%s>", x, y, anchor, size, extra);
    for (; s && *s; s++) {
        if (*s == '&') fputs("&amp;", o);
        else if (*s == '<')
            fputs("&lt;", o);
        else if (*s == '>')
            fputs("&gt;", o);
        else
            fputc(*s, o);
    }
    fputs("</text>\n", o);
}

/* A tick label: 0.02, 5, 1k, 20k, -0.5 */
static void tick_label(double v, int si, char *buf, size_t len)
{
    if (fabs(v) < 1e-12) v = 0;
    if (si && fabs(v) >= 1000) snprintf(buf, len, "%gk", v / 1000);
    else
        snprintf(buf, len, "%g", v);
}

static void ticks_linear(FILE *o, const frame *f, int is_x)
{
    const rnnfx_svg_panel *p = f->p;
    double lo = is_x ? p->xmin : p->ymin, hi = is_x ? p->xmax : p->ymax;
    double raw = (hi - lo) / 6, mag = pow(10, floor(log10(raw))), step = mag;
    if (raw / mag > 5) step = 10 * mag;
    else if (raw / mag > 2)
        step = 5 * mag;
    else if (raw / mag > 1)
        step = 2 * mag;
    for (double v = ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) {
        char buf[32];
        tick_label(v, 0, buf, sizeof buf);
        if (is_x) {
            double x = map_x(f, v);
            fprintf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>\n", x, f->py0, x,
                    f->py1);
            text(o, x, f->py1 + 16, "middle", 12, "", buf);
        } else {
            double y = map_y(f, v);
            fprintf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>\n", f->px0, y, f->px1,
                    y);
            text(o, f->px0 - 6, y + 4, "end", 12, "", buf);
        }
    }
}

/* Log x axis: grid at 1, 2, 5 x 10^k, labelled. */
static void ticks_log_x(FILE *o, const frame *f)
{
    const rnnfx_svg_panel *p = f->p;
    for (double dec = pow(10, floor(log10(p->xmin))); dec <= p->xmax; dec *= 10)
        for (int m = 1; m <= 9; m++) {
            double v = m * dec;
            if (v < p->xmin * (1 - 1e-9) || v > p->xmax * (1 + 1e-9)) continue;
            double x = map_x(f, v);
            fprintf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"%s\"/>\n", x, f->py0, x, f->py1,
                    m == 1 ? "grid" : "grid2");
            if (m == 1 || m == 2 || m == 5) {
                char buf[32];
                tick_label(v, 1, buf, sizeof buf);
                text(o, x, f->py1 + 16, "middle", 12, "", buf);
            }
        }
}

/* Log y axis: a line at every 1..9 x 10^k, the decades labelled 1e-3, 0.01, 0.1, 1, ... */
static void ticks_log_y(FILE *o, const frame *f)
{
    const rnnfx_svg_panel *p = f->p;
    for (double dec = pow(10, floor(log10(p->ymin))); dec <= p->ymax; dec *= 10)
        for (int m = 1; m <= 9; m++) {
            double v = m * dec;
            if (v < p->ymin * (1 - 1e-9) || v > p->ymax * (1 + 1e-9)) continue;
            double y = map_y(f, v);
            fprintf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"%s\"/>\n", f->px0, y, f->px1, y,
                    m == 1 ? "grid" : "grid2");
            if (m == 1) {
                char buf[32];
                snprintf(buf, sizeof buf, "%g", v);
                text(o, f->px0 - 6, y + 4, "end", 12, "", buf);
            }
        }
}

/* A few points, each a circle. */
static void dots(FILE *o, const frame *f, const rnnfx_svg_series *s)
{
    const rnnfx_svg_panel *p = f->p;
    for (size_t i = 0; i < s->n; i++) {
        double x = s->x0 + (double)i * s->dx, y = s->y[i];
        if (x < p->xmin || x > p->xmax || !isfinite(y) || (ylog(p) && y <= 0)) continue;
        fprintf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.2f\"/>\n",
                map_x(f, x), map_y(f, y), s->color ? s->color : "#000", s->width > 0 ? s->width : 1.5);
    }
}

/* One curve: every point, or the min/max per pixel column when there are more points than
 * columns. */
static void curve(FILE *o, const frame *f, const rnnfx_svg_series *s)
{
    const rnnfx_svg_panel *p = f->p;
    fprintf(o, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%.2f\"%s stroke-linejoin=\"round\" points=\"",
            s->color ? s->color : "#000", s->width > 0 ? s->width : 1.5,
            s->style == RNNFX_SVG_DASHED ? " stroke-dasharray=\"6 4\"" : "");
    int col = -1;
    double lo = 0, hi = 0;
    size_t in_view = 0;
    for (size_t i = 0; i < s->n; i++) {
        double x = s->x0 + (double)i * s->dx;
        if (x >= p->xmin && x <= p->xmax && (!xlog(p) || x > 0)) in_view++;
    }
    int dense = in_view > (size_t)(f->px1 - f->px0);
    for (size_t i = 0; i < s->n; i++) {
        double x = s->x0 + (double)i * s->dx, y = s->y[i];
        if (x < p->xmin || x > p->xmax || (xlog(p) && x <= 0) || !isfinite(y) || (ylog(p) && y <= 0)) continue;
        double px = map_x(f, x);
        if (!dense) {
            fprintf(o, "%.1f,%.1f ", px, map_y(f, y));
            continue;
        }
        if ((int)px != col) {
            if (col >= 0) fprintf(o, "%d,%.1f %d,%.1f ", col, map_y(f, lo), col, map_y(f, hi));
            col = (int)px;
            lo = hi = y;
        } else {
            if (y < lo) lo = y;
            if (y > hi) hi = y;
        }
    }
    if (dense && col >= 0) fprintf(o, "%d,%.1f %d,%.1f ", col, map_y(f, lo), col, map_y(f, hi));
    fputs("\"/>\n", o);
}

static void panel(FILE *o, const rnnfx_svg_panel *p, double top)
{
    frame f = {LEFT, WIDTH - RIGHT, top + TOP, top + PANEL_H - BOTTOM, p};
    text(o, f.px0, top + 22, "start", 15, " font-weight=\"bold\"", p->title);
    fprintf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#fff\"/>\n", f.px0, f.py0,
            f.px1 - f.px0, f.py1 - f.py0);
    if (xlog(p)) ticks_log_x(o, &f);
    else
        ticks_linear(o, &f, 1);
    if (ylog(p)) ticks_log_y(o, &f);
    else
        ticks_linear(o, &f, 0);
    text(o, (f.px0 + f.px1) / 2, f.py1 + 36, "middle", 13, "", p->xlabel);
    char rot[96];
    snprintf(rot, sizeof rot, " transform=\"rotate(-90 %.1f %.1f)\"", 20.0, (f.py0 + f.py1) / 2);
    text(o, 20, (f.py0 + f.py1) / 2, "middle", 13, rot, p->ylabel);
    fprintf(o, "<svg x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" viewBox=\"%.1f %.1f %.1f %.1f\">\n", f.px0,
            f.py0, f.px1 - f.px0, f.py1 - f.py0, f.px0, f.py0, f.px1 - f.px0, f.py1 - f.py0);
    for (int i = 0; i < p->n_series && i < RNNFX_SVG_MAX_SERIES; i++) {
        if (p->series[i].style == RNNFX_SVG_DOTS) dots(o, &f, &p->series[i]);
        else
            curve(o, &f, &p->series[i]);
    }
    fputs("</svg>\n", o);
    fprintf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#444\"/>\n", f.px0,
            f.py0, f.px1 - f.px0, f.py1 - f.py0);
    /* legend: top right, above the plot area */
    double lx = f.px1;
    for (int i = p->n_series - 1; i >= 0; i--) {
        const rnnfx_svg_series *s = &p->series[i];
        double w = 7.5 * (double)(s->label ? strlen(s->label) : 0) + 34;
        lx -= w;
        if (s->style == RNNFX_SVG_DOTS)
            fprintf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"/>\n",
                    lx + 11, top + 17, s->color ? s->color : "#000");
        else
            fprintf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"3\"%s/>\n",
                    lx, top + 17, lx + 22, top + 17, s->color ? s->color : "#000",
                    s->style == RNNFX_SVG_DASHED ? " stroke-dasharray=\"6 4\"" : "");
        text(o, lx + 27, top + 21, "start", 13, "", s->label);
    }
}

nn_status rnnfx_svg_write(const char *path, const char *title, const char *note, const rnnfx_svg_panel *panels,
                          int n_panels, nn_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *o = open_memstream(&buf, &len);
    if (!o) return rnnfx_fail(err, NN_ERR_NOMEM, path, "out of memory");
    int height = TITLE_H + n_panels * PANEL_H;
    fprintf(o,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
            "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
            "<style>.grid{stroke:#ddd;stroke-width:1}.grid2{stroke:#f0f0f0;stroke-width:1}</style>\n"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"#fafafa\"/>\n",
            WIDTH, height, WIDTH, height);
    text(o, LEFT, 28, "start", 19, " font-weight=\"bold\"", title);
    if (note) text(o, LEFT, 50, "start", 13, " fill=\"#444\"", note);
    for (int i = 0; i < n_panels; i++) panel(o, &panels[i], TITLE_H + (double)i * PANEL_H);
    fputs("</svg>\n", o);
    if (fclose(o) != 0 || !buf) {
        free(buf);
        return rnnfx_fail(err, NN_ERR_NOMEM, path, "out of memory");
    }
    nn_status r = nn_write_file_atomic(path, buf, len, err);
    free(buf);
    return r;
}
