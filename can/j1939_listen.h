/* SPDX-License-Identifier: Apache-2.0 */
/* j1939_listen.h - the J1939-21 transport observed passively: every
 * transfer in a capture reassembled from both sides' frames, nothing ever
 * sent (docs/gbt27930.md, "Decoding a capture").
 *
 * The endpoint engine (j1939_engine.h) cannot do this: it only takes
 * transfers addressed to its own address and answers them itself, so it
 * would ignore the capture's own CTS, EOMA and aborts. Here the receiver's
 * frames steer the transfer as they did on the wire: a CTS opens a window
 * (or asks for packets again), CTS(0) holds, EOMA closes, an abort from
 * either side ends it. Single frames pass through. A group is delivered
 * at its last TP.DT; what goes wrong is an event, never an error.
 */
#ifndef BENCH_CAN_J1939_LISTEN_H
#define BENCH_CAN_J1939_LISTEN_H

#include <stdint.h>

#include "canframe.h"
#include "j1939.h"

#define J1939_LISTEN_SLOTS 8 /* transfers open at once */

enum j1939_listen_ev {
	J1939_LISTEN_BAD_SEQ = 0, /* TP.DT out of sequence: a packet lost */
	J1939_LISTEN_TIMEOUT,	  /* CTS, TP.DT or EOMA not in time (T1-T4) */
	J1939_LISTEN_BAD_SIZE,	  /* size vs packets, short TP.DT, EOMA */
	J1939_LISTEN_ABORT,	  /* TP.CM_Abort from either side */
	J1939_LISTEN_STRAY,	  /* TP.DT, CTS or EOMA with no transfer */
	J1939_LISTEN_RESTART,	  /* a new RTS/BAM before the last ended */
	J1939_LISTEN_BUSY,	  /* more transfers open than slots */
	J1939_LISTEN_EV_N
};

/* A group, single frame or reassembled; dst J1939_ADDR_GLOBAL for BAM and
 * PDU2 groups. */
typedef void (*j1939_listen_msg_fn)(void *ctx, const struct j1939_msg *m,
				    int64_t t_us);
/* what names the transfer (sender, receiver, PGN) and the problem. */
typedef void (*j1939_listen_ev_fn)(void *ctx, enum j1939_listen_ev ev,
				   const char *what, int64_t t_us);

enum j1939_listen_phase {
	J1939_LISTEN_IDLE = 0,
	J1939_LISTEN_WAIT_CTS, /* after RTS, a window's last packet, CTS(0) */
	J1939_LISTEN_DATA,     /* inside a CTS window, or a BAM */
	J1939_LISTEN_WAIT_EOMA,
};

struct j1939_listen_slot {
	enum j1939_listen_phase phase;
	bool bam;
	uint8_t src, dst, prio;
	uint32_t pgn;
	uint16_t len;
	uint8_t npkt, next_seq;
	uint8_t window_end; /* last packet the CTS granted */
	int64_t due_us;
	uint8_t buf[J1939_MAX_LEN];
};

struct j1939_listen {
	j1939_listen_msg_fn on_msg;
	j1939_listen_ev_fn on_ev;
	void *ctx;
	struct j1939_listen_slot slot[J1939_LISTEN_SLOTS];
	struct j1939_msg msg; /* the group being delivered */
};

void j1939_listen_init(struct j1939_listen *l, j1939_listen_msg_fn on_msg,
		       j1939_listen_ev_fn on_ev, void *ctx);
/* Feed one frame seen at t_us: transfers past their deadline time out
 * first. Frames that are not 29-bit data frames are ignored. */
void j1939_listen_frame(struct j1939_listen *l, const struct canframe *f,
			int64_t t_us);
/* The capture ended at t_us: every transfer still open is reported. */
void j1939_listen_end(struct j1939_listen *l, int64_t t_us);
/* "abort reason N (name)" for J1939-21's abort codes. */
const char *j1939_abort_reason_name(uint8_t reason);

#endif
