/* SPDX-License-Identifier: Apache-2.0 */
/* status.h - what an operator sees of a running test.
 *
 * The controller's struct run_status (bench/run_status.h) in three
 * renderings: the live status line on a terminal, plain log lines when
 * stdout is not a terminal, and the control socket's JSON.
 */
#ifndef BENCH_STATUS_H
#define BENCH_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bench/run_status.h"

/* "line 12 Discharge at C/3 until 2.5 V | 01:23:45 | 352.1 V -31.3 A |
 *  SOC 48.5 % | cell 3.402 V (#17) .. 3.451 V (#40) | 27 C (#3) |
 *  +0.00/-27.50 Ah" */
int status_line(const struct run_status *st, char *buf, size_t len);
/* One JSON object, no newline; "line" carries status_line's text.
 * Returns its length, or BENCH_ERR_ARG when it does not fit len. */
int status_json(const struct run_status *st, char *buf, size_t len);
/* Elapsed "HH:MM:SS" (days as "Nd HH:MM:SS"). */
void status_hms(double s, char *buf, size_t len);

/* The live line: on a TTY rewritten in place at most every 200 ms of wall
 * time, otherwise a plain line every log_every_s of wall time (and when
 * forced, e.g. at a step change). */
struct status_out {
	FILE *f;
	bool tty;
	double log_every_s;
	double last_wall_s;
	bool line_open; /* a TTY line is on screen, not ended */
};
void status_out_init(struct status_out *o, FILE *f, double log_every_s);
void status_out_update(struct status_out *o, const struct run_status *st,
		       bool force);
/* A message between status lines (step started, warning): ends the live
 * line first so the message does not overwrite it. */
void status_out_note(struct status_out *o, const char *msg);
void status_out_end(struct status_out *o);

#endif
