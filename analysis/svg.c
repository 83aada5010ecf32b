/* SPDX-License-Identifier: Apache-2.0 */
/* svg.c - inline SVG plot primitives (see svg.h). */
#include "svg.h"

#include <math.h>

#define ML 64 /* margins: left, right, top, bottom */
#define MR 16
#define MT 28
#define MB 40

static double px(const struct svgplot *p, double x)
{
	return ML + (x - p->x0) / (p->x1 - p->x0) * (p->w - ML - MR);
}

static double py(const struct svgplot *p, double y)
{
	return p->h - MB - (y - p->y0) / (p->y1 - p->y0) * (p->h - MT - MB);
}

void svg_range(const double *x, size_t n, double *lo, double *hi)
{
	for (size_t k = 0; k < n; k++) {
		if (!isfinite(x[k]))
			continue;
		if (!isfinite(*lo) || x[k] < *lo)
			*lo = x[k];
		if (!isfinite(*hi) || x[k] > *hi)
			*hi = x[k];
	}
}

static void widen(double *a, double *b)
{
	if (!isfinite(*a) || !isfinite(*b)) {
		*a = 0;
		*b = 1;
	}
	if (*b - *a < 1e-9 * (fabs(*a) + 1)) {
		*a -= 0.5 * (fabs(*a) + 1e-3);
		*b += 0.5 * (fabs(*b) + 1e-3);
	}
}

double svg_tick_step(double span, int max_ticks, double min_step)
{
	double raw = span / max_ticks;
	double e = pow(10, floor(log10(raw)));
	double m = raw / e;
	double step = m <= 1 + 1e-9   ? e
		      : m <= 2 + 1e-9 ? 2 * e
		      : m <= 5 + 1e-9 ? 5 * e
				      : 10 * e;

	return step < min_step ? min_step : step;
}

/* The axis's tick step; with snap, its range widened to whole ticks. */
static double axis_fit(const struct svgaxis *ax, int max_ticks, double *lo,
		       double *hi)
{
	double step;

	*lo = ax->lo;
	*hi = ax->hi;
	widen(lo, hi);
	step = svg_tick_step(*hi - *lo, max_ticks, ax->min_step);
	if (ax->snap) {
		*lo = floor(*lo / step + 1e-9) * step;
		*hi = ceil(*hi / step - 1e-9) * step;
	}
	return step;
}

/* Ticks at the multiples of step inside [lo, hi], labelled with as many
 * decimals as the step needs. */
static void ticks(const struct svgplot *p, bool xaxis, double lo, double hi,
		  double step)
{
	int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);

	for (double k = ceil(lo / step - 1e-9); k * step <= hi + 1e-9 * step;
	     k++) {
		double v = k * step + 0.0; /* no "-0" */

		if (xaxis) {
			fprintf(p->o,
				"<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" "
				"y2=\"%d\" stroke=\"#444\"/>\n",
				px(p, v), px(p, v), p->h - MB, p->h - MB + 4);
			fprintf(p->o,
				"<text class=\"xtick\" x=\"%.1f\" y=\"%d\" "
				"text-anchor=\"middle\">%.*f</text>\n",
				px(p, v), p->h - MB + 15, dec, v);
		} else {
			fprintf(p->o,
				"<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" "
				"y2=\"%.1f\" stroke=\"#ddd\"/>\n",
				ML, p->w - MR, py(p, v), py(p, v));
			fprintf(p->o,
				"<text class=\"ytick\" x=\"%d\" y=\"%.1f\" "
				"text-anchor=\"end\">%.*f</text>\n",
				ML - 4, py(p, v) + 4, dec, v);
		}
	}
}

void svgplot_begin(struct svgplot *p, FILE *o, int w, int h, const char *title,
		   const struct svgaxis *x, const struct svgaxis *y)
{
	/* one id per plot in the document; the report is one thread */
	static unsigned next_id;
	double x0, x1, y0, y1;
	double xs = axis_fit(x, 10, &x0, &x1), ys = axis_fit(y, 6, &y0, &y1);

	*p = (struct svgplot){o, w, h, x0, x1, y0, y1, ++next_id};
	fprintf(
	    o,
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
	    "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" "
	    "font-size=\"11\">\n",
	    w, h, w, h);
	fprintf(o,
		"<defs><clipPath id=\"plot%u\"><rect x=\"%d\" y=\"%d\" "
		"width=\"%d\" height=\"%d\"/></clipPath></defs>\n",
		p->id, ML, MT, w - ML - MR, h - MT - MB);
	fprintf(o,
		"<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" "
		"fill=\"#ffffff\"/>\n",
		w, h);
	fprintf(o,
		"<text x=\"%d\" y=\"18\" font-size=\"14\" "
		"font-weight=\"bold\">%s</text>\n",
		ML, title);
	ticks(p, false, y0, y1, ys);
	ticks(p, true, x0, x1, xs);
	fprintf(o,
		"<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
		"fill=\"none\" stroke=\"#444\"/>\n",
		ML, MT, w - ML - MR, h - MT - MB);
	fprintf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
		(w + ML - MR) / 2, h - 6, x->label);
	fprintf(o,
		"<text x=\"12\" y=\"%d\" text-anchor=\"middle\" "
		"transform=\"rotate(-90 12 %d)\">%s</text>\n",
		(h + MT - MB) / 2, (h + MT - MB) / 2, y->label);
}

void svgplot_line(struct svgplot *p, const double *x, const double *y, size_t n,
		  const char *color, double width)
{
	int open = 0;

	for (size_t k = 0; k < n; k++) {
		if (!isfinite(x[k]) || !isfinite(y[k])) {
			if (open)
				fputs("\"/>\n", p->o);
			open = 0;
			continue;
		}
		if (!open)
			fprintf(p->o,
				"<polyline clip-path=\"url(#plot%u)\" "
				"fill=\"none\" stroke=\"%s\" "
				"stroke-width=\"%.2g\" points=\"",
				p->id, color, width);
		fprintf(p->o, "%.1f,%.1f ", px(p, x[k]), py(p, y[k]));
		open = 1;
	}
	if (open)
		fputs("\"/>\n", p->o);
}

void svgplot_band(struct svgplot *p, double xa, double xb, const char *color)
{
	fprintf(p->o,
		"<rect clip-path=\"url(#plot%u)\" x=\"%.1f\" y=\"%d\" "
		"width=\"%.1f\" height=\"%d\" fill=\"%s\" "
		"fill-opacity=\"0.18\"/>\n",
		p->id, px(p, xa), MT, px(p, xb) - px(p, xa), p->h - MT - MB,
		color);
}

void svgplot_envelope(struct svgplot *p, const double *x, const double *lo,
		      const double *hi, size_t n, const char *color)
{
	fprintf(p->o,
		"<polygon clip-path=\"url(#plot%u)\" fill=\"%s\" "
		"fill-opacity=\"0.35\" stroke=\"none\" points=\"",
		p->id, color);
	for (size_t k = 0; k < n; k++)
		if (isfinite(hi[k]))
			fprintf(p->o, "%.1f,%.1f ", px(p, x[k]), py(p, hi[k]));
	for (size_t k = n; k-- > 0;)
		if (isfinite(lo[k]))
			fprintf(p->o, "%.1f,%.1f ", px(p, x[k]), py(p, lo[k]));
	fputs("\"/>\n", p->o);
}

void svgplot_bar(struct svgplot *p, double xc, double width, double y,
		 const char *color)
{
	double base = p->y0 > 0 ? p->y0 : 0;
	double ya = py(p, y), yb = py(p, base);

	if (!isfinite(y))
		return;
	fprintf(p->o,
		"<rect class=\"bar\" clip-path=\"url(#plot%u)\" x=\"%.1f\" "
		"y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>\n",
		p->id, px(p, xc - width / 2), ya < yb ? ya : yb,
		px(p, xc + width / 2) - px(p, xc - width / 2), fabs(yb - ya),
		color);
}

void svgplot_hline(struct svgplot *p, double y, const char *color,
		   const char *label)
{
	int x = p->w - MR;

	if (!isfinite(y))
		return;
	fprintf(p->o,
		"<line class=\"threshold\" clip-path=\"url(#plot%u)\" "
		"x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
		"stroke-dasharray=\"6 3\" stroke-width=\"1.5\"/>\n",
		p->id, ML, p->w - MR, py(p, y), py(p, y), color);
	/* the legend in the top margin: a dashed sample, then the text */
	fprintf(p->o,
		"<line x1=\"%d\" x2=\"%d\" y1=\"14\" y2=\"14\" stroke=\"%s\" "
		"stroke-dasharray=\"6 3\" stroke-width=\"1.5\"/>\n",
		x - 24, x, color);
	fprintf(p->o,
		"<text class=\"threshold\" x=\"%d\" y=\"18\" "
		"text-anchor=\"end\" fill=\"%s\">%s</text>\n",
		x - 30, color, label);
}

void svgplot_end(struct svgplot *p)
{
	fputs("</svg>\n", p->o);
}
