/* SPDX-License-Identifier: Apache-2.0 */
/* test_ctl_resume.c - a real bench's resume: the step engine is put back at
 * the recorded step with the run's Ah/Wh, the pack is waited for and the
 * contactors close again before current flows, and the interrupted step
 * keeps its start time. */
#include "ctl_rig.h"

static void setup_resume(void)
{
	rig_recipe = "log every 1 s\n"
		     "Discharge at C/3 for 10 minutes\n"
		     "Rest for 5 minutes\n"
		     "Charge at C/3 for 10 minutes\n";
	setup();
}

/* Step 2 (the rest, recipe line 3) started at 600 s, 5.2 Ah and 1850 Wh
 * discharged before it. */
static const struct ctl_resume_point in_the_rest = {
    .step_count = 2,
    .step_index = 3,
    .step_start_s = 600.0,
    .discharge_Ah = 5.2,
    .discharge_Wh = 1850,
};

/* a test that hangs fails instead of blocking the run */
TestSuite(ctl_resume, .timeout = 120);

Test(ctl_resume, continues_the_interrupted_step, .init = setup_resume,
     .fini = teardown)
{
	int64_t t = 700 * 1000000LL; /* killed 100 s into the rest */
	struct run_status st;
	int64_t charge_at = -1;

	cr_assert_eq(ctl_resume_at(c, &in_the_rest, t), BENCH_OK);
	for (int k = 0; k < 4000 && charge_at < 0; k++) {
		t += TICK_US;
		burst(3.700, t);
		ctl_tick(c, t);
		/* no current before the pack was seen and the contactors
		 * closed again */
		if (k < 2)
			cr_assert_not(fk.on, "current before the pack check");
		if (fk.on && fk.current_mA > 0)
			charge_at = t;
	}
	cr_assert_geq(charge_at, 0, "the charge step never started: %s", calls);
	/* the rest keeps its start (600 s): it ends at 900 s */
	cr_expect_geq(charge_at, 900 * 1000000LL);
	cr_expect_leq(charge_at, 901 * 1000000LL, "charge at %.1f s",
		      charge_at / 1e6);
	ctl_status(c, &st);
	cr_expect_eq(st.step_count, 3);
	cr_expect_str_eq(st.step_text, "Charge at C/3 for 10 minutes");
	cr_expect(fabs(st.discharge_Ah - 5.2) < 1e-6,
		  "cumulative Ah kept: %.3f", st.discharge_Ah);
}

Test(ctl_resume, a_changed_recipe_is_refused, .init = setup_resume,
     .fini = teardown)
{
	/* step 2 is on line 3; line 4 means the recipe is not the one the
	 * file ran */
	struct ctl_resume_point p = in_the_rest;

	p.step_index = 4;
	cr_expect_eq(ctl_resume_at(c, &p, 700 * 1000000LL), BENCH_ERR_STATE);
}
