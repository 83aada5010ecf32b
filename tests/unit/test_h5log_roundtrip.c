/* SPDX-License-Identifier: Apache-2.0 */
/* h5log -> runfile round trip: every column, the cells tables, units
 * attributes, steps, events, status transitions, ring overflow. */
#include <criterion/criterion.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runfile/runfile.h"
#include "runfile/h5log.h"
#include "common/rc.h"
#include "support.h"

#define SERIES 6
#define PROBES 3

static void meta_fill(struct run_meta *m)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->pack_id, sizeof(m->pack_id), "PK-0042");
	snprintf(m->pack_model, sizeof(m->pack_model), "test-6s");
	snprintf(m->chemistry, sizeof(m->chemistry), "nmc");
	m->series = SERIES;
	m->parallel = 1;
	m->modules = 2;
	m->n_probes = PROBES;
	m->rated_capacity_ah = 94.0;
	snprintf(m->software_version, sizeof(m->software_version), "0.1.0");
	m->recipe_text =
	    strdup("Discharge at C/3 until 2.5 V\nRest for 1 hour\n");
	snprintf(m->recipe_sha256, sizeof(m->recipe_sha256), "%064d", 7);
	snprintf(m->instrument_id, sizeof(m->instrument_id), "SIM,CYCLER,0,1");
	snprintf(m->bench_id, sizeof(m->bench_id), "bench-3");
	snprintf(m->operator_name, sizeof(m->operator_name), "ana");
	snprintf(m->start_time_utc, sizeof(m->start_time_utc),
		 "2026-11-26T07:00:00Z");
}

static void sample_fill(struct run_sample *s, size_t i, float *cv, float *ct)
{
	memset(s, 0, sizeof(*s));
	s->test_time_s = 0.1 * (double)i;
	s->unix_time_s = 1.8e9 + 0.1 * (double)i;
	s->voltage_V = 350.0f + (float)(i % 100) * 0.01f;
	s->current_A = -31.3f;
	s->power_W = s->voltage_V * s->current_A;
	s->step_count = (uint32_t)(i / 100) + 1;
	s->step_index = 7;
	s->cycle_count = 1;
	s->charge_Ah = 0.001 * (double)i;
	s->discharge_Ah = 0.002 * (double)i;
	s->charge_Wh = 0.3 * (double)i;
	s->discharge_Wh = 0.6 * (double)i;
	s->ambient_C = 24.5f;
	for (int c = 0; c < SERIES; c++)
		cv[c] = 3.6f + 0.001f * (float)c + 0.0001f * (float)(i % 50);
	for (int p = 0; p < PROBES; p++)
		ct[p] = 25.0f + (float)p;
	s->cell_voltage_V = cv;
	s->cell_temperature_C = ct;
}

static void push_n(struct h5log *l, size_t from, size_t n)
{
	float cv[SERIES], ct[PROBES];
	struct run_sample s;

	for (size_t i = from; i < from + n; i++) {
		sample_fill(&s, i, cv, ct);
		cr_assert_eq(h5log_push_sample(l, &s), BENCH_OK);
	}
}

static char *units_of(const char *path, const char *dset)
{
	hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	hid_t d = H5Dopen2(f, dset, H5P_DEFAULT);
	hid_t a = H5Aopen(d, "units", H5P_DEFAULT);
	hid_t t = H5Aget_type(a);
	char *ret;

	cr_assert_eq(H5Tis_variable_str(t), 0, "fixed-length strings only");
	ret = calloc(1, H5Tget_size(t) + 1);
	cr_assert_geq(H5Aread(a, t, ret), 0, "units of %s", dset);
	H5Tclose(t);
	H5Aclose(a);
	H5Dclose(d);
	H5Fclose(f);
	return ret;
}

/* a test that hangs fails instead of blocking the run */
TestSuite(h5log, .timeout = 20);

Test(h5log, round_trip_every_column_steps_events_units)
{
	char *dir = tmpdir_new("h5rt");
	char path[512];
	struct run_meta m;
	struct h5log *l = NULL;
	struct runfile *rf = NULL;
	struct run_step st = {.step_count = 1,
			      .step_index = 7,
			      .kind = "discharge",
			      .tag = "capacity",
			      .start_s = 0,
			      .end_s = 99.9,
			      .end_reason = "cell voltage 2.5 V",
			      .discharge_Ah = 80.8,
			      .discharge_Wh = 28400,
			      .start_V = 400,
			      .end_V = 300};
	struct run_event ev = {.t_s = 12.5,
			       .severity = "warning",
			       .code = "cell_spread",
			       .message = "cell 17 low by 61 mV"};
	const size_t n = 2500;

	snprintf(path, sizeof(path), "%s/run.h5", dir);
	meta_fill(&m);
	cr_assert_eq(h5log_create(path, &m, NULL, &l), BENCH_OK);
	push_n(l, 0, n);
	cr_assert_eq(h5log_push_step(l, &st), BENCH_OK);
	cr_assert_eq(h5log_push_event(l, &ev), BENCH_OK);
	cr_assert_eq(h5log_close(l, "complete", "recipe finished"), BENCH_OK);
	cr_assert_eq(access(path, F_OK), 0);

	cr_assert_eq(runfile_open(path, &rf), BENCH_OK);
	const struct run_meta *rm = runfile_meta(rf);
	cr_assert_str_eq(rm->pack_id, "PK-0042");
	cr_assert_str_eq(rm->chemistry, "nmc");
	cr_assert_str_eq(rm->status, "complete");
	cr_assert_str_eq(rm->end_reason, "recipe finished");
	cr_assert_str_eq(rm->operator_name, "ana");
	cr_assert_str_eq(rm->instrument_id, "SIM,CYCLER,0,1");
	cr_assert_str_eq(rm->recipe_text, m.recipe_text);
	cr_assert_eq(rm->series, SERIES);
	cr_assert_eq(rm->n_probes, PROBES);
	cr_assert_eq(rm->modules, 2);
	cr_assert_float_eq(rm->rated_capacity_ah, 94.0, 1e-12);
	cr_assert_eq(rm->resumed_times, 0);
	cr_assert_eq(runfile_rows(rf), n);

	double *col = calloc(n, sizeof(double));
	float *cells = calloc(n * SERIES, sizeof(float));
	float *temps = calloc(n * PROBES, sizeof(float));
	float cv[SERIES], ct[PROBES];
	struct run_sample s;
	const struct run_col *cols = run_cols();

	for (int c = 0; c < RUN_N_COLS; c++) {
		cr_assert_eq(runfile_read_col(rf, cols[c].name, 0, n, col),
			     BENCH_OK, "%s", cols[c].name);
		for (size_t i = 0; i < n; i += 97) {
			double want;
			const char *p;

			sample_fill(&s, i, cv, ct);
			p = (const char *)&s + cols[c].offset;
			if (cols[c].type == RUN_COL_F64)
				want = *(const double *)p;
			else if (cols[c].type == RUN_COL_F32)
				want = *(const float *)p;
			else
				want = *(const uint32_t *)p;
			cr_assert_float_eq(col[i], want, 1e-9, "%s row %zu",
					   cols[c].name, i);
		}
	}
	cr_assert_eq(runfile_read_cells(rf, "/cells/voltage_volt", 0, n, cells),
		     BENCH_OK);
	cr_assert_eq(
	    runfile_read_cells(rf, "/cells/temperature_celsius", 0, n, temps),
	    BENCH_OK);
	sample_fill(&s, 1234, cv, ct);
	for (int c = 0; c < SERIES; c++)
		cr_assert_eq(cells[1234 * SERIES + c], cv[c]);
	cr_assert_eq(temps[1234 * PROBES + 2], 27.0f);
	cr_assert_eq(runfile_read_col(rf, "current_ampere", n - 1, 2, col),
		     BENCH_ERR_ARG, "reading past the end must fail");
	cr_assert_eq(runfile_read_col(rf, "no_such", 0, 1, col), BENCH_ERR_ARG);

	struct run_step *steps;
	struct run_event *evs;
	size_t ns, ne;

	cr_assert_eq(runfile_steps(rf, &steps, &ns), BENCH_OK);
	cr_assert_eq(ns, 1);
	cr_assert_str_eq(steps[0].kind, "discharge");
	cr_assert_str_eq(steps[0].tag, "capacity");
	cr_assert_str_eq(steps[0].end_reason, "cell voltage 2.5 V");
	cr_assert_float_eq(steps[0].discharge_Ah, 80.8, 1e-12);
	cr_assert_float_eq(steps[0].end_s, 99.9, 1e-12);
	cr_assert_eq(steps[0].end_V, 300.0f);
	cr_assert_eq(runfile_events(rf, &evs, &ne), BENCH_OK);
	cr_assert_eq(ne, 1);
	cr_assert_str_eq(evs[0].code, "cell_spread");
	cr_assert_str_eq(evs[0].message, "cell 17 low by 61 mV");
	free(steps);
	free(evs);
	free(col);
	free(cells);
	free(temps);
	runfile_close(rf);

	/* units, read the way a QA script would (plain open: file closed) */
	/* clang-format off */
	const char *want_units[][2] = {
		{ "/timeseries/test_time_second", "s" },
		{ "/timeseries/voltage_volt", "V" },
		{ "/timeseries/current_ampere", "A" },
		{ "/timeseries/power_watt", "W" },
		{ "/timeseries/step_count", "1" },
		{ "/timeseries/charging_capacity_ah", "Ah" },
		{ "/timeseries/discharging_energy_wh", "Wh" },
		{ "/timeseries/ambient_temperature_celsius", "degC" },
		{ "/cells/voltage_volt", "V" },
		{ "/cells/temperature_celsius", "degC" },
	};
	/* clang-format on */
	for (size_t i = 0; i < sizeof(want_units) / sizeof(want_units[0]);
	     i++) {
		char *u = units_of(path, want_units[i][0]);
		cr_assert_str_eq(u, want_units[i][1], "%s", want_units[i][0]);
		free(u);
	}
	run_meta_release(&m);
	free(dir);
}

/* The status is "running" for an SWMR reader while the writer is open,
 * and the final value once it closed. The reader is a child process that
 * touches HDF5 only after the fork. */
Test(h5log, reader_sees_running_then_final_status_while_writing)
{
	char *dir = tmpdir_new("h5swmr");
	char path[512];
	int go[2], back[2];
	pid_t pid;
	char c;

	snprintf(path, sizeof(path), "%s/run.h5", dir);
	cr_assert_eq(pipe(go), 0);
	cr_assert_eq(pipe(back), 0);
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		struct runfile *rf = NULL;
		double t[1000];
		size_t rows, prev;
		int bad = 0;

		if (read(go[0], &c, 1) != 1 || runfile_open(path, &rf) < 0)
			_exit(10);
		if (strcmp(runfile_meta(rf)->status, "running"))
			_exit(11);
		rows = runfile_rows(rf);
		if (rows < 100)
			_exit(12);
		prev = rows;
		/* ask for more rows, see them after a refresh */
		if (write(back[1], "m", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(13);
		rows = runfile_refresh(rf);
		if (rows < prev + 500 || rows > 1000)
			_exit(14);
		if (runfile_read_col(rf, "test_time_second", 0, rows, t) < 0)
			_exit(15);
		for (size_t i = 1; i < rows; i++)
			bad |= !(t[i] > t[i - 1]);
		runfile_close(rf);
		_exit(bad ? 16 : 0);
	}
	struct run_meta m;
	struct h5log *l = NULL;
	int status;

	meta_fill(&m);
	cr_assert_eq(h5log_create(path, &m, NULL, &l), BENCH_OK);
	push_n(l, 0, 100);
	cr_assert_eq(h5log_flush(l), BENCH_OK);
	cr_assert_eq(write(go[1], "g", 1), 1);
	cr_assert_eq(read(back[0], &c, 1), 1);
	push_n(l, 100, 500);
	cr_assert_eq(h5log_flush(l), BENCH_OK);
	cr_assert_eq(write(go[1], "g", 1), 1);
	waitpid(pid, &status, 0);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "SWMR reader child failed with %d", WEXITSTATUS(status));
	cr_assert_eq(h5log_close(l, "aborted", "cell 3 over voltage"),
		     BENCH_OK);

	struct runfile *rf = NULL;
	cr_assert_eq(runfile_open(path, &rf), BENCH_OK);
	cr_assert_str_eq(runfile_meta(rf)->status, "aborted");
	cr_assert_str_eq(runfile_meta(rf)->end_reason, "cell 3 over voltage");
	cr_assert_eq(runfile_rows(rf), 600);
	runfile_close(rf);
	run_meta_release(&m);
	free(dir);
}

Test(h5log, ring_overflow_is_counted_and_evented)
{
	char *dir = tmpdir_new("h5ovf");
	char path[512];
	struct run_meta m;
	struct h5log *l = NULL;
	struct h5log_cfg cfg = {.ring_samples = 8, .start_paused = 1};
	struct h5log_stats st;
	struct runfile *rf = NULL;
	struct run_event *evs;
	size_t ne;

	snprintf(path, sizeof(path), "%s/run.h5", dir);
	meta_fill(&m);
	cr_assert_eq(h5log_create(path, &m, &cfg, &l), BENCH_OK);
	push_n(l, 0, 20); /* 8 fit, 12 dropped: the writer is paused */
	h5log_get_stats(l, &st);
	cr_assert_eq(st.samples_dropped, 12);
	cr_assert_eq(h5log_flush(l), BENCH_OK);
	push_n(l, 20, 5);
	cr_assert_eq(h5log_close(l, "complete", ""), BENCH_OK);

	cr_assert_eq(runfile_open(path, &rf), BENCH_OK);
	cr_assert_eq(runfile_rows(rf), 13);
	cr_assert_eq(runfile_events(rf, &evs, &ne), BENCH_OK);
	cr_assert_eq(ne, 1);
	cr_assert_str_eq(evs[0].code, "ring_overflow");
	cr_assert_str_eq(evs[0].message, "ring overflow: 12 samples dropped");
	cr_assert_float_eq(evs[0].t_s, 1.9, 1e-9, "stamped at the last sample");
	free(evs);
	runfile_close(rf);
	run_meta_release(&m);
	free(dir);
}

Test(h5log, block_when_full_loses_nothing)
{
	char *dir = tmpdir_new("h5blk");
	char path[512];
	struct run_meta m;
	struct h5log *l = NULL;
	struct h5log_cfg cfg = {.ring_samples = 4, .block_when_full = 1};
	struct h5log_stats st;
	struct runfile *rf = NULL;

	snprintf(path, sizeof(path), "%s/run.h5", dir);
	meta_fill(&m);
	cr_assert_eq(h5log_create(path, &m, &cfg, &l), BENCH_OK);
	push_n(l, 0, 3000);
	h5log_get_stats(l, &st);
	cr_assert_eq(st.samples_dropped, 0);
	cr_assert_eq(h5log_close(l, "complete", ""), BENCH_OK);
	cr_assert_eq(runfile_open(path, &rf), BENCH_OK);
	cr_assert_eq(runfile_rows(rf), 3000);
	runfile_close(rf);
	run_meta_release(&m);

	/* the packed file (h5log_close rewrites it) takes appends again */
	struct h5log_tail tail;

	cr_assert_eq(h5log_open_resume(path, NULL, &m, &tail, &l), BENCH_OK);
	cr_assert_eq(tail.rows, 3000);
	cr_assert_float_eq(tail.last.test_time_s, 299.9, 1e-9);
	push_n(l, 3000, 10);
	cr_assert_eq(h5log_close(l, "complete", ""), BENCH_OK);
	h5log_tail_release(&tail);
	run_meta_release(&m);
	cr_assert_eq(runfile_open(path, &rf), BENCH_OK);
	cr_assert_eq(runfile_rows(rf), 3010);
	cr_assert_eq(runfile_meta(rf)->resumed_times, 1);
	runfile_close(rf);
	free(dir);
}

/* A bulk file (bench import): every row back across whole chunks and the
 * partial last one, steps and events row by row, and every chunked
 * dataset still checksummed, its last chunk included (nothing is flushed
 * before the end, so no chunk is left unfiltered). */
Test(h5log, bulk_file_round_trip_every_chunk_checksummed)
{
	static const char *const dsets[] = {"/timeseries/test_time_second",
					    "/timeseries/cycle_count",
					    "/cells/voltage_volt",
					    "/cells/temperature_celsius",
					    "/steps",
					    "/events"};
	char *dir = tmpdir_new("h5bulk");
	char path[512];
	struct run_meta m;
	struct h5log *l = NULL;
	struct h5log_cfg cfg = {
	    .ring_samples = 1000, .block_when_full = 1, .bulk = 1};
	struct runfile *rf = NULL;
	struct run_step st = {.kind = "rest"};
	struct run_event ev = {.severity = "info", .code = "bench:IMPORT"};
	struct run_step *steps;
	struct run_event *evs;
	const size_t n = 40000, at[] = {0, 16383, 16384, 32768, 39999};
	double col[1];
	float cells[SERIES], cv[SERIES], ct[PROBES];
	struct run_sample s;
	size_t ns, ne;
	hid_t f;

	snprintf(path, sizeof(path), "%s/run.h5", dir);
	meta_fill(&m);
	cr_assert_eq(h5log_create(path, &m, &cfg, &l), BENCH_OK);
	for (size_t i = 0; i < n; i += 100) {
		push_n(l, i, 100);
		st.step_count = (uint32_t)(i / 100) + 1;
		cr_assert_eq(h5log_push_step(l, &st), BENCH_OK);
		snprintf(ev.message, sizeof(ev.message), "step %u",
			 st.step_count);
		cr_assert_eq(h5log_push_event(l, &ev), BENCH_OK);
	}
	cr_assert_eq(h5log_close(l, "complete", "imported"), BENCH_OK);

	cr_assert_eq(runfile_open(path, &rf), BENCH_OK);
	cr_assert_str_eq(runfile_meta(rf)->status, "complete");
	cr_assert_eq(runfile_rows(rf), n);
	for (size_t k = 0; k < sizeof(at) / sizeof(at[0]); k++) {
		sample_fill(&s, at[k], cv, ct);
		cr_assert_eq(
		    runfile_read_col(rf, "test_time_second", at[k], 1, col), 0);
		cr_assert_float_eq(col[0], s.test_time_s, 1e-9, "row %zu",
				   at[k]);
		cr_assert_eq(runfile_read_col(rf, "discharging_energy_wh",
					      at[k], 1, col),
			     0);
		cr_assert_float_eq(col[0], s.discharge_Wh, 1e-9, "row %zu",
				   at[k]);
		cr_assert_eq(runfile_read_cells(rf, "/cells/voltage_volt",
						at[k], 1, cells),
			     0);
		cr_assert_eq(cells[SERIES - 1], cv[SERIES - 1], "row %zu",
			     at[k]);
	}
	cr_assert_eq(runfile_steps(rf, &steps, &ns), BENCH_OK);
	cr_assert_eq(ns, n / 100);
	cr_assert_eq(steps[ns - 1].step_count, n / 100);
	cr_assert_eq(runfile_events(rf, &evs, &ne), BENCH_OK);
	cr_assert_eq(ne, n / 100);
	cr_assert_str_eq(evs[ne - 1].message, "step 400");
	free(steps);
	free(evs);
	runfile_close(rf);

	f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	cr_assert_geq(f, 0);
	for (size_t i = 0; i < sizeof(dsets) / sizeof(dsets[0]); i++) {
		hid_t d = H5Dopen2(f, dsets[i], H5P_DEFAULT);
		hid_t dcpl = H5Dget_create_plist(d), sp = H5Dget_space(d);
		unsigned flags, cd[4], mask;
		size_t ncd = 4;
		hsize_t nchunks, coord[2];
		haddr_t addr;
		hsize_t size;

		cr_assert_geq(H5Pget_filter_by_id2(dcpl, H5Z_FILTER_FLETCHER32,
						   &flags, &ncd, cd, 0, NULL,
						   NULL),
			      0, "%s has no Fletcher32 checksum", dsets[i]);
		cr_assert_geq(H5Dget_num_chunks(d, sp, &nchunks), 0);
		cr_assert_gt(nchunks, 0, "%s", dsets[i]);
		cr_assert_geq(H5Dget_chunk_info(d, sp, nchunks - 1, coord,
						&mask, &addr, &size),
			      0);
		cr_assert_eq(mask, 0, "%s: last chunk not filtered", dsets[i]);
		H5Sclose(sp);
		H5Pclose(dcpl);
		H5Dclose(d);
	}
	H5Fclose(f);
	run_meta_release(&m);
	free(dir);
}

Test(h5log, raw_can_frames_are_stored)
{
	char *dir = tmpdir_new("h5can");
	char path[512];
	struct run_meta m;
	struct h5log *l = NULL;
	struct h5log_cfg cfg = {.can_frames = 1};
	struct canframe fr = {.id = CANFRAME_EFF | 0x18FF50E5,
			      .len = 12,
			      .fd = true,
			      .flags = CANFRAME_FD_BRS};
	struct {
		double t;
		uint32_t id;
		uint8_t flags, len;
		uint8_t data[64];
	} row[3];
	hid_t f, d, t, arr;
	hsize_t n64 = 64;

	for (int i = 0; i < 12; i++)
		fr.data[i] = (uint8_t)(0xA0 + i);
	snprintf(path, sizeof(path), "%s/run.h5", dir);
	meta_fill(&m);
	cr_assert_eq(h5log_create(path, &m, &cfg, &l), BENCH_OK);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(h5log_push_frame(l, 0.5 * i, &fr), BENCH_OK);
	cr_assert_eq(h5log_close(l, "complete", ""), BENCH_OK);

	f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	d = H5Dopen2(f, "/can/frames", H5P_DEFAULT);
	cr_assert_geq(d, 0, "/can/frames exists");
	t = H5Tcreate(H5T_COMPOUND, sizeof(row[0]));
	H5Tinsert(t, "test_time_second", 0, H5T_NATIVE_DOUBLE);
	H5Tinsert(t, "id", 8, H5T_NATIVE_UINT32);
	H5Tinsert(t, "flags", 12, H5T_NATIVE_UINT8);
	H5Tinsert(t, "len", 13, H5T_NATIVE_UINT8);
	arr = H5Tarray_create2(H5T_NATIVE_UINT8, 1, &n64);
	H5Tinsert(t, "data", 14, arr);
	cr_assert_geq(H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, row), 0);
	cr_assert_float_eq(row[2].t, 1.0, 1e-12);
	cr_assert_eq(row[1].id, CANFRAME_EFF | 0x18FF50E5);
	cr_assert_eq(row[1].flags, CANFRAME_FD_BRS | CANFRAME_FD_FDF);
	cr_assert_eq(row[1].len, 12);
	cr_assert_eq(row[1].data[11], 0xAB);
	H5Tclose(arr);
	H5Tclose(t);
	H5Dclose(d);
	H5Fclose(f);
	run_meta_release(&m);
	free(dir);
}
