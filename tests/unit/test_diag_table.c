/* SPDX-License-Identifier: Apache-2.0 */
/* test_diag_table.c - the fault table and its debouncing. */
#include <criterion/criterion.h>
#include <string.h>

#include "bench/diag.h"
#include "support.h"

#define MS 1000LL

static struct diag d;
static struct diag_event ev;

static void init(void)
{
	diag_init(&d);
	logcap_start();
}

static void fini(void)
{
	logcap_stop();
}

TestSuite(diag, .init = init, .fini = fini, .timeout = 60);

Test(diag, table_is_complete_and_indexed)
{
	for (unsigned i = 0; i < DIAG_N; i++) {
		cr_assert_eq(diag_table[i].id, (enum diag_id)i, "row %u", i);
		cr_assert_not_null(diag_table[i].code, "row %u", i);
		cr_assert_geq(diag_table[i].debounce_samples, 1, "row %u", i);
	}
	cr_assert_str_eq(diag_table[DIAG_CELL_OV_HARD].code, "CELL_OV_HARD");
	cr_assert_eq(diag_table[DIAG_CELL_OV_HARD].severity, DIAG_SEV_ABORT);
	cr_assert_eq(diag_table[DIAG_CELL_OV_WARN].severity, DIAG_SEV_WARN);
	cr_assert_eq(diag_table[DIAG_BMS_TIMEOUT].cause, DIAG_CAUSE_BENCH);
	cr_assert_eq(diag_table[DIAG_CYCLER_TIMEOUT].cause, DIAG_CAUSE_BENCH);
	cr_assert_eq(diag_table[DIAG_OPERATOR_STOP].cause, DIAG_CAUSE_OPERATOR);
	cr_assert_eq(diag_table[DIAG_SIGNAL_STOP].cause, DIAG_CAUSE_BENCH);
	cr_assert_eq(diag_table[DIAG_TEMP_HIGH_HARD].cause, DIAG_CAUSE_SAFETY);
}

Test(diag, controller_raised_rows)
{
	/* what ctl.c/ctl_out.c raise outside soa is decided by the table
	 * too: a bench cause that acts at once */
	static const struct {
		enum diag_id id;
		const char *code;
	} rows[] = {{DIAG_CYCLER_ERROR, "CYCLER_ERROR"},
		    {DIAG_LOG_WRITE, "LOG_WRITE"},
		    {DIAG_BUS_OFF, "BUS_OFF"},
		    {DIAG_LOOP_ERROR, "LOOP_ERROR"}};

	for (unsigned i = 0; i < 4; i++) {
		const struct diag_row *row = &diag_table[rows[i].id];

		cr_assert_str_eq(row->code, rows[i].code);
		cr_assert_eq(row->severity, DIAG_SEV_ABORT, "%s", row->code);
		cr_assert_eq(row->cause, DIAG_CAUSE_BENCH, "%s", row->code);
		cr_assert_eq(row->debounce_samples, 1, "%s", row->code);
	}
	cr_assert_str_eq(diag_table[DIAG_SENSOR_STUCK].code, "SENSOR_STUCK");
	cr_assert_eq(diag_table[DIAG_SENSOR_STUCK].cause, DIAG_CAUSE_SAFETY);
}

Test(diag, abort_after_consecutive_samples)
{
	cr_assert_eq(diag_report(&d, DIAG_CELL_OV_HARD, false, 0, "x", &ev),
		     DIAG_REACT_NONE);
	cr_assert_eq(
	    diag_report(&d, DIAG_CELL_OV_HARD, false, 100 * MS, "x", &ev),
	    DIAG_REACT_NONE);
	cr_assert_not(diag_aborted(&d));
	cr_assert_eq(diag_report(&d, DIAG_CELL_OV_HARD, false, 200 * MS,
				 "cell 17 voltage 4.262 V above hard limit "
				 "4.250 V",
				 &ev),
		     DIAG_REACT_ABORT);
	cr_assert_str_eq(ev.message, "cell 17 voltage 4.262 V above hard limit "
				     "4.250 V for 3 samples (200 ms)");
	cr_assert_str_eq(ev.full_code, "safety:CELL_OV_HARD");
	cr_assert_str_eq(ev.code, "CELL_OV_HARD");
	cr_assert_eq(ev.cause, DIAG_CAUSE_SAFETY);
	cr_assert_eq(ev.t_us, 200 * MS);
	cr_assert(diag_aborted(&d));
	cr_assert_str_eq(diag_abort_event(&d)->full_code,
			 "safety:CELL_OV_HARD");
}

Test(diag, one_good_sample_resets_the_count)
{
	diag_report(&d, DIAG_CELL_OV_HARD, false, 0, "x", &ev);
	diag_report(&d, DIAG_CELL_OV_HARD, false, 1, "x", &ev);
	diag_report(&d, DIAG_CELL_OV_HARD, true, 2, NULL, &ev);
	cr_assert_eq(diag_report(&d, DIAG_CELL_OV_HARD, false, 3, "x", &ev),
		     DIAG_REACT_NONE);
	cr_assert_eq(diag_report(&d, DIAG_CELL_OV_HARD, false, 4, "x", &ev),
		     DIAG_REACT_NONE);
	cr_assert_eq(diag_report(&d, DIAG_CELL_OV_HARD, false, 5, "x", &ev),
		     DIAG_REACT_ABORT);
}

Test(diag, time_debounce_needs_samples_and_time)
{
	/* CCL_EXCEEDED: 2 samples and 2000 ms */
	cr_assert_eq(diag_report(&d, DIAG_CCL_EXCEEDED, false, 0, "x", &ev),
		     DIAG_REACT_NONE);
	cr_assert_eq(
	    diag_report(&d, DIAG_CCL_EXCEEDED, false, 1999 * MS, "x", &ev),
	    DIAG_REACT_NONE);
	cr_assert_eq(
	    diag_report(&d, DIAG_CCL_EXCEEDED, false, 2000 * MS, "x", &ev),
	    DIAG_REACT_ABORT);
	cr_assert_str_eq(ev.message, "x for 3 samples (2000 ms)");
}

Test(diag, warning_reported_once_and_rearmed)
{
	for (int i = 0; i < 2; i++)
		cr_assert_eq(
		    diag_report(&d, DIAG_CELL_OV_WARN, false, i, "w", &ev),
		    DIAG_REACT_NONE);
	cr_assert_eq(diag_report(&d, DIAG_CELL_OV_WARN, false, 2, "w", &ev),
		     DIAG_REACT_WARN);
	cr_assert_str_eq(ev.full_code, "safety:CELL_OV_WARN");
	cr_assert_eq(ev.severity, DIAG_SEV_WARN);
	cr_assert(diag_active(&d, DIAG_CELL_OV_WARN));
	cr_assert_eq(diag_report(&d, DIAG_CELL_OV_WARN, false, 3, "w", &ev),
		     DIAG_REACT_NONE, "still active: not again");
	cr_assert_not(diag_aborted(&d));
	/* OK for less than the re-arm time: hovering, still one event */
	diag_report(&d, DIAG_CELL_OV_WARN, true, 4, NULL, &ev);
	diag_report(&d, DIAG_CELL_OV_WARN, true, 59999 * MS, NULL, &ev);
	cr_assert(diag_active(&d, DIAG_CELL_OV_WARN));
	for (int i = 0; i < 5; i++)
		cr_assert_eq(diag_report(&d, DIAG_CELL_OV_WARN, false,
					 60000 * MS + i, "w", &ev),
			     DIAG_REACT_NONE);
	/* OK for a whole minute: re-armed */
	diag_report(&d, DIAG_CELL_OV_WARN, true, 70000 * MS, NULL, &ev);
	diag_report(&d, DIAG_CELL_OV_WARN, true, 130000 * MS, NULL, &ev);
	cr_assert_not(diag_active(&d, DIAG_CELL_OV_WARN));
	for (int i = 0; i < 2; i++)
		diag_report(&d, DIAG_CELL_OV_WARN, false, 130001 * MS + i, "w",
			    &ev);
	cr_assert_eq(
	    diag_report(&d, DIAG_CELL_OV_WARN, false, 130010 * MS, "w", &ev),
	    DIAG_REACT_WARN, "re-armed after a minute OK");
}

Test(diag, abort_latches_and_first_wins)
{
	cr_assert_eq(
	    diag_report(&d, DIAG_OPERATOR_STOP, false, 10, "stop", &ev),
	    DIAG_REACT_ABORT);
	cr_assert_str_eq(ev.message, "stop");
	cr_assert_str_eq(ev.full_code, "operator:OPERATOR_STOP");
	diag_report(&d, DIAG_OPERATOR_STOP, true, 11, NULL, &ev);
	cr_assert(diag_aborted(&d), "an abort does not clear");
	cr_assert(diag_active(&d, DIAG_OPERATOR_STOP));
	cr_assert_eq(diag_report(&d, DIAG_BMS_TIMEOUT, false, 12, "t", &ev),
		     DIAG_REACT_NONE, "nothing new after an abort");
	cr_assert_str_eq(diag_abort_event(&d)->code, "OPERATOR_STOP");
}

Test(diag, names)
{
	cr_assert_str_eq(diag_cause_name(DIAG_CAUSE_SAFETY), "safety");
	cr_assert_str_eq(diag_cause_name(DIAG_CAUSE_BENCH), "bench");
	cr_assert_str_eq(diag_cause_name(DIAG_CAUSE_OPERATOR), "operator");
	cr_assert_str_eq(diag_severity_name(DIAG_SEV_WARN), "warning");
	cr_assert_str_eq(diag_severity_name(DIAG_SEV_ABORT), "abort");
	cr_assert_null(diag_abort_event(&d));
}

/* The debounce of every row, pinned: a change to bench/diag_cfg.c must be
 * made here too, on purpose (the reasons are in diag_cfg.c). */
Test(diag, debounce_of_every_row_is_pinned)
{
	/* clang-format off */
	static const struct { const char *code; uint32_t samples, ms; } pin[] = {
		{"CELL_OV_WARN", 3, 0},       {"CELL_OV_HARD", 3, 0},
		{"CELL_UV_WARN", 3, 0},       {"CELL_UV_HARD", 3, 0},
		{"TEMP_HIGH_WARN", 2, 0},     {"TEMP_HIGH_HARD", 2, 0},
		{"TEMP_LOW_WARN", 2, 0},      {"TEMP_LOW_HARD", 2, 0},
		{"PACK_OV_HARD", 3, 0},       {"PACK_UV_HARD", 3, 0},
		{"CHARGE_CURRENT_WARN", 3, 0}, {"CHARGE_CURRENT_HARD", 3, 0},
		{"DISCHARGE_CURRENT_WARN", 3, 0},
		{"DISCHARGE_CURRENT_HARD", 3, 0},
		{"CCL_EXCEEDED", 2, 2000},    {"DCL_EXCEEDED", 2, 2000},
		{"CELL_SPREAD_WARN", 3, 0},   {"CELL_SPREAD_HARD", 3, 0},
		{"SENSOR_STUCK", 3, 0},       {"BMS_TIMEOUT", 1, 0},
		{"CYCLER_TIMEOUT", 1, 0},     {"CURRENT_MISMATCH", 2, 2000},
		{"CONTACTOR_TIMEOUT", 1, 0},  {"CONTACTOR_MISMATCH", 2, 0},
		{"BMS_FAULT_WARN", 2, 0},     {"BMS_FAULT", 2, 0},
		{"BMS_FAULT_BENCH", 2, 0},    {"OPERATOR_STOP", 1, 0},
		{"SIGNAL_STOP", 1, 0},        {"CYCLER_ERROR", 1, 0},
		{"LOG_WRITE", 1, 0},          {"BUS_OFF", 1, 0},
		{"LOOP_ERROR", 1, 0},         {"POLL_SILENT", 2, 0},
		{"POLL_STALE", 1, 0},
	};
	/* clang-format on */
	unsigned n = sizeof(pin) / sizeof(pin[0]);

	cr_assert_eq(n, DIAG_N, "a row was added or removed: pin it here");
	for (unsigned i = 0; i < n; i++) {
		unsigned id = 0;

		while (id < DIAG_N && strcmp(diag_table[id].code, pin[i].code))
			id++;

		cr_assert_neq(id, DIAG_N, "%s has no row", pin[i].code);
		cr_expect_eq(diag_table[id].debounce_samples, pin[i].samples,
			     "%s: %u samples", pin[i].code,
			     diag_table[id].debounce_samples);
		cr_expect_eq(diag_table[id].debounce_ms, pin[i].ms, "%s: %u ms",
			     pin[i].code, diag_table[id].debounce_ms);
	}
}
