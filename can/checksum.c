/* SPDX-License-Identifier: Apache-2.0 */
/* checksum.c - vehicle-frame checksums as table rows (see checksum.h). */
#define LOG_PREFIX "checksum"
#include "checksum.h"

#include <string.h>

#include "canframe.h"
#include "common/log.h"
#include "common/rc.h"

/* Which pack uses which row is in docs/vehframe.md. */
static const struct checksum_alg algs[] = {
    /* name, kind, poly, init, xorout, reflect, add_id, first, last, store */
    {"sum8", CHECKSUM_SUM, 0, 0x00, 0x00, false, false, 0, 6, 7},
    {"sum8-inv", CHECKSUM_SUM, 0, 0x00, 0xFF, false, false, 0, 6, 7},
    {"sum8-id", CHECKSUM_SUM, 0, 0x00, 0x00, false, true, 0, 6, 7},
    {"xor8", CHECKSUM_XOR, 0, 0x00, 0x00, false, false, 0, 6, 7},
    {"crc8-j1850", CHECKSUM_CRC, 0x1D, 0xFF, 0xFF, false, false, 0, 6, 7},
    {"crc8-autosar", CHECKSUM_CRC, 0x2F, 0xFF, 0xFF, false, false, 0, 6, 7},
    {"crc8-leaf", CHECKSUM_CRC, 0x85, 0x00, 0x00, false, false, 0, 6, 7},
    {"crc8-bmw", CHECKSUM_CRC, 0x1D, 0x3F, 0x00, false, false, 1, 2, 0},
    {"crc8-maxim", CHECKSUM_CRC, 0x31, 0x00, 0x00, true, false, 0, 6, 7},
};

#define N_ALGS (sizeof(algs) / sizeof(algs[0]))

const struct checksum_alg *checksum_find(const char *name)
{
	for (size_t i = 0; i < N_ALGS; i++)
		if (!strcmp(algs[i].name, name))
			return &algs[i];
	return NULL;
}

const struct checksum_alg *checksum_table(size_t *n)
{
	*n = N_ALGS;
	return algs;
}

static uint8_t reflect8(uint8_t b)
{
	uint8_t r = 0;

	for (int i = 0; i < 8; i++)
		r = (uint8_t)(r << 1 | ((b >> i) & 1));
	return r;
}

static uint8_t step(const struct checksum_alg *a, uint8_t acc, uint8_t b)
{
	switch (a->kind) {
	case CHECKSUM_SUM:
		return (uint8_t)(acc + b);
	case CHECKSUM_XOR:
		return acc ^ b;
	case CHECKSUM_CRC:
		acc ^= a->reflect ? reflect8(b) : b;
		for (int i = 0; i < 8; i++)
			acc = (uint8_t)(acc & 0x80 ? (acc << 1) ^ a->poly
						   : acc << 1);
		return acc;
	}
	return acc;
}

uint8_t checksum_compute(const struct checksum_alg *a, uint32_t id,
			 const uint8_t *data, size_t len)
{
	uint8_t acc = a->init;

	if (a->add_id) {
		id &= id & CANFRAME_EFF ? CANFRAME_EFF_MASK : CANFRAME_SFF_MASK;
		acc = step(a, acc, (uint8_t)id);
		acc = step(a, acc, (uint8_t)(id >> 8));
	}
	for (size_t i = 0; i < len; i++)
		acc = step(a, acc, data[i]);
	if (a->kind == CHECKSUM_CRC && a->reflect)
		acc = reflect8(acc);
	return acc ^ a->xorout;
}

int checksum_apply(const struct checksum_alg *a, uint32_t id, uint8_t *data,
		   size_t dlc, int first, int last, int store)
{
	uint8_t c;

	if (first < 0)
		first = a->first;
	if (last < 0)
		last = a->last;
	if (store < 0)
		store = a->store;
	if (first > last || (size_t)last >= dlc || (size_t)store >= dlc ||
	    (store >= first && store <= last)) {
		log_err("%s over bytes %d..%d stored at byte %d does not fit "
			"a %zu-byte frame 0x%X",
			a->name, first, last, store, dlc,
			(unsigned)(id & CANFRAME_EFF_MASK));
		return BENCH_ERR_ARG;
	}
	c = checksum_compute(a, id, data + first, (size_t)(last - first + 1));
	data[store] = c;
	return c;
}
