/* SPDX-License-Identifier: Apache-2.0 */
/* packdecode.h - a capture replayed through a profile: the pack as the
 * controller would see it (`bench pack decode`, docs/packs.md "Decoding a
 * capture"). Pure: frames and their times are passed in.
 *
 * Broadcast frames go through the profile's DBC (packstate). Poll traffic
 * is observed, never sent: per profile ECU the requests on its tx id and
 * the replies on its rx id are reassembled passively (can/isotp_listen.h);
 * a request that is one of the profile's polls is paired with the reply
 * that answers it (bench/uds.h, the ECU's P2/P2*), and a positive reply is
 * decoded through the poll's layout (bench/polldec.h). What goes wrong is
 * an event, never an error: a negative response, a request never
 * answered, a reply lost in reassembly, a reply shorter than its layout.
 */
#ifndef BENCH_PACKDECODE_H
#define BENCH_PACKDECODE_H

#include <stdint.h>

#include "bench/packstate.h"
#include "can/canframe.h"

struct dbc;
struct json;
struct profile;

enum packdecode_ev {
	PACKDECODE_NEGATIVE = 0, /* 7F SID NRC */
	PACKDECODE_UNANSWERED,	 /* no reply within P2 (P2* after 0x78) */
	PACKDECODE_LOST,	 /* a reply's reassembly failed */
	PACKDECODE_SHORT,	 /* positive, shorter than the layout */
	PACKDECODE_EV_N
};

/* msg names the poll, its request, the ECU and what happened. */
typedef void (*packdecode_event_fn)(void *ctx, enum packdecode_ev kind,
				    const char *msg, int64_t t_us);

struct packdecode_stats {
	uint64_t frames;    /* every frame fed */
	uint64_t broadcast; /* frames the DBC map decoded */
	uint64_t requests;  /* requests that are one of the profile's polls */
	uint64_t replies;   /* positive replies decoded */
	uint64_t events[PACKDECODE_EV_N];
};

struct packdecode;

/* p and db outlive the decoder. */
int packdecode_new(const struct profile *p, const struct dbc *db,
		   packdecode_event_fn fn, void *ctx, struct packdecode **out);
void packdecode_free(struct packdecode *d);
/* One frame seen at t_us: the PACK_UPD_* bits it changed. */
unsigned packdecode_frame(struct packdecode *d, const struct canframe *f,
			  int64_t t_us);
/* The capture ended at t_us: a request still waiting is unanswered. */
void packdecode_end(struct packdecode *d, int64_t t_us);
const struct pack_snap *packdecode_snap(const struct packdecode *d);
const struct packdecode_stats *packdecode_stats(const struct packdecode *d);

/* The snapshot's members (no braces) in SI units, null where unknown:
 * cell_voltage_volt [], temperature_celsius [], voltage_volt,
 * current_ampere (+ charge), soc_percent, soh_percent, capacity_ah,
 * cell_voltage_min_volt/max, temperature_min_celsius/max,
 * rated_capacity_ah, rated_voltage_volt. */
void packdecode_json_members(const struct pack_snap *s, struct json *j);

#endif
