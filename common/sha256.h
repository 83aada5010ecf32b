/* SPDX-License-Identifier: Apache-2.0 */
/* sha256.h - SHA-256 (FIPS 180-4) for content fingerprints.
 *
 * Used for the rules file hash in grade output, recipe_sha256 and
 * dbc_sha256 in run files. Streaming (init/update/final) or one shot.
 */
#ifndef BENCH_COMMON_SHA256_H
#define BENCH_COMMON_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32
#define SHA256_HEX_LEN 65 /* 64 hex digits + NUL */

struct sha256_ctx {
	uint32_t h[8];
	uint64_t n_bytes;
	uint8_t buf[64];
	size_t buf_len;
};

void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const void *data, size_t len);
void sha256_final(struct sha256_ctx *c, uint8_t out[SHA256_DIGEST_LEN]);

/* One shot: lowercase hex of the digest of data. */
void sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN]);
/* Hash a file's bytes; BENCH_ERR_IO (logged) if it cannot be read. */
int sha256_file_hex(const char *path, char out[SHA256_HEX_LEN]);

#endif
