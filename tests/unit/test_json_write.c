/* SPDX-License-Identifier: Apache-2.0 */
/* test_json_write.c - numbers, nesting and the two outputs of the JSON
 * writer. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/rc.h"

/* a test that hangs fails instead of blocking the run */
TestSuite(json_write, .timeout = 60);

Test(json_write, non_finite_numbers_are_null)
{
	char buf[128];
	struct json j;

	json_init_buf(&j, buf, sizeof(buf));
	json_arr(&j);
	json_num(&j, NAN, JSON_NUM_FMT);
	json_num(&j, INFINITY, "%.3f");
	json_num(&j, -INFINITY, "%.3f");
	json_num(&j, 1.5, "%.3f");
	json_num(&j, 0.1, JSON_NUM_FMT);
	json_end(&j);
	cr_assert_gt(json_finish(&j), 0);
	cr_assert_str_eq(buf, "[null,null,null,1.500,0.1]");
}

Test(json_write, commas_and_nesting_by_the_writer)
{
	char buf[128];
	struct json j;
	int n;

	json_init_buf(&j, buf, sizeof(buf));
	json_obj(&j);
	json_key_int(&j, "a", -3);
	json_key(&j, "b");
	json_arr(&j);
	json_obj(&j);
	json_end(&j);
	json_arr(&j);
	json_end(&j);
	json_bool(&j, true);
	json_null(&j);
	json_end(&j);
	json_key(&j, "c");
	json_obj(&j);
	json_key_uint(&j, "d", 18446744073709551615ull);
	json_end(&j);
	json_end(&j);
	n = json_finish(&j);
	cr_assert_str_eq(buf, "{\"a\":-3,\"b\":[{},[],true,null],\"c\":{\"d\":"
			      "18446744073709551615}}");
	cr_assert_eq(n, (int)strlen(buf));
}

Test(json_write, buffer_too_small_is_an_error_and_stays_in_bounds)
{
	char buf[16];
	struct json j;

	memset(buf, 'X', sizeof(buf));
	json_init_buf(&j, buf, 10);
	json_obj(&j);
	json_key_str(&j, "pack_id", "a long pack name");
	json_end(&j);
	cr_assert_eq(json_finish(&j), BENCH_ERR_ARG);
	cr_assert_eq(strlen(buf), 9, "%s", buf);
	cr_assert_str_eq(buf, "{\"pack_id");
	for (size_t k = 10; k < sizeof(buf); k++)
		cr_assert_eq(buf[k], 'X', "byte %zu written", k);
}

Test(json_write, exact_fit_is_not_truncation)
{
	char buf[8];
	struct json j;

	json_init_buf(&j, buf, sizeof(buf));
	json_str(&j, "abcde"); /* 7 bytes and the NUL */
	cr_assert_eq(json_finish(&j), 7);
	json_init_buf(&j, buf, sizeof(buf));
	json_str(&j, "abcdef");
	cr_assert_eq(json_finish(&j), BENCH_ERR_ARG);
}

Test(json_write, unbalanced_nesting_is_an_error)
{
	char buf[32];
	struct json j;

	json_init_buf(&j, buf, sizeof(buf));
	json_obj(&j);
	cr_assert_eq(json_finish(&j), BENCH_ERR_ARG);
	json_init_buf(&j, buf, sizeof(buf));
	json_end(&j);
	cr_assert_eq(json_finish(&j), BENCH_ERR_ARG);
}

Test(json_write, to_a_stream)
{
	char *mem = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&mem, &len);
	struct json j;

	cr_assert_not_null(f);
	json_init_file(&j, f);
	json_obj(&j);
	json_key_str(&j, "k", "v\"");
	json_key_num(&j, "x", NAN, JSON_NUM_FMT);
	json_end(&j);
	cr_assert_eq(json_finish(&j), BENCH_OK);
	cr_assert_eq(fclose(f), 0);
	cr_assert_str_eq(mem, "{\"k\":\"v\\\"\",\"x\":null}");
	free(mem);
}
