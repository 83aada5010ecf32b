/* SPDX-License-Identifier: Apache-2.0 */
/* mq.h - the MQTT seam: one client connection to a broker.
 *
 * mq_mosq.c is the only file with <mosquitto.h>. Nothing here runs a
 * thread or retries: the caller (telemetry.c's publisher thread, `bench
 * lab`) owns the loop, the reconnects and their back-off. Not thread-safe:
 * one thread per struct mq.
 *
 * URL: mqtt://HOST[:PORT] (1883) or mqtts://HOST[:PORT] (8883, TLS; the
 * system CA store unless ca is set).
 */
#ifndef BENCH_APP_MQ_H
#define BENCH_APP_MQ_H

#include <stdbool.h>
#include <stddef.h>

struct mq_cfg {
	const char *url;
	const char *ca, *cert, *key;	      /* NULL or "": none */
	const char *username, *password_file; /* first line of the file */
	const char *client_id;		      /* NULL: the library's */
	const char *will_topic;		      /* NULL: no last will */
	const char *will_payload;	      /* retained, QoS 1 */
};

typedef void (*mq_msg_fn)(void *ctx, const char *topic, const char *payload,
			  size_t len);

struct mq;

/* Checks the URL and reads the password file; no network yet. Errors
 * name the URL or the file. */
int mq_new(const struct mq_cfg *cfg, struct mq **out);
void mq_free(struct mq *m);

/* One connection attempt (blocking TCP connect, then CONNECT): the
 * broker's answer arrives through mq_loop. BENCH_ERR_IO when the broker
 * cannot be reached; err gets the reason. */
int mq_connect(struct mq *m, char *err, size_t err_len);
/* The broker accepted the connection (CONNACK 0) and it still stands. */
bool mq_connected(const struct mq *m);
/* Network I/O for up to timeout_ms. BENCH_ERR_IO when the connection is
 * lost or refused (err says why); the caller reconnects. */
int mq_loop(struct mq *m, int timeout_ms, char *err, size_t err_len);
/* Clean disconnect (the broker does not send the last will). */
void mq_disconnect(struct mq *m);

/* qos 0 or 1. *mid (may be NULL) identifies a QoS 1 message for
 * mq_acked. BENCH_ERR_IO when not connected or the library refuses. */
int mq_publish(struct mq *m, const char *topic, const char *payload, size_t len,
	       int qos, bool retain, int *mid);
/* The broker acknowledged QoS 1 message mid (PUBACK). A lost connection
 * forgets unacknowledged messages: the caller publishes them again. */
bool mq_acked(const struct mq *m, int mid);

/* Earlier messages still wait for the socket or for their PUBACKs: a
 * publisher that wants a bounded backlog holds the next one back. */
bool mq_busy(const struct mq *m);

int mq_subscribe(struct mq *m, const char *pattern);
void mq_on_message(struct mq *m, mq_msg_fn fn, void *ctx);

#endif
