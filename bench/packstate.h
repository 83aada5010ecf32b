/* SPDX-License-Identifier: Apache-2.0 */
/* packstate.h - the pack as the BMS reports it, decoded from CAN frames.
 *
 * The profile says which DBC signals carry what (cell voltages by a printf
 * pattern with the 1-based cell index, temperatures, pack V/I, SOC, CCL/DCL,
 * contactor state, fault bits). packstate_new() resolves every name once
 * into a table id -> list of (signal, role, index); packstate_on_frame()
 * then decodes a frame with no allocation and no string work.
 *
 * Units are integers with the unit in the name: mV, mA, deci-degC,
 * permille. Current is positive on charge (the map's sign flag converts).
 */
#ifndef BENCH_PACKSTATE_H
#define BENCH_PACKSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench/polldef.h"
#include "can/canframe.h"

struct dbc;
struct profile;

#define PACKSTATE_MAX_CELLS 256
#define PACKSTATE_MAX_PROBES 128
#define PACKSTATE_MAX_FAULTS 16

/* Signal names in the BMS DBC; NULL or "" = the BMS does not send it. */
struct packstate_map {
	const char *cell_voltage_fmt; /* "Cell%03u_V", volts */
	unsigned series;
	const char *temperature_fmt; /* "Temp%03u_C", degC */
	unsigned n_probes;
	const char *pack_voltage;     /* V */
	const char *pack_current;     /* A */
	bool current_charge_positive; /* false: the BMS counts discharge + */
	const char *soc;	      /* % */
	const char *ccl;	      /* allowed charge current, A */
	const char *dcl;	      /* allowed discharge current, A */
	const char *soh;	      /* % */
	const char *capacity;	      /* Ah, as the BMS reports it */
	const char *rated_capacity;   /* Ah, the pack's own rating */
	const char *rated_voltage;    /* V, the pack's own rating */
	const char *contactor_state;  /* raw value */
	int contactor_closed_value;
	const char *fault_signals[PACKSTATE_MAX_FAULTS];
	unsigned n_faults;
};

/* Which scalar roles have been seen at least once (pack_snap.have). */
#define PACK_HAVE_PACK_V (1u << 0)
#define PACK_HAVE_PACK_I (1u << 1)
#define PACK_HAVE_SOC (1u << 2)
#define PACK_HAVE_CCL (1u << 3)
#define PACK_HAVE_DCL (1u << 4)
#define PACK_HAVE_CONTACTOR (1u << 5)
#define PACK_HAVE_FAULTS (1u << 6)
#define PACK_HAVE_CELLS (1u << 7) /* every cell seen at least once */
#define PACK_HAVE_TEMPS (1u << 8) /* every probe seen at least once */
#define PACK_HAVE_SOH (1u << 9)
#define PACK_HAVE_CAPACITY (1u << 10)
#define PACK_HAVE_RATED_CAP (1u << 11)
#define PACK_HAVE_RATED_V (1u << 12)

/* Bits of packstate_on_frame()'s return: what this frame updated. */
#define PACK_UPD_CELL_V (1u << 0)
#define PACK_UPD_TEMP (1u << 1)
#define PACK_UPD_PACK (1u << 2)	  /* pack V or I */
#define PACK_UPD_LIMITS (1u << 3) /* SOC, CCL, DCL */
#define PACK_UPD_INFO (1u << 5)	  /* SOH, capacity, ratings: recorded only */
#define PACK_UPD_STATE (1u << 4)  /* contactor, faults */

struct pack_snap {
	unsigned series, n_probes, n_faults;
	uint32_t have;
	int32_t cell_mV[PACKSTATE_MAX_CELLS];
	int64_t cell_seen_us[PACKSTATE_MAX_CELLS]; /* 0 = never */
	int32_t temp_ddegC[PACKSTATE_MAX_PROBES];
	int64_t temp_seen_us[PACKSTATE_MAX_PROBES];
	/* How long a reading counts as fresh: 0 for broadcast readings (the
	 * BMS heartbeat watches those), sweep + margin for polled ones. */
	int64_t cell_fresh_us[PACKSTATE_MAX_CELLS];
	int64_t temp_fresh_us[PACKSTATE_MAX_PROBES];
	int32_t pack_mV, pack_mA;
	int32_t soc_permille;
	int32_t soh_permille;
	int32_t capacity_mAh, rated_capacity_mAh, rated_mV;
	int32_t ccl_mA, dcl_mA; /* magnitudes */
	int32_t contactor_raw;
	bool contactor_closed;
	uint32_t faults;       /* bit i = fault_signals[i] active */
	int64_t last_frame_us; /* any mapped BMS frame; 0 = none yet */
	int64_t last_poll_us;  /* any decoded poll reply; 0 = none yet */
	uint64_t frames;       /* mapped frames decoded */
	unsigned cells_seen, probes_seen;
	/* Complete sets: incremented each time every cell (probe) has been
	 * refreshed since the last increment (one BMS burst). */
	uint32_t cell_set_seq, temp_set_seq;
};

struct packstate;

/* The map a profile's [bms] section gives (names point into p). */
void packstate_map_from_profile(const struct profile *p,
				struct packstate_map *m);

/* Resolves every name in db. An unknown name is an error naming the
 * signal and the DBC (a profile that does not match its DBC). */
int packstate_new(const struct dbc *db, const struct packstate_map *map,
		  struct packstate **out);
void packstate_free(struct packstate *ps);

/* Decode one frame received at t_us. Returns the PACK_UPD_* bits it
 * changed (0: not a BMS frame of the map). Never fails. */
unsigned packstate_on_frame(struct packstate *ps, const struct canframe *f,
			    int64_t t_us);
const struct pack_snap *packstate_snap(const struct packstate *ps);

/* One polled value in packstate's unit (mV, deci-degC, mA + charge,
 * permille, mAh) read at t_us, fresh for fresh_us. Returns the PACK_UPD_* bit
 * (0: index out of range). Current keeps the sign the profile gave it. */
unsigned packstate_put(struct packstate *ps, enum poll_role role,
		       unsigned index, int32_t value, int64_t t_us,
		       int64_t fresh_us);
/* The allowed charge and discharge currents (magnitudes, mA) from
 * elsewhere than a signal: a GB/T BMS's BCL demand. Returns
 * PACK_UPD_LIMITS. */
unsigned packstate_put_limits(struct packstate *ps, int32_t ccl_mA,
			      int32_t dcl_mA);
/* A reply was decoded at t_us (liveness of a polled pack). */
void packstate_polled(struct packstate *ps, int64_t t_us);

/* The ids to let through the kernel filter; returns how many (<= max). */
size_t packstate_ids(const struct packstate *ps, uint32_t *ids, size_t max);

/* Min/max cell over the cells seen so far; index 0-based, -1 if none. */
void pack_snap_cell_minmax(const struct pack_snap *s, int *min_i, int *max_i);
/* The first polled cell (else probe) older than its freshness at now_us:
 * true with *index 0-based and *probe telling which. Broadcast readings
 * are never stale here. */
bool pack_snap_stale(const struct pack_snap *s, int64_t now_us, unsigned *index,
		     bool *probe);
/* Highest temperature seen, -1 if none. */
int pack_snap_temp_max(const struct pack_snap *s);

#endif
