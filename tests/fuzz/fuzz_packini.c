/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_packini.c - libFuzzer target for the simulated pack file parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bench/sim/packini.h"
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
	struct pack_cfg cfg;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	log_set_sink(quiet, NULL);
	memcpy(text, data, size);
	text[size] = 0;
	if (packini_parse(text, size, "fuzz.ini", &cfg) == 0) {
		/* what the simulator relies on after a successful parse */
		if (cfg.series < 1 || cfg.modules < 1 ||
		    cfg.series % cfg.modules)
			abort();
		for (size_t i = 0; i < cfg.n_ovr; i++)
			if (cfg.ovr[i].index < 1 ||
			    cfg.ovr[i].index > cfg.series)
				abort();
		for (size_t i = 0; i < cfg.n_faults; i++)
			if (cfg.faults[i].kind <= SIM_FAULT_CELL_SENSOR_STUCK &&
			    (cfg.faults[i].cell < 1 ||
			     cfg.faults[i].cell > cfg.series))
				abort();
	}
	packini_release(&cfg);
	free(text);
	return 0;
}
