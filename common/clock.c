/* SPDX-License-Identifier: Apache-2.0 */
/* clock.c - monotonic and virtual clock backends. */
#include "clock.h"

#include <time.h>

static int64_t mono_now_us(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static const struct clock_ops mono_ops = {.now_us = mono_now_us};

void clock_mono_init(struct clock *c)
{
	c->ops = &mono_ops;
	c->ctx = NULL;
}

static int64_t virt_now_us(void *ctx)
{
	return ((struct clock_virt *)ctx)->t_us;
}

static const struct clock_ops virt_ops = {.now_us = virt_now_us};

void clock_virt_init(struct clock *c, struct clock_virt *v)
{
	v->t_us = 0;
	c->ops = &virt_ops;
	c->ctx = v;
}

double clock_wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}
