/* SPDX-License-Identifier: Apache-2.0 */
/* labweb_mhd.c - `bench lab serve`'s HTTP through libmicrohttpd, a thread
 * per connection: an event stream's thread waits on its client's queue,
 * never the MQTT thread. */
#define LOG_PREFIX "lab"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#include "app/labhub.h"
#include "app/labweb.h"
#include "common/log.h"
#include "common/rc.h"

#define LABWEB_MAX_CONNECTIONS 64
#define LABWEB_IDLE_S 60 /* a connection that moves nothing this long */

struct labweb_http {
	struct MHD_Daemon *d;
	struct labhub *hub;
	int keepalive_ms;
	char *page; /* labweb_page_html's parts in one */
};

struct sse {
	struct labhub_client *c;
	int keepalive_ms;
	char *pend; /* the event being sent, from off */
	size_t off, len;
};

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sse *s = cls;
	size_t n;

	(void)pos;
	if (!s->pend) {
		s->pend = labhub_next(s->c, s->keepalive_ms);
		if (!s->pend)
			return MHD_CONTENT_READER_END_OF_STREAM;
		s->len = strlen(s->pend);
		s->off = 0;
	}
	n = s->len - s->off < max ? s->len - s->off : max;
	memcpy(buf, s->pend + s->off, n);
	s->off += n;
	if (s->off == s->len) {
		free(s->pend);
		s->pend = NULL;
	}
	return (ssize_t)n;
}

static void sse_free(void *cls)
{
	struct sse *s = cls;

	labhub_leave(s->c);
	free(s->pend);
	free(s);
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned code,
			     struct MHD_Response *r, const char *type)
{
	enum MHD_Result ok;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	ok = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return ok;
}

static enum MHD_Result text(struct MHD_Connection *conn, unsigned code,
			    const char *msg)
{
	return reply(conn, code,
		     MHD_create_response_from_buffer(strlen(msg), (void *)msg,
						     MHD_RESPMEM_PERSISTENT),
		     "text/plain; charset=utf-8");
}

static enum MHD_Result events(struct labweb_http *w,
			      struct MHD_Connection *conn)
{
	struct sse *s = calloc(1, sizeof(*s));
	struct MHD_Response *r;

	if (!s || !(s->c = labhub_join(w->hub))) {
		free(s);
		return text(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
			    "too many event-stream clients\n");
	}
	s->keepalive_ms = w->keepalive_ms;
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, sse_read,
					      s, sse_free);
	if (!r) {
		sse_free(s);
		return MHD_NO;
	}
	return reply(conn, MHD_HTTP_OK, r, "text/event-stream");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_len, void **req)
{
	struct labweb_http *w = cls;
	struct MHD_Response *r;
	char *js;

	(void)version;
	(void)upload;
	if (!*req) { /* first call: headers only */
		*req = w;
		return MHD_YES;
	}
	if (*upload_len)
		return text(conn, MHD_HTTP_BAD_REQUEST, "no body expected\n");
	if (strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD))
		return text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only\n");
	if (!strcmp(url, "/")) {
		r = MHD_create_response_from_buffer(strlen(w->page), w->page,
						    MHD_RESPMEM_PERSISTENT);
		/* the page's own inline code and its streams, nothing else */
		if (r)
			MHD_add_response_header(
			    r, "Content-Security-Policy",
			    "default-src 'none'; script-src 'unsafe-inline'; "
			    "style-src 'unsafe-inline'; connect-src 'self'");
		return reply(conn, MHD_HTTP_OK, r, "text/html; charset=utf-8");
	}
	if (!strcmp(url, "/events"))
		return events(w, conn);
	if (!strcmp(url, "/benches.json")) {
		js = labhub_json(w->hub);
		if (!js)
			return text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				    "out of memory\n");
		return reply(conn, MHD_HTTP_OK,
			     MHD_create_response_from_buffer(
				 strlen(js), js, MHD_RESPMEM_MUST_FREE),
			     "application/json");
	}
	return text(conn, MHD_HTTP_NOT_FOUND, "not found\n");
}

int labweb_http_start(const struct sockaddr_in *sa, struct labhub *hub,
		      int keepalive_ms, struct labweb_http **out)
{
	struct labweb_http *w = calloc(1, sizeof(*w));
	size_t len = 1;

	*out = NULL;
	for (size_t k = 0; labweb_page_html[k]; k++)
		len += strlen(labweb_page_html[k]);
	if (!w || !(w->page = malloc(len))) {
		free(w);
		log_err("out of memory");
		return BENCH_ERR_MEM;
	}
	w->page[0] = '\0';
	for (size_t k = 0; labweb_page_html[k]; k++)
		strcat(w->page, labweb_page_html[k]);
	w->hub = hub;
	w->keepalive_ms = keepalive_ms;
	w->d = MHD_start_daemon(
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
		MHD_USE_ERROR_LOG,
	    ntohs(sa->sin_port), NULL, NULL, on_request, w,
	    MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)sa,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)LABWEB_MAX_CONNECTIONS,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)LABWEB_IDLE_S,
	    MHD_OPTION_END);
	if (!w->d) {
		free(w->page);
		free(w);
		return BENCH_ERR_IO;
	}
	*out = w;
	return BENCH_OK;
}

void labweb_http_stop(struct labweb_http *w)
{
	if (!w)
		return;
	MHD_stop_daemon(w->d);
	free(w->page);
	free(w);
}
