/* SPDX-License-Identifier: Apache-2.0 */
/* canlog.c - can-utils log line parse/format and a buffered reader.
 *
 * The parser is hand-rolled (table-driven hex, no strtoul, no copies)
 * because `bench can decode` reads millions of lines per second.
 */
#define LOG_PREFIX "canlog"
#include "canlog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/log.h"
#include "common/rc.h"

/* hex digit value + 1; 0 for anything else (so the table needs no filler) */
/* clang-format off */
static const uint8_t hexv1[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
	['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
};
/* clang-format on */

/* 0..15, or a value above 15 for a non-hex character */
static inline unsigned hexval(char c)
{
	return hexv1[(unsigned char)c] - 1u;
}

static const char hexdig[] = "0123456789ABCDEF";

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

#define FAIL(msg)                                                              \
	do {                                                                   \
		*err = (msg);                                                  \
		*col = (unsigned)(p - line) + 1;                               \
		return BENCH_ERR_PARSE;                                        \
	} while (0)

static int parse_frame(const char *line, const char *p, const char *end,
		       struct canframe *f, const char **err, unsigned *col)
{
	const char *id0 = p;
	uint32_t id = 0;
	unsigned max, v;

	while (p < end && *p != '#') {
		if ((v = hexval(*p)) > 15)
			FAIL("expected a hex CAN id before '#'");
		if (p - id0 == 8)
			FAIL("CAN id longer than 8 hex digits");
		id = id << 4 | v;
		p++;
	}
	if (p == end)
		FAIL("expected '#' after the CAN id");
	if (p - id0 == 3) {
		if (id > CANFRAME_SFF_MASK)
			FAIL("standard id above 7FF");
		f->id = id;
	} else if (p - id0 == 8) {
		if (id & CANFRAME_ERR)
			f->id = CANFRAME_ERR | (id & CANFRAME_EFF_MASK);
		else if (id > CANFRAME_EFF_MASK)
			FAIL("extended id above 1FFFFFFF");
		else
			f->id = CANFRAME_EFF | id;
		if ((id & CANFRAME_ERR) && (id & (CANFRAME_EFF | CANFRAME_RTR)))
			FAIL("error frame id with EFF/RTR bits");
	} else {
		p = id0;
		FAIL(
		    "CAN id must have 3 (standard) or 8 (extended) hex digits");
	}
	p++; /* '#' */
	f->fd = false;
	f->flags = 0;
	f->len8_dlc = 0;
	f->len = 0;
	max = 8;
	if (p < end && *p == '#') {
		p++;
		if (p == end || (v = hexval(*p)) > 15)
			FAIL("expected a hex flag nibble after '##'");
		if (f->id & CANFRAME_ERR)
			FAIL("error frames are not CAN FD frames");
		f->fd = true;
		f->flags = (uint8_t)v;
		max = CANFRAME_MAX_LEN;
		p++;
	} else if (p < end && (*p == 'R' || *p == 'r')) {
		if (f->id & CANFRAME_ERR)
			FAIL("an error frame cannot be a remote frame");
		f->id |= CANFRAME_RTR;
		p++;
		if (p < end && *p >= '0' && *p <= '8')
			f->len = (uint8_t)(*p++ - '0');
		memset(f->data, 0, f->len); /* a remote frame carries no data */
		goto raw_dlc;
	}
	while (p < end) {
		unsigned hi, lo;

		if (*p == '.') {
			p++;
			continue;
		}
		if (*p == '_' && !f->fd)
			break;
		if ((hi = hexval(*p)) > 15)
			FAIL("expected hex data bytes");
		if (p + 1 == end)
			FAIL("odd number of hex digits in the data");
		if ((lo = hexval(p[1])) > 15) {
			p++;
			FAIL("expected hex data bytes");
		}
		if (f->len >= max)
			FAIL(max == 8
				 ? "more than 8 data bytes in a classic frame"
				 : "more than 64 data bytes in a CAN FD frame");
		f->data[f->len++] = (uint8_t)(hi << 4 | lo);
		p += 2;
	}
raw_dlc:
	if (p < end && *p == '_') {
		p++;
		if (f->len != 8)
			FAIL("raw DLC '_X' needs exactly 8 data bytes");
		if (p == end || (v = hexval(*p)) > 15 || v < 9)
			FAIL("raw DLC after '_' must be a hex digit 9..F");
		f->len8_dlc = (uint8_t)v;
		p++;
	}
	if (p != end)
		FAIL("unexpected characters after the frame");
	return BENCH_OK;
}

/* candump's screen output with a timestamp (candump -ta, pasted from a
 * terminal): "ID  [N]  B0 B1 ..." after the interface name. */
static int parse_screen(const char *line, const char *p, const char *end,
			struct canframe *f, const char **err, unsigned *col)
{
	const char *id0 = p;
	uint32_t id = 0;
	unsigned v, n;

	memset(f, 0, sizeof(*f));
	for (; p < end && !is_blank(*p); p++) {
		if ((v = hexval(*p)) > 15)
			FAIL("expected a hex CAN id");
		if (p - id0 == 8)
			FAIL("CAN id longer than 8 hex digits");
		id = id << 4 | v;
	}
	if (p - id0 == 3 && id <= CANFRAME_SFF_MASK) {
		f->id = id;
	} else if (p - id0 == 8 && id <= CANFRAME_EFF_MASK) {
		f->id = CANFRAME_EFF | id;
	} else {
		p = id0;
		FAIL("CAN id must be 3 hex digits up to 7FF or 8 up to "
		     "1FFFFFFF");
	}
	while (p < end && is_blank(*p))
		p++;
	if (end - p < 3 || p[0] != '[' || p[1] < '0' || p[1] > '8' ||
	    p[2] != ']')
		FAIL("expected the length '[0]'..'[8]' after the CAN id");
	n = (unsigned)(p[1] - '0');
	p += 3;
	for (unsigned i = 0; i < n; i++) {
		unsigned hi, lo;

		if (p == end || !is_blank(*p))
			FAIL("expected a blank before each data byte");
		while (p < end && is_blank(*p))
			p++;
		if (end - p < 2 || (hi = hexval(p[0])) > 15 ||
		    (lo = hexval(p[1])) > 15 ||
		    (p + 2 < end && !is_blank(p[2])))
			FAIL("expected a data byte of 2 hex digits");
		f->data[i] = (uint8_t)(hi << 4 | lo);
		p += 2;
	}
	f->len = (uint8_t)n;
	while (p < end && is_blank(*p))
		p++;
	if (p != end)
		FAIL("more data bytes than the length says");
	return BENCH_OK;
}

int canlog_parse(const char *line, size_t len, struct canlog_rec *rec,
		 const char **err, unsigned *col)
{
	const char *p = line, *end = line + len, *q;
	unsigned n;

	while (end > p &&
	       (end[-1] == '\r' || end[-1] == '\n' || is_blank(end[-1])))
		end--;
	while (p < end && is_blank(*p))
		p++;
	if (p == end || *p != '(')
		FAIL("expected '(' and a timestamp");
	p++;
	rec->t_sec = 0;
	for (q = p; p < end && *p >= '0' && *p <= '9'; p++) {
		if (p - q >= 19)
			FAIL("timestamp seconds too long");
		rec->t_sec = rec->t_sec * 10 + (uint64_t)(*p - '0');
	}
	if (p == q)
		FAIL("expected timestamp seconds after '('");
	if (p == end || *p != '.')
		FAIL("expected '.' in the timestamp");
	rec->t_frac = 0;
	for (q = ++p; p < end && *p >= '0' && *p <= '9'; p++) {
		if (p - q >= 9)
			FAIL("more than 9 decimals in the timestamp");
		rec->t_frac = rec->t_frac * 10 + (uint32_t)(*p - '0');
	}
	if (p == q)
		FAIL("expected decimals in the timestamp");
	rec->t_digits = (uint8_t)(p - q);
	if (p == end || *p != ')')
		FAIL("expected ')' after the timestamp");
	p++;
	if (p == end || !is_blank(*p))
		FAIL("expected a blank after the timestamp");
	while (p < end && is_blank(*p))
		p++;
	for (q = p; p < end && !is_blank(*p); p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			FAIL("control character in the interface name");
	if (p == q)
		FAIL("expected an interface name");
	n = (unsigned)(p - q);
	if (n >= CANLOG_IFACE_MAX) {
		p = q;
		FAIL("interface name too long");
	}
	memcpy(rec->iface, q, n);
	rec->iface[n] = '\0';
	while (p < end && is_blank(*p))
		p++;
	if (p == end)
		FAIL("expected a frame after the interface name");
	for (q = p; p < end && !is_blank(*p); p++)
		;
	rec->dir = 0;
	if (!memchr(q, '#', (size_t)(p - q))) {
		const char *b = p;

		while (b < end && is_blank(*b))
			b++;
		if (b < end && *b == '[')
			return parse_screen(line, q, end, &rec->frame, err,
					    col);
	}
	if (parse_frame(line, q, p, &rec->frame, err, col) < 0)
		return BENCH_ERR_PARSE;
	while (p < end && is_blank(*p))
		p++;
	if (p < end) {
		if ((*p != 'R' && *p != 'T') || p + 1 != end)
			FAIL("expected nothing, ' R' or ' T' after the frame");
		rec->dir = *p;
	}
	return BENCH_OK;
}

#undef FAIL

static char *put_hex(char *o, uint32_t v, int digits)
{
	for (int i = digits - 1; i >= 0; i--)
		*o++ = hexdig[(v >> (4 * i)) & 0xF];
	return o;
}

static char *put_dec(char *o, uint64_t v, int min_digits)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n < min_digits)
		tmp[n++] = '0';
	while (n)
		*o++ = tmp[--n];
	return o;
}

int canlog_format(const struct canlog_rec *rec, char *buf, size_t size)
{
	const struct canframe *f = &rec->frame;
	size_t ifl = strnlen(rec->iface, CANLOG_IFACE_MAX);
	char tmp[CANLOG_LINE_MAX + CANLOG_IFACE_MAX], *o = tmp;

	if (f->len > (f->fd ? CANFRAME_MAX_LEN : 8) || rec->t_digits < 1 ||
	    rec->t_digits > 9 || ifl == 0 || ifl == CANLOG_IFACE_MAX) {
		log_err("cannot format frame id 0x%X len %u on '%.*s': invalid",
			(unsigned)f->id, f->len, (int)ifl, rec->iface);
		return BENCH_ERR_ARG;
	}
	*o++ = '(';
	o = put_dec(o, rec->t_sec, 10);
	*o++ = '.';
	o = put_dec(o, rec->t_frac, rec->t_digits);
	*o++ = ')';
	*o++ = ' ';
	memcpy(o, rec->iface, ifl);
	o += ifl;
	*o++ = ' ';
	if (f->id & CANFRAME_ERR)
		o = put_hex(o, f->id & (CANFRAME_ERR | CANFRAME_EFF_MASK), 8);
	else if (f->id & CANFRAME_EFF)
		o = put_hex(o, f->id & CANFRAME_EFF_MASK, 8);
	else
		o = put_hex(o, f->id & CANFRAME_SFF_MASK, 3);
	*o++ = '#';
	if (f->fd) {
		*o++ = '#';
		*o++ = hexdig[f->flags & 0xF];
	} else if (f->id & CANFRAME_RTR && !(f->id & CANFRAME_ERR)) {
		*o++ = 'R';
		if (f->len)
			*o++ = (char)('0' + f->len);
	}
	if (f->fd || !(f->id & CANFRAME_RTR) || (f->id & CANFRAME_ERR)) {
		for (unsigned i = 0; i < f->len; i++) {
			*o++ = hexdig[f->data[i] >> 4];
			*o++ = hexdig[f->data[i] & 0xF];
		}
	}
	if (!f->fd && f->len == 8 && f->len8_dlc > 8 && f->len8_dlc <= 15) {
		*o++ = '_';
		*o++ = hexdig[f->len8_dlc];
	}
	if (rec->dir == 'R' || rec->dir == 'T') {
		*o++ = ' ';
		*o++ = rec->dir;
	}
	*o++ = '\n';
	if ((size_t)(o - tmp) > size) {
		log_err("log line of %zu bytes does not fit a %zu-byte buffer",
			(size_t)(o - tmp), size);
		return BENCH_ERR_ARG;
	}
	memcpy(buf, tmp, (size_t)(o - tmp));
	return (int)(o - tmp);
}

void canlog_rec_set(struct canlog_rec *rec, int64_t t_us, const char *iface,
		    const struct canframe *f)
{
	if (t_us < 0)
		t_us = 0;
	rec->t_sec = (uint64_t)t_us / 1000000u;
	rec->t_frac = (uint32_t)((uint64_t)t_us % 1000000u);
	rec->t_digits = 6;
	snprintf(rec->iface, sizeof(rec->iface), "%s", iface);
	rec->dir = 0;
	rec->frame = *f;
}

int64_t canlog_t_us(const struct canlog_rec *rec)
{
	uint64_t frac = rec->t_frac;

	for (unsigned d = rec->t_digits; d < 6; d++)
		frac *= 10;
	for (unsigned d = rec->t_digits; d > 6; d--)
		frac /= 10;
	return (int64_t)(rec->t_sec * 1000000u + frac);
}

#define READ_CHUNK (1u << 20)

struct canlog_reader {
	int fd;
	bool own_fd;
	char *path;
	char *buf;
	size_t cap, start, end; /* unread bytes are buf[start..end) */
	bool eof;
	unsigned line;
	enum { FMT_UNKNOWN, FMT_CANDUMP, FMT_ASC, FMT_GVRET } fmt;
	struct canlog_asc asc;
	struct canlog_gvret gvret;
};

static bool has_prefix(const char *p, const char *end, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(end - p) >= n && !strncasecmp(p, word, n);
}

/* The first line that is not blank or a '#' comment decides the format. */
static int detect(struct canlog_reader *r, const char *p, const char *end)
{
	static const char *const asc_starts[] = {"date ",
						 "base ",
						 "//",
						 "internal events",
						 "no internal events",
						 "begin triggerblock"};

	if (*p == '(') {
		r->fmt = FMT_CANDUMP;
		return BENCH_OK;
	}
	if (has_prefix(p, end, "time stamp,")) {
		r->fmt = FMT_GVRET;
		canlog_gvret_init(&r->gvret);
		return BENCH_OK;
	}
	for (size_t i = 0; i < sizeof(asc_starts) / sizeof(*asc_starts); i++)
		if (has_prefix(p, end, asc_starts[i]))
			r->fmt = FMT_ASC;
	if (*p >= '0' && *p <= '9')
		r->fmt = FMT_ASC;
	if (r->fmt == FMT_ASC) {
		canlog_asc_init(&r->asc);
		return BENCH_OK;
	}
	log_err("%s:%u:1: neither a candump line '(time) iface id#data' nor a "
		"Vector ASC header ('date ...', 'base hex  timestamps "
		"absolute') nor a SavvyCAN CSV header ('Time Stamp,ID,...')",
		r->path, r->line);
	return BENCH_ERR_PARSE;
}

int canlog_reader_open(const char *path, struct canlog_reader **out)
{
	struct canlog_reader *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r || !(r->buf = malloc(READ_CHUNK)) ||
	    !(r->path = strdup(strcmp(path, "-") ? path : "<stdin>"))) {
		if (r)
			free(r->buf);
		free(r);
		log_err("out of memory opening '%s'", path);
		return BENCH_ERR_MEM;
	}
	r->cap = READ_CHUNK;
	if (!strcmp(path, "-")) {
		r->fd = 0;
	} else {
		r->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (r->fd < 0) {
			log_err("cannot open '%s': %s", path, strerror(errno));
			canlog_reader_close(r);
			return BENCH_ERR_IO;
		}
		r->own_fd = true;
	}
	*out = r;
	return BENCH_OK;
}

/* Refill: keep the unread tail, read more. 0 = more data, 1 = EOF. */
static int fill(struct canlog_reader *r)
{
	ssize_t n;

	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->end == r->cap) {
		log_err("%s:%u: line longer than %zu bytes", r->path,
			r->line + 1, r->cap);
		return BENCH_ERR_PARSE;
	}
	do
		n = read(r->fd, r->buf + r->end, r->cap - r->end);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		log_err("cannot read '%s': %s", r->path, strerror(errno));
		return BENCH_ERR_IO;
	}
	if (n == 0) {
		r->eof = true;
		return 1;
	}
	r->end += (size_t)n;
	return 0;
}

int canlog_reader_next(struct canlog_reader *r, struct canlog_rec *rec)
{
	const char *err;
	unsigned col;
	char *nl, *line;
	size_t len;
	int rc;

	for (;;) {
		line = r->buf + r->start;
		nl = memchr(line, '\n', r->end - r->start);
		if (!nl && !r->eof) {
			TRY(rc = fill(r));
			continue;
		}
		if (!nl && r->start == r->end)
			return 0;
		len = nl ? (size_t)(nl - line) : r->end - r->start;
		r->start += len + (nl ? 1 : 0);
		r->line++;
		{
			size_t i = 0;

			while (i < len && (line[i] == ' ' || line[i] == '\t' ||
					   line[i] == '\r'))
				i++;
			if (i == len || (line[i] == '#' && r->fmt != FMT_ASC))
				continue;
			if (r->fmt == FMT_UNKNOWN)
				TRY(detect(r, line + i, line + len));
		}
		if (r->fmt == FMT_ASC) {
			rc = canlog_asc_parse(&r->asc, line, len, rec, &err,
					      &col);
			if (rc == 0)
				continue;
			if (rc == 1)
				return 1;
		} else if (r->fmt == FMT_GVRET) {
			rc = canlog_gvret_parse(&r->gvret, line, len, rec, &err,
						&col);
			if (rc == 0)
				continue;
			if (rc == 1)
				return 1;
		} else if (canlog_parse(line, len, rec, &err, &col) ==
			   BENCH_OK) {
			return 1;
		}
		log_err("%s:%u:%u: %s", r->path, r->line, col, err);
		return BENCH_ERR_PARSE;
	}
}

unsigned canlog_reader_line(const struct canlog_reader *r)
{
	return r->line;
}

void canlog_reader_close(struct canlog_reader *r)
{
	if (!r)
		return;
	if (r->own_fd)
		close(r->fd);
	free(r->buf);
	free(r->path);
	free(r);
}
