/* SPDX-License-Identifier: Apache-2.0 */
/* labrow.h - one bench as the lab sees it on the broker: the latest of its
 * retained status, online and grade topics and its last alarm
 * (docs/telemetry.md). Shared by `bench lab` and `bench lab serve`. */
#ifndef BENCH_APP_LABROW_H
#define BENCH_APP_LABROW_H

#include <stdbool.h>
#include <stddef.h>

struct json;

struct lab_row {
	char id[64], lab[64], pack[64], state[16], step[80], alarm[240];
	char grade[16], grade_status[16];
	double t, v, i, vmin, vmax, tmax, cmin, cmax;
	bool have_status, online_known, online, have_grade;
};

/* bench/<id>/<kind>: id into id (false when the topic is not of that
 * form or the id does not fit), *kind points into topic. */
bool labrow_topic(const char *topic, char *id, size_t id_len,
		  const char **kind);

/* Take one message (payload NUL-terminated) of kind status, online,
 * grade or event. False when nothing the row shows changed (an info
 * event, another kind). */
bool labrow_take(struct lab_row *r, const char *kind, const char *js);

/* The row as one JSON object; values not known yet are null. */
void labrow_json(const struct lab_row *r, struct json *j);

#endif
