/* SPDX-License-Identifier: Apache-2.0 */
/* telemetry_json.c - status, event and online payloads. */
#include "app/telemetry_json.h"

#include <math.h>

#include "common/json.h"

static void head(struct json *j, const struct telemetry_json_ctx *x)
{
	json_obj(j);
	json_key_str(j, "schema", TELEMETRY_SCHEMA);
	json_key_str(j, "bench_id", x->bench_id);
	json_key_str(j, "lab", x->lab ? x->lab : "");
}

/* a 1-based index, null when not seen yet */
static void key_index(struct json *j, const char *key, int i)
{
	json_key(j, key);
	if (i > 0)
		json_int(j, i);
	else
		json_null(j);
}

int telemetry_json_status(const struct telemetry_json_ctx *x,
			  const struct run_status *st, char *buf, size_t len)
{
	struct json j;

	json_init_buf(&j, buf, len);
	head(&j, x);
	json_key_str(&j, "pack_id", st->pack_id);
	json_key_str(&j, "state", st->state);
	json_key_str(&j, "step", st->step_text);
	json_key_uint(&j, "step_line", st->step_line);
	json_key_uint(&j, "step_count", st->step_count);
	json_key_num(&j, "t", st->test_s, "%.1f");
	json_key_num(&j, "voltage_volt", st->pack_V, "%.3f");
	json_key_num(&j, "current_ampere", st->pack_A, "%.3f");
	json_key_num(&j, "soc_percent", st->have_soc ? st->soc_pct : NAN,
		     "%.1f");
	json_key_num(&j, "cell_voltage_min_volt",
		     st->min_cell ? st->min_cell_V : NAN, "%.4f");
	key_index(&j, "cell_voltage_min_cell", st->min_cell);
	json_key_num(&j, "cell_voltage_max_volt",
		     st->max_cell ? st->max_cell_V : NAN, "%.4f");
	key_index(&j, "cell_voltage_max_cell", st->max_cell);
	json_key_num(&j, "temperature_max_celsius",
		     st->max_probe ? st->max_temp_C : NAN, "%.1f");
	key_index(&j, "temperature_max_probe", st->max_probe);
	json_key_num(&j, "charge_ampere_hour", st->charge_Ah, "%.4f");
	json_key_num(&j, "discharge_ampere_hour", st->discharge_Ah, "%.4f");
	json_key_str(&j, "last_alarm", x->last_alarm ? x->last_alarm : "");
	json_key_uint(&j, "telemetry_dropped", x->dropped);
	json_end(&j);
	return json_finish(&j);
}

int telemetry_json_event(const struct telemetry_json_ctx *x,
			 const char *pack_id, const struct run_event *ev,
			 char *buf, size_t len)
{
	struct json j;

	json_init_buf(&j, buf, len);
	head(&j, x);
	json_key_str(&j, "pack_id", pack_id);
	json_key_num(&j, "t", ev->t_s, "%.3f");
	json_key_str(&j, "severity", ev->severity);
	json_key_str(&j, "code", ev->code);
	json_key_str(&j, "message", ev->message);
	json_end(&j);
	return json_finish(&j);
}

int telemetry_json_online(const struct telemetry_json_ctx *x, bool online,
			  char *buf, size_t len)
{
	struct json j;

	json_init_buf(&j, buf, len);
	head(&j, x);
	json_key(&j, "online");
	json_bool(&j, online);
	json_end(&j);
	return json_finish(&j);
}
