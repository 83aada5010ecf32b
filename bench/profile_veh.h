/* SPDX-License-Identifier: Apache-2.0 */
/* profile_veh.h - the profile's vehicle frames and contactor sequences
 * ([vehicle_frame NAME], [contactor_close], [contactor_open];
 * docs/profiles.md "Vehicle frames"), for bench/profile.c, and the
 * vehframe model the controller builds from them. */
#ifndef BENCH_PROFILE_VEH_H
#define BENCH_PROFILE_VEH_H

#include <stdbool.h>

#include "bench/profile.h"
#include "bench/vehdef.h"
#include "common/cfgini.h"

/* Is section one of ours? */
bool profile_veh_section(const char *section);
/* One key of one of our sections. */
int profile_veh_key(struct profile *p, struct cfgini *c, const char *section,
		    const char *key, const char *value);
/* After the whole file: resolve step frame names, check payloads,
 * counters and checksums against each frame's dlc. BENCH_ERR_PARSE with
 * p->error set. */
int profile_veh_finish(struct profile *p, const char *name);

/* The vehframe model of s: defs (VEH_MAX_FRAMES rows) get the frames with
 * their names and checksum names pointing into s; the sequences point
 * into s. s must outlive the model: start = [contactor_close], stop =
 * [contactor_open]. */
void profile_veh_model(const struct veh_set *s, struct vehframe_def *defs,
		       struct vehframe_model *m);

#endif
