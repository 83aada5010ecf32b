/* SPDX-License-Identifier: Apache-2.0 */
/* ring.h - bounded single-producer single-consumer ring of fixed-size slots.
 *
 * The control loop (producer) fills a slot with ring_reserve + ring_commit
 * and never blocks: a full ring returns NULL and the caller counts the loss.
 * The writer thread (consumer) reads with ring_front + ring_pop. Head and
 * tail are C11 atomics with acquire/release ordering, so no lock is needed
 * for the data itself; waking the consumer is the caller's business.
 */
#ifndef BENCH_BENCH_RING_H
#define BENCH_BENCH_RING_H

#include <stddef.h>

struct ring;

/* n_slots is rounded up to a power of two. */
int ring_new(size_t n_slots, size_t slot_size, struct ring **out);
void ring_free(struct ring *r);

size_t ring_capacity(const struct ring *r);
size_t ring_slot_size(const struct ring *r);
size_t ring_count(const struct ring *r);

/* Producer: the next free slot, or NULL when full; publish with commit. */
void *ring_reserve(struct ring *r);
void ring_commit(struct ring *r);

/* Consumer: the oldest slot, or NULL when empty; release with pop. */
const void *ring_front(struct ring *r);
void ring_pop(struct ring *r);

#endif
