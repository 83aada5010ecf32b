/* SPDX-License-Identifier: Apache-2.0 */
/* ctlsock.c - local control socket: status and stop, one line each way. */
#define LOG_PREFIX "ctlsock"

#include "ctlsock.h"

#include <errno.h>
#include <stdbool.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/json.h"
#include "common/log.h"
#include "common/rc.h"

#define CLIENT_WAIT_MS 50

struct ctlsock {
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

/* A per-user directory must be ours and writable by us alone: another
 * user must not plant sockets (or a symbolic link) where our clients look.
 * Read access for others is harmless (and a directory an older version
 * created 0750 stays usable). */
static int private_dir(const char *dir)
{
	struct stat sb;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		log_err("cannot create runtime directory '%s': %s", dir,
			strerror(errno));
		return BENCH_ERR_IO;
	}
	if (lstat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode) ||
	    sb.st_uid != getuid() || (sb.st_mode & 0022)) {
		log_err("runtime directory '%s' is not a directory of user %u "
			"that only it can write: refusing to use it (set "
			"BENCH_RUNTIME_DIR to choose another)",
			dir, (unsigned)getuid());
		return BENCH_ERR_STATE;
	}
	return BENCH_OK;
}

/* A directory the operator or systemd chose: created if missing. */
static int given_dir(const char *dir)
{
	struct stat sb;

	if (mkdir(dir, 0770) < 0 && errno != EEXIST) {
		log_err("cannot create runtime directory '%s': %s", dir,
			strerror(errno));
		return BENCH_ERR_IO;
	}
	if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		log_err("runtime directory '%s' is not a directory", dir);
		return BENCH_ERR_ARG;
	}
	return BENCH_OK;
}

int ctlsock_dir(char *buf, size_t len)
{
	const char *env = getenv("BENCH_RUNTIME_DIR");
	const char *sd = getenv("RUNTIME_DIRECTORY");
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	char user_run[64];
	struct stat sb;
	int n;

	if (env && *env)
		n = snprintf(buf, len, "%s", env);
	else if (sd && *sd) /* systemd's RuntimeDirectory= (bench@.service) */
		n = snprintf(buf, len, "%.*s", (int)strcspn(sd, ":"), sd);
	else if (xdg && *xdg)
		n = snprintf(buf, len, "%s/bench", xdg);
	else if (snprintf(user_run, sizeof(user_run), "/run/user/%u",
			  (unsigned)getuid()) > 0 &&
		 stat(user_run, &sb) == 0 && S_ISDIR(sb.st_mode) &&
		 sb.st_uid == getuid())
		n = snprintf(buf, len, "%s/bench", user_run);
	else
		n = snprintf(buf, len, "/tmp/bench-%u", (unsigned)getuid());
	if (n < 0 || (size_t)n >= len) {
		log_err("runtime directory name too long");
		return BENCH_ERR_ARG;
	}
	if ((env && *env) || (sd && *sd))
		return given_dir(buf);
	return private_dir(buf);
}

/* A pack id names a socket, a run and lines of logs and reports: no
 * path separator, no hidden name, no control character. */
static bool pack_id_ok(const char *pack_id)
{
	if (!*pack_id || strchr(pack_id, '/') || pack_id[0] == '.')
		return false;
	for (const unsigned char *p = (const unsigned char *)pack_id; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

int ctlsock_path(const char *pack_id, char *buf, size_t len)
{
	char dir[200];
	int n;

	if (!pack_id_ok(pack_id)) {
		log_err("pack id cannot name a run (no '/', no leading '.', "
			"no control characters such as a newline)");
		return BENCH_ERR_ARG;
	}
	TRY(ctlsock_dir(dir, sizeof(dir)));
	n = snprintf(buf, len, "%s/%s.sock", dir, pack_id);
	if (n < 0 || (size_t)n >= len ||
	    (size_t)n >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		log_err("socket path for pack id '%s' too long", pack_id);
		return BENCH_ERR_ARG;
	}
	return BENCH_OK;
}

static int addr_of(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		log_err("socket path '%s' too long", path);
		return BENCH_ERR_ARG;
	}
	strcpy(sa->sun_path, path);
	return BENCH_OK;
}

bool ctlsock_path_live(const char *path)
{
	struct sockaddr_un sa;
	bool live;
	int fd;

	if (addr_of(path, &sa) < 0)
		return false;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	live = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return live;
}

bool ctlsock_live(const char *pack_id)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];

	return ctlsock_path(pack_id, path, sizeof(path)) == BENCH_OK &&
	       ctlsock_path_live(path);
}

int ctlsock_open(const char *pack_id, struct ctlsock **out)
{
	struct ctlsock *cs = NULL;
	struct sockaddr_un sa;
	mode_t old_mask;
	int rc = BENCH_ERR_IO;
	int fd = -1;

	cs = calloc(1, sizeof(*cs));
	if (!cs)
		return BENCH_ERR_MEM;
	rc = ctlsock_path(pack_id, cs->path, sizeof(cs->path));
	if (rc < 0)
		goto out;
	rc = addr_of(cs->path, &sa);
	if (rc < 0)
		goto out;
	if (ctlsock_path_live(cs->path)) {
		log_err("pack '%s' is already running (control socket '%s' "
			"answers)",
			pack_id, cs->path);
		rc = BENCH_ERR_STATE;
		goto out;
	}
	unlink(cs->path); /* stale socket of a dead run */
	rc = BENCH_ERR_IO;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_err("cannot create control socket: %s", strerror(errno));
		goto out;
	}
	/* The mode is set at bind: no window where others could connect. */
	old_mask = umask(0117);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		umask(old_mask);
		log_err("cannot bind control socket '%s': %s", cs->path,
			strerror(errno));
		goto out;
	}
	umask(old_mask);
	if (chmod(cs->path, 0660) < 0 || listen(fd, 8) < 0) {
		log_err("cannot listen on control socket '%s': %s", cs->path,
			strerror(errno));
		unlink(cs->path);
		goto out;
	}
	cs->fd = fd;
	fd = -1;
	*out = cs;
	cs = NULL;
	rc = BENCH_OK;
out:
	if (fd >= 0)
		close(fd);
	free(cs);
	return rc;
}

int ctlsock_fd(const struct ctlsock *cs)
{
	return cs->fd;
}

const char *ctlsock_name(const struct ctlsock *cs)
{
	return cs->path;
}

/* {"ok":true}, or {"ok":false,"error":"..."} */
static void ok_reply(char *buf, size_t len, const char *error)
{
	struct json j;

	json_init_buf(&j, buf, len);
	json_obj(&j);
	json_key(&j, "ok");
	json_bool(&j, !error);
	if (error)
		json_key_str(&j, "error", error);
	json_end(&j);
	json_finish(&j);
}

static void answer(int fd, ctlsock_status_fn fn, void *ctx, bool *stop)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char cmd[64], reply[4096];
	ssize_t n;

	if (poll(&p, 1, CLIENT_WAIT_MS) <= 0)
		return;
	n = recv(fd, cmd, sizeof(cmd) - 1, MSG_DONTWAIT);
	if (n <= 0)
		return;
	cmd[n] = '\0';
	cmd[strcspn(cmd, "\r\n")] = '\0';
	if (!strcmp(cmd, "status")) {
		fn(ctx, reply, sizeof(reply) - 1);
	} else if (!strcmp(cmd, "stop")) {
		*stop = true;
		log_info("stop requested on the control socket");
		ok_reply(reply, sizeof(reply) - 1, NULL);
	} else {
		ok_reply(reply, sizeof(reply) - 1,
			 "unknown command, expected status or stop");
	}
	strcat(reply, "\n");
	if (send(fd, reply, strlen(reply), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_dbg("control client went away: %s", strerror(errno));
}

int ctlsock_serve(struct ctlsock *cs, ctlsock_status_fn fn, void *ctx,
		  bool *stop)
{
	int served = 0;
	int c;

	while ((c = accept4(cs->fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		answer(c, fn, ctx, stop);
		close(c);
		served++;
	}
	return served;
}

void ctlsock_close(struct ctlsock *cs)
{
	if (!cs)
		return;
	close(cs->fd);
	unlink(cs->path);
	free(cs);
}

int ctlsock_request(const char *path, const char *cmd, char *reply, size_t len,
		    int timeout_ms)
{
	struct sockaddr_un sa;
	struct pollfd p;
	size_t got = 0;
	char line[80];
	int rc = BENCH_ERR_IO;
	int fd;

	TRY(addr_of(path, &sa));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_err("socket: %s", strerror(errno));
		return BENCH_ERR_IO;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		log_err("cannot connect to '%s': %s (is the run still going?)",
			path, strerror(errno));
		goto out;
	}
	snprintf(line, sizeof(line), "%s\n", cmd);
	if (send(fd, line, strlen(line), MSG_NOSIGNAL) < 0) {
		log_err("cannot send to '%s': %s", path, strerror(errno));
		goto out;
	}
	p = (struct pollfd){.fd = fd, .events = POLLIN};
	while (got + 1 < len) {
		ssize_t n;
		int pr = poll(&p, 1, timeout_ms);

		if (pr == 0) {
			log_err("'%s' did not answer within %d ms", path,
				timeout_ms);
			rc = BENCH_ERR_TIMEOUT;
			goto out;
		}
		n = pr < 0 ? -1 : recv(fd, reply + got, len - 1 - got, 0);
		if (n < 0) {
			log_err("cannot read from '%s': %s", path,
				strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (memchr(reply + got - n, '\n', (size_t)n))
			break;
	}
	reply[got] = '\0';
	reply[strcspn(reply, "\n")] = '\0';
	rc = got ? BENCH_OK : BENCH_ERR_PROTO;
	if (!got)
		log_err("'%s' closed without an answer", path);
out:
	close(fd);
	return rc;
}

int ctlsock_resolve(const char *id_or_path, char *buf, size_t len)
{
	size_t n = strlen(id_or_path);
	char other[sizeof(((struct sockaddr_un *)0)->sun_path) + 16];
	bool mine, service;

	if (strchr(id_or_path, '/') ||
	    (n > 5 && !strcmp(id_or_path + n - 5, ".sock"))) {
		if (n >= len) {
			log_err("socket path '%s' too long", id_or_path);
			return BENCH_ERR_ARG;
		}
		memcpy(buf, id_or_path, n + 1);
		return BENCH_OK;
	}
	TRY(ctlsock_path(id_or_path, buf, len));
	/* A pack id names one run: ours, else the service's. */
	snprintf(other, sizeof(other), "%s/%s.sock", CTLSOCK_SERVICE_DIR,
		 id_or_path);
	if (!strcmp(other, buf))
		return BENCH_OK;
	mine = ctlsock_path_live(buf);
	service = ctlsock_path_live(other);
	if (mine && service) {
		log_err("two runs of '%s' are going: %s and %s: name the "
			"socket",
			id_or_path, buf, other);
		return BENCH_ERR_ARG;
	}
	if (service && strlen(other) < len)
		memcpy(buf, other, strlen(other) + 1);
	return BENCH_OK;
}
