/* SPDX-License-Identifier: Apache-2.0 */
/* j1939.h - the SAE J1939 seam: parameter groups (PGN) of up to 1785 bytes
 * between fixed source addresses, with the J1939-21 transport protocol
 * (TP.CM / TP.DT, RTS/CTS to one peer, BAM to all) below. No address
 * claiming: the endpoint is bound to a static address (GB/T 27930 uses
 * 0x56 for the charger and 0xF4 for the BMS).
 *
 * Backends chosen by the bus name, as for canbus.h:
 *   "mem:NAME"   user-space transport over the in-process bus
 *                (j1939_user.c, on the pure engine j1939_engine.h):
 *                simulator and tests
 *   "can0"       the kernel's CAN_J1939 socket (j1939_socketcan.c, the
 *                only file with <linux/can/j1939.h>)
 */
#ifndef BENCH_CAN_J1939_H
#define BENCH_CAN_J1939_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define J1939_MAX_LEN 1785 /* 255 TP.DT packets of 7 bytes */
#define J1939_ADDR_GLOBAL 0xFF
#define J1939_ADDR_NULL 0xFE
#define J1939_PGN_MAX 0x3FFFF
#define J1939_PRIO_DEFAULT 6

/* One received parameter group. dst is our address, or J1939_ADDR_GLOBAL
 * for a broadcast (BAM, or a PDU2 group, which has no destination). */
struct j1939_msg {
	uint32_t pgn;
	uint8_t src, dst, prio;
	uint16_t len;
	uint8_t data[J1939_MAX_LEN];
};

struct j1939;

/* Open an endpoint bound to source address addr (0x00..0xFD). */
int j1939_open(const char *conn, uint8_t addr, struct j1939 **out);
void j1939_close(struct j1939 *j);
const char *j1939_name(const struct j1939 *j);
/* which transport carries it: "user-space J1939" or "kernel CAN_J1939
 * socket" (for the log) */
const char *j1939_kind(const struct j1939 *j);
/* Send one parameter group at priority prio (0..7) to dst (or
 * J1939_ADDR_GLOBAL). Up to 8 bytes go as one frame with the length as
 * DLC; 9..1785 bytes by RTS/CTS to one peer, BAM to all. Returns when the
 * transfer is done: BENCH_ERR_TIMEOUT (the peer did not answer in time),
 * BENCH_ERR_PROTO (the peer aborted), BENCH_ERR_ARG (bad length, PGN or
 * priority). */
int j1939_send(struct j1939 *j, uint32_t pgn, uint8_t prio, uint8_t dst,
	       const uint8_t *buf, size_t len);
/* Receive one parameter group addressed to us or to all: 1 = stored in m,
 * 0 = none within timeout_ms (0 = poll), or the error of a failed
 * reception (BENCH_ERR_TIMEOUT: a packet did not come; BENCH_ERR_PROTO:
 * wrong sequence number or the sender aborted). */
int j1939_recv(struct j1939 *j, struct j1939_msg *m, int timeout_ms);
/* pollable fd, or -1 (user space: call j1939_recv with 0 each tick) */
int j1939_fd(const struct j1939 *j);

/* The 29-bit identifier (without CANFRAME_EFF). PDU1 groups (PF < 240)
 * carry the destination in PS and have a PGN with PS = 0; PDU2 groups
 * (PF >= 240) carry a group extension in PS and have no destination. */
uint32_t j1939_id(uint8_t prio, uint32_t pgn, uint8_t dst, uint8_t src);
/* Split an identifier; dst is J1939_ADDR_GLOBAL for PDU2. */
void j1939_id_split(uint32_t id, uint8_t *prio, uint32_t *pgn, uint8_t *dst,
		    uint8_t *src);
/* PDU1 (addressable) group? */
bool j1939_pgn_pdu1(uint32_t pgn);

#endif
