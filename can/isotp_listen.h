/* SPDX-License-Identifier: Apache-2.0 */
/* isotp_listen.h - ISO-TP observed passively: both directions of one link
 * reassembled from a capture, nothing ever sent (docs/packs.md, "Decoding
 * a capture").
 *
 * Two receive-only isotp_engine instances: one on the tester's request id
 * (tx_id), one on the ECU's reply id (rx_id). Flow control frames in
 * either direction are ignored (the engines only send, never obey, them),
 * so the capture's own flow control does not matter. A consecutive frame
 * out of sequence (a lost frame) or one that never comes (N_Cr) ends that
 * reception as a failure, reported once.
 */
#ifndef BENCH_CAN_ISOTP_LISTEN_H
#define BENCH_CAN_ISOTP_LISTEN_H

#include <stdint.h>

#include "canframe.h"
#include "isotp_engine.h"

enum isotp_listen_dir { ISOTP_LISTEN_REQUEST = 0, ISOTP_LISTEN_REPLY };

struct isotp_listen {
	struct isotp_engine dir[2]; /* indexed by enum isotp_listen_dir */
};

/* tx_id: the tester's (request) id; rx_id: the ECU's (reply) id. With
 * extended addressing, requests carry o->tx_ext_addr and replies
 * o->rx_ext_addr. */
void isotp_listen_init(struct isotp_listen *l, uint32_t tx_id, uint32_t rx_id,
		       const struct isotp_opts *o);

struct isotp_listen_pdu {
	enum isotp_listen_dir dir;
	int rc; /* > 0: PDU length in data; < 0: a reception that failed */
	uint8_t data[ISOTP_MAX_LEN];
};

/* Feed one frame seen at t_us (any id). Returns 1 with *out filled when a
 * PDU completed or a reception failed, else 0. Call it again with a NULL
 * frame until it returns 0: a frame can end one reception and time out
 * the other direction's. */
int isotp_listen_frame(struct isotp_listen *l, const struct canframe *f,
		       int64_t t_us, struct isotp_listen_pdu *out);

#endif
