/* SPDX-License-Identifier: Apache-2.0 */
/* labrow.c - fold a bench's telemetry messages into one row. */
#include "app/labrow.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/json.h"

bool labrow_topic(const char *topic, char *id, size_t id_len, const char **kind)
{
	const char *start = topic + 6, *slash;

	if (strncmp(topic, "bench/", 6) || !(slash = strchr(start, '/')) ||
	    slash == start || (size_t)(slash - start) >= id_len)
		return false;
	snprintf(id, id_len, "%.*s", (int)(slash - start), start);
	*kind = slash + 1;
	return true;
}

static void take_status(struct lab_row *r, const char *js)
{
	json_scan_str(js, "lab", r->lab, sizeof(r->lab));
	json_scan_str(js, "pack_id", r->pack, sizeof(r->pack));
	json_scan_str(js, "state", r->state, sizeof(r->state));
	json_scan_str(js, "step", r->step, sizeof(r->step));
	json_scan_str(js, "last_alarm", r->alarm, sizeof(r->alarm));
	json_scan_num(js, "t", &r->t);
	json_scan_num(js, "voltage_volt", &r->v);
	json_scan_num(js, "current_ampere", &r->i);
	json_scan_num(js, "cell_voltage_min_volt", &r->vmin);
	json_scan_num(js, "cell_voltage_min_cell", &r->cmin);
	json_scan_num(js, "cell_voltage_max_volt", &r->vmax);
	json_scan_num(js, "cell_voltage_max_cell", &r->cmax);
	json_scan_num(js, "temperature_max_celsius", &r->tmax);
	r->have_status = true;
}

bool labrow_take(struct lab_row *r, const char *kind, const char *js)
{
	char sev[16], code[64], msg[160];

	if (!strcmp(kind, "status")) {
		take_status(r, js);
	} else if (!strcmp(kind, "online")) {
		r->online_known = true;
		r->online = strstr(js, "\"online\":true") != NULL;
	} else if (!strcmp(kind, "grade")) {
		/* "grade" is the grade JSON's first such key */
		r->have_grade =
		    json_scan_str(js, "grade", r->grade, sizeof(r->grade)) == 0;
		json_scan_str(js, "status", r->grade_status,
			      sizeof(r->grade_status));
	} else if (!strcmp(kind, "event") &&
		   json_scan_str(js, "severity", sev, sizeof(sev)) == 0 &&
		   strcmp(sev, "info")) {
		json_scan_str(js, "code", code, sizeof(code));
		json_scan_str(js, "message", msg, sizeof(msg));
		snprintf(r->alarm, sizeof(r->alarm), "%s: %s", code, msg);
	} else {
		return false;
	}
	return true;
}

static void num(struct json *j, const char *key, bool known, double x,
		const char *fmt)
{
	json_key(j, key);
	if (known && isfinite(x))
		json_num(j, x, fmt);
	else
		json_null(j);
}

void labrow_json(const struct lab_row *r, struct json *j)
{
	bool s = r->have_status;

	json_obj(j);
	json_key_str(j, "bench_id", r->id);
	json_key(j, "online");
	if (r->online_known)
		json_bool(j, r->online);
	else
		json_null(j);
	json_key_str(j, "lab", r->lab);
	json_key_str(j, "pack_id", r->pack);
	json_key_str(j, "state", s ? r->state : "");
	json_key_str(j, "step", r->step);
	num(j, "t", s, r->t, "%.1f");
	num(j, "voltage_volt", s, r->v, "%.3f");
	num(j, "current_ampere", s, r->i, "%.3f");
	num(j, "cell_voltage_min_volt", s, r->vmin, "%.4f");
	num(j, "cell_voltage_min_cell", s, r->cmin, "%.0f");
	num(j, "cell_voltage_max_volt", s, r->vmax, "%.4f");
	num(j, "cell_voltage_max_cell", s, r->cmax, "%.0f");
	num(j, "temperature_max_celsius", s, r->tmax, "%.1f");
	json_key_str(j, "last_alarm", r->alarm);
	json_key(j, "grade");
	if (r->have_grade)
		json_str(j, r->grade);
	else
		json_null(j);
	json_key_str(j, "grade_status", r->grade_status);
	json_end(j);
}
