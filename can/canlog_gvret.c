/* SPDX-License-Identifier: Apache-2.0 */
/* canlog_gvret.c - SavvyCAN "GVRET" CSV logs into the same records as
 * candump lines (grammar in canlog.h). */
#define LOG_PREFIX "canlog"
#include "canlog.h"

#include <string.h>
#include <strings.h>

#include "common/rc.h"

#define FAIL_AT(q, msg)                                                        \
	do {                                                                   \
		*err = (msg);                                                  \
		*col = (unsigned)((q)-line) + 1;                               \
		return BENCH_ERR_PARSE;                                        \
	} while (0)

struct field {
	const char *p;
	size_t n;
};

/* Next comma-separated field from *p, blanks trimmed; *p moves past the
 * comma. */
static struct field next_field(const char **p, const char *end)
{
	struct field f;

	while (*p < end && (**p == ' ' || **p == '\t'))
		(*p)++;
	f.p = *p;
	while (*p < end && **p != ',')
		(*p)++;
	f.n = (size_t)(*p - f.p);
	while (f.n > 0 && (f.p[f.n - 1] == ' ' || f.p[f.n - 1] == '\t' ||
			   f.p[f.n - 1] == '\r'))
		f.n--;
	if (*p < end)
		(*p)++;
	return f;
}

static bool field_is(struct field f, const char *word)
{
	return f.n == strlen(word) && !strncasecmp(f.p, word, f.n);
}

/* Unsigned number in base 10 or 16 (optional 0x), at most max. */
static bool field_num(struct field f, unsigned base, uint64_t max,
		      uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	if (base == 16 && f.n > 2 && f.p[0] == '0' &&
	    (f.p[1] == 'x' || f.p[1] == 'X'))
		i = 2;
	if (i == f.n)
		return false;
	for (; i < f.n; i++) {
		char c = f.p[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return false;
		if (d > max || v > (max - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

void canlog_gvret_init(struct canlog_gvret *st)
{
	st->header = false;
	st->dir = false;
	st->last_us = 0;
	st->offset_us = 0;
}

/* Signed decimal microseconds. */
static bool field_time(struct field f, int64_t *out)
{
	uint64_t v;
	bool neg = f.n > 0 && f.p[0] == '-';

	if (neg) {
		f.p++;
		f.n--;
	}
	if (!field_num(f, 10, INT64_MAX, &v))
		return false;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return true;
}

static int parse_header(struct canlog_gvret *st, const char *line,
			const char *end, const char **err, unsigned *col)
{
	static const char *const cols[] = {"time stamp", "id", "extended"};
	const char *p = line;
	struct field f;

	for (size_t i = 0; i < sizeof(cols) / sizeof(*cols); i++) {
		f = next_field(&p, end);
		if (!field_is(f, cols[i]))
			FAIL_AT(f.p, "expected the SavvyCAN header 'Time "
				     "Stamp,ID,Extended,[Dir,]Bus,LEN,D1,...'");
	}
	f = next_field(&p, end);
	st->dir = field_is(f, "dir");
	if (st->dir)
		f = next_field(&p, end);
	if (!field_is(f, "bus"))
		FAIL_AT(f.p, "expected 'Bus' (or 'Dir,Bus') after 'Extended'");
	f = next_field(&p, end);
	if (!field_is(f, "len"))
		FAIL_AT(f.p, "expected 'LEN' after 'Bus'");
	st->header = true;
	return 0;
}

int canlog_gvret_parse(struct canlog_gvret *st, const char *line, size_t len,
		       struct canlog_rec *rec, const char **err, unsigned *col)
{
	const char *p = line, *end = line + len;
	struct field f;
	uint64_t id, bus, n, b;
	int64_t t_us, shifted;
	struct field f_id;
	bool ext;

	if (!st->header)
		return parse_header(st, line, end, err, col);
	memset(rec, 0, sizeof(*rec));
	f = next_field(&p, end);
	if (!field_time(f, &t_us) || t_us < -(INT64_C(1) << 61) ||
	    t_us > (INT64_C(1) << 61))
		FAIL_AT(f.p, "expected a time stamp in microseconds");
	/* SavvyCAN writes stamps that jump back (negative after its timer
	 * restarts): continue from the previous frame's time instead */
	if (__builtin_add_overflow(t_us, st->offset_us, &shifted))
		FAIL_AT(f.p, "time stamp out of range");
	if (shifted < st->last_us) {
		st->offset_us = st->last_us - t_us; /* < 2^62 + 2^61 */
		shifted = st->last_us;
	}
	if (shifted > (INT64_C(1) << 62))
		FAIL_AT(f.p, "time stamp out of range");
	t_us = shifted;
	st->last_us = t_us;
	f = f_id = next_field(&p, end);
	if (!field_num(f, 16, CANFRAME_EFF_MASK, &id))
		FAIL_AT(f.p, "expected a hex CAN id up to 1FFFFFFF");
	f = next_field(&p, end);
	if (field_is(f, "true"))
		ext = true;
	else if (field_is(f, "false"))
		ext = false;
	else
		FAIL_AT(f.p, "expected 'true' or 'false' (Extended)");
	if (!ext && id > CANFRAME_SFF_MASK)
		FAIL_AT(f_id.p, "standard id above 7FF (Extended is false)");
	if (st->dir) {
		f = next_field(&p, end);
		if (field_is(f, "rx"))
			rec->dir = 'R';
		else if (field_is(f, "tx"))
			rec->dir = 'T';
		else
			FAIL_AT(f.p, "expected 'Rx' or 'Tx' (Dir)");
	}
	f = next_field(&p, end);
	if (!field_num(f, 10, 99, &bus))
		FAIL_AT(f.p, "expected a bus number 0..99");
	f = next_field(&p, end);
	if (!field_num(f, 10, 8, &n))
		FAIL_AT(f.p, "expected a length 0..8");
	for (unsigned i = 0; i < n; i++) {
		f = next_field(&p, end);
		if (f.n != 2 || !field_num(f, 16, 255, &b))
			FAIL_AT(f.p,
				f.n ? "expected a data byte of 2 hex digits"
				    : "fewer data bytes than LEN says");
		rec->frame.data[i] = (uint8_t)b;
	}
	rec->frame.id = ext ? CANFRAME_EFF | (uint32_t)id : (uint32_t)id;
	rec->frame.len = (uint8_t)n;
	rec->t_sec = (uint64_t)t_us / 1000000u;
	rec->t_frac = (uint32_t)((uint64_t)t_us % 1000000u);
	rec->t_digits = 6;
	snprintf(rec->iface, sizeof(rec->iface), "can%u", (unsigned)bus);
	return 1;
}
