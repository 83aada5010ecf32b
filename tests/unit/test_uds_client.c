/* SPDX-License-Identifier: Apache-2.0 */
/* test_uds_client.c - UDS/KWP requests on the wire, replies told apart by
 * their echo, negative replies with the NRC named, response pending. */
#include <criterion/criterion.h>
#include <string.h>

#include "bench/uds.h"
#include "common/rc.h"

#define PDU(...)                                                               \
	(const uint8_t[]){__VA_ARGS__}, sizeof((uint8_t[]){__VA_ARGS__})

/* a test that hangs fails instead of blocking the run */
TestSuite(uds, .timeout = 60);

Test(uds, requests_on_the_wire)
{
	struct uds_req r;
	static const uint8_t st[] = {0x03};

	cr_assert_eq(uds_req_kwp_local(&r, 0x02), BENCH_OK);
	cr_assert_eq(r.len, 2);
	cr_assert_arr_eq(r.data, ((uint8_t[]){0x21, 0x02}), 2);
	cr_assert_eq(uds_req_read_did(&r, 0x0102), BENCH_OK);
	cr_assert_arr_eq(r.data, ((uint8_t[]){0x22, 0x01, 0x02}), 3);
	cr_assert_eq(r.echo_len, 2);
	cr_assert_eq(uds_req_session(&r, 0x03), BENCH_OK);
	cr_assert_arr_eq(r.data, ((uint8_t[]){0x10, 0x03}), 2);
	cr_assert_eq(uds_req_io_control(&r, 0xF031, 0x03, st, 1), BENCH_OK);
	cr_assert_eq(r.len, 5);
	cr_assert_arr_eq(r.data, ((uint8_t[]){0x2F, 0xF0, 0x31, 0x03, 0x03}),
			 5);
	cr_assert_eq(uds_req_tester_present(&r, true), BENCH_OK);
	cr_assert_arr_eq(r.data, ((uint8_t[]){0x3E, 0x80}), 2);
	cr_assert(r.no_reply);
	cr_assert_eq(uds_req_raw(&r, (const uint8_t[]){0x62, 0x01}, 2, 1),
		     BENCH_ERR_ARG, "a reply SID is not a request");
}

Test(uds, positive_reply_gives_the_data_after_the_echo)
{
	struct uds_req r;
	struct uds_reply rep;

	/* the reply's data points into the PDU: keep it alive */
	static const uint8_t pos[] = {0x62, 0x01, 0x01, 0xAA, 0xBB};

	uds_req_read_did(&r, 0x0101);
	cr_assert_eq(uds_parse(&r, pos, sizeof(pos), &rep), BENCH_OK);
	cr_assert_eq(rep.kind, UDS_POSITIVE);
	cr_assert_eq(rep.len, 2);
	cr_assert_eq(rep.data[0], 0xAA);
	cr_assert_eq(rep.data[1], 0xBB);

	uds_req_kwp_local(&r, 0x41); /* Zoe: 21 41 -> 61 41 ... */
	cr_assert_eq(uds_parse(&r, PDU(0x61, 0x41, 0x0F, 0xA0), &rep),
		     BENCH_OK);
	cr_assert_eq(rep.len, 2);
}

Test(uds, wrong_echo_or_service_is_not_an_answer)
{
	struct uds_req r;
	struct uds_reply rep;

	uds_req_read_did(&r, 0x0102);
	cr_assert_eq(uds_parse(&r, PDU(0x62, 0x01, 0x03, 0x11), &rep),
		     BENCH_ERR_PROTO, "reply for DID 0x0103");
	cr_assert_eq(uds_parse(&r, PDU(0x61, 0x01, 0x02), &rep),
		     BENCH_ERR_PROTO, "reply for service 0x21");
	cr_assert_eq(uds_parse(&r, PDU(0x62, 0x01), &rep), BENCH_ERR_PROTO,
		     "echo cut short");
	cr_assert_eq(uds_parse(&r, PDU(0x7F, 0x21, 0x31), &rep),
		     BENCH_ERR_PROTO, "negative reply to another service");
}

Test(uds, negative_reply_names_the_nrc)
{
	struct uds_req r;
	struct uds_reply rep;

	uds_req_read_did(&r, 0x9021);
	cr_assert_eq(uds_parse(&r, PDU(0x7F, 0x22, 0x31), &rep), BENCH_OK);
	cr_assert_eq(rep.kind, UDS_NEGATIVE);
	cr_assert_eq(rep.nrc, 0x31);
	cr_assert_str_eq(uds_nrc_name(rep.nrc), "requestOutOfRange");
	cr_assert_str_eq(uds_nrc_name(0x22), "conditionsNotCorrect");
	cr_assert_str_eq(uds_nrc_name(0x33), "securityAccessDenied");
	cr_assert_str_eq(uds_nrc_name(0x7F),
			 "serviceNotSupportedInActiveSession");
	cr_assert_str_eq(uds_nrc_name(0xEE), "unknown NRC");
}

Test(uds, client_positive_within_p2)
{
	struct uds_client c;
	struct uds_req r;
	struct uds_reply rep;

	/* the reply's data points into the PDU: keep it alive */
	static const uint8_t pos[] = {0x62, 0x01, 0x05, 0x42};

	uds_client_init(&c, 100, 2000);
	uds_req_read_did(&r, 0x0105);
	cr_assert_eq(uds_client_start(&c, &r, 0), BENCH_OK);
	cr_assert_eq(uds_client_start(&c, &r, 10), BENCH_ERR_STATE,
		     "one outstanding request per ECU");
	cr_assert_eq(uds_client_poll(&c, 99999), BENCH_OK);
	cr_assert_eq(uds_client_on_pdu(&c, pos, sizeof(pos), 50000, &rep),
		     UDS_EV_DONE);
	cr_assert_eq(rep.kind, UDS_POSITIVE);
	cr_assert_eq(rep.data[0], 0x42);
	cr_assert_eq(uds_client_start(&c, &r, 60000), BENCH_OK,
		     "free again after the answer");
}

Test(uds, client_pending_0x78_extends_the_wait_then_positive)
{
	struct uds_client c;
	struct uds_req r;
	struct uds_reply rep;

	uds_client_init(&c, 100, 2000);
	uds_req_io_control(&r, 0xF031, 0x03, NULL, 0);
	cr_assert_eq(uds_client_start(&c, &r, 0), BENCH_OK);
	cr_assert_eq(uds_client_on_pdu(&c, PDU(0x7F, 0x2F, 0x78), 90000, &rep),
		     UDS_EV_NONE);
	cr_assert_eq(uds_client_poll(&c, 150000), BENCH_OK,
		     "past P2 but within P2* of the pending reply");
	cr_assert_eq(uds_client_poll(&c, 2089999), BENCH_OK);
	cr_assert_eq(uds_client_on_pdu(&c, PDU(0x6F, 0xF0, 0x31, 0x03, 0xAA),
				       2000000, &rep),
		     UDS_EV_DONE);
	cr_assert_eq(rep.kind, UDS_POSITIVE);
	cr_assert_eq(c.pending, 1);
}

Test(uds, client_times_out_once_and_ignores_foreign_pdus)
{
	struct uds_client c;
	struct uds_req r;
	struct uds_reply rep;

	uds_client_init(&c, 0, 0); /* defaults 1000 / 5000 ms */
	uds_req_kwp_local(&r, 0x02);
	cr_assert_eq(uds_client_on_pdu(&c, PDU(0x61, 0x02), 0, &rep),
		     BENCH_ERR_STATE, "nothing outstanding");
	cr_assert_eq(uds_client_start(&c, &r, 0), BENCH_OK);
	cr_assert_eq(uds_client_on_pdu(&c, PDU(0x61, 0x01, 0x00), 10, &rep),
		     BENCH_ERR_PROTO, "answer to another group");
	cr_assert(c.busy, "still waiting for ours");
	cr_assert_eq(uds_client_poll(&c, 999999), BENCH_OK);
	cr_assert_eq(uds_client_poll(&c, 1000000), BENCH_ERR_TIMEOUT);
	cr_assert_eq(uds_client_poll(&c, 1000001), BENCH_OK, "reported once");
	cr_assert_not(c.busy);
}

Test(uds, suppressed_reply_is_never_outstanding)
{
	struct uds_client c;
	struct uds_req r;

	uds_client_init(&c, 100, 100);
	uds_req_tester_present(&r, true);
	cr_assert_eq(uds_client_start(&c, &r, 0), BENCH_OK);
	cr_assert_not(c.busy);
	cr_assert_eq(uds_client_poll(&c, 10000000), BENCH_OK);
}
