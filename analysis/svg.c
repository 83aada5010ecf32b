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

void svgplot_begin(struct svgplot *p, FILE *o, int w, int h, const char *title,
		   const char *xlabel, const char *ylabel, double x0, double x1,
		   double y0, double y1)
{
	widen(&x0, &x1);
	widen(&y0, &y1);
	/* a little headroom so lines do not sit on the frame */
	double m = 0.04 * (y1 - y0);

	*p = (struct svgplot){o, w, h, x0, x1, y0 - m, y1 + m};
	fprintf(
	    o,
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
	    "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" "
	    "font-size=\"11\">\n",
	    w, h, w, h);
	fprintf(o,
		"<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" "
		"fill=\"#ffffff\"/>\n",
		w, h);
	fprintf(o,
		"<text x=\"%d\" y=\"18\" font-size=\"14\" "
		"font-weight=\"bold\">%s</text>\n",
		ML, title);
	fprintf(o,
		"<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
		"fill=\"none\" stroke=\"#444\"/>\n",
		ML, MT, w - ML - MR, h - MT - MB);
	for (int k = 0; k <= 4; k++) {
		double xv = p->x0 + k * (p->x1 - p->x0) / 4;
		double yv = p->y0 + k * (p->y1 - p->y0) / 4;

		fprintf(o,
			"<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.4g"
			"</text>\n",
			px(p, xv), h - MB + 14, xv);
		fprintf(o,
			"<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.4g"
			"</text>\n",
			ML - 4, py(p, yv) + 4, yv);
		fprintf(o,
			"<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" "
			"stroke=\"#ddd\"/>\n",
			ML, w - MR, py(p, yv), py(p, yv));
	}
	fprintf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
		(w + ML - MR) / 2, h - 6, xlabel);
	fprintf(o,
		"<text x=\"12\" y=\"%d\" text-anchor=\"middle\" "
		"transform=\"rotate(-90 12 %d)\">%s</text>\n",
		(h + MT - MB) / 2, (h + MT - MB) / 2, ylabel);
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
				"<polyline fill=\"none\" stroke=\"%s\" "
				"stroke-width=\"%.2g\" points=\"",
				color, width);
		fprintf(p->o, "%.1f,%.1f ", px(p, x[k]), py(p, y[k]));
		open = 1;
	}
	if (open)
		fputs("\"/>\n", p->o);
}

void svgplot_band(struct svgplot *p, double xa, double xb, const char *color)
{
	fprintf(p->o,
		"<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
		"fill=\"%s\" fill-opacity=\"0.18\"/>\n",
		px(p, xa), MT, px(p, xb) - px(p, xa), p->h - MT - MB, color);
}

void svgplot_envelope(struct svgplot *p, const double *x, const double *lo,
		      const double *hi, size_t n, const char *color)
{
	fprintf(p->o,
		"<polygon fill=\"%s\" fill-opacity=\"0.35\" stroke=\"none\" "
		"points=\"",
		color);
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
		"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
		"fill=\"%s\"/>\n",
		px(p, xc - width / 2), ya < yb ? ya : yb,
		px(p, xc + width / 2) - px(p, xc - width / 2), fabs(yb - ya),
		color);
}

void svgplot_hline(struct svgplot *p, double y, const char *color,
		   const char *label)
{
	if (!isfinite(y))
		return;
	fprintf(
	    p->o,
	    "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" "
	    "stroke=\"%s\" stroke-dasharray=\"6 3\" stroke-width=\"1.5\"/>\n",
	    ML, p->w - MR, py(p, y), py(p, y), color);
	fprintf(p->o,
		"<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"%s\">"
		"%s</text>\n",
		p->w - MR - 4, py(p, y) - 4, color, label);
}

void svgplot_end(struct svgplot *p)
{
	fputs("</svg>\n", p->o);
}
