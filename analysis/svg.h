/* SPDX-License-Identifier: Apache-2.0 */
/* svg.h - minimal inline-SVG plotting for the HTML report: a plot area
 * with linear axes, lines, bars, bands and threshold lines. */
#ifndef BENCH_ANALYSIS_SVG_H
#define BENCH_ANALYSIS_SVG_H

#include <stddef.h>
#include <stdio.h>

struct svgplot {
	FILE *o;
	int w, h; /* pixels */
	double x0, x1, y0, y1;
};

/* Opens <svg>, draws the frame, ticks and labels. Degenerate ranges are
 * widened so every plot renders. */
void svgplot_begin(struct svgplot *p, FILE *o, int w, int h, const char *title,
		   const char *xlabel, const char *ylabel, double x0, double x1,
		   double y0, double y1);
/* Polyline through finite points (NaN breaks the line). */
void svgplot_line(struct svgplot *p, const double *x, const double *y, size_t n,
		  const char *color, double width);
void svgplot_band(struct svgplot *p, double xa, double xb, const char *color);
/* Filled area between lo and hi. */
void svgplot_envelope(struct svgplot *p, const double *x, const double *lo,
		      const double *hi, size_t n, const char *color);
void svgplot_bar(struct svgplot *p, double xc, double width, double y,
		 const char *color);
void svgplot_hline(struct svgplot *p, double y, const char *color,
		   const char *label);
void svgplot_end(struct svgplot *p);

/* Finite min/max of n values into *lo, *hi (unchanged if none). */
void svg_range(const double *x, size_t n, double *lo, double *hi);

#endif
