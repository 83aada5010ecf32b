/* SPDX-License-Identifier: Apache-2.0 */
/* h5log_pack.h - the 96s pack (8 probes) the h5log crash and disk-space
 * tests write: its metadata and a sample with noisy cell voltages, so the
 * chunks compress like real data and not like zeros. Header-only. */
#ifndef BENCH_TESTS_H5LOG_PACK_H
#define BENCH_TESTS_H5LOG_PACK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runfile/runschema.h"

#define SERIES 96
#define PROBES 8

static inline void pack_meta(struct run_meta *m, const char *pack_id)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->pack_id, sizeof(m->pack_id), "%s", pack_id);
	snprintf(m->chemistry, sizeof(m->chemistry), "nmc");
	m->series = SERIES;
	m->parallel = 1;
	m->modules = 8;
	m->n_probes = PROBES;
	m->rated_capacity_ah = 94.0;
}

/* Row i at 10 Hz, 360 V, current_A; cv[SERIES] drawn from seed. The
 * caller fills ct[PROBES] (after, so the seed sequence stays the same). */
static inline void pack_sample(struct run_sample *s, size_t i, float current_A,
			       float *cv, float *ct, unsigned *seed)
{
	memset(s, 0, sizeof(*s));
	s->test_time_s = (double)i * 0.1;
	s->voltage_V = 360.0f;
	s->current_A = current_A;
	for (int c = 0; c < SERIES; c++)
		cv[c] = 3.7f + (float)(rand_r(seed) % 1000) * 1e-6f;
	s->cell_voltage_V = cv;
	s->cell_temperature_C = ct;
}

#endif
