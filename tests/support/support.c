/* SPDX-License-Identifier: Apache-2.0 */
/* support.c - temp files and a log capture sink for tests. */
#include "support.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"

/* The directories this process made, removed when it exits (each
 * Criterion test runs in its own process): a forked child that exits
 * leaves them to the process that made them. */
#define TMPDIR_MAX 64
static char *made[TMPDIR_MAX];
static unsigned n_made;
static pid_t made_by;

/* A test may have made a directory read-only: writable first, then gone. */
static int chmod_dir(const char *path, const struct stat *st, int flag,
		     struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_D || flag == FTW_DNR)
		chmod(path, 0700);
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static void tmpdirs_remove(void)
{
	if (getpid() != made_by)
		return;
	for (unsigned i = 0; i < n_made; i++) {
		chmod(made[i], 0700);
		nftw(made[i], chmod_dir, 16, FTW_PHYS);
		nftw(made[i], rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		free(made[i]);
	}
	n_made = 0;
}

char *tmpdir_new(const char *tag)
{
	char tmpl[256];

	snprintf(tmpl, sizeof(tmpl), "/tmp/benchtest-%s-XXXXXX", tag);
	if (!mkdtemp(tmpl))
		return NULL;
	if (made_by != getpid()) { /* first here, or in a forked child */
		n_made = 0;
		made_by = getpid();
		atexit(tmpdirs_remove);
	}
	if (n_made < TMPDIR_MAX)
		made[n_made++] = strdup(tmpl);
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
