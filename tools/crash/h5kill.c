/* SPDX-License-Identifier: Apache-2.0 */
/* h5kill - how much data does a SIGKILL cost? The writer alone, in real
 * time, as on a bench.
 *
 *   h5kill RUN.h5 SEED KILLS RATE_HZ
 *
 * A child logs RATE_HZ samples per second of wall time through h5log
 * (unix_time_second = the wall clock when the sample was taken; a step
 * row and h5log_flush every 5 s as at step ends), resuming the file when
 * it exists. The parent SIGKILLs it after a seeded random 0.3-3 s, reads
 * the file in SWMR mode, checks it, and takes kill time minus the last
 * row's time as the data lost. Prints the worst and mean loss; exit 1 if
 * any kill lost more than one second or left an inconsistent file.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runfile/runfile.h"
#include "runfile/h5log.h"
#include "common/clock.h"

#define SERIES 96
#define PROBES 16

static double wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void sleep_until(struct timespec *next, long period_ns)
{
	next->tv_nsec += period_ns;
	while (next->tv_nsec >= 1000000000L) {
		next->tv_nsec -= 1000000000L;
		next->tv_sec++;
	}
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, next, NULL);
}

static void child(const char *path, double rate_hz, unsigned seed)
{
	struct run_meta m = {.series = SERIES,
			     .parallel = 1,
			     .modules = 8,
			     .n_probes = PROBES,
			     .rated_capacity_ah = 94};
	struct h5log_tail tail = {0};
	struct h5log *l = NULL;
	float cv[SERIES], ct[PROBES];
	struct run_sample s = {.cell_voltage_V = cv, .cell_temperature_C = ct};
	struct timespec next;
	double t0 = 0;
	uint32_t step = 1;

	if (access(path, F_OK) == 0) {
		if (h5log_open_resume(path, NULL, &m, &tail, &l) < 0)
			_exit(3);
		if (tail.has_last) {
			t0 = tail.last.test_time_s + 1.0 / rate_hz;
			step = tail.last.step_count + 1;
		}
	} else {
		snprintf(m.pack_id, sizeof(m.pack_id), "h5kill");
		if (h5log_create(path, &m, NULL, &l) < 0)
			_exit(3);
	}
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (uint64_t i = 0;; i++) {
		s.test_time_s = t0 + (double)i / rate_hz;
		s.unix_time_s = wall_s();
		s.voltage_V = 355.0f;
		s.current_A = -31.0f;
		s.step_count = step;
		for (int c = 0; c < SERIES; c++)
			cv[c] = 3.7f + (float)(rand_r(&seed) % 2000) * 1e-6f;
		for (int p = 0; p < PROBES; p++)
			ct[p] = 25.0f + (float)(rand_r(&seed) % 20) * 0.1f;
		if (h5log_push_sample(l, &s) < 0)
			_exit(4);
		if (i % (uint64_t)(5 * rate_hz) ==
		    (uint64_t)(5 * rate_hz) - 1) {
			struct run_step st = {.step_count = step++,
					      .end_s = s.test_time_s};

			snprintf(st.kind, sizeof(st.kind), "rest");
			if (h5log_push_step(l, &st) < 0 || h5log_flush(l) < 0)
				_exit(5);
		}
		sleep_until(&next, (long)(1e9 / rate_hz));
	}
}

int main(int argc, char **argv)
{
	unsigned seed, kills;
	double rate, worst = 0, sum = 0;
	int fail = 0;

	if (argc != 5) {
		fprintf(stderr, "usage: h5kill RUN.h5 SEED KILLS RATE_HZ\n");
		return 2;
	}
	seed = (unsigned)atoi(argv[2]);
	kills = (unsigned)atoi(argv[3]);
	rate = atof(argv[4]);
	unlink(argv[1]);
	for (unsigned k = 0; k < kills; k++) {
		double delay = 0.3 + (double)(rand_r(&seed) % 2700) / 1000.0;
		struct timespec ts = {(time_t)delay,
				      (long)((delay - (long)delay) * 1e9)};
		struct runfile *rf = NULL;
		double t_kill, last_unix = 0, *t;
		size_t rows;
		int status;
		pid_t pid = fork();

		if (pid == 0)
			child(argv[1], rate, seed + k);
		nanosleep(&ts, NULL);
		t_kill = wall_s();
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		if (!WIFSIGNALED(status)) {
			fprintf(stderr, "kill %u: writer exited %d first\n", k,
				WEXITSTATUS(status));
			return 1;
		}
		if (runfile_open(argv[1], &rf) < 0) {
			fprintf(stderr, "kill %u: file unreadable\n", k);
			return 1;
		}
		rows = runfile_rows(rf);
		t = malloc((rows + 1) * sizeof(double));
		if (!t ||
		    runfile_read_col(rf, "test_time_second", 0, rows, t) < 0 ||
		    runfile_read_col(rf, "unix_time_second", rows - 1, 1,
				     &last_unix) < 0) {
			fprintf(stderr, "kill %u: rows unreadable\n", k);
			return 1;
		}
		for (size_t i = 1; i < rows; i++) {
			if (!(t[i] > t[i - 1])) {
				fprintf(stderr,
					"kill %u: time not increasing "
					"at row %zu\n",
					k, i);
				fail = 1;
				break;
			}
		}
		free(t);
		runfile_close(rf);
		if (t_kill - last_unix > worst)
			worst = t_kill - last_unix;
		sum += t_kill - last_unix;
		printf("kill %2u after %.2f s: %zu rows, lost %.3f s\n", k,
		       delay, rows, t_kill - last_unix);
	}
	printf("h5kill: %u kills at %.0f Hz: data lost per kill worst %.3f s, "
	       "mean %.3f s (target <= 1 s)\n",
	       kills, rate, worst, sum / kills);
	return fail || worst > 1.0;
}
