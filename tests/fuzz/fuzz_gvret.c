/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_gvret.c - libFuzzer target: the SavvyCAN GVRET CSV parser over every
 * line of the input with one header state; each frame it yields must
 * format as a candump line and parse back to the same record. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "can/canlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same(const struct canlog_rec *a, const struct canlog_rec *b)
{
	return a->t_sec == b->t_sec && a->t_frac == b->t_frac &&
	       a->t_digits == b->t_digits && !strcmp(a->iface, b->iface) &&
	       a->dir == b->dir && a->frame.id == b->frame.id &&
	       a->frame.len == b->frame.len && a->frame.fd == b->frame.fd &&
	       a->frame.flags == b->frame.flags &&
	       !memcmp(a->frame.data, b->frame.data, a->frame.len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct canlog_gvret st;

	canlog_gvret_init(&st);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct canlog_rec a, b;
		char line[CANLOG_LINE_MAX];
		const char *err;
		unsigned col;
		int n;

		if (canlog_gvret_parse(&st, p, len, &a, &err, &col) == 1) {
			n = canlog_format(&a, line, sizeof(line));
			if (n <= 0 ||
			    canlog_parse(line, (size_t)n, &b, &err, &col) !=
				0 ||
			    !same(&a, &b))
				__builtin_trap();
		}
		p += len + (nl ? 1 : 0);
	}
	return 0;
}
