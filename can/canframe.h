/* SPDX-License-Identifier: Apache-2.0 */
/* canframe.h - classic and FD CAN frames, and the can-utils log line format.
 *
 * The id carries SocketCAN's flag bits, so a frame maps 1:1 onto
 * struct can_frame / struct canfd_frame and a DBC id (bit 31 = extended)
 * compares directly:
 *   0x123                      standard id
 *   CANFRAME_EFF | 0x18FF50E5  extended id
 *   CANFRAME_RTR, CANFRAME_ERR remote and error frames
 */
#ifndef BENCH_CAN_CANFRAME_H
#define BENCH_CAN_CANFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CANFRAME_EFF 0x80000000u
#define CANFRAME_RTR 0x40000000u
#define CANFRAME_ERR 0x20000000u
#define CANFRAME_SFF_MASK 0x000007FFu
#define CANFRAME_EFF_MASK 0x1FFFFFFFu

/* FD flags (canfd_frame.flags) */
#define CANFRAME_FD_BRS 0x01
#define CANFRAME_FD_ESI 0x02
#define CANFRAME_FD_FDF 0x04

#define CANFRAME_MAX_LEN 64

struct canframe {
	uint32_t id;	  /* with CANFRAME_EFF/RTR/ERR bits */
	uint8_t len;	  /* payload bytes, 0..8 classic, 0..64 FD */
	bool fd;	  /* CAN FD frame */
	uint8_t flags;	  /* FD flags nibble as logged after ## */
	uint8_t len8_dlc; /* classic raw DLC 9..15 for 8-byte frames, else 0 */
	uint8_t data[CANFRAME_MAX_LEN];
};

#endif
