/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_candump.c - libFuzzer target: candump log line parser; whatever
 * parses must format and parse back to the same record. */
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
	       a->frame.len8_dlc == b->frame.len8_dlc &&
	       !memcmp(a->frame.data, b->frame.data, a->frame.len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct canlog_rec a, b;
	char line[CANLOG_LINE_MAX];
	const char *err;
	unsigned col;
	int n;

	if (canlog_parse((const char *)data, size, &a, &err, &col) != 0)
		return 0;
	n = canlog_format(&a, line, sizeof(line));
	if (n <= 0)
		__builtin_trap();
	if (canlog_parse(line, (size_t)n, &b, &err, &col) != 0 || !same(&a, &b))
		__builtin_trap();
	return 0;
}
