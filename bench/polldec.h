/* SPDX-License-Identifier: Apache-2.0 */
/* polldec.h - a poll's positive reply into the pack snapshot, through the
 * profile's field layout (bench/polldef.h). Pure, no allocation. */
#ifndef BENCH_POLLDEC_H
#define BENCH_POLLDEC_H

#include <stddef.h>
#include <stdint.h>

#include "bench/packstate.h"
#include "bench/polldef.h"

/* Decode reply data (after SID and echo) of poll number poll. BENCH_OK
 * with *upd the PACK_UPD_* bits, or BENCH_ERR_PROTO when the data is
 * shorter than the layout needs (nothing is decoded). */
int polldec_reply(struct packstate *ps, const struct poll_set *set,
		  unsigned poll, const uint8_t *data, size_t len, int64_t t_us,
		  unsigned *upd);

/* One raw value of a field: value k of field f. */
uint32_t polldec_raw(const struct poll_field *f, unsigned k,
		     const uint8_t *data);

#endif
