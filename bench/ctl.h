/* SPDX-License-Identifier: Apache-2.0 */
/* ctl.h - the controller core of one bench channel.
 *
 * Takes decoded BMS frames and cycler measurements, keeps the pack state,
 * runs the safety checks (soa/diag) on every incoming measurement, drives
 * the step engine, commands the cycler and the BMS contactors, and logs.
 * It never blocks and never reads a clock: every entry point gets the test
 * time t_us (microseconds since the run started, continuous across
 * resumes). The event loops (loop_sim.c, loop_real.c) own the clocks and
 * the file descriptors.
 *
 * The profile's vehicle frames (docs/profiles.md "Vehicle frames") go out
 * on the BMS bus from the first tick on: many packs answer only while the
 * car is present. A profile with [contactor_close] closes the contactors
 * with that sequence instead of the [bench_tx] request, and the abort and
 * the end of a run play [contactor_open] right after the open request.
 *
 * Phases: WAIT_BMS (all cells and the pack status seen) -> CLOSING
 * (contactors requested closed, feedback awaited; the close sequence
 * played to its end) -> RUNNING (recipe) ->
 * SAFING (current 0, output off, contactors open, waiting for the current
 * to read zero) -> DONE.
 *
 * Abort order, exactly: current setpoint 0, cycler output off, contactors
 * open request, event recorded with the triggering values, the interrupted
 * step's row, then (once the current reads zero or after SAFING_MAX) the
 * safe state logged as a last sample; the caller then closes the file with
 * ctl_end_status() ("aborted") and exits non-zero.
 */
#ifndef BENCH_CTL_H
#define BENCH_CTL_H

#include <stdbool.h>
#include <stdint.h>

#include "bench/run_status.h"
#include "can/canbus.h"
#include "can/canframe.h"

struct bms_tx;
struct dbc;
struct h5log;
struct instr;
struct isotp;
struct j1939;
struct profile;
struct recipe;
struct recipe_limits;
struct run_event;

enum ctl_phase {
	CTL_WAIT_BMS = 0,
	CTL_CLOSING,
	CTL_RUNNING,
	CTL_SAFING,
	CTL_DONE,
};

/* How the run ended (valid in CTL_DONE). */
/* INTERRUPTED: stopped safely by SIGTERM/SIGINT (a shutdown, systemctl
 * stop): the run is resumable. */
enum ctl_end {
	CTL_END_NONE = 0,
	CTL_END_COMPLETE,
	CTL_END_ABORTED,
	CTL_END_INTERRUPTED,
};

#define CTL_MAX_CAN_IFACES 2

struct ctl_cfg {
	const struct recipe *recipe;
	const struct profile *profile;
	const struct recipe_limits *bench_limits; /* may be NULL */
	const struct dbc *bms_dbc;
	struct instr *cycler;
	struct bms_tx *bms_tx; /* may be NULL (no contactor/tx) */
	/* The BMS bus: the profile's vehicle frames go out on it (NULL: a
	 * profile with [vehicle_frame] sections is refused). */
	struct canbus *bms_bus;
	struct h5log *log; /* may be NULL (benchmarks, replay) */
	const char *pack_id;
	double ambient_C;	   /* NaN if unknown */
	uint32_t measure_every_ms; /* cycler measurement, 0: 100 */
	/* The BMS bus restarts by itself after bus-off (restart-ms); 0: a
	 * bus-off is a safe stop at once. */
	uint32_t bus_restart_ms;
	/* Optional: operator notes (step started/ended, warnings, abort). */
	void (*note)(void *ctx, const char *msg);
	void *note_ctx;
	/* Optional: every event the run file records, as it is recorded
	 * (telemetry); must not block. */
	void (*event_tap)(void *ctx, const struct run_event *ev);
	void *event_tap_ctx;
	/* The buses (BMS, cycler) as named in the bench file: those that
	 * are SocketCAN interfaces get bench:CAN_STATUS events. */
	const char *can_ifaces[CTL_MAX_CAN_IFACES];
	/* A polled pack (profile->poll.n_polls > 0): one ISO-TP endpoint
	 * per profile ECU, in the order of profile->poll.ecus. */
	struct isotp *const *poll_links;
	/* A GB/T pack (profile->gbt): the endpoint at 0x56 on the BMS bus
	 * its charge sessions run on (docs/gbt27930.md). */
	struct j1939 *gbt_link;
};

struct ctl;

/* Record each SocketCAN interface's state, bitrate and error counters as
 * a bench:CAN_STATUS info event (run start and end; bus state changes
 * record it by themselves). */
void ctl_can_status(struct ctl *c);
/* bus names a SocketCAN interface (not "sim", "mem:..." or empty) */
bool ctl_is_socketcan(const char *bus);

int ctl_new(const struct ctl_cfg *cfg, struct ctl **out);
void ctl_free(struct ctl *c);
/* Before the run: the cycler's output off, current 0 and the voltage
 * limits the steps will use. A cycler that refuses any of them (< 0,
 * logged) must not start the run. */
int ctl_cycler_prepare(struct ctl *c);

/* A frame from the BMS bus (or a shared cycler bus) at test time t_us:
 * decoded into the pack state and checked at once. */
void ctl_on_frame(struct ctl *c, const struct canframe *f, int64_t t_us);
/* Bus state change (error frames): warning/passive are warning events;
 * bus-off stops safely at once without an automatic restart, otherwise it
 * is a warning and the heartbeat check stops the run if the BMS does not
 * come back in time (a frame after bus-off counts as restarted). */
void ctl_on_bus_state(struct ctl *c, enum canbus_state s, int64_t t_us);
/* The control tick: cycler measurement, checks, step engine, commands,
 * heartbeat frame, log sample. */
void ctl_tick(struct ctl *c, int64_t t_us);
/* Safe stop request: from the control socket (operator) or a signal. */
void ctl_request_stop(struct ctl *c, bool from_signal);

/* The loop itself failed (a bus vanished, the simulator errored): the
 * abort sequence at once (bench:LOOP_ERROR), the safe state logged
 * without waiting, DONE. message names what failed. */
void ctl_fail(struct ctl *c, const char *message);

/* Where a resumed run continues, from the file's last row: executed step
 * step_count of the recipe (its line step_index), that step's start and
 * Ah/Wh so far, and the run's cumulative Ah/Wh. */
struct ctl_resume_point {
	uint32_t step_count, step_index;
	double step_start_s;
	double step_charge_Ah, step_discharge_Ah;
	double step_charge_Wh, step_discharge_Wh;
	double charge_Ah, discharge_Ah, charge_Wh, discharge_Wh;
};

/* Resume at p (real benches; simulated runs replay instead, see
 * docs/architecture.md). BENCH_ERR_STATE when the recipe does not match.
 * Call before the first tick. */
int ctl_resume_at(struct ctl *c, const struct ctl_resume_point *p,
		  int64_t t_us);
/* Attach the log after a replay that ran without one. file_steps: /steps
 * rows already in the file; step rows the replay counted beyond those are
 * not written twice. */
void ctl_attach_log(struct ctl *c, struct h5log *log, uint32_t file_steps);
/* Wall-clock time (UTC s) of test time 0, for unix_time_second. */
void ctl_set_unix_start(struct ctl *c, double unix_start_s);

enum ctl_phase ctl_phase(const struct ctl *c);
bool ctl_done(const struct ctl *c);
enum ctl_end ctl_end(const struct ctl *c);
/* "complete" | "aborted" | "interrupted" and the end reason in words, for the
 * file. */
const char *ctl_end_status(const struct ctl *c);
const char *ctl_end_reason(const struct ctl *c);
/* The abort event code ("safety:CELL_OV_HARD"), "" if none. */
const char *ctl_end_code(const struct ctl *c);

/* Live view for the status line and the control socket. */
void ctl_status(const struct ctl *c, struct run_status *st);
/* Samples logged, and the time of the last one (s); for replay. */
uint64_t ctl_samples(const struct ctl *c);

/* Benchmark hook: test time of the last zero-current command, -1 if none. */
int64_t ctl_zero_cmd_us(const struct ctl *c);

#endif
