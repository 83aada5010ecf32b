/* SPDX-License-Identifier: Apache-2.0 */
/* profile_poll.h - the profile's polled-pack sections ([polling],
 * [ecu NAME], [poll NAME]; docs/profiles.md "Polled packs"), for
 * bench/profile.c. */
#ifndef BENCH_PROFILE_POLL_H
#define BENCH_PROFILE_POLL_H

#include <stdbool.h>

#include "bench/profile.h"
#include "common/cfgini.h"

/* Is section one of ours? */
bool profile_poll_section(const char *section);
/* One key of one of our sections. */
int profile_poll_key(struct profile *p, struct cfgini *c, const char *section,
		     const char *key, const char *value);
/* After the whole file: resolve ECU names, check layouts against the
 * pack (cells and probes in range, every cell read somewhere) and the
 * reaction time. BENCH_ERR_PARSE with p->error set. */
int profile_poll_finish(struct profile *p, const char *name);

#endif
