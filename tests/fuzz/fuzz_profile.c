/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_profile.c - the pack profile INI parser and its signal patterns. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bench/profile.h"
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
	struct profile p;
	char sig[64];

	log_set_sink(quiet, NULL);
	memcpy(text, data, size);
	text[size] = '\0';
	if (profile_parse(text, "fuzz.ini", "fixtures/profiles", &p) == 0) {
		for (unsigned i = 1; i <= p.series && i < 300; i++)
			profile_cell_signal(&p, i, sig, sizeof(sig));
		for (unsigned i = 1; i <= p.n_probes && i < 300; i++)
			profile_temp_signal(&p, i, sig, sizeof(sig));
		profile_release(&p);
	}
	free(text);
	return 0;
}
