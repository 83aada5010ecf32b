/* SPDX-License-Identifier: Apache-2.0 */
/* binrd.h - reading little-endian binary exports (docs/importers.md).
 *
 * Reads at an offset with the file's size known, so a truncated file is an
 * error naming the file, the offset and what was being read, never a short
 * read taken as data.
 */
#ifndef BENCH_IMPORT_BINRD_H
#define BENCH_IMPORT_BINRD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct binrd {
	FILE *f;
	const char *path;
	uint64_t size;
	uint64_t pos; /* of the stream, to read on without a seek */
};

int binrd_open(struct binrd *b, const char *path);
void binrd_close(struct binrd *b);
/* n bytes at off into buf; BENCH_ERR_PARSE when the file ends first. */
int binrd_at(struct binrd *b, uint64_t off, void *buf, size_t n,
	     const char *what);

uint16_t binrd_u16(const unsigned char *p);
uint32_t binrd_u32(const unsigned char *p);
uint64_t binrd_u64(const unsigned char *p);
float binrd_f32(const unsigned char *p);
double binrd_f64(const unsigned char *p);

#endif
