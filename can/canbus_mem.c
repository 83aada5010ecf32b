/* SPDX-License-Identifier: Apache-2.0 */
/* canbus_mem.c - the in-process CAN bus ("mem:NAME").
 *
 * Every endpoint opened with the same NAME is a node on one bus: a frame one
 * endpoint sends is queued, in send order, at every other endpoint (and at
 * the sender too with recv_own). Queues are bounded; when a reader falls
 * behind, new frames are dropped and counted, as a socket's receive buffer
 * would. Nothing depends on timing, so simulations replay identically.
 * A mutex guards the registry so a simulator may run in its own thread; a
 * receiver with a timeout waits on a condition variable.
 */
#define LOG_PREFIX "canbus-mem"
#include "canbus.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "canbus_backend.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/rc.h"

/* Enough for several seconds of a 96-cell BMS between two polls. */
#define MEM_QUEUE_LEN 4096

struct mem_net;

struct mem_ep {
	struct canbus base;
	struct mem_net *net;
	struct mem_ep *next;
	struct canbus_opts opts;
	struct canbus_ev *queue; /* ring of MEM_QUEUE_LEN */
	size_t head, count;
	uint64_t dropped;
	uint32_t *filter; /* exact ids, NULL = all */
	size_t nfilter;
	const struct clock *clk; /* NULL = CLOCK_REALTIME */
};

struct mem_net {
	char name[CANBUS_NAME_MAX];
	struct mem_ep *eps;
	enum canbus_state state;
	struct mem_net *next;
};

static pthread_mutex_t mem_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t mem_cond;
static pthread_once_t mem_once = PTHREAD_ONCE_INIT;
static struct mem_net *mem_nets;

static const struct canbus_ops mem_ops;

static void mem_cond_init(void)
{
	pthread_condattr_t attr;

	/* monotonic, so a wall-clock jump cannot stretch a receive timeout */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&mem_cond, &attr);
	pthread_condattr_destroy(&attr);
}

static int64_t realtime_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct mem_ep *to_ep(struct canbus *bus)
{
	return (struct mem_ep *)bus;
}

static struct mem_net *net_get(const char *name)
{
	struct mem_net *n;

	for (n = mem_nets; n; n = n->next)
		if (strcmp(n->name, name) == 0)
			return n;
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	snprintf(n->name, sizeof(n->name), "%s", name);
	n->state = CANBUS_ACTIVE;
	n->next = mem_nets;
	mem_nets = n;
	return n;
}

static void net_put(struct mem_net *net)
{
	struct mem_net **pp;

	if (net->eps)
		return;
	for (pp = &mem_nets; *pp; pp = &(*pp)->next) {
		if (*pp == net) {
			*pp = net->next;
			free(net);
			return;
		}
	}
}

int canbus_mem_open(const char *net, const struct canbus_opts *opts,
		    struct canbus **out)
{
	struct mem_ep *ep = NULL;
	int rc = BENCH_ERR_MEM;

	if (!*net) {
		log_err("empty bus name in 'mem:' (expected 'mem:NAME')");
		return BENCH_ERR_ARG;
	}
	pthread_once(&mem_once, mem_cond_init);
	ep = calloc(1, sizeof(*ep));
	if (!ep)
		goto fail;
	ep->queue = calloc(MEM_QUEUE_LEN, sizeof(*ep->queue));
	if (!ep->queue)
		goto fail;
	ep->base.ops = &mem_ops;
	snprintf(ep->base.name, sizeof(ep->base.name), "mem:%s", net);
	ep->opts = *opts;

	pthread_mutex_lock(&mem_lock);
	ep->net = net_get(net);
	if (ep->net) {
		ep->next = ep->net->eps;
		ep->net->eps = ep;
		rc = BENCH_OK;
	}
	pthread_mutex_unlock(&mem_lock);
	if (rc < 0)
		goto fail;
	*out = &ep->base;
	return BENCH_OK;

fail:
	log_err("cannot open 'mem:%s': out of memory", net);
	if (ep)
		free(ep->queue);
	free(ep);
	return rc;
}

static void mem_close(struct canbus *bus)
{
	struct mem_ep *ep = to_ep(bus);
	struct mem_ep **pp;

	pthread_mutex_lock(&mem_lock);
	for (pp = &ep->net->eps; *pp; pp = &(*pp)->next) {
		if (*pp == ep) {
			*pp = ep->next;
			break;
		}
	}
	net_put(ep->net);
	pthread_mutex_unlock(&mem_lock);
	if (ep->dropped)
		log_warn("'%s': %llu frames dropped (receive queue full)",
			 ep->base.name, (unsigned long long)ep->dropped);
	free(ep->filter);
	free(ep->queue);
	free(ep);
}

/* Called with mem_lock held. */
static void ep_push(struct mem_ep *ep, const struct canbus_ev *ev)
{
	if (ep->count == MEM_QUEUE_LEN) {
		if (ep->dropped++ == 0)
			log_warn("'%s': receive queue full (%d events), "
				 "dropping frames",
				 ep->base.name, MEM_QUEUE_LEN);
		return;
	}
	ep->queue[(ep->head + ep->count) % MEM_QUEUE_LEN] = *ev;
	ep->count++;
}

static bool ep_wants(const struct mem_ep *ep, uint32_t id)
{
	size_t i;

	if (!ep->filter)
		return true;
	for (i = 0; i < ep->nfilter; i++)
		if (ep->filter[i] == id)
			return true;
	return false;
}

/* Called with mem_lock held: deliver a state change to every subscriber. */
static void net_set_state(struct mem_net *net, const struct canframe *errf,
			  enum canbus_state s, int64_t t_us)
{
	struct canbus_ev ev = {.kind = CANBUS_EV_STATE, .t_us = t_us};
	struct mem_ep *ep;

	ev.frame = *errf;
	ev.state = s;
	net->state = s;
	for (ep = net->eps; ep; ep = ep->next)
		if (ep->opts.err_frames)
			ep_push(ep, &ev);
	pthread_cond_broadcast(&mem_cond);
}

static int64_t ep_now_us(const struct mem_ep *ep)
{
	return ep->clk ? clock_now_us(ep->clk) : realtime_us();
}

static int check_frame(const struct mem_ep *ep, const struct canframe *f)
{
	if (f->len > (f->fd ? CANFRAME_MAX_LEN : 8)) {
		log_err("'%s': cannot send id 0x%X: length %u too long for a "
			"%s frame",
			ep->base.name, (unsigned)(f->id & CANFRAME_EFF_MASK),
			f->len, f->fd ? "CAN FD" : "classic");
		return BENCH_ERR_ARG;
	}
	if (f->fd && !ep->opts.fd) {
		log_err("'%s': cannot send CAN FD frame id 0x%X: bus opened "
			"without fd",
			ep->base.name, (unsigned)(f->id & CANFRAME_EFF_MASK));
		return BENCH_ERR_SUPP;
	}
	return BENCH_OK;
}

static int mem_send(struct canbus *bus, const struct canframe *f)
{
	struct mem_ep *ep = to_ep(bus);
	struct canbus_ev ev = {.kind = CANBUS_EV_FRAME};
	struct mem_ep *p;

	TRY(check_frame(ep, f));
	ev.t_us = ep_now_us(ep);
	ev.frame = *f;
	pthread_mutex_lock(&mem_lock);
	if (f->id & CANFRAME_ERR) {
		/* an error frame sent on the bus, as on vcan */
		net_set_state(ep->net, f,
			      canbus_errframe_state(f, ep->net->state),
			      ev.t_us);
	} else if (ep->net->state == CANBUS_OFF ||
		   ep->net->state == CANBUS_STOPPED) {
		log_dbg("'%s': bus %s, frame 0x%X dropped", ep->base.name,
			canbus_state_name(ep->net->state),
			(unsigned)(f->id & CANFRAME_EFF_MASK));
	} else {
		for (p = ep->net->eps; p; p = p->next) {
			if (p == ep && !ep->opts.recv_own)
				continue;
			if (f->fd && !p->opts.fd)
				continue; /* a classic node does not see FD */
			if (ep_wants(p, f->id))
				ep_push(p, &ev);
		}
		pthread_cond_broadcast(&mem_cond);
	}
	pthread_mutex_unlock(&mem_lock);
	return BENCH_OK;
}

static void deadline_after(struct timespec *ts, int timeout_ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += timeout_ms / 1000;
	ts->tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static int mem_recv(struct canbus *bus, struct canbus_ev *ev, int timeout_ms)
{
	struct mem_ep *ep = to_ep(bus);
	struct timespec deadline;
	int got = 0;

	if (timeout_ms > 0)
		deadline_after(&deadline, timeout_ms);
	pthread_mutex_lock(&mem_lock);
	while (ep->count == 0 && timeout_ms > 0) {
		if (pthread_cond_timedwait(&mem_cond, &mem_lock, &deadline) ==
		    ETIMEDOUT)
			break;
	}
	if (ep->count > 0) {
		*ev = ep->queue[ep->head];
		ep->head = (ep->head + 1) % MEM_QUEUE_LEN;
		ep->count--;
		got = 1;
	}
	pthread_mutex_unlock(&mem_lock);
	return got;
}

static int mem_fd(const struct canbus *bus)
{
	(void)bus;
	return -1;
}

static int mem_set_filter(struct canbus *bus, const uint32_t *ids, size_t n)
{
	struct mem_ep *ep = to_ep(bus);
	uint32_t *copy = NULL;

	if (n > 0) {
		copy = malloc(n * sizeof(*copy));
		if (!copy) {
			log_err("'%s': cannot set a filter of %zu ids: out of "
				"memory",
				ep->base.name, n);
			return BENCH_ERR_MEM;
		}
		memcpy(copy, ids, n * sizeof(*copy));
	}
	pthread_mutex_lock(&mem_lock);
	free(ep->filter);
	ep->filter = copy;
	ep->nfilter = n;
	pthread_mutex_unlock(&mem_lock);
	return BENCH_OK;
}

int canbus_mem_inject_state(struct canbus *bus, enum canbus_state s)
{
	struct mem_ep *ep = to_ep(bus);
	struct canframe errf;

	if (bus->ops != &mem_ops) {
		log_err("'%s': state injection needs a 'mem:' bus", bus->name);
		return BENCH_ERR_SUPP;
	}
	if ((unsigned)s > CANBUS_UNKNOWN) {
		log_err("'%s': cannot inject state %d: no such state",
			bus->name, (int)s);
		return BENCH_ERR_ARG;
	}
	pthread_mutex_lock(&mem_lock);
	canbus_errframe_make(s, ep->net->state, &errf);
	net_set_state(ep->net, &errf, s, ep_now_us(ep));
	pthread_mutex_unlock(&mem_lock);
	return BENCH_OK;
}

int canbus_mem_set_clock(struct canbus *bus, const struct clock *clk)
{
	if (bus->ops != &mem_ops) {
		log_err("'%s': a sender clock needs a 'mem:' bus", bus->name);
		return BENCH_ERR_SUPP;
	}
	to_ep(bus)->clk = clk;
	return BENCH_OK;
}

/* clang-format off */
static const struct canbus_ops mem_ops = {
	.kind = "mem",
	.close = mem_close,
	.send = mem_send,
	.recv = mem_recv,
	.fd = mem_fd,
	.set_filter = mem_set_filter,
};
/* clang-format on */
