/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_recipe.c - the recipe parser, then a few ticks of the step engine on
 * whatever parsed (measurements derived from the input). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bench/recipe.h"
#include "bench/step.h"
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
	/* clang-format off */
	static const struct step_cfg cfg = {
		.rated_capacity_mAh = 94000, .cell_op_low_mV = 2500,
		.cell_op_high_mV = 4200, .charge_max_mA = 94000,
		.discharge_max_mA = 188000,
	};
	/* clang-format on */
	char *text = malloc(size + 1);
	struct recipe r;
	struct step_engine e;
	struct step_meas m;
	struct step_out o;

	log_set_sink(quiet, NULL);
	memcpy(text, data, size);
	text[size] = '\0';
	if (recipe_parse(text, "fuzz.txt", &r) == 0) {
		if (step_init(&e, &r, &cfg) == 0) {
			memset(&m, 0, sizeof(m));
			m.cells_valid = m.temps_valid = true;
			for (int i = 0; i < 64; i++) {
				uint8_t b = size ? data[(size_t)i % size] : 0;

				m.pack_mV = 300000 + b * 400;
				m.max_cell_mV = 2400 + b * 8;
				m.min_cell_mV = m.max_cell_mV - (b & 15);
				m.max_temp_ddegC = b * 3;
				m.current_mA = o.cmd.current_mA;
				m.bms_limits_valid = b & 1;
				m.ccl_mA = b * 500;
				m.dcl_mA = b * 700;
				m.cells_t_us = (int64_t)i * 100000;
				if (step_tick(&e, (int64_t)i * 7 * 60 * 1000000,
					      &m, &o) < 0)
					break;
			}
		}
		recipe_release(&r);
	}
	free(text);
	return 0;
}
