/* SPDX-License-Identifier: Apache-2.0 */
/* polldef.h - what a profile says about a polled pack (docs/profiles.md,
 * "Polled packs"): the diagnostic ECUs, the poll entries and the layout of
 * their positive replies. Pure data: the profile fills it, the poller,
 * packstate and the poll driver read it.
 *
 * A field's offset counts from the first data byte of the reassembled
 * positive reply, after the SID and the echoed local id / DID. Its value
 * in the field's unit is raw * scale + add; to_base converts that unit to
 * packstate's (mV, deci-degC, mA, permille).
 */
#ifndef BENCH_POLLDEF_H
#define BENCH_POLLDEF_H

#include <stdbool.h>
#include <stdint.h>

#include "bench/poller.h"
#include "bench/uds.h"
#include "can/isotp.h"

#define POLL_NAME_LEN 32
#define POLL_MAX_ECUS 4
#define POLL_MAX_POLLS 16
#define POLL_MAX_FIELDS 48

enum poll_role {
	POLL_ROLE_CELL_V = 0, /* array over cells; feeds safety */
	POLL_ROLE_TEMP,	      /* array over probes; feeds safety */
	POLL_ROLE_PACK_V,     /* feeds safety */
	POLL_ROLE_PACK_I,     /* feeds safety */
	POLL_ROLE_SOC,	      /* recorded only */
	POLL_ROLE_SOH,	      /* recorded only */
	POLL_ROLE_CAPACITY,   /* recorded only: the capacity the BMS reports */
	POLL_ROLE_RATED_CAP,  /* recorded only: the pack's own rated capacity */
	POLL_ROLE_RATED_V,    /* recorded only: the pack's own rated voltage */
	POLL_ROLE_N
};

struct poll_ecu_def {
	char name[POLL_NAME_LEN];
	uint32_t tx_id, rx_id; /* CANFRAME_EFF set for 29-bit */
	bool id29;
	struct isotp_opts tp;
	uint32_t p2_ms, p2star_ms, gap_ms;
	/* busy = drop: the ECU drops a request that arrives while it is
	 * still answering (the Leaf LBC); the simulated BMS does the same */
	bool drops_busy;
};

struct poll_field {
	unsigned poll; /* index into poll_set.polls */
	enum poll_role role;
	unsigned first;	 /* first cell or probe, 0-based */
	unsigned count;	 /* values (1 for a scalar) */
	unsigned offset; /* bytes into the reply data */
	unsigned stride; /* bytes from one value to the next */
	unsigned width;	 /* bytes per raw value, 1..4 */
	bool big_endian; /* byte order of the raw value */
	bool is_signed;	 /* two's complement raw value */
	bool has_absent; /* absent_raw marks "no sensor" */
	uint32_t absent_raw;
	double scale, add; /* value = raw * scale + add, in the unit */
	double to_base;	   /* unit -> packstate's unit */
	unsigned line;	   /* profile line, for messages */
};

struct poll_def {
	char name[POLL_NAME_LEN];
	char ecu_name[POLL_NAME_LEN];
	unsigned ecu; /* index into poll_set.ecus (resolved at the end) */
	struct uds_req req;
	uint32_t period_ms[POLLER_NSTATES];
	uint8_t priority, retries;
	/* data bytes a positive reply must carry (after SID and echo): the
	 * profile's reply_length, else the end of the last field */
	unsigned min_len;
	bool feeds_safety; /* carries cells, probes, pack V or I */
	unsigned line;	   /* the section's first key */
	unsigned ecu_line, period_line;
};

struct poll_set {
	struct poll_ecu_def ecus[POLL_MAX_ECUS];
	unsigned n_ecus;
	struct poll_def polls[POLL_MAX_POLLS];
	unsigned n_polls;
	struct poll_field fields[POLL_MAX_FIELDS];
	unsigned n_fields;
	/* The documented reaction time: the oldest a polled value safety
	 * acts on may be while current flows (the slowest safety poll's
	 * period). A polled value is fresh for sweep + stale_margin. */
	uint32_t sweep_period_ms;
	uint32_t stale_margin_ms;
	uint32_t backoff_ms; /* another tester seen: 0 = 5000 */
};

/* Freshness of a polled value: sweep period plus margin, in us. */
int64_t poll_set_fresh_us(const struct poll_set *s);

#endif
