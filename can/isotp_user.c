/* SPDX-License-Identifier: Apache-2.0 */
/* isotp_user.c - user-space ISO-TP over the in-process bus ("mem:NAME"),
 * for the simulator and tests: the pure engine (isotp_engine.c) driven on
 * the monotonic clock. isotp_send blocks until a multi-frame PDU is out,
 * so its receiver must run in another thread; isotp_recv with timeout 0
 * moves the engine on without waiting (the flow control we owe is sent
 * from there).
 */
#define LOG_PREFIX "isotp-user"
#include "isotp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canbus.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/rc.h"
#include "isotp_backend.h"
#include "isotp_engine.h"

struct user_tp {
	struct isotp base;
	struct canbus *bus;
	struct clock clk;
	struct isotp_engine eng;
};

static const struct isotp_ops user_ops;

static int user_emit(void *ctx, const struct canframe *f)
{
	return canbus_send(ctx, f);
}

int isotp_user_open(const char *conn, uint32_t tx_id, uint32_t rx_id,
		    const struct isotp_opts *o, struct isotp **out)
{
	struct user_tp *u = calloc(1, sizeof(*u));
	int rc;

	if (!u) {
		log_err("cannot open ISO-TP on '%s': out of memory", conn);
		return BENCH_ERR_MEM;
	}
	rc = canbus_open(conn, NULL, &u->bus);
	if (rc < 0)
		goto fail;
	rc = canbus_set_filter(u->bus, &rx_id, 1);
	if (rc < 0)
		goto fail;
	u->base.ops = &user_ops;
	snprintf(u->base.name, sizeof(u->base.name), "%s", conn);
	clock_mono_init(&u->clk);
	isotp_engine_init(&u->eng, tx_id, rx_id, o, user_emit, u->bus);
	*out = &u->base;
	return BENCH_OK;
fail:
	canbus_close(u->bus);
	free(u);
	return rc;
}

static void user_close(struct isotp *tp)
{
	struct user_tp *u = (struct user_tp *)tp;

	canbus_close(u->bus);
	free(u);
}

static bool rx_pending(const struct isotp_engine *e)
{
	return e->rx_ready || e->rx_rc < 0;
}

/* Wait for frames up to until_us or the engine's next timer, feed them
 * (stopping at a finished reception so a second PDU cannot overwrite it),
 * then run the timers. */
static int pump(struct user_tp *u, int64_t until_us)
{
	int64_t now = clock_now_us(&u->clk);
	int64_t t = isotp_engine_next_us(&u->eng);
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
			isotp_engine_on_frame(&u->eng, &ev.frame,
					      clock_now_us(&u->clk));
		if (rx_pending(&u->eng))
			break;
		rc = canbus_recv(u->bus, &ev, 0);
	}
	if (rc < 0)
		return rc;
	isotp_engine_tick(&u->eng, clock_now_us(&u->clk));
	return BENCH_OK;
}

static int user_send(struct isotp *tp, const uint8_t *buf, size_t len)
{
	struct user_tp *u = (struct user_tp *)tp;

	TRY(isotp_engine_send(&u->eng, buf, len, clock_now_us(&u->clk)));
	while (isotp_engine_tx_result(&u->eng) == 1)
		TRY(pump(u, INT64_MAX));
	return isotp_engine_tx_result(&u->eng);
}

static int user_recv(struct isotp *tp, uint8_t *buf, size_t cap, int timeout_ms)
{
	struct user_tp *u = (struct user_tp *)tp;
	int64_t deadline = clock_now_us(&u->clk) +
			   (int64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000;
	int n;

	for (;;) {
		TRY(pump(u, deadline));
		n = isotp_engine_take(&u->eng, buf, cap);
		if (n != 0 || clock_now_us(&u->clk) >= deadline)
			return n;
	}
}

static int user_fd(const struct isotp *tp)
{
	(void)tp;
	return -1;
}

/* clang-format off */
static const struct isotp_ops user_ops = {
	.close = user_close,
	.send = user_send,
	.recv = user_recv,
	.fd = user_fd,
	.kind = "user-space ISO-TP",
};
/* clang-format on */
