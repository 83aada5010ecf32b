/* SPDX-License-Identifier: Apache-2.0 */
/* labweb.h - `bench lab serve`: the lab's benches as a live web page, an
 * event stream and JSON over HTTP (docs/telemetry.md).
 *
 * labweb_mhd.c is the only file with <microhttpd.h>. */
#ifndef BENCH_APP_LABWEB_H
#define BENCH_APP_LABWEB_H

#include <netinet/in.h>

struct labhub;
struct labweb_http;

/* Serve until SIGINT or SIGTERM (exit 0); 1 when the address is bad or
 * taken or the broker URL is bad. A broker that cannot be reached is
 * retried. */
int labweb_main(const char *broker_url, const char *http_addr);

/* "HOST:PORT" (IPv4 address or name) into *sa; err says what is wrong. */
int labweb_addr(const char *addr, struct sockaddr_in *sa, char *err,
		size_t err_len);

/* The page at GET /, in parts to concatenate, NULL-terminated:
 * self-contained, polls /benches.json once a second. */
extern const char *const labweb_page_html[];

/* The HTTP server on its own threads: GET /, /events, /benches.json.
 * keepalive_ms: an SSE comment after this long without an event.
 * BENCH_ERR_IO, not logged (the caller names the address), when the
 * address cannot be listened on. */
int labweb_http_start(const struct sockaddr_in *sa, struct labhub *hub,
		      int keepalive_ms, struct labweb_http **out);
/* Ends the event streams (labhub_stop first) and joins the threads. */
void labweb_http_stop(struct labweb_http *w);

#endif
