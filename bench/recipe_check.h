/* SPDX-License-Identifier: Apache-2.0 */
/* recipe_check.h - a recipe against the pack and the bench, before any
 * current flows (docs/recipes.md "Checked before the run").
 *
 * Every step's target (a hold's voltage, a charge's current or power) and
 * every end it waits for (a cell or pack voltage, a temperature) must lie
 * inside the operating window: the profile's operating tier, pulled inside
 * the recipe's `limit` lines and the bench file's [limits] (the hard limits
 * that would abort the run). A recipe's own `limit current` is the one
 * exception: a cap its steps are clamped under at run time. A typo like `Hold
 * at 4.6 V` on an NMC pack or `Charge at 2C` on a 1C profile is a problem here,
 * not a clamp or an abort hours into the run. Pure: no I/O, no logging.
 */
#ifndef BENCH_RECIPE_CHECK_H
#define BENCH_RECIPE_CHECK_H

#include <stdint.h>

#include "bench/profile.h"
#include "bench/recipe.h"

#define RECIPE_PROBLEM_LEN 512

/* A hard limit's target must stay this far inside it: a cell CV hold
 * regulated on 1 mV readings overshoots by a few mV (bench/ctl.c). */
#define RECIPE_CHECK_GUARD_mV 10

struct recipe_check_src {
	const struct profile *profile;
	const char *profile_name;	   /* in messages: "nmc96.ini" */
	const struct recipe_limits *bench; /* bench file [limits], or NULL */
	const char *bench_name;		   /* in messages: "lab.ini" */
};

struct recipe_problem {
	uint32_t line; /* recipe line of the step */
	/* "FILE:LINE: STEP: problem (where the limit comes from)" */
	char msg[RECIPE_PROBLEM_LEN];
};

/* Check every step of r; the first max problems go to out (may be NULL
 * with max 0). Returns how many problems there are in all. */
unsigned recipe_check(const struct recipe *r,
		      const struct recipe_check_src *src,
		      struct recipe_problem *out, unsigned max);

/* Is recipe line `line` one with a problem? (the grading: a hard-limit
 * abort while that step ran is the recipe's fault, not the pack's) */
int recipe_check_line(const struct recipe *r,
		      const struct recipe_check_src *src, uint32_t line,
		      struct recipe_problem *out);

#endif
