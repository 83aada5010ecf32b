/* SPDX-License-Identifier: Apache-2.0 */
/* report_import.c - the report's section on what an imported file was
 * graded on: every discharge, the fade, our resistance beside the
 * instrument's (docs/importers.md, "Grading imported data"). */
#include <math.h>

#include "analysis/impgrade.h"
#include "analysis/report.h"

static void cell(FILE *o, const char *fmt, double x)
{
	fputs("<td>", o);
	if (isfinite(x))
		fprintf(o, fmt, x);
	else
		fputs("n/a", o);
	fputs("</td>", o);
}

void report_imported(FILE *o, const struct pack_result *pr)
{
	const struct imp_result *ir = pr->imp;

	if (!ir)
		return;
	fprintf(o,
		"<h2>Imported data</h2>\n<p>Chemistry %s (%s); full "
		"discharges run from the top to the bottom of the %.3f-%.3f V "
		"window, within %.0f mV of both ends: %zu of %zu.",
		ir->chemistry, ir->chem_inferred ? "inferred" : "given",
		ir->win_lo_V, ir->win_hi_V, 1000 * ir->tol_V, ir->n_full,
		ir->n_dis);
	if (isfinite(ir->fade_ah_per_cycle))
		fprintf(o,
			" Capacity fade %.3g Ah per cycle, %.2f %% per 100 "
			"cycles.",
			-ir->fade_ah_per_cycle, ir->fade_pct_per_100);
	fputs("</p>\n<table>\n<tr><th>Cycle</th><th>Discharge (Ah)</th>"
	      "<th>Energy (Wh)</th><th>Charged before (Ah)</th>"
	      "<th>From (V)</th><th>To (V)</th><th>Full</th></tr>\n",
	      o);
	for (size_t k = 0; k < ir->n_dis; k++) {
		const struct imp_discharge *d = &ir->dis[k];

		fputs("<tr>", o);
		if (d->cycle >= 0)
			fprintf(o, "<td>%ld</td>", d->cycle);
		else
			fputs("<td>n/a</td>", o);
		cell(o, "%.4f", d->capacity_ah);
		cell(o, "%.3f", d->energy_wh);
		cell(o, "%.4f", d->charge_ah);
		cell(o, "%.3f", d->start_V);
		cell(o, "%.3f", d->end_V);
		fprintf(o, "<td>%s</td></tr>\n",
			(long)k == ir->graded ? "yes (graded)"
			: d->full	      ? "yes"
					      : "no");
	}
	fputs("</table>\n<table>\n", o);
	fprintf(o, "<tr><th>Current steps found</th><td>%zu</td></tr>\n",
		ir->n_steps_found);
	fputs("<tr><th>Ohmic resistance, ours (mOhm)</th>", o);
	cell(o, "%.3f", ir->r_0s1_mohm);
	fputs("</tr>\n<tr><th>10 s resistance, ours (mOhm)</th>", o);
	cell(o, "%.3f", ir->r_10s_mohm);
	fputs("</tr>\n<tr><th>The instrument's resistance (mOhm)</th>", o);
	cell(o, "%.3f", ir->instr_r_mohm);
	fputs("</tr>\n</table>\n", o);
}
