/* SPDX-License-Identifier: Apache-2.0 */
/* chromium_helpers.h - a real headless Chromium driven over the DevTools
 * protocol on a pipe (--remote-debugging-pipe: commands in on fd 3,
 * replies out on fd 4, each one JSON message ended by a NUL). Unlike
 * --dump-dom, the test reads the live page when it chooses, so a page that
 * holds an event stream open can be watched while it updates. Chromium
 * missing fails the test (tools/deps.sh installs it). */
#ifndef BENCH_TESTS_CHROMIUM_HELPERS_H
#define BENCH_TESTS_CHROMIUM_HELPERS_H

#include <fcntl.h>
#include <poll.h>

#include "ctl_helpers.h"

#define CHROMIUM_BIN "/usr/bin/chromium"
#define CHROMIUM_REPLY_MS 15000

struct chromium {
	pid_t pid;
	int to, from; /* command pipe, reply pipe */
	int next_id;
	char *err, session[128];
	char *buf; /* replies read so far, NUL-separated */
	size_t len, cap;
};

/* The next whole message from Chromium; the caller frees it. */
static inline char *chromium_next(struct chromium *c)
{
	char *end;
	ssize_t n;

	/* no buffer yet: memchr must not see a null pointer */
	while (!(end = c->len ? memchr(c->buf, '\0', c->len) : NULL)) {
		struct pollfd p = {.fd = c->from, .events = POLLIN};

		cr_assert_eq(poll(&p, 1, CHROMIUM_REPLY_MS), 1,
			     "chromium silent for %d ms: %s", CHROMIUM_REPLY_MS,
			     ctl_log(c->err));
		if (c->len + 65536 > c->cap) {
			c->cap = c->cap * 2 + 65536;
			c->buf = realloc(c->buf, c->cap);
			cr_assert_not_null(c->buf);
		}
		n = read(c->from, c->buf + c->len, c->cap - c->len);
		cr_assert_gt(n, 0, "chromium closed its pipe: %s",
			     ctl_log(c->err));
		c->len += (size_t)n;
	}
	size_t m = (size_t)(end - c->buf) + 1;
	char *msg = strndup(c->buf, m - 1);

	memmove(c->buf, c->buf + m, c->len - m);
	c->len -= m;
	return msg;
}

/* Send method with params (a JSON object) to the page's session (or the
 * browser with session false); the reply, which the caller frees. */
static inline char *chromium_call(struct chromium *c, bool session,
				  const char *method, const char *params)
{
	char *cmd, id[32], *msg;
	int id_no = ++c->next_id;

	cr_assert_gt(asprintf(&cmd,
			      "{\"id\":%d,%s%s%s\"method\":\"%s\","
			      "\"params\":%s}",
			      id_no, session ? "\"sessionId\":\"" : "",
			      session ? c->session : "", session ? "\"," : "",
			      method, params),
		     0);
	cr_assert_eq(write(c->to, cmd, strlen(cmd) + 1),
		     (ssize_t)strlen(cmd) + 1);
	free(cmd);
	snprintf(id, sizeof(id), "{\"id\":%d,", id_no);
	for (;;) { /* events and other replies pass by */
		msg = chromium_next(c);
		if (!strncmp(msg, id, strlen(id)))
			break;
		free(msg);
	}
	cr_assert(!strstr(msg, "\"error\":"), "%s: %s", method, msg);
	return msg;
}

/* The string after "key":" in msg, up to its closing quote (no escapes:
 * ids only). */
static inline void chromium_field(const char *msg, const char *key, char *out,
				  size_t cap)
{
	char pat[64];
	const char *s, *e;

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	s = strstr(msg, pat);
	cr_assert_not_null(s, "no %s in %s", key, msg);
	s += strlen(pat);
	e = strchr(s, '"');
	cr_assert(e && (size_t)(e - s) < cap, "%s", msg);
	snprintf(out, cap, "%.*s", (int)(e - s), s);
}

/* Open url in a fresh headless Chromium (its own profile under dir). */
static inline void chromium_open(const char *dir, const char *url,
				 struct chromium *c)
{
	char *profile = ctl_path(dir, "chr-profile"), *params, *msg;
	char profile_arg[600], target[128];
	int to[2], from[2];

	cr_assert_eq(access(CHROMIUM_BIN, X_OK), 0,
		     "%s missing: install the Debian package chromium "
		     "(tools/deps.sh)",
		     CHROMIUM_BIN);
	*c = (struct chromium){.err = ctl_path(dir, "chr.log")};
	snprintf(profile_arg, sizeof(profile_arg), "--user-data-dir=%s",
		 profile);
	cr_assert_eq(pipe2(to, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(from, O_CLOEXEC), 0);
	c->pid = fork();
	cr_assert_neq(c->pid, -1);
	if (c->pid == 0) {
		/* above 4 first, so dup2 onto 3 and 4 never meets itself */
		int in = fcntl(to[0], F_DUPFD, 10);
		int out = fcntl(from[1], F_DUPFD, 10);
		int log = open(c->err, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (in < 0 || out < 0 || log < 0 || dup2(in, 3) < 0 ||
		    dup2(out, 4) < 0 || dup2(log, 1) < 0 || dup2(log, 2) < 0)
			_exit(127);
		execl(CHROMIUM_BIN, "chromium", "--headless", "--no-sandbox",
		      "--disable-gpu", "--remote-debugging-pipe", profile_arg,
		      "about:blank", (char *)NULL);
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	c->to = to[1];
	c->from = from[0];
	cr_assert_gt(asprintf(&params, "{\"url\":\"%s\"}", url), 0);
	msg = chromium_call(c, false, "Target.createTarget", params);
	chromium_field(msg, "targetId", target, sizeof(target));
	free(params);
	free(msg);
	cr_assert_gt(
	    asprintf(&params, "{\"targetId\":\"%s\",\"flatten\":true}", target),
	    0);
	msg = chromium_call(c, false, "Target.attachToTarget", params);
	chromium_field(msg, "sessionId", c->session, sizeof(c->session));
	free(params);
	free(msg);
	free(profile);
}

/* Append code point u to out as UTF-8. */
static inline char *chromium_utf8(char *out, unsigned u)
{
	if (u < 0x80) {
		*out++ = (char)u;
	} else if (u < 0x800) {
		*out++ = (char)(0xc0 | u >> 6);
		*out++ = (char)(0x80 | (u & 0x3f));
	} else {
		*out++ = (char)(0xe0 | u >> 12);
		*out++ = (char)(0x80 | (u >> 6 & 0x3f));
		*out++ = (char)(0x80 | (u & 0x3f));
	}
	return out;
}

/* The value of a JavaScript expression that yields a string (the test's
 * own expressions: no surrogate pairs expected); the caller frees it. */
static inline char *chromium_eval(struct chromium *c, const char *expr)
{
	char *params, *msg, *s, *out, *o;

	cr_assert_gt(asprintf(&params,
			      "{\"expression\":\"%s\",\"returnByValue\":true}",
			      expr),
		     0);
	msg = chromium_call(c, true, "Runtime.evaluate", params);
	free(params);
	s = strstr(msg, "\"value\":\"");
	cr_assert_not_null(s, "not a string: %s", msg);
	o = out = malloc(strlen(s) + 1);
	for (s += 9; *s != '"'; s++) {
		cr_assert(*s, "unterminated: %s", msg);
		if (*s != '\\') {
			*o++ = *s;
			continue;
		}
		switch (*++s) {
		case 'n':
			*o++ = '\n';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 'u':
			o = chromium_utf8(
			    o,
			    (unsigned)strtoul(
				(char[]){s[1], s[2], s[3], s[4], 0}, NULL, 16));
			s += 4;
			break;
		default: /* \" \\ \/ */
			*o++ = *s;
		}
	}
	*o = '\0';
	free(msg);
	return out;
}

/* The page's DOM as markup; empty while there is none yet. */
static inline char *chromium_dom(struct chromium *c)
{
	return chromium_eval(c, "document.documentElement ? "
				"document.documentElement.outerHTML : ''");
}

/* Poll the page's DOM until it contains needle, for up to ms; the last
 * DOM read, which the caller frees. */
static inline char *chromium_wait(struct chromium *c, const char *needle,
				  int ms)
{
	char *dom = chromium_dom(c);

	for (; ms > 0 && !strstr(dom, needle); ms -= 100) {
		usleep(100000);
		free(dom);
		dom = chromium_dom(c);
	}
	return dom;
}

/* Ask Chromium to quit (it may go before it replies), then make sure. */
static inline void chromium_close(struct chromium *c)
{
	static const char quit[] = "{\"id\":0,\"method\":\"Browser.close\"}";
	int st;

	cr_expect_eq(write(c->to, quit, sizeof(quit)), (ssize_t)sizeof(quit));
	close(c->to);
	close(c->from);
	for (int i = 0; i < 100 && waitpid(c->pid, &st, WNOHANG) == 0; i++)
		usleep(50000);
	if (waitpid(c->pid, &st, WNOHANG) == 0) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, &st, 0);
	}
	free(c->buf);
	free(c->err);
}

#endif
