/* SPDX-License-Identifier: Apache-2.0 */
/* test_e2e_files.c - the host's checks on what the QEMU guest left in the
 * shared folder (tools/qemu/guest/e2e.sh): run files, candump captures and
 * the simulator's truth. Runs on the host after the guest, with
 * BENCH_QEMU_OUT = that folder and BENCH_BIN = the bench binary the guest
 * ran. Every file is required: a missing one fails its test.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runfile/runfile.h"
#include "common/rc.h"

#define SERIES 96
/* heartbeat_timeout_ms of fixtures/profiles/sim_bms.ini, plus one 100 ms
 * control tick and scheduling slack in a TCG guest */
#define SILENT_ABORT_MAX_S 1.5

static const char *out_dir(void)
{
	const char *d = getenv("BENCH_QEMU_OUT");

	cr_assert_not_null(d, "BENCH_QEMU_OUT is not set");
	return d;
}

static const char *bench_bin(void)
{
	const char *b = getenv("BENCH_BIN");

	return b ? b : "bin/bench";
}

static char *out_path(const char *name)
{
	static char path[4][1024];
	static int next;
	char *p = path[next++ % 4];

	snprintf(p, sizeof(path[0]), "%s/%s", out_dir(), name);
	return p;
}

static struct runfile *open_run(const char *name)
{
	struct runfile *rf = NULL;

	cr_assert_eq(runfile_open(out_path(name), &rf), BENCH_OK,
		     "cannot read %s", out_path(name));
	return rf;
}

/* The only candump -l file in out/capture-NAME. */
static char *capture_file(const char *name)
{
	static char path[1400];
	char dir[1024];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/capture-%s", out_dir(), name);
	d = opendir(dir);
	cr_assert_not_null(d, "no capture folder %s", dir);
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "candump-", 8) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		n++;
	}
	closedir(d);
	cr_assert_eq(n, 1, "expected one candump log in %s, found %d", dir, n);
	return path;
}

/* Decoded frames of a capture, as `bench can decode --json` prints them. */
struct decoded {
	size_t n, cap;
	double *t;
	int *cell; /* 1-based cell of each value, 0 for non-cell frames */
	double *v;
	double last_bms_t; /* newest frame the BMS sent (BMS_*) */
	double first_t;
};

static void dec_push(struct decoded *d, double t, int cell, double v)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 4096;
		d->t = realloc(d->t, d->cap * sizeof(*d->t));
		d->cell = realloc(d->cell, d->cap * sizeof(*d->cell));
		d->v = realloc(d->v, d->cap * sizeof(*d->v));
		cr_assert(d->t && d->cell && d->v);
	}
	d->t[d->n] = t;
	d->cell[d->n] = cell;
	d->v[d->n] = v;
	d->n++;
}

static void decode_capture(const char *log, struct decoded *d)
{
	char cmd[2300], line[4096];
	FILE *p;
	int status;

	memset(d, 0, sizeof(*d));
	snprintf(cmd, sizeof(cmd),
		 "%s can decode --dbc fixtures/dbc/sim_bms.dbc --json '%s'",
		 bench_bin(), log);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	while (fgets(line, sizeof(line), p)) {
		const char *s = strstr(line, "\"t\":");
		const char *c;
		double t;

		cr_assert_not_null(s, "bad decode line: %s", line);
		t = strtod(s + 4, NULL);
		if (!d->first_t)
			d->first_t = t;
		if (strstr(line, "\"name\":\"BMS_"))
			d->last_bms_t = t;
		for (c = strstr(line, "\"Cell"); c;
		     c = strstr(c + 1, "\"Cell")) {
			int cell;
			char *end;

			cell = (int)strtol(c + 5, &end, 10);
			if (strncmp(end, "_V\":", 4) != 0)
				continue;
			dec_push(d, t, cell, strtod(end + 4, NULL));
		}
	}
	status = pclose(p);
	cr_assert_eq(status, 0, "'%s' failed", cmd);
	cr_assert_gt(d->n, 1000, "only %zu cell values decoded from %s", d->n,
		     log);
}

static void dec_free(struct decoded *d)
{
	free(d->t);
	free(d->cell);
	free(d->v);
}

static bool has_event(struct runfile *rf, const char *code_part,
		      const char *msg_part, struct run_event *found)
{
	struct run_event *ev = NULL;
	size_t n = 0, i;
	bool hit = false;

	cr_assert_eq(runfile_events(rf, &ev, &n), BENCH_OK);
	for (i = 0; i < n && !hit; i++) {
		if (code_part && !strstr(ev[i].code, code_part))
			continue;
		if (msg_part && !strstr(ev[i].message, msg_part))
			continue;
		hit = true;
		if (found)
			*found = ev[i];
	}
	free(ev);
	return hit;
}

/* bench:CAN_STATUS events whose message holds msg_part: how many, and
 * the test times of the first and the last. */
static size_t can_status_events(struct runfile *rf, const char *msg_part,
				double *first_t, double *last_t)
{
	struct run_event *ev = NULL;
	size_t n = 0, hits = 0;

	*first_t = *last_t = NAN;
	cr_assert_eq(runfile_events(rf, &ev, &n), BENCH_OK);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(ev[i].code, "bench:CAN_STATUS") ||
		    !strstr(ev[i].message, msg_part))
			continue;
		if (!hits++)
			*first_t = ev[i].t_s;
		*last_t = ev[i].t_s;
	}
	free(ev);
	return hits;
}

static double last_row_t(struct runfile *rf)
{
	size_t rows = runfile_rows(rf);
	double t;

	cr_assert_gt(rows, 0);
	cr_assert_eq(runfile_read_col(rf, "test_time_second", rows - 1, 1, &t),
		     0);
	return t;
}

static void print_events(struct runfile *rf)
{
	struct run_event *ev = NULL;
	size_t n = 0, i;

	if (runfile_events(rf, &ev, &n) < 0)
		return;
	for (i = 0; i < n; i++)
		fprintf(stderr, "  event %.3f s %s %s: %s\n", ev[i].t_s,
			ev[i].severity, ev[i].code, ev[i].message);
	free(ev);
}

/* unix time minus test time, from the first row */
static double unix_offset(struct runfile *rf)
{
	double tt, ut;

	cr_assert_gt(runfile_rows(rf), 0);
	cr_assert_eq(runfile_read_col(rf, "test_time_second", 0, 1, &tt), 0);
	cr_assert_eq(runfile_read_col(rf, "unix_time_second", 0, 1, &ut), 0);
	return ut - tt;
}

Test(e2e, real_bus_run_completes)
{
	struct runfile *rf = open_run("run.h5");
	const struct run_meta *m = runfile_meta(rf);
	struct run_step *st = NULL;
	size_t nst = 0, rows = runfile_rows(rf), i;
	double *cur;
	int pulse_rows = 0;

	print_events(rf);
	cr_assert_str_eq(m->status, "complete", "end: %s", m->end_reason);
	cr_assert_str_eq(m->pack_id, "QEMU-PACK-1");
	cr_assert_str_eq(m->bench_id, "qemu-guest");
	cr_assert_eq(m->series, SERIES);
	cr_assert_eq(runfile_steps(rf, &st, &nst), BENCH_OK);
	cr_assert_eq(nst, 4, "pulse.txt has 4 steps, file has %zu", nst);
	cr_assert_str_eq(st[1].kind, "discharge");
	free(st);
	/* the pulse really flowed: 1C of 94 Ah, negative on discharge */
	cur = calloc(rows, sizeof(*cur));
	cr_assert_eq(runfile_read_col(rf, "current_ampere", 0, rows, cur), 0);
	for (i = 0; i < rows; i++)
		if (fabs(cur[i] + 94.0) < 2.0)
			pulse_rows++;
	cr_assert_gt(pulse_rows, 20, "only %d rows at -94 A", pulse_rows);
	free(cur);
	/* can0's state, bit rate and error counters, read back
	 * through libsocketcan, recorded at the start and at the end */
	{
		double t0, t1;
		size_t n = can_status_events(rf,
					     "can0: state error-active, "
					     "bitrate 500000 bit/s, txerr ",
					     &t0, &t1);

		cr_assert_geq(n, 2, "%zu bench:CAN_STATUS events for can0", n);
		cr_assert_lt(t0, 1.0, "first CAN_STATUS at %.3f s", t0);
		cr_assert_geq(t1, last_row_t(rf) - 1.0,
			      "last CAN_STATUS at %.3f s, run ends at %.3f s",
			      t1, last_row_t(rf));
	}
	runfile_close(rf);
}

/* Every cell voltage the controller logged is a value the BMS sent around
 * the row's time, as candump on the controller's interface saw it. The
 * window reaches RECENT_S after the row: the real-bus loop stamps a whole
 * epoll batch with the time it woke, and frames arriving while it drains the
 * socket (up to a tick later in a loaded TCG guest) count as that time. */
#define RECENT_S 0.25
Test(e2e, candump_capture_agrees_with_run_file)
{
	struct runfile *rf = open_run("run.h5");
	struct decoded d;
	size_t rows = runfile_rows(rf), r, k, checked = 0, wrong = 0;
	size_t latest = 0;
	double *ut = calloc(rows, sizeof(double));
	float *cells = calloc(rows * SERIES, sizeof(float));

	decode_capture(capture_file("run"), &d);
	cr_assert_eq(runfile_read_col(rf, "unix_time_second", 0, rows, ut), 0);
	cr_assert_eq(runfile_read_cells(rf, RUN_CELLS_VOLTAGE, 0, rows, cells),
		     0);
	for (r = 0; r < rows; r++) {
		if (ut[r] < d.first_t + 1.0)
			continue; /* capture started after the controller */
		for (k = 0; k < SERIES; k++) {
			float v = cells[r * SERIES + k];
			bool seen = false;
			double newest_v = NAN;
			size_t i;

			if (isnan(v))
				continue;
			for (i = 0; i < d.n && d.t[i] <= ut[r] + RECENT_S;
			     i++) {
				if (d.cell[i] != (int)k + 1)
					continue;
				if (d.t[i] <= ut[r])
					newest_v = d.v[i];
				if (d.t[i] >= ut[r] - 1.5 &&
				    fabs(d.v[i] - v) < 0.0005)
					seen = true;
			}
			checked++;
			if (fabs(newest_v - v) < 0.0005)
				latest++;
			if (!seen && wrong++ < 5)
				fprintf(stderr,
					"row %zu (t %.3f) cell %zu: %.4f V "
					"not in the capture\n",
					r, ut[r], k + 1, v);
		}
	}
	fprintf(stderr,
		"capture vs run file: %zu cell values checked, %zu "
		"not found, %zu equal to the newest frame before the "
		"row\n",
		checked, wrong, latest);
	cr_assert_gt(checked, 20 * SERIES);
	cr_assert_eq(wrong, 0);
	/* mostly the newest value, not merely a value from the window */
	cr_assert_gt(latest, checked * 8 / 10);
	dec_free(&d);
	free(ut);
	free(cells);
	runfile_close(rf);
}

static double json_number(const char *json, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(json, pat);
	cr_assert_not_null(p, "no %s in %.200s", key, json);
	return strtod(p + strlen(pat), NULL);
}

static char *slurp_cmd(const char *cmd)
{
	static char buf[1 << 20];
	size_t n;
	FILE *p = popen(cmd, "r");

	cr_assert_not_null(p);
	n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = '\0';
	cr_assert_eq(pclose(p), 0, "'%s' failed", cmd);
	return buf;
}

/* The host grades the guest's run: the pack resistance from the pulse on a
 * real bus matches the simulator's truth. */
Test(e2e, host_grades_the_guest_run)
{
	char cmd[2200];
	const char *json;
	double dcir_mohm, truth_mohm = 0;
	static char truth[1 << 20];
	const char *p;
	size_t n;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "%s grade '%s' --json", bench_bin(),
		 out_path("run.h5"));
	json = slurp_cmd(cmd);
	cr_assert(strstr(json, "\"pack_id\":\"QEMU-PACK-1\""), "%.300s", json);
	cr_assert(strstr(json, "\"grade\":\""), "%.300s", json);
	dcir_mohm = json_number(json, "dcir_mohm");

	/* every cell's r0_mohm, wherever the writer breaks its lines */
	f = fopen(out_path("truth.json"), "r");
	cr_assert_not_null(f, "no truth.json");
	n = fread(truth, 1, sizeof(truth) - 1, f);
	fclose(f);
	truth[n] = '\0';
	for (p = strstr(truth, "\"r0_mohm\":"); p;
	     p = strstr(p + 1, "\"r0_mohm\":"))
		truth_mohm += json_number(p, "r0_mohm");
	fprintf(stderr,
		"pack DCIR %.2f mOhm from the real-bus run, truth R0 "
		"sum %.2f mOhm\n",
		dcir_mohm, truth_mohm);
	cr_assert_gt(truth_mohm, 10);
	cr_assert_lt(fabs(dcir_mohm - truth_mohm) / truth_mohm, 0.15);
}

Test(e2e, silent_pack_aborts_within_the_heartbeat_timeout)
{
	struct runfile *rf = open_run("run-silent.h5");
	const struct run_meta *m = runfile_meta(rf);
	struct run_event ev;
	struct decoded d;
	double abort_unix;

	print_events(rf);
	cr_assert_str_eq(m->status, "aborted");
	cr_assert(strstr(m->end_reason, "BMS"), "end: %s", m->end_reason);
	cr_assert(has_event(rf, "BMS_TIMEOUT", NULL, &ev),
		  "no BMS_TIMEOUT event");
	decode_capture(capture_file("silent"), &d);
	abort_unix = ev.t_s + unix_offset(rf);
	fprintf(stderr, "last BMS frame %.3f, abort %.3f: %.3f s later\n",
		d.last_bms_t, abort_unix, abort_unix - d.last_bms_t);
	cr_assert_gt(abort_unix, d.last_bms_t);
	cr_assert_lt(abort_unix - d.last_bms_t, SILENT_ABORT_MAX_S);
	dec_free(&d);
	runfile_close(rf);
}

Test(e2e, warning_and_passive_frames_are_warnings)
{
	struct runfile *rf = open_run("run-warning.h5");
	const struct run_meta *m = runfile_meta(rf);

	print_events(rf);
	cr_assert_str_eq(m->status, "complete", "end: %s", m->end_reason);
	cr_assert(has_event(rf, NULL, "error-warning", NULL));
	cr_assert(has_event(rf, NULL, "error-passive", NULL));
	/* vcan0's status at the start, at each state change, at the end */
	{
		double t0, t1;
		size_t n = can_status_events(rf, "vcan0: state ", &t0, &t1);

		cr_assert_geq(n, 4, "%zu bench:CAN_STATUS events for vcan0", n);
		cr_assert_lt(t0, 1.0, "first CAN_STATUS at %.3f s", t0);
		cr_assert_geq(t1, last_row_t(rf) - 1.0,
			      "last CAN_STATUS at %.3f s", t1);
	}
	runfile_close(rf);
}

Test(e2e, bus_off_stops_the_run)
{
	struct runfile *rf = open_run("run-busoff.h5");
	const struct run_meta *m = runfile_meta(rf);

	print_events(rf);
	cr_assert_str_eq(m->status, "aborted");
	cr_assert(strstr(m->end_reason, "BUS_OFF"), "end: %s", m->end_reason);
	cr_assert(has_event(rf, "BUS_OFF", NULL, NULL));
	runfile_close(rf);
}

Test(e2e, bus_off_with_restart_ms_waits_and_goes_on)
{
	struct runfile *rf = open_run("run-busoff-restart.h5");
	const struct run_meta *m = runfile_meta(rf);

	print_events(rf);
	cr_assert_str_eq(m->status, "complete", "end: %s", m->end_reason);
	cr_assert(has_event(rf, "BUS_OFF", "wait", NULL),
		  "no bus-off event saying the controller waits");
	cr_assert(has_event(rf, "BUS_RESTARTED", NULL, NULL),
		  "no event for the bus coming back");
	runfile_close(rf);
}

/* tests/hw/test_canif.c's read-back of can0 and can1 through libsocketcan,
 * kept by the guest in can-status.txt. */
Test(e2e, controller_state_and_error_counters_recorded)
{
	FILE *f = fopen(out_path("can-status.txt"), "r");
	char line[256];
	int can0 = 0, can1 = 0;

	cr_assert_not_null(f, "no can-status.txt");
	while (fgets(line, sizeof(line), f)) {
		if (strcmp(line, "can0: state=error-active bitrate=500000 "
				 "txerr=0 rxerr=0\n") == 0)
			can0++;
		if (strcmp(line, "can1: state=error-active bitrate=500000 "
				 "txerr=0 rxerr=0\n") == 0)
			can1++;
	}
	fclose(f);
	cr_assert_gt(can0, 0, "no error-active 500 kbit/s read-back of can0");
	cr_assert_gt(can1, 0, "no error-active 500 kbit/s read-back of can1");
}
