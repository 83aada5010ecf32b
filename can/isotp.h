/* SPDX-License-Identifier: Apache-2.0 */
/* isotp.h - the ISO-TP (ISO 15765-2) seam: one PDU of up to 4095 bytes per
 * call, segmented into CAN frames with flow control below.
 *
 * Backends chosen by the bus name, as for canbus.h:
 *   "mem:NAME"   user-space ISO-TP over the in-process bus (isotp_user.c,
 *                on the pure engine isotp_engine.h): simulator and tests
 *   "can0"       the kernel's CAN_ISOTP socket (isotp_socketcan.c, the only
 *                file with <linux/can/isotp.h>)
 *
 * Ids carry CANFRAME_EFF for 29-bit addressing. tx_id is what we send on
 * (the ECU's request id), rx_id what the ECU answers on. One endpoint per
 * ECU: two endpoints on the same ids race for the same frames.
 */
#ifndef BENCH_CAN_ISOTP_H
#define BENCH_CAN_ISOTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ISOTP_MAX_LEN 4095

struct isotp_opts {
	/* extended addressing (BMW): the first data byte of every frame is an
	 * address, tx_ext_addr on ours, rx_ext_addr on the ECU's */
	bool ext_addr;
	uint8_t tx_ext_addr, rx_ext_addr;
	/* pad our frames to 8 bytes with pad_byte; off = frames as short as
	 * their content. Received frames are accepted padded or not. */
	bool tx_pad;
	uint8_t pad_byte;
	/* what our flow control frames ask of the sender: block size
	 * (0 = no further flow control) and STmin as on the wire (0x00..0x7F
	 * ms, 0xF1..0xF9 = 100..900 us) */
	uint8_t bs, stmin;
	/* N_Bs (wait for flow control) and N_Cr (wait for the next
	 * consecutive frame), 0 = 1000 ms. The kernel backend has its own
	 * fixed 1 s and ignores this. */
	uint32_t timeout_ms;
};

struct isotp;

int isotp_open(const char *conn, uint32_t tx_id, uint32_t rx_id,
	       const struct isotp_opts *opts, struct isotp **out);
void isotp_close(struct isotp *tp);
const char *isotp_name(const struct isotp *tp);
/* The backend serving it, for the run's log: "kernel CAN_ISOTP socket"
 * or "user-space ISO-TP". */
const char *isotp_kind(const struct isotp *tp);
/* Send one PDU; returns when the last frame is out (multi-frame: after
 * every flow control the receiver asked for), or an error:
 * BENCH_ERR_TIMEOUT (no flow control), BENCH_ERR_PROTO (overflow or a bad
 * flow control), BENCH_ERR_ARG (length 0 or above ISOTP_MAX_LEN). */
int isotp_send(struct isotp *tp, const uint8_t *buf, size_t len);
/* Receive one PDU: its length, 0 = none within timeout_ms (0 = poll), or
 * an error for a reception that failed (BENCH_ERR_TIMEOUT: a consecutive
 * frame did not come; BENCH_ERR_PROTO: wrong sequence number; BENCH_ERR_ARG:
 * the PDU is longer than cap and was dropped). */
int isotp_recv(struct isotp *tp, uint8_t *buf, size_t cap, int timeout_ms);
/* pollable fd, or -1 (user space: call isotp_recv with 0 each tick) */
int isotp_fd(const struct isotp *tp);

/* STmin byte -> microseconds (reserved values mean the 127 ms maximum). */
uint32_t isotp_stmin_us(uint8_t stmin);

#endif
