/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_rules.c - libFuzzer target for the grading rules INI parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/rules.h"
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
	struct rules r;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	log_set_sink(quiet, NULL); /* errors are expected */
	if (rules_parse_text(text, "fuzz", &r) == 0 &&
	    (r.soh_recycle_below > r.soh_reuse_min || r.soh_reuse_min > 1))
		abort(); /* a parse that succeeds must respect the checks */
	free(text);
	return 0;
}
