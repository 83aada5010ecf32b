/* SPDX-License-Identifier: Apache-2.0 */
/* test_faults_cycler.c - the cycler misbehaves mid-run,
 * on a bench whose cycler is the simulator's SCPI supply on a
 * pseudo-terminal ([cycler] kind = scpi, port = sim): the SCPI driver and
 * the serial seam run as with a real supply on a USB adapter.
 *
 * - its serial port vanishes (cycler_unplugged: the pty is closed): safe
 *   stop within the cycler time-out (cycler_timeout_ms = 3000 of the
 *   simulated BMS's profile, plus a 100 ms measurement and a 10 ms tick);
 * - it answers garbage (cycler_garbage): to measurements, a safe stop
 *   within the same time-out; to a command's SYST:ERR? check, at once;
 * - SYST:ERR? reports an error (cycler_error, -300 device fault): the
 *   command it refused stops the run at once; mid-step, the tripped output
 *   is caught by the current check (2 s debounce).
 * Each: exit status 1 (a bench fault), file readable, marked aborted, last
 * sample back at zero, one log line per failure streak (not one per poll).
 */
#include "faults_helpers.h"

/* The discharge starts at 60 s; a fault at 90 s hits it mid-step. */
#define RECIPE                                                                 \
	"log every 1 s\nRest for 60 seconds\n"                                 \
	"Discharge at C/3 for 3 minutes\n"
#define TIMEOUT_S 3.0
#define MEASURE_S 0.1
#define TICK_S 0.01

static void cycler_case(const char *fault, double at_s, const char *code,
			double max_delay_s, uint32_t from_step,
			struct faults_seen *seen)
{
	char text[128];

	snprintf(text, sizeof(text), "[fault %s]\nat = %g s", fault, at_s);
	faults_run(
	    &(struct faults_case){
		.fixture = "lfp30-healthy",
		.fault = text,
		.fault_at_s = at_s,
		.recipe = RECIPE,
		.bench = FAULTS_BENCH_SCPI,
		.exit_status = 1,
		.severity = "abort",
		.code = code,
		.max_delay_s = max_delay_s,
		.from_step = from_step,
	    },
	    seen);
	cr_log_info("%s at %g s: %s after %.2f s (limit %.2f s) from %s", fault,
		    at_s, code, seen->delay_s, max_delay_s,
		    from_step ? "the first command" : "the fault");
}

/* a test that hangs fails instead of blocking the run */
TestSuite(faults_cycler, .timeout = 60);

Test(faults_cycler, unplugged_port_stops_within_the_timeout, .timeout = 60)
{
	static struct faults_seen seen;

	cycler_case("cycler_unplugged", 90, "bench:CYCLER_TIMEOUT",
		    TIMEOUT_S + MEASURE_S + 2 * TICK_S, 0, &seen);
	cr_expect_geq(seen.delay_s, TIMEOUT_S - MEASURE_S,
		      "stopped before the time-out: %.2f s", seen.delay_s);
	cr_expect_eq(faults_count(seen.log, "port gone"), 1, "%s", seen.log);
}

Test(faults_cycler, garbled_measurements_stop_within_the_timeout, .timeout = 60)
{
	static struct faults_seen seen;

	cycler_case("cycler_garbage", 90, "bench:CYCLER_TIMEOUT",
		    TIMEOUT_S + MEASURE_S + 2 * TICK_S, 0, &seen);
	cr_expect_eq(faults_count(seen.log, "is not a number"), 1, "%s",
		     seen.log);
}

Test(faults_cycler, garbled_command_check_stops_at_once, .timeout = 60)
{
	static struct faults_seen seen;

	/* the discharge (step 2, soon after 60 s: the rest starts once the
	 * contactors are closed) sends its setpoints, each checked with
	 * SYST:ERR?, whose reply is junk */
	cycler_case("cycler_garbage", 60, "bench:CYCLER_ERROR",
		    MEASURE_S + 2 * TICK_S, 2, &seen);
}

Test(faults_cycler, refused_command_stops_at_once, .timeout = 60)
{
	static struct faults_seen seen;

	cycler_case("cycler_error", 60, "bench:CYCLER_ERROR",
		    MEASURE_S + 2 * TICK_S, 2, &seen);
	cr_expect(strstr(seen.log, "instrument rejected") &&
		      strstr(seen.log, "-300"),
		  "the SYST:ERR? answer is not in the log:\n%s", seen.log);
}

Test(faults_cycler, tripped_output_mid_step_is_a_current_mismatch,
     .timeout = 60)
{
	static struct faults_seen seen;

	/* nothing is commanded mid-step: the current falls to zero against
	 * a -33 A setpoint (2 s debounce in the fault table) */
	cycler_case("cycler_error", 90, "bench:CURRENT_MISMATCH",
		    2.0 + MEASURE_S + 2 * TICK_S, 0, &seen);
}
