/* SPDX-License-Identifier: Apache-2.0 */
/* support.c - temp files and a log capture sink for tests. */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

char *tmpdir_new(const char *tag)
{
	char tmpl[256];

	snprintf(tmpl, sizeof(tmpl), "/tmp/benchtest-%s-XXXXXX", tag);
	if (!mkdtemp(tmpl))
		return NULL;
	return strdup(tmpl);
}

char *tmpfile_write(const char *dir, const char *name, const char *text)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *path = malloc(n);
	FILE *f;

	snprintf(path, n, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		free(path);
		return NULL;
	}
	fputs(text, f);
	fclose(f);
	return path;
}

static char cap[65536];
static size_t cap_len;

static void cap_sink(void *ctx, enum log_level lvl, const char *prefix,
		     const char *msg)
{
	int n;

	(void)ctx;
	(void)lvl;
	n = snprintf(cap + cap_len, sizeof(cap) - cap_len, "%s: %s\n", prefix,
		     msg);
	if (n > 0 && cap_len + (size_t)n < sizeof(cap))
		cap_len += (size_t)n;
}

void logcap_start(void)
{
	cap_len = 0;
	cap[0] = '\0';
	log_set_sink(cap_sink, NULL);
}

const char *logcap_text(void)
{
	return cap;
}

void logcap_stop(void)
{
	log_set_sink(NULL, NULL);
}
