/* SPDX-License-Identifier: Apache-2.0 */
/* status.c - the operator's live status line and its JSON form. */
#include "status.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/json.h"

#define TTY_MIN_INTERVAL_S 0.2

void status_hms(double s, char *buf, size_t len)
{
	long t = s > 0 ? (long)s : 0;
	long d = t / 86400;

	if (d)
		snprintf(buf, len, "%ldd %02ld:%02ld:%02ld", d,
			 t % 86400 / 3600, t % 3600 / 60, t % 60);
	else
		snprintf(buf, len, "%02ld:%02ld:%02ld", t / 3600, t % 3600 / 60,
			 t % 60);
}

/* Append with snprintf semantics; keeps *off clamped to len - 1. */
static void cat(char *buf, size_t len, size_t *off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void cat(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off + 1 >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	*off += (size_t)n;
	if (*off >= len)
		*off = len - 1;
}

int status_line(const struct run_status *st, char *buf, size_t len)
{
	char hms[32];
	size_t off = 0;

	status_hms(st->test_s, hms, sizeof(hms));
	buf[0] = '\0';
	if (st->step_line)
		cat(buf, len, &off, "line %u %s | ", st->step_line,
		    st->step_text);
	cat(buf, len, &off, "%s | %.1f V %+.1f A", hms, st->pack_V, st->pack_A);
	if (st->have_soc)
		cat(buf, len, &off, " | SOC %.1f %%", st->soc_pct);
	if (st->min_cell && st->max_cell)
		cat(buf, len, &off, " | cell %.3f V (#%d) .. %.3f V (#%d)",
		    st->min_cell_V, st->min_cell, st->max_cell_V, st->max_cell);
	if (st->max_probe && isfinite(st->max_temp_C))
		cat(buf, len, &off, " | %.0f C (#%d)", st->max_temp_C,
		    st->max_probe);
	cat(buf, len, &off, " | +%.2f/-%.2f Ah", st->charge_Ah,
	    st->discharge_Ah);
	return (int)off;
}

int status_json(const struct run_status *st, char *buf, size_t len)
{
	char line[512];
	struct json j;

	status_line(st, line, sizeof(line));
	json_init_buf(&j, buf, len);
	json_obj(&j);
	json_key_str(&j, "pack_id", st->pack_id);
	json_key_str(&j, "state", st->state);
	json_key_uint(&j, "step_line", st->step_line);
	json_key_str(&j, "step", st->step_text);
	json_key_uint(&j, "step_count", st->step_count);
	json_key_uint(&j, "cycle_count", st->cycle_count);
	json_key_num(&j, "test_time_s", st->test_s, "%.3f");
	json_key_num(&j, "voltage_V", st->pack_V, "%.3f");
	json_key_num(&j, "current_A", st->pack_A, "%.3f");
	json_key_num(&j, "soc_pct", st->have_soc ? st->soc_pct : NAN, "%.1f");
	json_key_int(&j, "min_cell", st->min_cell);
	json_key_int(&j, "max_cell", st->max_cell);
	json_key_num(&j, "min_cell_V", st->min_cell_V, "%.4f");
	json_key_num(&j, "max_cell_V", st->max_cell_V, "%.4f");
	json_key_int(&j, "max_probe", st->max_probe);
	json_key_num(&j, "max_temp_C", st->max_temp_C, "%.1f");
	json_key_num(&j, "charge_Ah", st->charge_Ah, "%.4f");
	json_key_num(&j, "discharge_Ah", st->discharge_Ah, "%.4f");
	json_key_str(&j, "line", line);
	json_end(&j);
	return json_finish(&j);
}

void status_out_init(struct status_out *o, FILE *f, double log_every_s)
{
	memset(o, 0, sizeof(*o));
	o->f = f;
	o->tty = isatty(fileno(f));
	o->log_every_s = log_every_s;
	o->last_wall_s = -1e9;
}

void status_out_update(struct status_out *o, const struct run_status *st,
		       bool force)
{
	double now = clock_wall_s();
	char line[512];
	double every = o->tty ? TTY_MIN_INTERVAL_S : o->log_every_s;

	if (!force && now - o->last_wall_s < every)
		return;
	o->last_wall_s = now;
	status_line(st, line, sizeof(line));
	if (o->tty) {
		/* \r + clear to end of line: the line shrinks cleanly */
		fprintf(o->f, "\r%s\033[K", line);
		o->line_open = true;
	} else {
		fprintf(o->f, "%s\n", line);
	}
	fflush(o->f);
}

void status_out_note(struct status_out *o, const char *msg)
{
	if (o->line_open) {
		fputs("\r\033[K", o->f);
		o->line_open = false;
	}
	fprintf(o->f, "%s\n", msg);
	fflush(o->f);
	/* redraw the live line at the next update */
	o->last_wall_s = -1e9;
}

void status_out_end(struct status_out *o)
{
	if (o->line_open) {
		fputc('\n', o->f);
		o->line_open = false;
	}
	fflush(o->f);
}
