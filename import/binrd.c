/* SPDX-License-Identifier: Apache-2.0 */
/* binrd.c - little-endian binary reading with the offset in every error. */
#define LOG_PREFIX "import"
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "common/log.h"
#include "common/rc.h"
#include "import/binrd.h"

int binrd_open(struct binrd *b, const char *path)
{
	struct stat st;

	memset(b, 0, sizeof(*b));
	b->path = path;
	b->f = fopen(path, "rb");
	if (!b->f || fstat(fileno(b->f), &st) < 0) {
		log_err("cannot open '%s': %s", path, strerror(errno));
		binrd_close(b);
		return BENCH_ERR_IO;
	}
	b->size = (uint64_t)st.st_size;
	return BENCH_OK;
}

void binrd_close(struct binrd *b)
{
	if (b->f)
		fclose(b->f);
	b->f = NULL;
}

int binrd_at(struct binrd *b, uint64_t off, void *buf, size_t n,
	     const char *what)
{
	if (off > b->size || n > b->size - off) {
		log_err("%s: offset %llu: truncated file: %s needs %zu bytes, "
			"the file has %llu",
			b->path, (unsigned long long)off, what, n,
			(unsigned long long)(b->size -
					     (off < b->size ? off : b->size)));
		return BENCH_ERR_PARSE;
	}
	if ((off != b->pos && fseeko(b->f, (off_t)off, SEEK_SET) < 0) ||
	    fread(buf, 1, n, b->f) != n) {
		b->pos = UINT64_MAX;
		log_err("%s: offset %llu: cannot read %s: %s", b->path,
			(unsigned long long)off, what, strerror(errno));
		return BENCH_ERR_IO;
	}
	b->pos = off + n;
	return BENCH_OK;
}

uint16_t binrd_u16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

uint32_t binrd_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

uint64_t binrd_u64(const unsigned char *p)
{
	return (uint64_t)binrd_u32(p) | (uint64_t)binrd_u32(p + 4) << 32;
}

float binrd_f32(const unsigned char *p)
{
	uint32_t u = binrd_u32(p);
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

double binrd_f64(const unsigned char *p)
{
	uint64_t u = binrd_u64(p);
	double d;

	memcpy(&d, &u, sizeof(d));
	return d;
}
