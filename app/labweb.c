/* SPDX-License-Identifier: Apache-2.0 */
/* labweb.c - `bench lab serve`: the MQTT loop on the main thread feeds the
 * hub; the HTTP server (labweb_mhd.c) reads it on threads of its own. */
#define LOG_PREFIX "lab"

#include "app/labweb.h"

#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/lab.h"
#include "app/labhub.h"
#include "app/mq.h"
#include "common/log.h"
#include "common/rc.h"

#define LABWEB_CLIENTS 16 /* event streams at a time */
#define LABWEB_QUEUE 256  /* events waiting per stream */
#define LABWEB_KEEPALIVE_MS 15000
#define LABWEB_BACKOFF_MAX_MS 5000

static volatile sig_atomic_t labweb_stop;

static void on_signal(int sig)
{
	(void)sig;
	labweb_stop = 1;
}

int labweb_addr(const char *addr, struct sockaddr_in *sa, char *err,
		size_t err_len)
{
	const char *colon = strrchr(addr, ':');
	struct addrinfo hints = {.ai_family = AF_INET,
				 .ai_socktype = SOCK_STREAM},
			*ai = NULL;
	char host[256], *end;
	long port;
	int gai;

	if (!colon || colon == addr || (size_t)(colon - addr) >= sizeof(host)) {
		snprintf(err, err_len,
			 "expected HOST:PORT, e.g. 127.0.0.1:8080");
		return BENCH_ERR_ARG;
	}
	port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || port < 1 || port > 65535) {
		snprintf(err, err_len, "port '%s' is not 1..65535", colon + 1);
		return BENCH_ERR_ARG;
	}
	snprintf(host, sizeof(host), "%.*s", (int)(colon - addr), addr);
	gai = getaddrinfo(host, NULL, &hints, &ai);
	if (gai) {
		snprintf(err, err_len, "host '%s': %s", host,
			 gai_strerror(gai));
		return BENCH_ERR_ARG;
	}
	memcpy(sa, ai->ai_addr, sizeof(*sa));
	sa->sin_port = htons((uint16_t)port);
	freeaddrinfo(ai);
	return BENCH_OK;
}

static void on_msg(void *ctx, const char *topic, const char *payload,
		   size_t len)
{
	labhub_message(ctx, topic, payload, len);
}

/* Sleep ms, cut short by a signal. */
static void nap(unsigned ms)
{
	for (; ms && !labweb_stop; ms -= ms < 100 ? ms : 100)
		usleep((ms < 100 ? ms : 100) * 1000);
}

int labweb_main(const char *broker_url, const char *http_addr)
{
	struct sigaction sa = {.sa_handler = on_signal};
	struct sockaddr_in listen_sa;
	struct labhub *hub = NULL;
	struct labweb_http *http = NULL;
	struct mq *m = NULL;
	char client[64], err[300];
	unsigned backoff = 200;
	int rc = 1;

	if (labweb_addr(http_addr, &listen_sa, err, sizeof(err)) < 0) {
		log_err("--http '%s': %s", http_addr, err);
		return 1;
	}
	snprintf(client, sizeof(client), "bench-lab-serve-%d", (int)getpid());
	if (mq_new(&(struct mq_cfg){.url = broker_url, .client_id = client},
		   &m) < 0 ||
	    labhub_new(LABWEB_CLIENTS, LABWEB_QUEUE, &hub) < 0)
		goto out;
	mq_on_message(m, on_msg, hub);
	if (labweb_http_start(&listen_sa, hub, LABWEB_KEEPALIVE_MS, &http) <
	    0) {
		log_err("--http '%s': cannot listen there (in use, or not "
			"this host's address)",
			http_addr);
		goto out;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	log_info("serving http://%s/ from %s", http_addr, broker_url);
	lab_connect(m, broker_url);
	while (!labweb_stop) {
		if (!mq_connected(m)) {
			nap(backoff);
			backoff = backoff * 2 > LABWEB_BACKOFF_MAX_MS
				      ? LABWEB_BACKOFF_MAX_MS
				      : backoff * 2;
			if (!labweb_stop && lab_connect(m, broker_url) == 0)
				backoff = 200;
			continue;
		}
		if (mq_loop(m, 100, err, sizeof(err)) < 0)
			log_warn("broker %s: %s: reconnecting", broker_url,
				 err);
	}
	rc = 0;
out:
	if (hub)
		labhub_stop(hub);
	labweb_http_stop(http);
	mq_free(m);
	labhub_free(hub);
	return rc;
}
