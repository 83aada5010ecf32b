/* SPDX-License-Identifier: Apache-2.0 */
/* j1939_user.c - user-space J1939 transport over the in-process bus
 * ("mem:NAME"), for the simulator and tests: the pure engine
 * (j1939_engine.c) driven on the monotonic clock. j1939_send blocks until
 * a transfer is done, so an RTS/CTS peer must run in another thread;
 * j1939_recv with timeout 0 moves the engine on without waiting (the CTS
 * and EOMA we owe are sent from there).
 */
#define LOG_PREFIX "j1939-user"
#include "j1939.h"

#include <stdio.h>
#include <stdlib.h>

#include "canbus.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/rc.h"
#include "j1939_backend.h"
#include "j1939_engine.h"

struct user_j {
	struct j1939 base;
	struct canbus *bus;
	struct clock clk;
	struct j1939_engine eng;
};

static const struct j1939_ops user_ops;

static int user_emit(void *ctx, const struct canframe *f)
{
	return canbus_send(ctx, f);
}

int j1939_user_open(const char *conn, uint8_t addr, struct j1939 **out)
{
	struct user_j *u = calloc(1, sizeof(*u));
	int rc;

	if (!u) {
		log_err("cannot open J1939 on '%s': out of memory", conn);
		return BENCH_ERR_MEM;
	}
	rc = canbus_open(conn, NULL, &u->bus);
	if (rc < 0) {
		free(u);
		return rc;
	}
	u->base.ops = &user_ops;
	u->base.addr = addr;
	snprintf(u->base.name, sizeof(u->base.name), "%s", conn);
	clock_mono_init(&u->clk);
	j1939_engine_init(&u->eng, addr, user_emit, u->bus);
	*out = &u->base;
	return BENCH_OK;
}

static void user_close(struct j1939 *j)
{
	struct user_j *u = (struct user_j *)j;

	canbus_close(u->bus);
	free(u);
}

static bool rx_pending(const struct j1939_engine *e)
{
	return e->q_count > 0 || e->rx_rc < 0;
}

/* Wait for frames up to until_us or the engine's next timer, feed them
 * (stopping once something was received, so the queue never overflows),
 * then run the timers. */
static int pump(struct user_j *u, int64_t until_us)
{
	int64_t now = clock_now_us(&u->clk);
	int64_t t = j1939_engine_next_us(&u->eng);
	struct canbus_ev ev;
	int wait_ms = 0, rc;

	if (until_us < t)
		t = until_us;
	if (t > now)
		wait_ms =
		    t - now >= 1000000 ? 1000 : (int)((t - now + 999) / 1000);
	rc = canbus_recv(u->bus, &ev, wait_ms);
	while (rc == 1) {
		if (ev.kind == CANBUS_EV_FRAME)
			j1939_engine_on_frame(&u->eng, &ev.frame,
					      clock_now_us(&u->clk));
		if (rx_pending(&u->eng))
			break;
		rc = canbus_recv(u->bus, &ev, 0);
	}
	if (rc < 0)
		return rc;
	j1939_engine_tick(&u->eng, clock_now_us(&u->clk));
	return BENCH_OK;
}

static int user_send(struct j1939 *j, uint32_t pgn, uint8_t prio, uint8_t dst,
		     const uint8_t *buf, size_t len)
{
	struct user_j *u = (struct user_j *)j;

	TRY(j1939_engine_send(&u->eng, prio, pgn, dst, buf, len,
			      clock_now_us(&u->clk)));
	if (len <= 8)
		return BENCH_OK;
	while (j1939_engine_tx_result(&u->eng) == 1)
		TRY(pump(u, INT64_MAX));
	return j1939_engine_tx_result(&u->eng);
}

static int user_recv(struct j1939 *j, struct j1939_msg *m, int timeout_ms)
{
	struct user_j *u = (struct user_j *)j;
	int64_t deadline = clock_now_us(&u->clk) +
			   (int64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000;
	int n;

	n = j1939_engine_take(&u->eng, m);
	while (n == 0) {
		TRY(pump(u, deadline));
		n = j1939_engine_take(&u->eng, m);
		if (clock_now_us(&u->clk) >= deadline)
			break;
	}
	return n;
}

static int user_fd(const struct j1939 *j)
{
	(void)j;
	return -1;
}

/* clang-format off */
static const struct j1939_ops user_ops = {
	.kind = "user-space J1939",
	.close = user_close,
	.send = user_send,
	.recv = user_recv,
	.fd = user_fd,
};
/* clang-format on */
