/* SPDX-License-Identifier: Apache-2.0 */
/* test_ctl_faults.c - every scheduled simulator fault leads to the right
 * reaction within its debounce time: a readable file marked aborted, the
 * abort event naming the cause class, the last sample back at zero current
 * (or, for faults the profile only warns about, a warning and a complete
 * run). */
#include "faults_helpers.h"

struct fault_case {
	const char *fixture;
	const char *fault;  /* [fault ...] section, at = 60 s */
	const char *recipe; /* fixture recipe or inline text */
	int exit_status;
	const char *severity; /* expected event */
	const char *code;     /* exact, or a class prefix ending in ':' */
	const char *detail;   /* substring of the message, or NULL */
	double max_delay_s;   /* event time - fault time */
};

#define FAULT_AT_S 60.0
#define DISCHARGE                                                              \
	"log every 1 s\nRest for 1 minute\n"                                   \
	"Discharge at 1C until min cell\n"

static void run_case(const struct fault_case *fc)
{
	char *dir = tmpdir_new("ctlfault");
	char *pack = ctl_pack_with(dir, fc->fixture, fc->fault);
	char *out = ctl_path(dir, "run.h5"), *log = ctl_path(dir, "log");
	char *recipe = fc->recipe[0] == 'f'
			   ? strdup(fc->recipe)
			   : tmpfile_write(dir, "r.txt", fc->recipe);
	const char *args[] = {"run", recipe, "--sim", pack, "-o", out, NULL};
	const struct run_event *ev = NULL;
	struct ctl_file f;
	size_t plen = strlen(fc->code);
	int rc = ctl_bench(log, args);

	cr_assert_eq(rc, fc->exit_status, "%s: exit %d\n%s", fc->fault, rc,
		     ctl_log(log));
	ctl_file_read(out, &f);
	for (size_t i = 0; i < f.n_events && !ev; i++)
		if (!strcmp(f.events[i].severity, fc->severity) &&
		    !strncmp(f.events[i].code, fc->code, plen) &&
		    (!fc->detail || strstr(f.events[i].message, fc->detail)))
			ev = &f.events[i];
	cr_assert_not_null(ev, "%s: no %s event %s*", fc->fault, fc->severity,
			   fc->code);
	cr_expect_geq(ev->t_s, FAULT_AT_S, "%s: reacted before the fault",
		      fc->fault);
	cr_expect_leq(ev->t_s - FAULT_AT_S, fc->max_delay_s,
		      "%s: reacted %.1f s after the fault", fc->fault,
		      ev->t_s - FAULT_AT_S);
	faults_expect_end(&f, ev, fc->fault, fc->severity);
	ctl_file_free(&f);
}

/* a test that hangs fails instead of blocking the run */
TestSuite(ctl_faults, .timeout = 60);

Test(ctl_faults, bms_silent_stops_on_heartbeat_timeout, .timeout = 60)
{
	run_case(&(struct fault_case){"lfp30-healthy",
				      "[fault bms_silent]\nat = 60 s",
				      "fixtures/recipes/quick.txt", 1, "abort",
				      "bench:BMS_TIMEOUT", NULL, 1.5});
}

Test(ctl_faults, cycler_timeout_stops_safely, .timeout = 60)
{
	run_case(&(struct fault_case){"lfp30-healthy",
				      "[fault cycler_timeout]\nat = 60 s",
				      "fixtures/recipes/quick.txt", 1, "abort",
				      "bench:CYCLER_TIMEOUT", NULL, 3.5});
}

Test(ctl_faults, bus_off_longer_than_heartbeat_stops, .timeout = 60)
{
	run_case(&(struct fault_case){
	    "lfp30-healthy", "[fault bus_off]\nat = 60 s\nduration = 5 s",
	    "fixtures/recipes/quick.txt", 1, "abort", "bench:BMS_TIMEOUT", NULL,
	    1.5});
}

Test(ctl_faults, short_bus_off_is_ridden_through, .timeout = 60)
{
	run_case(&(struct fault_case){
	    "lfp30-healthy", "[fault bus_off]\nat = 60 s\nduration = 300 ms",
	    "fixtures/recipes/quick.txt", 0, "info", "bench:COMPLETE", NULL,
	    600});
}

Test(ctl_faults, cell_heating_is_a_safety_abort, .timeout = 60)
{
	/* 20 C/min from 25 C: the hard limit is about 105 s away */
	run_case(&(struct fault_case){
	    "nmc96-healthy",
	    "[fault cell_heating]\nat = 60 s\ncell = 7\nrate_c_per_min = 20",
	    DISCHARGE, 3, "abort", "safety:BMS_FAULT", "Fault_OverTemp (probe",
	    150});
}

Test(ctl_faults, cell_short_is_a_safety_abort, .timeout = 60)
{
	run_case(&(struct fault_case){
	    "nmc96-healthy",
	    "[fault cell_short]\nat = 60 s\ncell = 7\nohm = 0.01", DISCHARGE, 3,
	    "abort", "safety:BMS_FAULT", "Fault_OverTemp (probe", 150});
}

Test(ctl_faults, stuck_sensor_aborts_naming_the_cell, .timeout = 60)
{
	/* The BMS can no longer protect cell 7: a safety abort once the
	 * other cells moved and cell 7 did not (30 s at least). */
	run_case(&(struct fault_case){
	    "nmc96-healthy", "[fault cell_sensor_stuck]\nat = 60 s\ncell = 7",
	    DISCHARGE, 3, "abort", "safety:SENSOR_STUCK",
	    "cell 7 voltage sensor stuck", 60});
}

/* docs/safety.md: a recipe `limit` tighter than the profile wins, for the step
 * ends too: `until max cell` stops inside the recipe's 3.9 V, it does not
 * charge on to the profile's 4.2 V and abort on the recipe's limit. */
Test(ctl_faults, recipe_cell_limit_tighter_than_profile_ends_the_step,
     .timeout = 60)
{
	run_case(&(struct fault_case){
	    "nmc96-healthy", "",
	    "limit cell voltage 2.5 V to 3.9 V\nlog every 1 s\n"
	    "Charge at 1C until max cell\n",
	    0, "info", "bench:COMPLETE", NULL, 3600});
}

Test(ctl_faults, recipe_current_limit_tighter_than_profile_clamps,
     .timeout = 60)
{
	run_case(&(struct fault_case){
	    "nmc96-healthy", "",
	    "limit current -0.5C to 0.5C\nlog every 1 s\n"
	    "Rest for 1 minute\nCharge at 1C for 2 minutes\n"
	    "Discharge at 1C for 2 minutes\n",
	    0, "info", "bench:COMPLETE", NULL, 600});
}
