/* SPDX-License-Identifier: Apache-2.0 */
/* test_lab_serve.c - `bench lab serve` against a mosquitto broker of the
 * test's own: the page, in a real headless Chromium driven over the
 * DevTools protocol, has a tile per bench with its state and pack id (a
 * pack id with markup in it shown as text) and takes a new status from
 * /events in place, without a reload; /events streams every bench on
 * connect and then each change; /benches.json answers scripts. Chromium
 * or mosquitto missing fails the test. */
#include "chromium_helpers.h"
#include "mqtt_helpers.h"

#define MOSQUITTO_PUB_BIN "/usr/bin/mosquitto_pub"
#define EVIL_PACK "PK-<b>\"x"

/* A retained status for bench id. */
static void pub_status(const struct broker *b, const char *id,
		       const char *pack_json, const char *state)
{
	char port[16], topic[128], js[512];
	pid_t pid;
	int st;

	cr_assert_eq(access(MOSQUITTO_PUB_BIN, X_OK), 0,
		     "%s missing: install mosquitto-clients (tools/deps.sh)",
		     MOSQUITTO_PUB_BIN);
	snprintf(port, sizeof(port), "%d", b->port);
	snprintf(topic, sizeof(topic), "bench/%s/status", id);
	snprintf(js, sizeof(js),
		 "{\"schema\":\"bench-telemetry/1\",\"bench_id\":\"%s\","
		 "\"lab\":\"\",\"pack_id\":\"%s\",\"state\":\"%s\","
		 "\"step\":\"Rest\",\"t\":61.0,\"voltage_volt\":352.1,"
		 "\"current_ampere\":-3.2,\"cell_voltage_min_volt\":3.402,"
		 "\"cell_voltage_min_cell\":17,\"cell_voltage_max_volt\":3.451,"
		 "\"cell_voltage_max_cell\":40,\"temperature_max_celsius\":27,"
		 "\"last_alarm\":\"\"}",
		 id, pack_json, state);
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		execl(MOSQUITTO_PUB_BIN, "mosquitto_pub", "-h", "127.0.0.1",
		      "-p", port, "-r", "-q", "1", "-t", topic, "-m", js,
		      (char *)NULL);
		_exit(127);
	}
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "mosquitto_pub");
}

struct serve {
	pid_t pid;
	int port;
	char *log, url[64];
};

static void serve_start(const char *dir, const struct broker *b,
			struct serve *s)
{
	char http[32];

	s->port = mqtt_free_port();
	s->log = ctl_path(dir, "serve.log");
	snprintf(http, sizeof(http), "127.0.0.1:%d", s->port);
	snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d/", s->port);
	s->pid = ctl_spawn(s->log,
			   (const char *[]){"lab", "serve", "--broker",
					    mqtt_url(b), "--http", http, NULL});
	for (int i = 0; i < 500; i++) {
		if (mqtt_port_open(s->port))
			return;
		usleep(10000);
	}
	cr_assert_fail("bench lab serve did not listen: %s", ctl_log(s->log));
}

static void serve_stop(struct serve *s)
{
	kill(s->pid, SIGTERM);
	cr_expect_eq(ctl_wait(s->pid), 0, "SIGTERM is a clean exit: %s",
		     ctl_log(s->log));
}

/* Connect to the server, send GET path (HTTP/1.0: no chunking). */
static int http_get(int port, const char *path)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char req[256];
	struct timeval tv = {.tv_sec = 5};

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: x\r\n\r\n", path);
	cr_assert_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	return fd;
}

/* Read from fd into buf (appending) until needle is in it; false after
 * the 5 s receive timeout or end of stream. */
static bool read_until(int fd, char *buf, size_t cap, const char *needle)
{
	size_t len = strlen(buf);
	ssize_t n;

	while (!strstr(buf, needle)) {
		if (len + 1 >= cap)
			return false;
		n = read(fd, buf + len, cap - 1 - len);
		if (n <= 0)
			return false;
		len += (size_t)n;
		buf[len] = '\0';
	}
	return true;
}

static char *slurp(int port, const char *path)
{
	int fd = http_get(port, path);
	char *buf = calloc(1, 65536);

	read_until(fd, buf, 65536, "\x01"); /* to the end */
	close(fd);
	return buf;
}

/* The tile of bench id: from its <section to the next. */
static char *tile(const char *dom, const char *id)
{
	char key[128], *start, *end;

	snprintf(key, sizeof(key), "<section class=\"tile\" data-bench=\"%s\"",
		 id);
	start = strstr(dom, key);
	cr_assert_not_null(start, "no tile for %s in:\n%s", id, dom);
	end = strstr(start + 1, "</section>");
	cr_assert_not_null(end);
	return strndup(start, (size_t)(end - start));
}

Test(lab_serve, chromium_renders_a_tile_per_bench_and_follows, .timeout = 120)
{
	char *dir = tmpdir_new("lab-serve"), *dom, *t, *js;
	struct broker b = {0};
	struct serve s = {0};
	struct chromium c;

	mqtt_broker_start(dir, &b);
	pub_status(&b, "bench-a", "PK-1", "running");
	pub_status(&b, "bench-b", "PK-<b>\\\"x", "complete");
	serve_start(dir, &b, &s);
	usleep(300000); /* the retained statuses reached the server */

	chromium_open(dir, s.url, &c);
	dom = chromium_wait(&c, "<span id=\"conn\" class=\"live\">live</span>",
			    10000);
	t = tile(dom, "bench-a");
	cr_expect(strstr(t, "<dd class=\"state\">running</dd>"), "%s", t);
	cr_expect(strstr(t, "<dd class=\"pack\">PK-1</dd>"), "%s", t);
	cr_expect(strstr(t, "<dd class=\"cmin\">3.402 V #17</dd>"), "%s", t);
	cr_expect(strstr(t, "<dd class=\"cmax\">3.451 V #40</dd>"), "%s", t);
	cr_expect(strstr(t, "<dd class=\"tmax\">27 \u00b0C</dd>"), "%s", t);
	free(t);
	t = tile(dom, "bench-b");
	cr_expect(strstr(t, "<dd class=\"state\">complete</dd>"), "%s", t);
	/* text, escaped by the serializer; never an element */
	cr_expect(strstr(t, "<dd class=\"pack\">PK-&lt;b&gt;\"x</dd>"), "%s",
		  t);
	cr_expect(!strstr(dom, "<b>"), "the pack id became markup:\n%s", dom);
	free(t);
	free(dom);

	/* A mark only this load of the page carries: a reload would lose it. */
	free(chromium_eval(&c, "document.body.dataset.mark = 'kept'"));
	pub_status(&b, "bench-a", "PK-1", "aborted");
	dom = chromium_wait(&c, "<dd class=\"state\">aborted</dd>", 5000);
	t = tile(dom, "bench-a");
	cr_expect(strstr(t, "<dd class=\"state\">aborted</dd>"), "%s", t);
	cr_expect(strstr(t, "data-source=\"sse\""), "%s", t);
	cr_expect(strstr(dom, "<body data-mark=\"kept\">"),
		  "the page reloaded:\n%s", dom);
	free(t);
	free(dom);
	chromium_close(&c);

	js = slurp(s.port, "/benches.json");
	cr_expect(strstr(js, "\"bench_id\":\"bench-a\",\"online\":null,"
			     "\"lab\":\"\",\"pack_id\":\"PK-1\","
			     "\"state\":\"aborted\""),
		  "%s", js);
	free(js);

	serve_stop(&s);
	mqtt_broker_stop(&b);
}

Test(lab_serve, events_stream_every_bench_then_each_change, .timeout = 60)
{
	char *dir = tmpdir_new("lab-sse"), *buf = calloc(1, 65536);
	struct broker b = {0};
	struct serve s = {0};
	int fd;

	mqtt_broker_start(dir, &b);
	pub_status(&b, "bench-a", "PK-1", "running");
	pub_status(&b, "bench-b", "PK-2", "running");
	serve_start(dir, &b, &s);
	usleep(500000); /* the retained statuses reached the server */

	fd = http_get(s.port, "/events");
	cr_assert(read_until(fd, buf, 65536, "\"bench_id\":\"bench-b\""), "%s",
		  buf);
	cr_expect(!strncmp(buf, "HTTP/1.1 200 OK\r\n", 17), "%s", buf);
	cr_expect(strstr(buf, "Content-Type: text/event-stream"), "%s", buf);
	cr_expect(strstr(buf, "\r\n\r\nevent: bench\ndata: "
			      "{\"bench_id\":\"bench-a\""),
		  "%s", buf);
	buf[0] = '\0';
	pub_status(&b, "bench-b", "PK-2", "stopping");
	cr_assert(read_until(fd, buf, 65536, "\"state\":\"stopping\""), "%s",
		  buf);
	cr_expect(
	    strstr(buf, "event: bench\ndata: {\"bench_id\":\"bench-b\"") == buf,
	    "%s", buf);
	close(fd);

	serve_stop(&s);
	mqtt_broker_stop(&b);
}

/* With every /events slot taken (16, docs/telemetry.md) the page's stream
 * gets 503, and it falls back to reading /benches.json once a second. */
Test(lab_serve, page_polls_when_events_are_refused, .timeout = 90)
{
	char *dir = tmpdir_new("lab-poll"), *buf = calloc(1, 65536), *dom, *t;
	struct broker b = {0};
	struct serve s = {0};
	struct chromium c;
	int fds[16];

	mqtt_broker_start(dir, &b);
	pub_status(&b, "bench-a", "PK-1", "running");
	serve_start(dir, &b, &s);
	usleep(300000); /* the retained status reached the server */
	for (int i = 0; i < 16; i++) {
		fds[i] = http_get(s.port, "/events");
		buf[0] = '\0';
		cr_assert(read_until(fds[i], buf, 65536, "\"bench_id\""),
			  "stream %d: %s", i, buf);
	}

	chromium_open(dir, s.url, &c);
	dom = chromium_wait(&c, "class=\"live\">live (polling)</span>", 10000);
	cr_expect(strstr(dom, "class=\"live\">live (polling)</span>"), "%s",
		  dom);
	free(dom);
	pub_status(&b, "bench-a", "PK-1", "aborted");
	dom = chromium_wait(&c, "<dd class=\"state\">aborted</dd>", 5000);
	t = tile(dom, "bench-a");
	cr_expect(strstr(t, "<dd class=\"state\">aborted</dd>"), "%s", t);
	cr_expect(strstr(t, "data-source=\"fetch\""), "%s", t);
	free(t);
	free(dom);
	chromium_close(&c);

	for (int i = 0; i < 16; i++)
		close(fds[i]);
	free(buf);
	serve_stop(&s);
	mqtt_broker_stop(&b);
}

Test(lab_serve, bad_http_address_is_refused, .timeout = 20)
{
	char *dir = tmpdir_new("lab-bad"), *log = ctl_path(dir, "log");

	cr_expect_eq(
	    ctl_bench(log, (const char *[]){"lab", "serve", "--broker",
					    "mqtt://127.0.0.1:1", "--http",
					    "localhost", NULL}),
	    1);
	cr_expect(strstr(ctl_log(log), "--http 'localhost': expected "
				       "HOST:PORT"),
		  "%s", ctl_log(log));
}
