/* SPDX-License-Identifier: Apache-2.0 */
/* test_grade_abort_cause.c - a safety abort the run's own recipe or
 * profile caused never grades the pack RECYCLE: a hard-limit abort while a
 * step that targeted beyond the limit ran, or under a profile outside its
 * chemistry's safe window, is INCOMPLETE and says why (docs/grading.md). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "analysis/analyze.h"
#include "analysis/grade.h"
#include "analysis/rules.h"
#include "bench/profile.h"
#include "common/rc.h"

static struct profile prof;
static struct rundata rd;
static struct run_step steps[2];
static struct run_event ev;
static struct pack_result pr;

/* An NMC run aborted on CELL_OV_HARD at 150 s, during recipe line 2. */
static void setup(void)
{
	cr_assert_eq(
	    profile_for_sim("nmc", 96, 1, 8, 16, 94.0, "sim_bms.dbc", &prof),
	    BENCH_OK);
	memset(&rd, 0, sizeof(rd));
	rd.meta.profile_text = prof.text;
	rd.meta.recipe_text = "Charge at C/3 until max cell\n"
			      "Hold at 4.6 V until C/20\n";
	steps[0] = (struct run_step){
	    .step_count = 1, .step_index = 1, .start_s = 0, .end_s = 100};
	steps[1] = (struct run_step){
	    .step_count = 2, .step_index = 2, .start_s = 100, .end_s = 150};
	rd.steps = steps;
	rd.n_steps = 2;
	ev = (struct run_event){.t_s = 150};
	snprintf(ev.severity, sizeof(ev.severity), "abort");
	snprintf(ev.code, sizeof(ev.code), "safety:CELL_OV_HARD");
	rd.events = &ev;
	rd.n_events = 1;
	memset(&pr, 0, sizeof(pr));
	pr.series = 96;
	snprintf(pr.status, sizeof(pr.status), "aborted");
	snprintf(pr.abort_code, sizeof(pr.abort_code), "safety:CELL_OV_HARD");
	pr.abort_class = ABORT_SAFETY;
}

static void teardown(void)
{
	profile_release(&prof);
}

TestSuite(abort_cause, .init = setup, .fini = teardown, .timeout = 10);

Test(abort_cause, step_beyond_the_limit_is_the_recipes_fault)
{
	struct grade_result g;
	struct rules r;

	analyze_abort_cause(&rd, &pr);
	cr_expect_eq(pr.abort_line, 2);
	cr_assert_eq(pr.abort_class, ABORT_CONFIG);
	cr_expect(strstr(pr.abort_config, "Hold at 4.6 V") &&
		      strstr(pr.abort_config, "cell operating maximum 4.20 V"),
		  "%s", pr.abort_config);
	cr_assert_eq(rules_parse_text(rules_default_ini, "default", &r), 0);
	cr_assert_eq(grade_pack(&pr, &r, NULL, &g), 0);
	cr_expect_eq(g.grade, GRADE_INCOMPLETE);
	cr_expect(strstr(g.reasons[0], "recipe or profile") &&
		      strstr(g.reasons[0], "Hold at 4.6 V"),
		  "%s", g.reasons[0]);
	grade_result_release(&g);
}

Test(abort_cause, a_fitting_step_leaves_it_a_safety_abort)
{
	ev.t_s = 50; /* during line 1, `Charge at C/3 until max cell` */
	analyze_abort_cause(&rd, &pr);
	cr_expect_eq(pr.abort_line, 1);
	cr_expect_eq(pr.abort_class, ABORT_SAFETY);
}

Test(abort_cause, a_profile_outside_its_chemistry_window)
{
	static char text[8192];
	const char *hi = strstr(prof.text, "cell_voltage_high = ");

	/* the profile the run used, with cell_voltage_high = 10 11 12 */
	cr_assert_not_null(hi, "%s", prof.text);
	snprintf(text, sizeof(text), "%.*scell_voltage_high = 10 11 12%s",
		 (int)(hi - prof.text), prof.text, strchr(hi, '\n'));
	ev.t_s = 50;
	rd.meta.profile_text = text;
	analyze_abort_cause(&rd, &pr);
	cr_assert_eq(pr.abort_class, ABORT_CONFIG, "%s", text);
	cr_expect(strstr(pr.abort_config, "outside the NMC safe window"), "%s",
		  pr.abort_config);
}
