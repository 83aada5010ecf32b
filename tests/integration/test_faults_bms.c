/* SPDX-License-Identifier: Apache-2.0 */
/* test_faults_bms.c - the BMS reports a fault bit: the
 * reaction is the one the profile maps the signal to (docs/profiles.md,
 * fault_signals): a safety abort by default (exit 3: not to be restarted),
 * a bench abort with ":bench" (exit 1), a warning with ":warn" (the run
 * goes on and completes). The simulator's bms_fault raises the bit
 * mid-discharge and, as a BMS diagnostic would, leaves the contactors
 * closed, so what the test sees is the controller's own reaction. The
 * fault table debounces BMS fault bits over 2 frames (100 ms apart). */
#include <unistd.h>

#include "faults_helpers.h"

#define RECIPE                                                                 \
	"log every 1 s\nRest for 30 seconds\n"                                 \
	"Discharge at C/3 for 2 minutes\n"
#define FAULT_AT_S 60.0
#define DEBOUNCE_S 0.2
#define TICK_S 0.01

/* The simulated BMS's profile with one fault mapping changed. */
static char *profile_with(const char *dir, const char *from, const char *to)
{
	char *out = ctl_path(dir, "profile.ini");
	char cwd[512], line[1024];
	FILE *in = fopen("fixtures/profiles/sim_bms.ini", "r");
	FILE *o = fopen(out, "w");
	bool mapped = false;

	cr_assert_not_null(in);
	cr_assert_not_null(o);
	cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
	while (fgets(line, sizeof(line), in)) {
		char *p = strstr(line, from);

		if (!strncmp(line, "dbc =", 5)) {
			fprintf(o, "dbc = %s/fixtures/dbc/sim_bms.dbc\n", cwd);
		} else if (!strncmp(line, "fault_signals", 13) && p) {
			fprintf(o, "%.*s%s%s", (int)(p - line), line, to,
				p + strlen(from));
			mapped = true;
		} else {
			fputs(line, o);
		}
	}
	fclose(in);
	fclose(o);
	cr_assert(mapped, "'%s' not in the profile's fault_signals", from);
	return out;
}

static void bms_case(const char *signal, const char *profile, int exit_status,
		     const char *severity, const char *code)
{
	struct faults_seen seen;
	char text[128];

	snprintf(text, sizeof(text),
		 "[fault bms_fault]\nat = %g s\nsignal = %s", FAULT_AT_S,
		 signal);
	faults_run(
	    &(struct faults_case){
		.fixture = "nmc96-healthy",
		.fault = text,
		.fault_at_s = FAULT_AT_S,
		.recipe = RECIPE,
		.profile = profile,
		.exit_status = exit_status,
		.severity = severity,
		.code = code,
		.max_delay_s = DEBOUNCE_S + 2 * TICK_S,
	    },
	    &seen);
	cr_expect(strstr(seen.log, signal), "the message does not name %s",
		  signal);
	cr_log_info("%s: %s %s after %.2f s", signal, severity, code,
		    seen.delay_s);
}

/* a test that hangs fails instead of blocking the run */
TestSuite(faults_bms, .timeout = 60);

Test(faults_bms, fault_bit_aborts_as_safety_by_default, .timeout = 60)
{
	bms_case("Fault_Internal", NULL, 3, "abort", "safety:BMS_FAULT");
}

Test(faults_bms, fault_bit_mapped_bench_aborts_as_bench, .timeout = 60)
{
	char *dir = tmpdir_new("faultsbms");
	char *prof = profile_with(dir, "Fault_Comm:bench", "Fault_Comm:bench");

	/* Fault_Comm: the BMS lost our heartbeat, our cable not the pack */
	bms_case("Fault_Comm", prof, 1, "abort", "bench:");
	free(prof);
	free(dir);
}

Test(faults_bms, fault_bit_mapped_warn_only_warns, .timeout = 60)
{
	char *dir = tmpdir_new("faultsbms");
	char *prof = profile_with(dir, "Fault_Internal", "Fault_Internal:warn");

	bms_case("Fault_Internal", prof, 0, "warning", "safety:BMS_FAULT_WARN");
	free(prof);
	free(dir);
}
