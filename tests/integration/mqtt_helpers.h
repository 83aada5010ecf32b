/* SPDX-License-Identifier: Apache-2.0 */
/* mqtt_helpers.h - a private mosquitto broker on a free loopback port and
 * mosquitto_sub, for the telemetry tests. Missing binaries fail the test
 * (tools/deps.sh installs mosquitto and mosquitto-clients). */
#ifndef BENCH_TESTS_MQTT_HELPERS_H
#define BENCH_TESTS_MQTT_HELPERS_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "ctl_helpers.h"

#define MOSQUITTO_BIN "/usr/sbin/mosquitto"
#define MOSQUITTO_SUB_BIN "/usr/bin/mosquitto_sub"
#define MOSQUITTO_PUB_BIN "/usr/bin/mosquitto_pub"

struct broker {
	int port;
	pid_t pid;
	char *conf, *log;
};

static inline void mqtt_need_binaries(void)
{
	cr_assert_eq(access(MOSQUITTO_BIN, X_OK), 0,
		     "%s missing: install the Debian package mosquitto "
		     "(tools/deps.sh)",
		     MOSQUITTO_BIN);
	cr_assert_eq(access(MOSQUITTO_SUB_BIN, X_OK), 0,
		     "%s missing: install mosquitto-clients (tools/deps.sh)",
		     MOSQUITTO_SUB_BIN);
	cr_assert_eq(access(MOSQUITTO_PUB_BIN, X_OK), 0,
		     "%s missing: install mosquitto-clients (tools/deps.sh)",
		     MOSQUITTO_PUB_BIN);
}

/* A port nothing listens on right now. */
static inline int mqtt_free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static inline bool mqtt_port_open(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

/* Start mosquitto on b->port (mqtt_free_port() unless set) and wait until
 * it accepts connections. */
static inline void mqtt_broker_start(const char *dir, struct broker *b)
{
	FILE *f;

	mqtt_need_binaries();
	if (!b->port)
		b->port = mqtt_free_port();
	b->conf = ctl_path(dir, "mosquitto.conf");
	b->log = ctl_path(dir, "mosquitto.log");
	f = fopen(b->conf, "w");
	cr_assert_not_null(f);
	fprintf(f,
		"listener %d 127.0.0.1\nallow_anonymous true\n"
		"persistence false\n",
		b->port);
	fclose(f);
	b->pid = fork();
	cr_assert_neq(b->pid, -1);
	if (b->pid == 0) {
		int fd = open(b->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, 1);
		dup2(fd, 2);
		execl(MOSQUITTO_BIN, "mosquitto", "-c", b->conf, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 500; i++) {
		if (mqtt_port_open(b->port))
			return;
		usleep(10000);
	}
	cr_assert_fail("mosquitto did not listen on %d: %s", b->port,
		       ctl_log(b->log));
}

static inline void mqtt_broker_stop(struct broker *b)
{
	if (b->pid > 0) {
		kill(b->pid, SIGTERM);
		waitpid(b->pid, NULL, 0);
		b->pid = 0;
	}
}

static inline char *mqtt_url(const struct broker *b)
{
	char *u = malloc(64);

	snprintf(u, 64, "mqtt://127.0.0.1:%d", b->port);
	return u;
}

/* mosquitto_sub in the background: every message on topic, "-v" lines
 * (topic payload) to outpath. Stop with mqtt_sub_stop. */
static inline pid_t mqtt_sub_start(const struct broker *b, const char *topic,
				   const char *outpath)
{
	char port[16];
	pid_t pid;

	snprintf(port, sizeof(port), "%d", b->port);
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		int fd = open(outpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, 1);
		dup2(fd, 2);
		execl(MOSQUITTO_SUB_BIN, "mosquitto_sub", "-h", "127.0.0.1",
		      "-p", port, "-t", topic, "-v", "-q", "1", (char *)NULL);
		_exit(127);
	}
	usleep(300000); /* subscribed before the run starts */
	return pid;
}

static inline void mqtt_sub_stop(pid_t pid)
{
	usleep(200000); /* the last messages in flight */
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

/* The retained message of topic (first message within 3 s) into buf. */
static inline void mqtt_retained(const struct broker *b, const char *topic,
				 const char *dir, char *buf, size_t len)
{
	char cmd[512], *out = ctl_path(dir, "retained.txt");
	FILE *f;
	size_t n;

	snprintf(cmd, sizeof(cmd),
		 "%s -h 127.0.0.1 -p %d -t '%s' -C 1 -W 3 > %s 2>&1",
		 MOSQUITTO_SUB_BIN, b->port, topic, out);
	cr_assert_eq(system(cmd), 0, "no retained message on %s", topic);
	f = fopen(out, "r");
	cr_assert_not_null(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	free(out);
}

static inline double mqtt_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#endif
