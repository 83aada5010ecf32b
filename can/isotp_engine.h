/* SPDX-License-Identifier: Apache-2.0 */
/* isotp_engine.h - ISO 15765-2 segmentation and reassembly, pure.
 *
 * No I/O and no clock: the caller feeds received frames and the time, and
 * the engine hands the frames to send to an emit callback. Both directions
 * of one link (our tx id, the peer's rx id) live in one engine:
 *   send   single frame at once; first frame, then wait for the peer's flow
 *          control (CTS / WAIT / OVERFLOW) up to N_Bs, then consecutive
 *          frames with sequence numbers 1..15,0.., STmin apart, BS per block
 *   recv   single frame, or first frame -> our flow control (CTS with our
 *          BS and STmin) -> consecutive frames, each within N_Cr, the
 *          sequence number checked, a new flow control after every BS
 * isotp_engine_tick(now) sends the consecutive frames that are due and
 * expires the timers; isotp_engine_next_us() says when to call it next.
 */
#ifndef BENCH_CAN_ISOTP_ENGINE_H
#define BENCH_CAN_ISOTP_ENGINE_H

#include <stdint.h>

#include "canframe.h"
#include "isotp.h"

/* Returns <0 if the frame could not be sent (the transfer fails). */
typedef int (*isotp_emit_fn)(void *ctx, const struct canframe *f);

enum isotp_tx_phase { ISOTP_TX_IDLE = 0, ISOTP_TX_WAIT_FC, ISOTP_TX_CF };

struct isotp_engine {
	uint32_t tx_id, rx_id;
	struct isotp_opts o;
	int64_t timeout_us;
	isotp_emit_fn emit;
	void *ctx;

	enum isotp_tx_phase tx_phase;
	int tx_rc; /* result of the last transfer, 1 while one runs */
	uint8_t tx_buf[ISOTP_MAX_LEN];
	uint16_t tx_len, tx_off;
	uint8_t tx_sn, tx_bs, tx_block_left, tx_waits;
	uint32_t tx_stmin_us;
	int64_t tx_due_us; /* next consecutive frame, or the N_Bs deadline */

	bool rx_active; /* between first frame and last consecutive frame */
	bool rx_ready;	/* a whole PDU waits in rx_buf */
	int rx_rc;	/* a failed reception, reported once */
	uint8_t rx_buf[ISOTP_MAX_LEN];
	uint16_t rx_len, rx_off;
	uint8_t rx_sn, rx_block;
	int64_t rx_due_us; /* N_Cr deadline */
};

void isotp_engine_init(struct isotp_engine *e, uint32_t tx_id, uint32_t rx_id,
		       const struct isotp_opts *o, isotp_emit_fn emit,
		       void *ctx);
/* Start sending one PDU: BENCH_OK, BENCH_ERR_STATE while one is still
 * being sent, BENCH_ERR_ARG for a bad length, or the emit error. */
int isotp_engine_send(struct isotp_engine *e, const uint8_t *buf, size_t len,
		      int64_t now_us);
/* 1 while the transfer runs, BENCH_OK once done, <0 if it failed. */
int isotp_engine_tx_result(const struct isotp_engine *e);
/* Feed one received frame (frames for other ids are ignored). */
void isotp_engine_on_frame(struct isotp_engine *e, const struct canframe *f,
			   int64_t now_us);
void isotp_engine_tick(struct isotp_engine *e, int64_t now_us);
/* When tick has something to do next; INT64_MAX = nothing pending. */
int64_t isotp_engine_next_us(const struct isotp_engine *e);
/* A received PDU: its length (copied into buf), 0 = none yet, or the
 * error of a failed reception (once); BENCH_ERR_ARG when it exceeds cap
 * (the PDU is dropped). */
int isotp_engine_take(struct isotp_engine *e, uint8_t *buf, size_t cap);

#endif
