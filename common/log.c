/* SPDX-License-Identifier: Apache-2.0 */
/* log.c - default stderr sink and level filter. */
#include "log.h"

#include <stdio.h>

static log_sink_fn sink_fn;
static void *sink_ctx;
static enum log_level max_level = LOG_INFO;

void log_set_sink(log_sink_fn fn, void *ctx)
{
	sink_fn = fn;
	sink_ctx = ctx;
}

void log_set_level(enum log_level max)
{
	max_level = max;
}

enum log_level log_get_level(void)
{
	return max_level;
}

void log_msg(enum log_level lvl, const char *prefix, const char *fmt, ...)
{
	static const char *const names[] = {"error", "warning", "info",
					    "debug"};
	char buf[1024];
	va_list ap;

	if (lvl > max_level)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (sink_fn) {
		sink_fn(sink_ctx, lvl, prefix, buf);
		return;
	}
	fprintf(stderr, "bench: %s: %s: %s\n", names[lvl], prefix, buf);
}
