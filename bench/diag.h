/* SPDX-License-Identifier: Apache-2.0 */
/* diag.h - the one debounced fault table (foxBMS diag style).
 *
 * soa.c reports each check as OK / NOT_OK with the values that triggered it;
 * diag counts and decides the reaction. Every row (code, debounce, severity,
 * cause class) is in bench/diag_cfg.c, reviewable in one file.
 *
 * A row trips when it has been NOT_OK for at least debounce_samples
 * consecutive reports AND for at least debounce_ms since the first of them.
 * A warning is reported once when it trips and re-arms after OK reports
 * for diag_warn_rearm_ms (so a value hovering at a limit does not flood
 * the log);
 * an abort latches (diag_aborted()) and is reported once. diag only
 * debug-logs; the caller records each returned event (it is the one place
 * an operator sees it: /events and the status line).
 */
#ifndef BENCH_DIAG_H
#define BENCH_DIAG_H

#include <stdbool.h>
#include <stdint.h>

enum diag_id {
	DIAG_CELL_OV_WARN = 0,
	DIAG_CELL_OV_HARD,
	DIAG_CELL_UV_WARN,
	DIAG_CELL_UV_HARD,
	DIAG_TEMP_HIGH_WARN,
	DIAG_TEMP_HIGH_HARD,
	DIAG_TEMP_LOW_WARN,
	DIAG_TEMP_LOW_HARD,
	DIAG_PACK_OV_HARD,
	DIAG_PACK_UV_HARD,
	DIAG_CHARGE_CURRENT_WARN,
	DIAG_CHARGE_CURRENT_HARD,
	DIAG_DISCHARGE_CURRENT_WARN,
	DIAG_DISCHARGE_CURRENT_HARD,
	DIAG_CCL_EXCEEDED, /* measured charge current above BMS CCL */
	DIAG_DCL_EXCEEDED,
	DIAG_CELL_SPREAD_WARN,
	DIAG_CELL_SPREAD_HARD,
	DIAG_SENSOR_STUCK,	 /* a cell reading frozen while the rest move */
	DIAG_BMS_TIMEOUT,	 /* no BMS frame for heartbeat_timeout_ms */
	DIAG_CYCLER_TIMEOUT,	 /* cycler not answering */
	DIAG_CURRENT_MISMATCH,	 /* measured current far from setpoint */
	DIAG_CONTACTOR_TIMEOUT,	 /* requested state not reached in time */
	DIAG_CONTACTOR_MISMATCH, /* opened/closed by itself, or welded */
	DIAG_BMS_FAULT_WARN,	 /* a BMS fault signal with reaction warn */
	DIAG_BMS_FAULT,		 /* a BMS fault signal with reaction abort */
	DIAG_BMS_FAULT_BENCH,	 /* same, the profile classes it as bench */
	DIAG_OPERATOR_STOP,	 /* `bench stop` / control socket */
	DIAG_SIGNAL_STOP,	 /* SIGINT / SIGTERM: resumable */
	/* Raised by the controller itself (not by soa), decided here too. */
	DIAG_CYCLER_ERROR, /* cycler refused or garbled a command */
	DIAG_LOG_WRITE,	   /* run file writer failed (disk full) */
	DIAG_BUS_OFF,	   /* BMS bus off, no automatic restart */
	DIAG_LOOP_ERROR,   /* the event loop failed (ctl_fail) */
	DIAG_POLL_SILENT,  /* a polled ECU gave no answer after the retries */
	DIAG_POLL_STALE,   /* a polled reading older than sweep + margin */
	DIAG_N
};

enum diag_severity { DIAG_SEV_WARN = 0, DIAG_SEV_ABORT };

/* The grading treats safety aborts as RECYCLE, bench/operator aborts as an
 * incomplete test. Event codes are "<class>:<CODE>", e.g.
 * "safety:CELL_OV_HARD". */
enum diag_cause {
	DIAG_CAUSE_SAFETY = 0,
	DIAG_CAUSE_BENCH,
	DIAG_CAUSE_OPERATOR
};

enum diag_reaction { DIAG_REACT_NONE = 0, DIAG_REACT_WARN, DIAG_REACT_ABORT };

struct diag_row {
	enum diag_id id;
	const char *code; /* "CELL_OV_HARD" */
	enum diag_severity severity;
	enum diag_cause cause;
	uint32_t debounce_samples; /* >= 1 */
	uint32_t debounce_ms;	   /* 0: samples only */
};

/* The table, indexed by enum diag_id (bench/diag_cfg.c). */
extern const struct diag_row diag_table[DIAG_N];
/* How long a tripped warning must read OK before it can warn again. */
extern const uint32_t diag_warn_rearm_ms;

#define DIAG_MSG_LEN 200

/* A reaction decided by diag_report(). */
struct diag_event {
	enum diag_id id;
	enum diag_severity severity;
	enum diag_cause cause;
	const char *code;	    /* "CELL_OV_HARD" */
	char full_code[40];	    /* "safety:CELL_OV_HARD" */
	char message[DIAG_MSG_LEN]; /* detail + " for N samples" */
	int64_t t_us;
};

struct diag_entry {
	uint32_t count;	     /* consecutive NOT_OK reports */
	int64_t first_us;    /* time of the first of them */
	int64_t ok_since_us; /* first OK report after a trip, or -1 */
	bool tripped;
};

struct diag {
	const struct diag_row *table; /* diag_table, or a test's own */
	struct diag_entry e[DIAG_N];
	bool aborted;
	struct diag_event abort_event; /* the first abort */
};

void diag_init(struct diag *d);

/* Report one check. detail names the values ("cell 17 voltage 4.262 V above
 * hard limit 4.250 V"); ignored when ok. Returns the reaction decided now
 * (NONE while debouncing or already reported) and fills ev if not NONE. */
enum diag_reaction diag_report(struct diag *d, enum diag_id id, bool ok,
			       int64_t t_us, const char *detail,
			       struct diag_event *ev);

bool diag_aborted(const struct diag *d);
const struct diag_event *diag_abort_event(const struct diag *d);
/* Currently tripped (a warning still active, or the abort). */
bool diag_active(const struct diag *d, enum diag_id id);

const char *diag_cause_name(enum diag_cause c);	      /* "safety" ... */
const char *diag_severity_name(enum diag_severity s); /* "warning"|"abort" */

#endif
