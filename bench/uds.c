/* SPDX-License-Identifier: Apache-2.0 */
/* uds.c - UDS / KWP2000 requests, replies and the per-ECU wait (see
 * uds.h). */
#define LOG_PREFIX "uds"
#include "uds.h"

#include <string.h>

#include "common/log.h"
#include "common/rc.h"

static int req_set(struct uds_req *r, const uint8_t *b, size_t n,
		   uint8_t echo_len)
{
	memset(r, 0, sizeof(*r));
	if (n == 0 || n > UDS_REQ_MAX || echo_len >= n) {
		log_err("bad request: %zu bytes, %u echoed (1..%d bytes)", n,
			echo_len, UDS_REQ_MAX);
		return BENCH_ERR_ARG;
	}
	memcpy(r->data, b, n);
	r->len = (uint8_t)n;
	r->echo_len = echo_len;
	return BENCH_OK;
}

int uds_req_raw(struct uds_req *r, const uint8_t *bytes, size_t n,
		uint8_t echo_len)
{
	TRY(req_set(r, bytes, n, echo_len));
	if (bytes[0] == UDS_SID_NEGATIVE || (bytes[0] & 0x40)) {
		log_err("0x%02X is a reply service id, not a request",
			bytes[0]);
		return BENCH_ERR_ARG;
	}
	return BENCH_OK;
}

int uds_req_session(struct uds_req *r, uint8_t session)
{
	const uint8_t b[] = {UDS_SID_SESSION, session};

	return req_set(r, b, sizeof(b), 1);
}

int uds_req_kwp_local(struct uds_req *r, uint8_t local_id)
{
	const uint8_t b[] = {UDS_SID_KWP_READ_LOCAL, local_id};

	return req_set(r, b, sizeof(b), 1);
}

int uds_req_read_did(struct uds_req *r, uint16_t did)
{
	const uint8_t b[] = {UDS_SID_READ_DID, (uint8_t)(did >> 8),
			     (uint8_t)did};

	return req_set(r, b, sizeof(b), 2);
}

int uds_req_io_control(struct uds_req *r, uint16_t did, uint8_t param,
		       const uint8_t *state, size_t n)
{
	uint8_t b[UDS_REQ_MAX] = {UDS_SID_IO_CONTROL, (uint8_t)(did >> 8),
				  (uint8_t)did, param};

	if (n > UDS_REQ_MAX - 4) {
		log_err("IO control 0x%04X: %zu state bytes (max %d)", did, n,
			UDS_REQ_MAX - 4);
		return BENCH_ERR_ARG;
	}
	if (n)
		memcpy(b + 4, state, n);
	return req_set(r, b, 4 + n, 3);
}

int uds_req_tester_present(struct uds_req *r, bool suppress_reply)
{
	const uint8_t b[] = {UDS_SID_TESTER_PRESENT,
			     suppress_reply ? 0x80 : 0x00};

	TRY(req_set(r, b, sizeof(b), 1));
	r->no_reply = suppress_reply;
	return BENCH_OK;
}

int uds_parse(const struct uds_req *req, const uint8_t *pdu, size_t len,
	      struct uds_reply *out)
{
	uint8_t sid = req->data[0];

	memset(out, 0, sizeof(*out));
	if (len >= 3 && pdu[0] == UDS_SID_NEGATIVE) {
		if (pdu[1] != sid)
			return BENCH_ERR_PROTO;
		out->kind =
		    pdu[2] == UDS_NRC_PENDING ? UDS_PENDING : UDS_NEGATIVE;
		out->nrc = pdu[2];
		return BENCH_OK;
	}
	if (len < 1u + req->echo_len || pdu[0] != (uint8_t)(sid + 0x40))
		return BENCH_ERR_PROTO;
	if (memcmp(pdu + 1, req->data + 1, req->echo_len) != 0)
		return BENCH_ERR_PROTO;
	out->kind = UDS_POSITIVE;
	out->data = pdu + 1 + req->echo_len;
	out->len = len - 1 - req->echo_len;
	return BENCH_OK;
}

/* clang-format off */
static const struct { uint8_t nrc; const char *name; } nrc_names[] = {
	{0x10, "generalReject"},
	{0x11, "serviceNotSupported"},
	{0x12, "subFunctionNotSupported"},
	{0x13, "incorrectMessageLengthOrInvalidFormat"},
	{0x14, "responseTooLong"},
	{0x21, "busyRepeatRequest"},
	{0x22, "conditionsNotCorrect"},
	{0x24, "requestSequenceError"},
	{0x25, "noResponseFromSubnetComponent"},
	{0x26, "failurePreventsExecutionOfRequestedAction"},
	{0x31, "requestOutOfRange"},
	{0x33, "securityAccessDenied"},
	{0x35, "invalidKey"},
	{0x36, "exceedNumberOfAttempts"},
	{0x37, "requiredTimeDelayNotExpired"},
	{0x70, "uploadDownloadNotAccepted"},
	{0x71, "transferDataSuspended"},
	{0x72, "generalProgrammingFailure"},
	{0x73, "wrongBlockSequenceCounter"},
	{0x78, "requestCorrectlyReceived-ResponsePending"},
	{0x7E, "subFunctionNotSupportedInActiveSession"},
	{0x7F, "serviceNotSupportedInActiveSession"},
	{0x81, "rpmTooHigh"},
	{0x82, "rpmTooLow"},
	{0x83, "engineIsRunning"},
	{0x84, "engineIsNotRunning"},
	{0x85, "engineRunTimeTooLow"},
	{0x86, "temperatureTooHigh"},
	{0x87, "temperatureTooLow"},
	{0x88, "vehicleSpeedTooHigh"},
	{0x89, "vehicleSpeedTooLow"},
	{0x8A, "throttle/PedalTooHigh"},
	{0x8B, "throttle/PedalTooLow"},
	{0x8C, "transmissionRangeNotInNeutral"},
	{0x8D, "transmissionRangeNotInGear"},
	{0x8F, "brakeSwitch(es)NotClosed"},
	{0x90, "shifterLeverNotInPark"},
	{0x91, "torqueConverterClutchLocked"},
	{0x92, "voltageTooHigh"},
	{0x93, "voltageTooLow"},
};
/* clang-format on */

const char *uds_nrc_name(uint8_t nrc)
{
	size_t i;

	for (i = 0; i < sizeof(nrc_names) / sizeof(nrc_names[0]); i++)
		if (nrc_names[i].nrc == nrc)
			return nrc_names[i].name;
	return "unknown NRC";
}

void uds_client_init(struct uds_client *c, uint32_t p2_ms, uint32_t p2star_ms)
{
	memset(c, 0, sizeof(*c));
	c->p2_us = (int64_t)(p2_ms ? p2_ms : 1000) * 1000;
	c->p2star_us = (int64_t)(p2star_ms ? p2star_ms : 5000) * 1000;
}

int uds_client_start(struct uds_client *c, const struct uds_req *req,
		     int64_t now_us)
{
	if (c->busy) {
		log_err("request 0x%02X not sent: 0x%02X still outstanding",
			req->data[0], c->req.data[0]);
		return BENCH_ERR_STATE;
	}
	if (req->no_reply)
		return BENCH_OK;
	c->req = *req;
	c->busy = true;
	c->pending = 0;
	c->deadline_us = now_us + c->p2_us;
	return BENCH_OK;
}

int uds_client_on_pdu(struct uds_client *c, const uint8_t *pdu, size_t len,
		      int64_t now_us, struct uds_reply *out)
{
	if (!c->busy)
		return BENCH_ERR_STATE;
	TRY(uds_parse(&c->req, pdu, len, out));
	if (out->kind == UDS_PENDING) {
		c->pending++;
		c->deadline_us = now_us + c->p2star_us;
		return UDS_EV_NONE;
	}
	c->busy = false;
	return UDS_EV_DONE;
}

int uds_client_poll(struct uds_client *c, int64_t now_us)
{
	if (!c->busy || now_us < c->deadline_us)
		return BENCH_OK;
	c->busy = false;
	return BENCH_ERR_TIMEOUT;
}
