/* SPDX-License-Identifier: Apache-2.0 */
/* test_ctl_ctlsock.c - the control socket: 0660 in the runtime dir, status
 * JSON, stop, one run per pack id, stale sockets replaced. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/ctlsock.h"
#include "common/rc.h"
#include "support.h"

static char *dir;

static void setup(void)
{
	dir = tmpdir_new("ctlsock");
	cr_assert_not_null(dir);
	setenv("BENCH_RUNTIME_DIR", dir, 1);
}

static void status_fn(void *ctx, char *buf, size_t len)
{
	snprintf(buf, len, "{\"pack_id\":\"%s\"}", (const char *)ctx);
}

struct client {
	char path[256];
	const char *cmd;
	char reply[256];
	int rc;
};

static void *client_main(void *arg)
{
	struct client *c = arg;

	c->rc =
	    ctlsock_request(c->path, c->cmd, c->reply, sizeof(c->reply), 2000);
	return NULL;
}

/* Serve until the client thread finished. */
static void roundtrip(struct ctlsock *cs, struct client *c, bool *stop)
{
	pthread_t th;

	strcpy(c->path, ctlsock_name(cs));
	pthread_create(&th, NULL, client_main, c);
	for (int i = 0; i < 400; i++) {
		if (ctlsock_serve(cs, status_fn, "P1", stop) > 0)
			break;
		usleep(5000);
	}
	pthread_join(th, NULL);
}

/* a test that hangs fails instead of blocking the run */
TestSuite(ctlsock, .timeout = 60);

Test(ctlsock, socket_is_0660_named_by_pack_id, .init = setup)
{
	struct ctlsock *cs;
	struct stat st;
	char want[512];

	cr_assert_eq(ctlsock_open("P1", &cs), BENCH_OK);
	snprintf(want, sizeof(want), "%s/P1.sock", dir);
	cr_assert_str_eq(ctlsock_name(cs), want);
	cr_assert_eq(stat(want, &st), 0);
	cr_assert(S_ISSOCK(st.st_mode));
	cr_assert_eq(st.st_mode & 0777, 0660, "mode %o",
		     (unsigned)(st.st_mode & 0777));
	ctlsock_close(cs);
	cr_assert_neq(access(want, F_OK), 0, "unlinked on close");
}

Test(ctlsock, status_answers_json_and_stop_sets_flag, .init = setup)
{
	struct ctlsock *cs;
	struct client c = {.cmd = "status"};
	bool stop = false;

	cr_assert_eq(ctlsock_open("P1", &cs), BENCH_OK);
	roundtrip(cs, &c, &stop);
	cr_assert_eq(c.rc, BENCH_OK);
	cr_assert_str_eq(c.reply, "{\"pack_id\":\"P1\"}");
	cr_assert_not(stop);

	c = (struct client){.cmd = "stop"};
	roundtrip(cs, &c, &stop);
	cr_assert_eq(c.rc, BENCH_OK);
	cr_assert_str_eq(c.reply, "{\"ok\":true}");
	cr_assert(stop);

	c = (struct client){.cmd = "reboot"};
	roundtrip(cs, &c, &stop);
	cr_assert(strstr(c.reply, "\"ok\":false"), "got %s", c.reply);
	ctlsock_close(cs);
}

Test(ctlsock, second_run_of_same_pack_refused, .init = setup)
{
	struct ctlsock *a, *b = NULL;

	cr_assert_eq(ctlsock_open("P1", &a), BENCH_OK);
	logcap_start();
	cr_assert_eq(ctlsock_open("P1", &b), BENCH_ERR_STATE);
	logcap_stop();
	cr_assert(strstr(logcap_text(), "already running"), "got %s",
		  logcap_text());
	ctlsock_close(a);
}

Test(ctlsock, stale_socket_replaced, .init = setup)
{
	struct ctlsock *a, *b;
	char path[512];

	cr_assert_eq(ctlsock_open("P1", &a), BENCH_OK);
	strcpy(path, ctlsock_name(a));
	/* a killed run leaves its socket file behind: simulate by closing
	 * the fd without unlinking */
	close(ctlsock_fd(a));
	cr_assert_eq(access(path, F_OK), 0);
	cr_assert_eq(ctlsock_open("P1", &b), BENCH_OK);
	ctlsock_close(b);
	free(a); /* its fd is already closed, the file belongs to b */
}

Test(ctlsock, resolve_id_or_path, .init = setup)
{
	char buf[512], want[512];

	cr_assert_eq(ctlsock_resolve("PACK-7", buf, sizeof(buf)), BENCH_OK);
	snprintf(want, sizeof(want), "%s/PACK-7.sock", dir);
	cr_assert_str_eq(buf, want);
	cr_assert_eq(ctlsock_resolve("/x/y.sock", buf, sizeof(buf)), BENCH_OK);
	cr_assert_str_eq(buf, "/x/y.sock");
	logcap_start();
	cr_assert_eq(ctlsock_path("../evil", buf, sizeof(buf)), BENCH_ERR_ARG);
	cr_assert_eq(ctlsock_path("PACK\n7", buf, sizeof(buf)), BENCH_ERR_ARG);
	cr_assert_eq(ctlsock_path("PACK\x1b[2J", buf, sizeof(buf)),
		     BENCH_ERR_ARG);
	cr_assert_eq(ctlsock_path("Pack \"7\" é", buf, sizeof(buf)), BENCH_OK);
	logcap_stop();
}

Test(ctlsock, request_to_nothing_is_an_error, .init = setup)
{
	char reply[64], path[512];

	snprintf(path, sizeof(path), "%s/none.sock", dir);
	logcap_start();
	cr_assert_eq(ctlsock_request(path, "status", reply, sizeof(reply), 100),
		     BENCH_ERR_IO);
	logcap_stop();
	cr_assert(strstr(logcap_text(), "none.sock"));
}
