/* SPDX-License-Identifier: Apache-2.0 */
/* uds.h - UDS (ISO 14229) and KWP2000 requests and replies, pure.
 *
 * A request knows how many bytes after its service id the positive reply
 * must echo (the local id, the DID, the session...), so a reply to another
 * request is told apart. Replies:
 *   positive   SID + 0x40, the echo, then the data
 *   negative   7F SID NRC; NRC 0x78 (response pending) is not an answer:
 *              the ECU asks for more time (P2* instead of P2)
 * uds_client holds the one outstanding request per ECU and its deadline.
 */
#ifndef BENCH_BENCH_UDS_H
#define BENCH_BENCH_UDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UDS_SID_SESSION 0x10
#define UDS_SID_KWP_READ_LOCAL 0x21
#define UDS_SID_READ_DID 0x22
#define UDS_SID_IO_CONTROL 0x2F
#define UDS_SID_TESTER_PRESENT 0x3E
#define UDS_SID_NEGATIVE 0x7F
#define UDS_NRC_PENDING 0x78

#define UDS_REQ_MAX 32

struct uds_req {
	uint8_t data[UDS_REQ_MAX];
	uint8_t len;
	uint8_t echo_len; /* request bytes after the SID echoed back */
	bool no_reply;	  /* suppressPosRspMsgIndicationBit set */
};

/* Builders: BENCH_OK or BENCH_ERR_ARG. */
int uds_req_session(struct uds_req *r, uint8_t session);
int uds_req_kwp_local(struct uds_req *r, uint8_t local_id);
int uds_req_read_did(struct uds_req *r, uint16_t did);
/* 2F DID param [state...]; the reply echoes DID and param */
int uds_req_io_control(struct uds_req *r, uint16_t did, uint8_t param,
		       const uint8_t *state, size_t n);
int uds_req_tester_present(struct uds_req *r, bool suppress_reply);
/* Any other service from raw bytes (as a profile will give them). */
int uds_req_raw(struct uds_req *r, const uint8_t *bytes, size_t n,
		uint8_t echo_len);

enum uds_reply_kind { UDS_POSITIVE = 0, UDS_NEGATIVE, UDS_PENDING };

struct uds_reply {
	enum uds_reply_kind kind;
	uint8_t nrc;	     /* NEGATIVE, PENDING */
	const uint8_t *data; /* POSITIVE: after SID and echo (into the PDU) */
	size_t len;
};

/* BENCH_OK with the reply filled in, or BENCH_ERR_PROTO when the PDU does
 * not answer req (other service, wrong echo, too short). */
int uds_parse(const struct uds_req *req, const uint8_t *pdu, size_t len,
	      struct uds_reply *out);
/* ISO 14229 name of a negative response code ("requestOutOfRange"). */
const char *uds_nrc_name(uint8_t nrc);

struct uds_client {
	int64_t p2_us, p2star_us;
	bool busy;
	struct uds_req req;
	int64_t deadline_us;
	unsigned pending; /* 0x78 replies to the current request */
};

/* p2_ms: first answer (0 = 1000); p2star_ms: after each 0x78 (0 = 5000). */
void uds_client_init(struct uds_client *c, uint32_t p2_ms, uint32_t p2star_ms);
/* Note a request as sent: BENCH_ERR_STATE while one is outstanding. A
 * request without reply is never outstanding. */
int uds_client_start(struct uds_client *c, const struct uds_req *req,
		     int64_t now_us);

enum uds_ev { UDS_EV_NONE = 0, UDS_EV_DONE = 1 };

/* A received PDU: UDS_EV_DONE with a positive or negative reply in out (the
 * request is finished), UDS_EV_NONE for response pending (the wait grows
 * to P2*), BENCH_ERR_PROTO for a PDU that is not an answer to the
 * outstanding request (it stays outstanding), BENCH_ERR_STATE when nothing
 * is outstanding (someone else's reply). */
int uds_client_on_pdu(struct uds_client *c, const uint8_t *pdu, size_t len,
		      int64_t now_us, struct uds_reply *out);
/* BENCH_ERR_TIMEOUT once when the outstanding request's wait ran out (it
 * is then given up), else BENCH_OK. */
int uds_client_poll(struct uds_client *c, int64_t now_us);

#endif
