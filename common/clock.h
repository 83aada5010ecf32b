/* SPDX-License-Identifier: Apache-2.0 */
/* clock.h - the injected clock.
 *
 * Real monotonic time on a bench, virtual time in simulation, so an 8-hour
 * recipe runs in seconds. Everything that needs "now" takes a struct clock.
 */
#ifndef BENCH_COMMON_CLOCK_H
#define BENCH_COMMON_CLOCK_H

#include <stdint.h>

struct clock_ops {
	int64_t (*now_us)(void *ctx); /* monotonic, microseconds */
};

struct clock {
	const struct clock_ops *ops;
	void *ctx;
};

static inline int64_t clock_now_us(const struct clock *c)
{
	return c->ops->now_us(c->ctx);
}

/* CLOCK_MONOTONIC; immune to wall-clock jumps. */
void clock_mono_init(struct clock *c);

/* Virtual time, advanced only by clock_virt_set(); starts at 0. */
struct clock_virt {
	int64_t t_us;
};
void clock_virt_init(struct clock *c, struct clock_virt *v);
static inline void clock_virt_set(struct clock_virt *v, int64_t t_us)
{
	v->t_us = t_us;
}

/* Wall-clock UTC seconds (for unix_time_second columns only). */
double clock_wall_s(void);

#endif
