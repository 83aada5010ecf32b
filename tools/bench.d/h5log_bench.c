/* SPDX-License-Identifier: Apache-2.0 */
/* h5log_bench - what the HDF5 writer sustains, and what a run costs on
 * disk. Prints figures; never fails on speed.
 *
 *   h5log_bench DIR
 *
 * 1. Throughput: 100 000 samples as fast as they come (block_when_full,
 *    so nothing is dropped and the figure is the writer's), 96 and 192
 *    cells, 16 probes.
 * 2. File size per hour at 10 Hz: 36 000 samples of slowly drifting cell
 *    voltages with 1 mV BMS quantisation and noise, flushed every 2.5
 *    samples as the writer's 250 ms timer does in real time; the size
 *    of the closed (packed) file, and of the file while it ran.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "runfile/h5log.h"

#define PROBES 16

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Realistic sample i: a C/3 discharge, per-cell offsets, 1 mV steps. */
static void fill(struct run_sample *s, float *cv, float *ct, uint32_t series,
		 size_t i, unsigned *seed)
{
	double t = (double)i * 0.1;
	double ocv = 4.1 - 1.2 * t / 10800.0;

	s->test_time_s = t;
	s->unix_time_s = 1.8e9 + t;
	s->current_A = -31.3f + (float)(rand_r(seed) % 3) * 0.1f;
	s->voltage_V = (float)(ocv * series);
	s->power_W = s->voltage_V * s->current_A;
	s->step_count = 1;
	s->step_index = 8;
	s->discharge_Ah = 31.3 * t / 3600.0;
	s->discharge_Wh = s->discharge_Ah * ocv * series;
	s->ambient_C = 25.0f;
	for (uint32_t c = 0; c < series; c++) {
		double v = ocv - 0.0005 * (c % 7) +
			   0.0015 * ((double)(rand_r(seed) % 1000) / 1000.0);
		cv[c] = (float)(round(v * 1000.0) / 1000.0);
	}
	for (int p = 0; p < PROBES; p++)
		ct[p] = (float)(25 + p % 3 + (rand_r(seed) % 2));
}

static int run(const char *path, uint32_t series, size_t n, size_t flush_every,
	       double *secs, long long *bytes, long long *running_bytes)
{
	struct run_meta m = {.series = series,
			     .parallel = 1,
			     .modules = 8,
			     .n_probes = PROBES,
			     .rated_capacity_ah = 94};
	struct h5log_cfg cfg = {.block_when_full = 1};
	struct h5log *l = NULL;
	float *cv = calloc(series, sizeof(float)), ct[PROBES];
	struct run_sample s = {.cell_voltage_V = cv, .cell_temperature_C = ct};
	unsigned seed = 1;
	struct stat st;
	double t0;

	if (!cv || h5log_create(path, &m, &cfg, &l) < 0)
		return -1;
	t0 = mono_s();
	for (size_t i = 0; i < n; i++) {
		fill(&s, cv, ct, series, i, &seed);
		if (h5log_push_sample(l, &s) < 0)
			return -1;
		if (flush_every && i % flush_every == 0 && h5log_flush(l) < 0)
			return -1;
	}
	if (h5log_flush(l) < 0)
		return -1;
	*secs = mono_s() - t0;
	if (stat(path, &st) < 0)
		return -1;
	*running_bytes = (long long)st.st_size;
	if (h5log_close(l, "complete", "benchmark") < 0)
		return -1;
	free(cv);
	if (stat(path, &st) < 0)
		return -1;
	*bytes = (long long)st.st_size;
	return 0;
}

int main(int argc, char **argv)
{
	char path[512];
	uint32_t series[] = {96, 192};
	double secs;
	long long bytes, running;

	if (argc != 2) {
		fprintf(stderr, "usage: h5log_bench DIR\n");
		return 2;
	}
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/tput%u.h5", argv[1],
			 series[i]);
		if (run(path, series[i], 100000, 0, &secs, &bytes, &running) <
		    0)
			return 1;
		printf("h5log: %3u cells: %.0f samples/s sustained "
		       "(%.0f cell values/s), 100000 samples in %.2f s\n",
		       series[i], 100000 / secs, 100000 * series[i] / secs,
		       secs);
	}
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/hour%u.h5", argv[1],
			 series[i]);
		/* flush every 2.5 samples on average: alternate 2 and 3 */
		if (run(path, series[i], 36000, 3, &secs, &bytes, &running) < 0)
			return 1;
		printf("h5log: %3u cells, %d probes, 10 Hz: %.1f MB per hour "
		       "closed (%.0f bytes per sample, %.1f%% of raw), "
		       "%.1f MB while running; 24 h ~ %.0f MB closed\n",
		       series[i], PROBES, (double)bytes / 1e6,
		       (double)bytes / 36000,
		       100.0 * (double)bytes /
			   (36000.0 * (96 + 4.0 * (series[i] + PROBES))),
		       (double)running / 1e6, 24 * (double)bytes / 1e6);
	}
	return 0;
}
