/* SPDX-License-Identifier: Apache-2.0 */
/* step_cv.h - the cell CV loop of `Hold at 4.2 V` and the current cap
 * (private to step.c / step_cv.c). */
#ifndef BENCH_STEP_CV_H
#define BENCH_STEP_CV_H

#include <stdbool.h>
#include <stdint.h>

#include "bench/step.h"

/* Default gains where cfg leaves them 0. */
void step_cv_defaults(struct step_cfg *cfg);

/* A hold starts from the measured charge current (no jump after a CC). */
void step_cv_start(struct step_engine *e, const struct step_meas *m);

/* Charge current wanted now (mA >= 0, may exceed the cap: the caller clamps
 * and reports it). Updates only on a new cell reading. */
int32_t step_cv_update(struct step_engine *e, int64_t t_us,
		       const struct step_meas *m);

/* Largest allowed charge (up) or discharge current, magnitude: the
 * profile's operating current and the BMS's CCL/DCL, whichever is lower;
 * *by (if not NULL) says which (the BMS when both are equal). */
int32_t step_current_cap(const struct step_engine *e, const struct step_meas *m,
			 bool up, enum step_clamp *by);

#endif
