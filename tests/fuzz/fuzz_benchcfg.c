/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_benchcfg.c - the bench file INI parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bench/benchcfg.h"
#include "common/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quiet(void *ctx, enum log_level lvl, const char *prefix,
		  const char *msg)
{
	(void)ctx;
	(void)lvl;
	(void)prefix;
	(void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct benchcfg b;

	log_set_sink(quiet, NULL);
	memcpy(text, data, size);
	text[size] = '\0';
	if (benchcfg_parse(text, "fuzz.ini", "fixtures/bench", &b) == 0)
		benchcfg_release(&b);
	free(text);
	return 0;
}
