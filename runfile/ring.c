/* SPDX-License-Identifier: Apache-2.0 */
/* ring.c - SPSC slot ring (see ring.h). */
#define LOG_PREFIX "ring"
#include "ring.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/log.h"
#include "common/rc.h"

struct ring {
	size_t mask;
	size_t slot_size;
	unsigned char *slots;
	/* Free-running counters; head written only by the producer, tail
	 * only by the consumer. */
	_Atomic size_t head;
	_Atomic size_t tail;
};

int ring_new(size_t n_slots, size_t slot_size, struct ring **out)
{
	struct ring *r = NULL;
	size_t cap = 1;

	if (n_slots == 0 || slot_size == 0 || n_slots > ((size_t)1 << 30)) {
		log_err("bad ring size: %zu slots of %zu bytes", n_slots,
			slot_size);
		return BENCH_ERR_ARG;
	}
	while (cap < n_slots)
		cap <<= 1;
	/* Slots stay 8-byte aligned so they can hold doubles and pointers. */
	slot_size = (slot_size + 7) & ~(size_t)7;
	if (slot_size > SIZE_MAX / cap) {
		log_err("ring too large: %zu slots of %zu bytes", cap,
			slot_size);
		return BENCH_ERR_ARG;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		goto oom;
	r->slots = malloc(cap * slot_size);
	if (!r->slots)
		goto oom;
	r->mask = cap - 1;
	r->slot_size = slot_size;
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	*out = r;
	return BENCH_OK;
oom:
	log_err("cannot allocate ring of %zu slots of %zu bytes", cap,
		slot_size);
	free(r);
	return BENCH_ERR_MEM;
}

void ring_free(struct ring *r)
{
	if (!r)
		return;
	free(r->slots);
	free(r);
}

size_t ring_capacity(const struct ring *r)
{
	return r->mask + 1;
}

size_t ring_slot_size(const struct ring *r)
{
	return r->slot_size;
}

size_t ring_count(const struct ring *r)
{
	size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);

	return head - tail;
}

void *ring_reserve(struct ring *r)
{
	size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);

	if (head - tail > r->mask)
		return NULL;
	return r->slots + (head & r->mask) * r->slot_size;
}

void ring_commit(struct ring *r)
{
	size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);

	atomic_store_explicit(&r->head, head + 1, memory_order_release);
}

const void *ring_front(struct ring *r)
{
	size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	size_t head = atomic_load_explicit(&r->head, memory_order_acquire);

	if (head == tail)
		return NULL;
	return r->slots + (tail & r->mask) * r->slot_size;
}

void ring_pop(struct ring *r)
{
	size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);

	atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
}
