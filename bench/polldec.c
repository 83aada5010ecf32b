/* SPDX-License-Identifier: Apache-2.0 */
/* polldec.c - poll replies into the pack snapshot (see polldec.h). */
#include "bench/polldec.h"

#include <math.h>

#include "common/rc.h"

uint32_t polldec_raw(const struct poll_field *f, unsigned k,
		     const uint8_t *data)
{
	const uint8_t *b = data + f->offset + (size_t)k * f->stride;
	uint32_t raw = 0;

	for (unsigned i = 0; i < f->width; i++)
		raw |= (uint32_t)b[f->big_endian ? i : f->width - 1 - i]
		       << (8 * (f->width - 1 - i));
	return raw;
}

static double value_of(const struct poll_field *f, uint32_t raw)
{
	double v = raw;

	if (f->is_signed && f->width < 4 && (raw >> (8 * f->width - 1)))
		v = (double)raw - (double)(1u << (8 * f->width));
	else if (f->is_signed && f->width == 4)
		v = (double)(int32_t)raw;
	return (v * f->scale + f->add) * f->to_base;
}

int polldec_reply(struct packstate *ps, const struct poll_set *set,
		  unsigned poll, const uint8_t *data, size_t len, int64_t t_us,
		  unsigned *upd)
{
	int64_t fresh_us = poll_set_fresh_us(set);

	*upd = 0;
	if (poll >= set->n_polls || len < set->polls[poll].min_len)
		return BENCH_ERR_PROTO;
	for (unsigned i = 0; i < set->n_fields; i++) {
		const struct poll_field *f = &set->fields[i];

		if (f->poll != poll)
			continue;
		for (unsigned k = 0; k < f->count; k++) {
			uint32_t raw = polldec_raw(f, k, data);
			double v;

			if (f->has_absent && raw == f->absent_raw)
				continue;
			v = value_of(f, raw);
			if (!(fabs(v) < 2.0e9))
				continue;
			*upd |=
			    packstate_put(ps, f->role, f->first + k,
					  (int32_t)lround(v), t_us, fresh_us);
		}
	}
	packstate_polled(ps, t_us);
	return BENCH_OK;
}
