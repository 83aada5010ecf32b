/* SPDX-License-Identifier: Apache-2.0 */
/* status.c - the operator's live status line and its JSON form. */
#include "status.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"

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

/* Copy s into a JSON string body: quotes and backslashes dropped, control
 * characters turned into spaces (our own texts never need escapes). */
static void json_safe(char *dst, size_t len, const char *s)
{
	size_t o = 0;

	for (; *s && o + 1 < len; s++) {
		if (*s == '"' || *s == '\\')
			continue;
		dst[o++] = (unsigned char)*s < 0x20 ? ' ' : *s;
	}
	dst[o] = '\0';
}

/* NaN/inf are not JSON; a missing value becomes null. */
static void cat_num(char *buf, size_t len, size_t *off, const char *key,
		    double v, const char *fmt)
{
	cat(buf, len, off, ",\"%s\":", key);
	if (!isfinite(v)) {
		cat(buf, len, off, "null");
		return;
	}
	cat(buf, len, off, fmt, v);
}

int status_json(const struct run_status *st, char *buf, size_t len)
{
	char line[512], id[64], text[80];
	size_t off = 0;

	status_line(st, line, sizeof(line));
	json_safe(line, sizeof(line), line);
	json_safe(id, sizeof(id), st->pack_id);
	json_safe(text, sizeof(text), st->step_text);
	buf[0] = '\0';
	cat(buf, len, &off, "{\"pack_id\":\"%s\",\"state\":\"%s\"", id,
	    st->state);
	cat(buf, len, &off, ",\"step_line\":%u,\"step\":\"%s\"", st->step_line,
	    text);
	cat(buf, len, &off, ",\"step_count\":%u,\"cycle_count\":%u",
	    st->step_count, st->cycle_count);
	cat_num(buf, len, &off, "test_time_s", st->test_s, "%.3f");
	cat_num(buf, len, &off, "voltage_V", st->pack_V, "%.3f");
	cat_num(buf, len, &off, "current_A", st->pack_A, "%.3f");
	cat_num(buf, len, &off, "soc_pct", st->have_soc ? st->soc_pct : NAN,
		"%.1f");
	cat(buf, len, &off, ",\"min_cell\":%d,\"max_cell\":%d", st->min_cell,
	    st->max_cell);
	cat_num(buf, len, &off, "min_cell_V", st->min_cell_V, "%.4f");
	cat_num(buf, len, &off, "max_cell_V", st->max_cell_V, "%.4f");
	cat(buf, len, &off, ",\"max_probe\":%d", st->max_probe);
	cat_num(buf, len, &off, "max_temp_C", st->max_temp_C, "%.1f");
	cat_num(buf, len, &off, "charge_Ah", st->charge_Ah, "%.4f");
	cat_num(buf, len, &off, "discharge_Ah", st->discharge_Ah, "%.4f");
	cat(buf, len, &off, ",\"line\":\"%s\"}", line);
	return (int)off;
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
