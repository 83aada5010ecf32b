/* SPDX-License-Identifier: Apache-2.0 */
/* cfgini.h - line-numbered INI reading over libinih, shared by the pack
 * profile and the bench file.
 *
 * libinih's handler does not get the line number (Debian builds it without
 * INI_HANDLER_LINENO), so the text is fed through our own reader, which
 * counts lines; every error is "FILE:LINE: key 'k': problem" and stops the
 * parse.
 */
#ifndef BENCH_COMMON_CFGINI_H
#define BENCH_COMMON_CFGINI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cfgini {
	const char *name; /* file name for messages */
	const char *text;
	size_t pos;
	unsigned line;
	char *err; /* message buffer, err_len bytes */
	size_t err_len;
	bool failed;
	void *user;
	char **seen; /* "section]key" of every key so far: one each */
	unsigned *seen_line;
	size_t n_seen;
	int (*fn)(struct cfgini *c, const char *section, const char *key,
		  const char *value);
};

/* Parse text, calling fn per key; fn returns 0 or a negative code after
 * cfgini_fail(). Unknown lines and a key given twice in one section are
 * errors. BENCH_ERR_PARSE on error. */
int cfgini_run(const char *text, const char *name, void *user,
	       int (*fn)(struct cfgini *c, const char *section, const char *key,
			 const char *value),
	       char *err, size_t err_len);

/* "FILE:LINE: key 'KEY': MESSAGE"; logged once. Returns BENCH_ERR_PARSE. */
int cfgini_fail(struct cfgini *c, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "FILE:LINE: key 'KEY': MESSAGE" after the parse: a problem between
 * keys, reported at the line of the later one. Returns BENCH_ERR_PARSE. */
int cfgini_fail_line(const char *name, unsigned line, char *err, size_t err_len,
		     const char *key, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* "FILE: MESSAGE" for problems without a line (missing keys). */
int cfgini_fail_file(const char *name, char *err, size_t err_len,
		     const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

int cfgini_str(struct cfgini *c, const char *key, const char *value, char *buf,
	       size_t len);
int cfgini_uint(struct cfgini *c, const char *key, const char *value,
		uint32_t min, uint32_t max, uint32_t *out);
int cfgini_int(struct cfgini *c, const char *key, const char *value,
	       int32_t min, int32_t max, int32_t *out);
int cfgini_double(struct cfgini *c, const char *key, const char *value,
		  double min, double max, double *out);
int cfgini_bool(struct cfgini *c, const char *key, const char *value,
		bool *out);

/* Strict decimal number at *s (leading blanks skipped); advances *s. */
bool cfgini_scan_double(const char **s, double *out);

/* Read a whole text file (NUL bytes rejected). *text is malloc'd. */
int cfgini_read_file(const char *path, char **text, char *err, size_t err_len);

/* dir of path into buf ("." if none). */
void cfgini_dirname(const char *path, char *buf, size_t len);
/* base_dir + "/" + rel unless rel is absolute or base_dir NULL. */
int cfgini_resolve(const char *base_dir, const char *rel, char *buf,
		   size_t len);

#endif
