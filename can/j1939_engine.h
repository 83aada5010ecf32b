/* SPDX-License-Identifier: Apache-2.0 */
/* j1939_engine.h - J1939-21 transport, pure.
 *
 * No I/O and no clock: the caller feeds received frames and the time, the
 * engine hands frames to send to an emit callback. One engine is one
 * source address:
 *   single frame  up to 8 bytes, sent at once with the length as DLC
 *   RTS/CTS       TP.CM_RTS -> the peer's TP.CM_CTS -> TP.DT 1..n (7 bytes
 *                 each, the last padded with 0xFF) -> TP.CM_EndOfMsgAck
 *   BAM           TP.CM_BAM then TP.DT 50 ms apart, no answer
 *   abort         TP.CM_Abort with a reason, either side
 * One outgoing transfer at a time; incoming ones per sender (one RTS/CTS
 * and one BAM from each of up to J1939_RX_SLOTS senders). A new RTS from a
 * sender replaces its unfinished transfer (BMSes repeat BCS every 250 ms).
 * Timers (J1939-21): T1 750 ms between TP.DT, T2 1250 ms from our CTS to
 * its TP.DT, T3 1250 ms from our last TP.DT to the peer's CTS or EOMA, T4
 * 1050 ms while the peer holds with CTS(0). Tr (200 ms) and Th (500 ms)
 * bound our own answers: we answer from on_frame, at once, and never hold.
 */
#ifndef BENCH_CAN_J1939_ENGINE_H
#define BENCH_CAN_J1939_ENGINE_H

#include <stdint.h>

#include "canframe.h"
#include "j1939.h"

#define J1939_PGN_TP_CM 0xEC00u
#define J1939_PGN_TP_DT 0xEB00u
#define J1939_TP_RTS 0x10
#define J1939_TP_CTS 0x11
#define J1939_TP_EOMA 0x13
#define J1939_TP_BAM 0x20
#define J1939_TP_ABORT 0xFF
/* abort reasons (J1939-21) */
#define J1939_ABORT_BUSY 1
#define J1939_ABORT_RESOURCES 2
#define J1939_ABORT_TIMEOUT 3
#define J1939_ABORT_BAD_SEQ 7

#define J1939_T1_US 750000
#define J1939_T2_US 1250000
#define J1939_T3_US 1250000
#define J1939_T4_US 1050000
#define J1939_TR_US 200000
#define J1939_TH_US 500000
#define J1939_BAM_GAP_US 50000

#define J1939_RX_SLOTS 4
#define J1939_RX_QUEUE 4

/* Returns <0 if the frame could not be sent (the transfer fails). */
typedef int (*j1939_emit_fn)(void *ctx, const struct canframe *f);

enum j1939_tx_phase {
	J1939_TX_IDLE = 0,
	J1939_TX_WAIT_CTS, /* RTS or a block sent, or held by CTS(0) */
	J1939_TX_WAIT_EOMA,
	J1939_TX_BAM,
};

struct j1939_rx_slot {
	bool active, bam;
	uint8_t src, prio;
	uint32_t pgn;
	uint16_t len;
	uint8_t npkt, next_seq;
	uint8_t block_end;   /* last packet of the current CTS */
	uint8_t max_per_cts; /* the sender's limit, 0 = none */
	int64_t due_us;	     /* T1 or T2 deadline */
	uint8_t buf[J1939_MAX_LEN];
};

struct j1939_engine {
	uint8_t addr;
	j1939_emit_fn emit;
	void *ctx;

	enum j1939_tx_phase tx_phase;
	int tx_rc;	  /* result of the last transfer, 1 while one runs */
	uint8_t tx_abort; /* reason of the last abort either way, 0 = none */
	uint32_t tx_pgn;
	uint8_t tx_prio, tx_dst, tx_npkt, tx_next; /* next packet for BAM */
	uint16_t tx_len;
	int64_t tx_due_us; /* next BAM packet, or the T3/T4 deadline */
	uint8_t tx_buf[J1939_MAX_LEN];

	struct j1939_rx_slot rx[J1939_RX_SLOTS];
	struct j1939_msg q[J1939_RX_QUEUE]; /* received, oldest first */
	unsigned q_head, q_count;
	uint64_t q_dropped;
	int rx_rc; /* a failed reception, reported once */
};

void j1939_engine_init(struct j1939_engine *e, uint8_t addr, j1939_emit_fn emit,
		       void *ctx);
/* Send one group: up to 8 bytes at once (the emit result); longer ones
 * start a transfer (BENCH_ERR_STATE while one still runs). */
int j1939_engine_send(struct j1939_engine *e, uint8_t prio, uint32_t pgn,
		      uint8_t dst, const uint8_t *buf, size_t len,
		      int64_t now_us);
/* 1 while a transfer runs, BENCH_OK once done, <0 if it failed. */
int j1939_engine_tx_result(const struct j1939_engine *e);
/* Feed one received frame (our own, standard and short TP frames are
 * ignored). */
void j1939_engine_on_frame(struct j1939_engine *e, const struct canframe *f,
			   int64_t now_us);
void j1939_engine_tick(struct j1939_engine *e, int64_t now_us);
/* When tick has something to do next; INT64_MAX = nothing pending. */
int64_t j1939_engine_next_us(const struct j1939_engine *e);
/* 1 = the oldest received group moved to m, 0 = none, or the error of a
 * failed reception (once). */
int j1939_engine_take(struct j1939_engine *e, struct j1939_msg *m);

#endif
