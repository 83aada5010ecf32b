/* SPDX-License-Identifier: Apache-2.0 */
/* mq_mosq.c - the MQTT seam (app/mq.h) on libmosquitto: the only file
 * with <mosquitto.h>. */
#define LOG_PREFIX "mqtt"

#include "app/mq.h"

#include <errno.h>
#include <mosquitto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/rc.h"

/* QoS 1 messages awaiting their PUBACK; the oldest is forgotten when
 * more are in flight (never the case with one publisher at 1 Hz). */
#define MQ_PENDING 1024
/* more unacknowledged than this and mq_busy says wait */
#define MQ_MAX_UNACKED 64

struct mq {
	struct mosquitto *mosq;
	char host[256];
	int port;
	bool connected;
	int connack_rc; /* the broker's refusal, 0 until one */
	int pending[MQ_PENDING];
	unsigned next_pending, n_pending;
	mq_msg_fn on_msg;
	void *msg_ctx;
};

static pthread_once_t lib_once = PTHREAD_ONCE_INIT;

static void lib_init(void)
{
	mosquitto_lib_init();
}

static void on_connect(struct mosquitto *mosq, void *ctx, int rc)
{
	struct mq *m = ctx;

	(void)mosq;
	m->connected = rc == 0;
	m->connack_rc = rc;
}

static void on_disconnect(struct mosquitto *mosq, void *ctx, int rc)
{
	struct mq *m = ctx;

	(void)mosq;
	(void)rc;
	m->connected = false;
}

static void on_publish(struct mosquitto *mosq, void *ctx, int mid)
{
	struct mq *m = ctx;

	(void)mosq;
	for (unsigned i = 0; i < MQ_PENDING; i++)
		if (m->pending[i] == mid) {
			m->pending[i] = 0;
			m->n_pending--;
			return;
		}
}

static void on_message(struct mosquitto *mosq, void *ctx,
		       const struct mosquitto_message *msg)
{
	struct mq *m = ctx;

	(void)mosq;
	if (m->on_msg)
		m->on_msg(m->msg_ctx, msg->topic,
			  msg->payload ? msg->payload : "",
			  (size_t)msg->payloadlen);
}

/* "mqtt://host:port" -> host, port; TLS for mqtts. */
static int parse_url(const char *url, struct mq *m, bool *tls)
{
	const char *h, *colon;
	char *end;
	long port;

	if (!strncmp(url, "mqtt://", 7)) {
		*tls = false;
		h = url + 7;
	} else if (!strncmp(url, "mqtts://", 8)) {
		*tls = true;
		h = url + 8;
	} else {
		log_err("telemetry URL '%s': expected mqtt://HOST:PORT or "
			"mqtts://HOST:PORT",
			url);
		return BENCH_ERR_ARG;
	}
	port = *tls ? 8883 : 1883;
	colon = strrchr(h, ':');
	if (colon) {
		errno = 0;
		port = strtol(colon + 1, &end, 10);
		if (errno || *end || port < 1 || port > 65535) {
			log_err("telemetry URL '%s': bad port '%s'", url,
				colon + 1);
			return BENCH_ERR_ARG;
		}
	}
	if ((colon ? (size_t)(colon - h) : strlen(h)) == 0 ||
	    (colon ? (size_t)(colon - h) : strlen(h)) >= sizeof(m->host)) {
		log_err("telemetry URL '%s': no host", url);
		return BENCH_ERR_ARG;
	}
	snprintf(m->host, sizeof(m->host), "%.*s",
		 (int)(colon ? (size_t)(colon - h) : strlen(h)), h);
	m->port = (int)port;
	return BENCH_OK;
}

static int read_password(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f) {
		log_err("telemetry password file '%s': %s", path,
			strerror(errno));
		return BENCH_ERR_IO;
	}
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	return BENCH_OK;
}

static bool set(const char *s)
{
	return s && s[0];
}

static int configure(struct mq *m, const struct mq_cfg *cfg, bool tls)
{
	char pw[256] = "";
	int rc;

	if (set(cfg->username)) {
		if (set(cfg->password_file))
			TRY(read_password(cfg->password_file, pw, sizeof(pw)));
		rc = mosquitto_username_pw_set(m->mosq, cfg->username,
					       set(cfg->password_file) ? pw
								       : NULL);
		memset(pw, 0, sizeof(pw));
		if (rc != MOSQ_ERR_SUCCESS) {
			log_err("telemetry username: %s",
				mosquitto_strerror(rc));
			return BENCH_ERR_ARG;
		}
	}
	if (tls || set(cfg->ca) || set(cfg->cert)) {
		rc = mosquitto_tls_set(m->mosq, set(cfg->ca) ? cfg->ca : NULL,
				       set(cfg->ca) ? NULL : "/etc/ssl/certs",
				       set(cfg->cert) ? cfg->cert : NULL,
				       set(cfg->key) ? cfg->key : NULL, NULL);
		if (rc != MOSQ_ERR_SUCCESS) {
			log_err("telemetry TLS (ca '%s', cert '%s', key "
				"'%s'): %s",
				set(cfg->ca) ? cfg->ca : "system",
				set(cfg->cert) ? cfg->cert : "none",
				set(cfg->key) ? cfg->key : "none",
				mosquitto_strerror(rc));
			return BENCH_ERR_ARG;
		}
	}
	if (cfg->will_topic) {
		rc = mosquitto_will_set(m->mosq, cfg->will_topic,
					(int)strlen(cfg->will_payload),
					cfg->will_payload, 1, true);
		if (rc != MOSQ_ERR_SUCCESS) {
			log_err("telemetry last will: %s",
				mosquitto_strerror(rc));
			return BENCH_ERR_ARG;
		}
	}
	return BENCH_OK;
}

int mq_new(const struct mq_cfg *cfg, struct mq **out)
{
	struct mq *m;
	bool tls;
	int rc;

	*out = NULL;
	pthread_once(&lib_once, lib_init);
	m = calloc(1, sizeof(*m));
	if (!m) {
		log_err("out of memory");
		return BENCH_ERR_MEM;
	}
	rc = parse_url(cfg->url, m, &tls);
	if (rc < 0)
		goto fail;
	m->mosq = mosquitto_new(cfg->client_id, true, m);
	if (!m->mosq) {
		log_err("mosquitto_new: %s", strerror(errno));
		rc = BENCH_ERR_MEM;
		goto fail;
	}
	mosquitto_connect_callback_set(m->mosq, on_connect);
	mosquitto_disconnect_callback_set(m->mosq, on_disconnect);
	mosquitto_publish_callback_set(m->mosq, on_publish);
	mosquitto_message_callback_set(m->mosq, on_message);
	rc = configure(m, cfg, tls);
	if (rc < 0)
		goto fail;
	*out = m;
	return BENCH_OK;
fail:
	mq_free(m);
	return rc;
}

void mq_free(struct mq *m)
{
	if (!m)
		return;
	if (m->mosq)
		mosquitto_destroy(m->mosq);
	free(m);
}

int mq_connect(struct mq *m, char *err, size_t err_len)
{
	int rc;

	m->connected = false;
	m->connack_rc = 0;
	/* a new session: what the last one left unacknowledged stays so
	 * (negated), no longer in flight */
	for (unsigned i = 0; i < MQ_PENDING; i++)
		if (m->pending[i] > 0)
			m->pending[i] = -m->pending[i];
	m->n_pending = 0;
	rc = mosquitto_connect(m->mosq, m->host, m->port, 10);
	if (rc != MOSQ_ERR_SUCCESS) {
		snprintf(err, err_len, "%s:%d: %s", m->host, m->port,
			 rc == MOSQ_ERR_ERRNO ? strerror(errno)
					      : mosquitto_strerror(rc));
		return BENCH_ERR_IO;
	}
	return BENCH_OK;
}

bool mq_connected(const struct mq *m)
{
	return m->connected;
}

int mq_loop(struct mq *m, int timeout_ms, char *err, size_t err_len)
{
	int rc = mosquitto_loop(m->mosq, timeout_ms, 1);

	if (m->connack_rc) {
		snprintf(err, err_len, "%s:%d refused the connection: %s",
			 m->host, m->port,
			 mosquitto_connack_string(m->connack_rc));
		mosquitto_disconnect(m->mosq);
		m->connected = false;
		return BENCH_ERR_IO;
	}
	if (rc != MOSQ_ERR_SUCCESS) {
		snprintf(err, err_len, "%s:%d: %s", m->host, m->port,
			 rc == MOSQ_ERR_ERRNO ? strerror(errno)
					      : mosquitto_strerror(rc));
		m->connected = false;
		return BENCH_ERR_IO;
	}
	return BENCH_OK;
}

void mq_disconnect(struct mq *m)
{
	if (!m->connected)
		return;
	mosquitto_disconnect(m->mosq);
	/* let the DISCONNECT leave before the socket closes */
	mosquitto_loop(m->mosq, 10, 1);
	m->connected = false;
}

int mq_publish(struct mq *m, const char *topic, const char *payload, size_t len,
	       int qos, bool retain, int *mid)
{
	int id = 0;
	int rc;

	if (!m->connected)
		return BENCH_ERR_IO;
	rc = mosquitto_publish(m->mosq, &id, topic, (int)len, payload, qos,
			       retain);
	if (rc != MOSQ_ERR_SUCCESS)
		return BENCH_ERR_IO;
	if (qos > 0) {
		unsigned i = m->next_pending++ % MQ_PENDING;

		if (!m->pending[i])
			m->n_pending++;
		m->pending[i] = id;
	}
	if (mid)
		*mid = id;
	return BENCH_OK;
}

bool mq_acked(const struct mq *m, int mid)
{
	for (unsigned i = 0; i < MQ_PENDING; i++)
		if (m->pending[i] == mid || m->pending[i] == -mid)
			return false;
	return true;
}

bool mq_busy(const struct mq *m)
{
	return mosquitto_want_write(m->mosq) || m->n_pending >= MQ_MAX_UNACKED;
}

int mq_subscribe(struct mq *m, const char *pattern)
{
	int rc = mosquitto_subscribe(m->mosq, NULL, pattern, 1);

	if (rc != MOSQ_ERR_SUCCESS) {
		log_err("subscribe '%s': %s", pattern, mosquitto_strerror(rc));
		return BENCH_ERR_IO;
	}
	return BENCH_OK;
}

void mq_on_message(struct mq *m, mq_msg_fn fn, void *ctx)
{
	m->on_msg = fn;
	m->msg_ctx = ctx;
}
