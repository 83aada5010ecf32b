/* SPDX-License-Identifier: Apache-2.0 */
/* watch.c - the live status line of a run in another process. */
#define LOG_PREFIX "watch"

#include "bench/recipe.h"
#include "app/watch.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "runfile/runfile.h"
#include "runfile/runlock.h"
#include "app/ctlsock.h"
#include "app/status.h"
#include "common/json.h"
#include "common/log.h"
#include "common/rc.h"

#define WATCH_PERIOD_US 1000000

/* The live sockets in dir: count, the last in found, all in list. */
static unsigned scan_dir(const char *dir, char *found, size_t len, char *list,
			 size_t list_len)
{
	struct dirent *de;
	unsigned n = 0;
	size_t used = 0;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		char path[512];

		if (l <= 5 || strcmp(de->d_name + l - 5, ".sock"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (!ctlsock_path_live(path))
			continue; /* left behind by a killed run */
		snprintf(found, len, "%s", path);
		if (used < list_len)
			used += (size_t)snprintf(list + used, list_len - used,
						 "\n  %.*s", (int)(l - 5),
						 de->d_name);
		n++;
	}
	closedir(d);
	return n;
}

int watch_only_socket(char *path, size_t len)
{
	char dir[200], found[512] = "", list[1024] = "";
	unsigned n;

	TRY(ctlsock_dir(dir, sizeof(dir)));
	n = scan_dir(dir, found, sizeof(found), list, sizeof(list));
	if (n == 0) {
		log_err("no run in '%s': name the pack id (a service's runs "
			"are in %s) or set BENCH_RUNTIME_DIR",
			dir, CTLSOCK_SERVICE_DIR);
		return BENCH_ERR_ARG;
	}
	if (n > 1) {
		log_err("%u runs in '%s': name one:%s", n, dir, list);
		return BENCH_ERR_ARG;
	}
	snprintf(path, len, "%s", found);
	return BENCH_OK;
}

static int watch_socket(const char *path, bool once)
{
	struct status_out o;
	char reply[4096], line[512], state[32];

	status_out_init(&o, stdout, 1.0);
	for (;;) {
		if (ctlsock_request(path, "status", reply, sizeof(reply),
				    3000) < 0) {
			status_out_end(&o);
			return once ? 1 : 0;
		}
		json_scan_str(reply, "line", line, sizeof(line));
		json_scan_str(reply, "state", state, sizeof(state));
		if (o.tty) {
			printf("\r[%s] %s\033[K", state, line);
			o.line_open = true;
		} else {
			printf("[%s] %s\n", state, line);
		}
		fflush(stdout);
		if (once)
			break;
		usleep(WATCH_PERIOD_US);
	}
	status_out_end(&o);
	return 0;
}

static double col_last(struct runfile *rf, const char *name, size_t row)
{
	double v = NAN;

	if (runfile_read_col(rf, name, row, 1, &v) < 0)
		return NAN;
	return v;
}

static int file_status(struct runfile *rf, size_t rows, struct run_status *st)
{
	const struct run_meta *m = runfile_meta(rf);
	size_t r = rows - 1;
	unsigned nc = m->series, np = m->n_probes;
	float *cells = calloc(nc + np + 1, sizeof(float));
	int rc = BENCH_OK;

	if (!cells)
		return BENCH_ERR_MEM;
	memset(st, 0, sizeof(*st));
	snprintf(st->pack_id, sizeof(st->pack_id), "%s", m->pack_id);
	snprintf(st->state, sizeof(st->state), "%s", m->status);
	st->test_s = col_last(rf, "test_time_second", r);
	st->pack_V = col_last(rf, "voltage_volt", r);
	st->pack_A = col_last(rf, "current_ampere", r);
	st->step_line = (unsigned)col_last(rf, "step_index", r);
	st->step_count = (uint32_t)col_last(rf, "step_count", r);
	st->cycle_count = (uint32_t)col_last(rf, "cycle_count", r);
	st->charge_Ah = col_last(rf, "charging_capacity_ah", r);
	st->discharge_Ah = col_last(rf, "discharging_capacity_ah", r);
	if (m->recipe_text)
		recipe_line_text(m->recipe_text, st->step_line, st->step_text,
				 sizeof(st->step_text));
	if (nc && runfile_read_cells(rf, "voltage_volt", r, 1, cells) == 0) {
		for (unsigned i = 0; i < nc; i++) {
			if (isnan(cells[i]))
				continue;
			if (!st->min_cell || cells[i] < st->min_cell_V)
				st->min_cell = (int)i + 1,
				st->min_cell_V = cells[i];
			if (!st->max_cell || cells[i] > st->max_cell_V)
				st->max_cell = (int)i + 1,
				st->max_cell_V = cells[i];
		}
	}
	if (np &&
	    runfile_read_cells(rf, "temperature_celsius", r, 1, cells) == 0) {
		for (unsigned i = 0; i < np; i++)
			if (!isnan(cells[i]) &&
			    (!st->max_probe || cells[i] > st->max_temp_C))
				st->max_probe = (int)i + 1,
				st->max_temp_C = cells[i];
	}
	free(cells);
	return rc;
}

/* A file that says "running" but whose writer is gone: say so, and
 * since when (the last sample's wall time). */
static void say_not_running(const char *path, struct runfile *rf, size_t rows)
{
	double unix_s = rows ? col_last(rf, "unix_time_second", rows - 1) : NAN;
	double test_s = rows ? col_last(rf, "test_time_second", rows - 1) : NAN;
	char when[40] = "no sample";
	time_t t = (time_t)unix_s;
	struct tm tm;

	if (isfinite(unix_s) && gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("%s: not running: its writer stopped without closing it; last "
	       "sample %s (test time %.1f s); 'bench resume %s' continues "
	       "it\n",
	       path, when, test_s, path);
}

static int watch_file(const char *path, bool once)
{
	struct runfile *rf = NULL;
	struct status_out o;
	struct run_status st;
	char line[512];

	if (runfile_open(path, &rf) < 0)
		return 1;
	status_out_init(&o, stdout, 1.0);
	for (;;) {
		size_t rows = runfile_refresh(rf);
		const struct run_meta *m = runfile_meta(rf);
		bool running = !strcmp(m->status, "running");
		/* "running" in the file is only true while a writer holds it */
		bool dead = running && runlock_holder(path) == 0;
		const char *state = dead ? "not running" : m->status;

		if (rows && file_status(rf, rows, &st) == BENCH_OK) {
			status_line(&st, line, sizeof(line));
			if (o.tty && running && !dead && !once) {
				printf("\r[%s] %s\033[K", state, line);
				o.line_open = true;
			} else {
				printf("[%s] %s\n", state, line);
			}
			fflush(stdout);
		}
		if (dead) {
			status_out_end(&o);
			say_not_running(path, rf, rows);
			runfile_close(rf);
			return 0;
		}
		if (once || !running)
			break;
		usleep(WATCH_PERIOD_US);
	}
	status_out_end(&o);
	if (strcmp(runfile_meta(rf)->status, "running"))
		printf("%s: %s%s%s\n", path, runfile_meta(rf)->status,
		       runfile_meta(rf)->end_reason[0] ? ": " : "",
		       runfile_meta(rf)->end_reason);
	runfile_close(rf);
	return 0;
}

int watch_main(const char *what, bool once)
{
	char path[256];
	struct stat sb;
	size_t n = what ? strlen(what) : 0;

	if (what && ((n > 3 && !strcmp(what + n - 3, ".h5")) ||
		     (stat(what, &sb) == 0 && S_ISREG(sb.st_mode))))
		return watch_file(what, once);
	if (what ? ctlsock_resolve(what, path, sizeof(path)) < 0
		 : watch_only_socket(path, sizeof(path)) < 0)
		return 1;
	return watch_socket(path, once);
}
