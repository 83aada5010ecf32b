/* SPDX-License-Identifier: Apache-2.0 */
/* checksum.h - the checksums that vehicle frames carry, chosen by name.
 *
 * Each algorithm is one row of data (docs/vehframe.md lists them): a kind
 * (byte sum, byte xor, CRC-8; all results are one byte), CRC polynomial
 * (normal MSB-first form), start value, final xor, reflection, whether the CAN
 * id bytes are added, and the default byte range it covers and byte it is
 * stored in. A pack profile names a row ("crc8-leaf") and may override the
 * range.
 */
#ifndef BENCH_CAN_CHECKSUM_H
#define BENCH_CAN_CHECKSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum checksum_kind {
	CHECKSUM_SUM, /* sum of the bytes modulo 256 */
	CHECKSUM_XOR, /* xor of the bytes */
	CHECKSUM_CRC, /* bitwise CRC-8 */
};

struct checksum_alg {
	const char *name;
	enum checksum_kind kind;
	uint8_t poly;	/* CRC generator without the top bit */
	uint8_t init;	/* start value of the register or sum */
	uint8_t xorout; /* xored into the result (0xFF = one's complement) */
	bool reflect;	/* CRC: reflected input bytes and result */
	bool add_id;	/* add the id's low byte, then its next byte */
	uint8_t first, last; /* default bytes covered, inclusive */
	uint8_t store;	     /* default byte the result goes to */
};

/* The row named name, or NULL (unknown names are the caller's to report
 * with file:line:key). */
const struct checksum_alg *checksum_find(const char *name);
/* Every row, for listing: n rows through *n. */
const struct checksum_alg *checksum_table(size_t *n);

/* Checksum of data[0..len) for a frame with this id (flag bits ignored). */
uint8_t checksum_compute(const struct checksum_alg *a, uint32_t id,
			 const uint8_t *data, size_t len);

/* Compute over data[first..last] and store it in data[store], for a frame
 * of dlc bytes. first/last/store < 0 take the row's defaults. Returns the
 * checksum written, or BENCH_ERR_ARG (logged) when a position is outside
 * the frame or the store byte lies inside the range. */
int checksum_apply(const struct checksum_alg *a, uint32_t id, uint8_t *data,
		   size_t dlc, int first, int last, int store);

#endif
