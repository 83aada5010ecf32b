/* SPDX-License-Identifier: Apache-2.0 */
/* abort_cause.c - was a safety abort the pack's fault, or the recipe's or
 * profile's? A hard-limit abort while a step ran that itself targeted
 * beyond the limit (`Hold at 4.6 V` on NMC), or under a profile outside
 * its chemistry's safe window, says nothing about the pack: the grade is
 * INCOMPLETE, not RECYCLE (docs/grading.md). Judged from the run file's
 * own recipe_text and profile_text with bench/recipe_check. */
#define LOG_PREFIX "analyze"
#include "analysis/analyze.h"

#include <stdio.h>
#include <string.h>

#include "bench/profile.h"
#include "bench/recipe.h"
#include "bench/recipe_check.h"
#include "common/log.h"

/* Recipe line of the step that ran at t_s (the last one started). */
static uint32_t line_at(const struct rundata *rd, double t_s)
{
	uint32_t line = 0;

	for (size_t i = 0; i < rd->n_steps; i++)
		if (rd->steps[i].start_s <= t_s + 1e-6)
			line = rd->steps[i].step_index;
	return line;
}

static void config_fault(const struct rundata *rd, struct pack_result *pr)
{
	const struct run_meta *m = &rd->meta;
	struct profile p;
	struct recipe r;
	struct recipe_problem prob;
	struct recipe_check_src src = {.profile = &p,
				       .profile_name = "profile_text"};

	if (!m->profile_text || !m->recipe_text)
		return;
	if (profile_parse(m->profile_text, "profile_text", NULL, &p) < 0) {
		pr->abort_class = ABORT_CONFIG;
		snprintf(pr->abort_config, sizeof(pr->abort_config),
			 "the run's profile is unfit: %.300s", p.error);
		return;
	}
	if (recipe_parse(m->recipe_text, "recipe_text", &r) == 0) {
		if (recipe_check_line(&r, &src, pr->abort_line, &prob)) {
			pr->abort_class = ABORT_CONFIG;
			snprintf(pr->abort_config, sizeof(pr->abort_config),
				 "the step running at the abort asked for it: "
				 "%.340s",
				 prob.msg);
		}
		recipe_release(&r);
	}
	profile_release(&p);
}

void analyze_abort_cause(const struct rundata *rd, struct pack_result *pr)
{
	double t_s = -1;

	if (!pr->abort_class)
		return;
	for (size_t k = 0; k < rd->n_events; k++)
		if (!strcmp(rd->events[k].severity, "abort"))
			t_s = rd->events[k].t_s;
	if (t_s < 0 && rd->n_steps)
		t_s = rd->steps[rd->n_steps - 1].start_s;
	pr->abort_line = line_at(rd, t_s);
	if (pr->abort_class == ABORT_SAFETY)
		config_fault(rd, pr);
}
