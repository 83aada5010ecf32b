/* SPDX-License-Identifier: Apache-2.0 */
/* diag_cfg.c - THE fault table: every safety reaction of the bench, in one
 * place. A row trips after `samples` consecutive NOT_OK reports spanning at
 * least `ms` (see diag.h). Samples are distinct readings: soa.c re-checks a
 * group only when its sequence number moved, so a BMS that sends cells in a
 * 100 ms burst gives one sample per burst.
 *
 * Why these numbers:
 * - cell/pack voltage: 3 readings (about 200-300 ms at a 100 ms BMS) so one
 *   noisy reading never aborts an overnight run, while a real over-voltage
 *   is caught well inside a second;
 * - temperatures come about once a second and move slowly: 2 readings;
 * - CCL/DCL: 2 s, the time a cycler slewing at 100 A/s needs to follow a
 *   BMS limit that drops in one step;
 * - time-outs measure their own time (soa.c), so they trip on one report;
 * - BMS fault bits and contactor feedback: 2 distinct BMS_State frames
 *   (soa.c counts a state report only when a new state frame arrived), so
 *   one corrupted frame never aborts, a persistent bit does after
 *   100-200 ms at a 100 ms BMS;
 * - a stuck cell sensor: judged over tens of seconds by soa.c itself, then
 *   3 bursts in a row;
 * - what the controller raises itself (cycler refusing a command, the run
 *   file writer failing, the BMS bus off without restart, the event loop
 *   failing) acts at once: there is nothing to debounce, the bench can no
 *   longer see or command the pack;
 * - a polled ECU silent for 2 polls in a row (each already retried, so
 *   seconds of silence): one lost poll is a busy LBC, two are a pack that
 *   stopped talking; a polled reading older than the profile's sweep plus
 *   margin acts at once (the margin is the debounce);
 * - stop requests act at once;
 * - a warning warns again only after reading OK for a minute: a cell
 *   spread hovering at its limit gives one event, not one per burst.
 * Cause classes: safety (the pack misbehaved: graded RECYCLE), bench (our
 * cycler, cables, bus: the test is incomplete), operator (stopped on
 * purpose: incomplete).
 */
#include "bench/diag.h"

/* clang-format off */
#define ROW(id_, sev_, cause_, samples_, ms_)                                  \
	[DIAG_##id_] = {DIAG_##id_, #id_, DIAG_SEV_##sev_,                     \
			DIAG_CAUSE_##cause_, samples_, ms_}

const struct diag_row diag_table[DIAG_N] = {
	/*  code                    severity cause   samples  ms */
	ROW(CELL_OV_WARN,          WARN,  SAFETY,   3,    0),
	ROW(CELL_OV_HARD,          ABORT, SAFETY,   3,    0),
	ROW(CELL_UV_WARN,          WARN,  SAFETY,   3,    0),
	ROW(CELL_UV_HARD,          ABORT, SAFETY,   3,    0),
	ROW(TEMP_HIGH_WARN,        WARN,  SAFETY,   2,    0),
	ROW(TEMP_HIGH_HARD,        ABORT, SAFETY,   2,    0),
	ROW(TEMP_LOW_WARN,         WARN,  SAFETY,   2,    0),
	ROW(TEMP_LOW_HARD,         ABORT, SAFETY,   2,    0),
	ROW(PACK_OV_HARD,          ABORT, SAFETY,   3,    0),
	ROW(PACK_UV_HARD,          ABORT, SAFETY,   3,    0),
	ROW(CHARGE_CURRENT_WARN,   WARN,  SAFETY,   3,    0),
	ROW(CHARGE_CURRENT_HARD,   ABORT, SAFETY,   3,    0),
	ROW(DISCHARGE_CURRENT_WARN, WARN, SAFETY,   3,    0),
	ROW(DISCHARGE_CURRENT_HARD, ABORT, SAFETY,  3,    0),
	ROW(CCL_EXCEEDED,          ABORT, SAFETY,   2, 2000),
	ROW(DCL_EXCEEDED,          ABORT, SAFETY,   2, 2000),
	ROW(CELL_SPREAD_WARN,      WARN,  SAFETY,   3,    0),
	ROW(CELL_SPREAD_HARD,      ABORT, SAFETY,   3,    0),
	ROW(SENSOR_STUCK,          ABORT, SAFETY,   3,    0),
	ROW(BMS_TIMEOUT,           ABORT, BENCH,    1,    0),
	ROW(CYCLER_TIMEOUT,        ABORT, BENCH,    1,    0),
	ROW(CURRENT_MISMATCH,      ABORT, BENCH,    2, 2000),
	ROW(CONTACTOR_TIMEOUT,     ABORT, BENCH,    1,    0),
	ROW(CONTACTOR_MISMATCH,    ABORT, SAFETY,   2,    0),
	ROW(BMS_FAULT_WARN,        WARN,  SAFETY,   2,    0),
	ROW(BMS_FAULT,             ABORT, SAFETY,   2,    0),
	ROW(BMS_FAULT_BENCH,       ABORT, BENCH,    2,    0),
	ROW(OPERATOR_STOP,         ABORT, OPERATOR, 1,    0),
	ROW(SIGNAL_STOP,           ABORT, BENCH,    1,    0),
	ROW(CYCLER_ERROR,          ABORT, BENCH,    1,    0),
	ROW(LOG_WRITE,             ABORT, BENCH,    1,    0),
	ROW(BUS_OFF,               ABORT, BENCH,    1,    0),
	ROW(LOOP_ERROR,            ABORT, BENCH,    1,    0),
	ROW(POLL_SILENT,           ABORT, BENCH,    2,    0),
	ROW(POLL_STALE,            ABORT, BENCH,    1,    0),
};
/* clang-format on */

const uint32_t diag_warn_rearm_ms = 60000;
