/* SPDX-License-Identifier: Apache-2.0 */
/* gbtdecode.h - a GB/T 27930 charging session read from a capture (`bench
 * pack decode --gbt27930`, docs/gbt27930.md "Decoding a capture"). Pure:
 * frames and their times are passed in, nothing is sent.
 *
 * The J1939-21 transport is reassembled passively from both sides' frames
 * (can/j1939_listen.h), then every group between the BMS (0xF4) and the
 * charger (0x56) goes through the codec (bench/gbt.h). The pack's values
 * land in the same pack_snap as a profile's (BCS voltage, current and SOC,
 * BMV cells, BMT probes, BRM ratings); the rest of the session (identity,
 * limits, charger output, phases, stop reasons, edition) is kept in
 * gbtdecode_facts. What goes wrong is an event, never an error: a broken
 * transfer, an unknown PGN, a frame from another address, a group from
 * the wrong side, a payload the codec refuses.
 */
#ifndef BENCH_GBTDECODE_H
#define BENCH_GBTDECODE_H

#include <stdint.h>

#include "bench/gbt.h"
#include "bench/packstate.h"
#include "can/canframe.h"
#include "can/j1939_listen.h"

struct json;

/* The transport's events first, in j1939_listen_ev's order. */
enum gbtdecode_ev {
	GBTDECODE_TP_BAD_SEQ = J1939_LISTEN_BAD_SEQ,
	GBTDECODE_TP_TIMEOUT = J1939_LISTEN_TIMEOUT,
	GBTDECODE_TP_BAD_SIZE = J1939_LISTEN_BAD_SIZE,
	GBTDECODE_TP_ABORT = J1939_LISTEN_ABORT,
	GBTDECODE_TP_STRAY = J1939_LISTEN_STRAY,
	GBTDECODE_TP_RESTART = J1939_LISTEN_RESTART,
	GBTDECODE_TP_BUSY = J1939_LISTEN_BUSY,
	GBTDECODE_UNKNOWN_PGN = J1939_LISTEN_EV_N, /* not a GB/T message */
	GBTDECODE_OTHER_ADDRESS, /* not between 0xF4 and 0x56, or 11-bit */
	GBTDECODE_WRONG_SENDER,	 /* a BMS message from the charger, ... */
	GBTDECODE_MALFORMED,	 /* too short for the codec */
	GBTDECODE_EV_N
};

/* The events' JSON keys ("tp_bad_sequence", ...). */
const char *gbtdecode_ev_key(enum gbtdecode_ev ev);

typedef void (*gbtdecode_event_fn)(void *ctx, enum gbtdecode_ev kind,
				   const char *msg, int64_t t_us);

enum gbtdecode_phase {
	GBTDECODE_HANDSHAKE = 0, /* CHM, BHM */
	GBTDECODE_RECOGNITION,	 /* CRM, BRM */
	GBTDECODE_CONFIG,	 /* BCP, CTS, CML, BRO, CRO */
	GBTDECODE_CHARGING,	 /* BCL, BCS, CCS, BSM, BMV, BMT, BSP */
	GBTDECODE_STOPPING,	 /* BST, CST */
	GBTDECODE_STATISTICS,	 /* BSD, CSD */
	GBTDECODE_ERROR,	 /* BEM, CEM */
	GBTDECODE_PHASE_N
};

const char *gbtdecode_phase_name(enum gbtdecode_phase ph);

#define GBTDECODE_PHASES_MAX 32

/* Bit of gbtdecode_facts.have for a message: its PF (all are < 0x40). */
#define GBTDECODE_HAVE(pgn) (1ull << ((pgn) >> 8))

/* The last of each message, as decoded. */
struct gbtdecode_facts {
	uint64_t have; /* GBTDECODE_HAVE bits */
	bool have_edition;
	enum gbt_edition edition;
	char edition_from[32]; /* "BHM", "BRM of 49 bytes", ... */
	unsigned n_phases;
	struct {
		enum gbtdecode_phase phase;
		int64_t t_us;
	} phases[GBTDECODE_PHASES_MAX];
	struct gbt_chm chm;
	struct gbt_bhm bhm;
	struct gbt_crm crm;
	struct gbt_brm brm;
	struct gbt_bcp bcp;
	struct gbt_cml cml;
	uint8_t cml_len, ccs_len;
	uint8_t bro, cro;
	struct gbt_bcl bcl;
	struct gbt_bcs bcs;
	struct gbt_ccs ccs;
	struct gbt_bsm bsm;
	uint16_t n_groups;		 /* cells in the last BMV */
	uint8_t cell_group[GBT_BMV_MAX]; /* each cell's BMV group */
	struct gbt_codes bst, cst, bem, cem;
	struct gbt_bsd bsd;
	struct gbt_csd csd;
};

struct gbtdecode_stats {
	uint64_t frames; /* every frame fed */
	uint64_t groups; /* GB/T messages decoded */
	uint64_t events[GBTDECODE_EV_N];
};

struct gbtdecode;

int gbtdecode_new(gbtdecode_event_fn fn, void *ctx, struct gbtdecode **out);
void gbtdecode_free(struct gbtdecode *d);
/* One frame seen at t_us: the PACK_UPD_* bits it changed, with
 * PACK_UPD_STATE for a change of the session's facts. */
unsigned gbtdecode_frame(struct gbtdecode *d, const struct canframe *f,
			 int64_t t_us);
/* The capture ended at t_us: unfinished transfers are reported. */
void gbtdecode_end(struct gbtdecode *d, int64_t t_us);
const struct pack_snap *gbtdecode_snap(const struct gbtdecode *d);
const struct gbtdecode_facts *gbtdecode_facts(const struct gbtdecode *d);
const struct gbtdecode_stats *gbtdecode_stats(const struct gbtdecode *d);

/* The session's members (no braces) under the key "gbt" (an object):
 * docs/gbt27930.md, "Decoding a capture". */
void gbtdecode_json_members(const struct gbtdecode *d, struct json *j);

#endif
