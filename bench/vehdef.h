/* SPDX-License-Identifier: Apache-2.0 */
/* vehdef.h - a profile's vehicle frames and contactor sequences
 * ([vehicle_frame NAME], [contactor_close], [contactor_open];
 * docs/profiles.md "Vehicle frames"), as the profile keeps them: fixed
 * arrays, no pointers, so a profile can be copied. profile_veh_model()
 * (bench/profile_veh.h) turns them into a vehframe model. */
#ifndef BENCH_VEHDEF_H
#define BENCH_VEHDEF_H

#include <stdbool.h>
#include <stdint.h>

#include "bench/vehframe.h"

#define VEH_MAX_FRAMES 16
#define VEH_MAX_STEPS 32
#define VEH_NAME_LEN 32
#define VEH_ALG_LEN 24

struct veh_frame {
	char name[VEH_NAME_LEN]; /* the section's NAME */
	char alg[VEH_ALG_LEN];	 /* checksum row, "" = none */
	/* def.name and def.csum.alg are NULL here (see above) */
	struct vehframe_def def;
	uint8_t payload_len;
	bool has_id, ext;
	/* lines for the checks after the file is read */
	unsigned line, id_line, payload_line, counter_line, csum_line,
	    value_line;
};

struct veh_seq {
	struct vehframe_step steps[VEH_MAX_STEPS];
	char frame[VEH_MAX_STEPS][VEH_NAME_LEN]; /* "" for silence */
	uint8_t data_len[VEH_MAX_STEPS];
	unsigned line[VEH_MAX_STEPS];
	unsigned n;
};

struct veh_set {
	struct veh_frame frames[VEH_MAX_FRAMES];
	unsigned n_frames;
	struct veh_seq close, open;
};

#endif
