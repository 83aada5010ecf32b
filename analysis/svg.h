/* SPDX-License-Identifier: Apache-2.0 */
/* svg.h - minimal inline-SVG plotting for the HTML report: a plot area
 * with linear axes ticked in 1-2-5 steps, lines, bars, bands and threshold
 * lines. Everything drawn from data is clipped to the plot area. */
#ifndef BENCH_ANALYSIS_SVG_H
#define BENCH_ANALYSIS_SVG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct svgaxis {
	const char *label; /* with its unit: "time (h)", "V" */
	double lo, hi;	   /* data range; NaN when there is none */
	double min_step;   /* smallest tick step: 1 for whole hours or cells */
	bool snap;	   /* widen the range to whole ticks */
};

struct svgplot {
	FILE *o;
	int w, h; /* pixels */
	double x0, x1, y0, y1;
	unsigned id; /* names the plot's clipPath */
};

/* Opens <svg>, draws the frame, ticks and labels and defines the clip
 * rectangle of the plot area. Degenerate ranges are widened so every plot
 * renders. */
void svgplot_begin(struct svgplot *p, FILE *o, int w, int h, const char *title,
		   const struct svgaxis *x, const struct svgaxis *y);
/* Polyline through finite points (NaN breaks the line). */
void svgplot_line(struct svgplot *p, const double *x, const double *y, size_t n,
		  const char *color, double width);
void svgplot_band(struct svgplot *p, double xa, double xb, const char *color);
/* Filled area between lo and hi. */
void svgplot_envelope(struct svgplot *p, const double *x, const double *lo,
		      const double *hi, size_t n, const char *color);
void svgplot_bar(struct svgplot *p, double xc, double width, double y,
		 const char *color);
/* A dashed threshold line, labelled in the top margin (label carries the
 * value and its unit) so it covers no data; draw it before the bars. */
void svgplot_hline(struct svgplot *p, double y, const char *color,
		   const char *label);
void svgplot_end(struct svgplot *p);

/* Finite min/max of n values into *lo, *hi (unchanged if none). */
void svg_range(const double *x, size_t n, double *lo, double *hi);
/* The 1, 2 or 5 x 10^n step that cuts span into at most max_ticks
 * intervals, and at least min_step. */
double svg_tick_step(double span, int max_ticks, double min_step);

#endif
