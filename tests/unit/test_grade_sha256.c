/* SPDX-License-Identifier: Apache-2.0 */
/* test_grade_sha256.c - SHA-256 against FIPS 180-4 / NIST vectors. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "common/sha256.h"
#include "support.h"

/* a test that hangs fails instead of blocking the run */
TestSuite(sha256, .timeout = 60);

Test(sha256, empty_string)
{
	char hex[SHA256_HEX_LEN];

	sha256_hex("", 0, hex);
	cr_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb924"
			      "27ae41e4649b934ca495991b7852b855");
}

Test(sha256, abc)
{
	char hex[SHA256_HEX_LEN];

	sha256_hex("abc", 3, hex);
	cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223"
			      "b00361a396177a9cb410ff61f20015ad");
}

Test(sha256, two_block_message)
{
	const char *m =
	    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	char hex[SHA256_HEX_LEN];

	sha256_hex(m, strlen(m), hex);
	cr_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039"
			      "a33ce45964ff2167f6ecedd419db06c1");
}

Test(sha256, million_a_streamed_in_odd_pieces)
{
	struct sha256_ctx c;
	uint8_t d[SHA256_DIGEST_LEN];
	char chunk[997];
	size_t left = 1000000;

	memset(chunk, 'a', sizeof(chunk));
	sha256_init(&c);
	while (left) {
		size_t n = left < sizeof(chunk) ? left : sizeof(chunk);

		sha256_update(&c, chunk, n);
		left -= n;
	}
	sha256_final(&c, d);
	cr_assert_eq(d[0], 0xcd);
	cr_assert_eq(d[1], 0xc7);
	cr_assert_eq(d[31], 0xd0);
}

Test(sha256, file_matches_buffer)
{
	char *dir = tmpdir_new("sha");
	char *p = tmpfile_write(dir, "x.txt", "hello\n");
	char a[SHA256_HEX_LEN], b[SHA256_HEX_LEN];

	cr_assert_eq(sha256_file_hex(p, a), 0);
	sha256_hex("hello\n", 6, b);
	cr_assert_str_eq(a, b);
	cr_assert_str_eq(a, "5891b5b522d5df086d0ff0b110fbd9d2"
			    "1bb4fc7163af34d08286a2e846f6be03");
	cr_assert_lt(sha256_file_hex("/nonexistent/x", a), 0);
	free(p);
	free(dir);
}
