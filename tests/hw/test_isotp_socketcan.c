/* SPDX-License-Identifier: Apache-2.0 */
/* test_isotp_socketcan.c - the kernel ISO-TP backend on a real kernel.
 *
 * Runs in the QEMU guest (tools/qemu/check-kernel.sh) on vcan0, with the
 * can-isotp module loaded: two of our kernel endpoints with swapped ids
 * talk to each other, and a raw socket on the same bus checks what went
 * on the wire (padding, extended address, our flow control). Never skips:
 * without vcan0 or the module every test fails naming it.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "can/canbus.h"
#include "can/isotp.h"
#include "common/rc.h"

#define IF "vcan0"

static struct isotp *open_tp(uint32_t tx, uint32_t rx,
			     const struct isotp_opts *o)
{
	struct isotp *tp = NULL;

	cr_assert_eq(isotp_open(IF, tx, rx, o, &tp), BENCH_OK,
		     "cannot open ISO-TP on '%s' (vcan0 or can-isotp "
		     "missing?)",
		     IF);
	cr_assert_geq(isotp_fd(tp), 0);
	return tp;
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 13 + seed);
}

static void round_trip(struct isotp *from, struct isotp *to, size_t len)
{
	static uint8_t out[ISOTP_MAX_LEN], in[ISOTP_MAX_LEN];

	fill(out, len, (uint8_t)len);
	/* the kernel answers flow control itself: one thread is enough */
	cr_assert_eq(isotp_send(from, out, len), BENCH_OK);
	cr_assert_eq(isotp_recv(to, in, sizeof(in), 5000), (int)len);
	cr_assert_arr_eq(in, out, len);
}

Test(isotp_socketcan, multi_frame_both_ways_with_bs_and_stmin, .timeout = 30)
{
	struct isotp_opts o = {
	    .tx_pad = true, .pad_byte = 0x55, .bs = 4, .stmin = 1};
	struct isotp *a = open_tp(0x7E4, 0x7EC, &o);
	struct isotp *b = open_tp(0x7EC, 0x7E4, &o);
	uint8_t in[8];

	round_trip(a, b, 300);
	round_trip(b, a, 62);
	round_trip(a, b, 5); /* single frame */
	cr_assert_eq(isotp_recv(b, in, sizeof(in), 0), 0, "nothing left");
	isotp_close(a);
	isotp_close(b);
}

Test(isotp_socketcan, max_length_4095, .timeout = 60)
{
	struct isotp_opts o = {0};
	struct isotp *a = open_tp(0x7E4, 0x7EC, &o);
	struct isotp *b = open_tp(0x7EC, 0x7E4, &o);

	round_trip(a, b, ISOTP_MAX_LEN);
	isotp_close(a);
	isotp_close(b);
}

Test(isotp_socketcan, wire_shows_padding_and_our_flow_control, .timeout = 30)
{
	struct isotp_opts oa = {.tx_pad = true, .pad_byte = 0xAA};
	struct isotp_opts ob = {
	    .tx_pad = true, .pad_byte = 0xAA, .bs = 8, .stmin = 0x19};
	struct isotp *a = open_tp(0x7E4, 0x7EC, &oa);
	struct isotp *b = open_tp(0x7EC, 0x7E4, &ob);
	struct canbus *raw = NULL;
	struct canbus_ev ev;
	bool saw_fc = false;
	int n = 0;

	cr_assert_eq(canbus_open(IF, NULL, &raw), BENCH_OK);
	round_trip(a, b, 20);
	while (canbus_recv(raw, &ev, 500) == 1) {
		n++;
		cr_assert_eq(ev.frame.len, 8, "frame %d not padded", n);
		if (ev.frame.id == 0x7EC && ev.frame.data[0] == 0x30) {
			cr_assert_eq(ev.frame.data[1], 8, "our BS");
			cr_assert_eq(ev.frame.data[2], 0x19, "our STmin");
			cr_assert_eq(ev.frame.data[3], 0xAA, "pad byte");
			saw_fc = true;
		}
	}
	cr_assert_eq(n, 4, "FF, FC, 2 CF");
	cr_assert(saw_fc);
	canbus_close(raw);
	isotp_close(a);
	isotp_close(b);
}

Test(isotp_socketcan, extended_addressing_and_29_bit_ids, .timeout = 30)
{
	struct isotp_opts oa = {
	    .ext_addr = true, .tx_ext_addr = 0x07, .rx_ext_addr = 0xF1};
	struct isotp_opts ob = {
	    .ext_addr = true, .tx_ext_addr = 0xF1, .rx_ext_addr = 0x07};
	const uint32_t t29 = CANFRAME_EFF | 0x18DADBF1,
		       r29 = CANFRAME_EFF | 0x18DAF1DB;
	struct isotp *a = open_tp(0x6F1, 0x607, &oa);
	struct isotp *b = open_tp(0x607, 0x6F1, &ob);
	struct isotp *c, *d;
	struct canbus *raw = NULL;
	struct canbus_ev ev;

	cr_assert_eq(canbus_open(IF, NULL, &raw), BENCH_OK);
	round_trip(a, b, 40);
	cr_assert_eq(canbus_recv(raw, &ev, 500), 1);
	cr_assert_eq(ev.frame.id, 0x6F1);
	cr_assert_eq(ev.frame.data[0], 0x07, "address byte first");
	cr_assert_eq(ev.frame.data[1], 0x10, "then the first frame PCI");
	canbus_close(raw);
	isotp_close(a);
	isotp_close(b);

	c = open_tp(t29, r29, &(struct isotp_opts){.tx_pad = true});
	d = open_tp(r29, t29, &(struct isotp_opts){.tx_pad = true});
	round_trip(c, d, 100);
	isotp_close(c);
	isotp_close(d);
}

Test(isotp_socketcan, no_peer_no_flow_control_times_out, .timeout = 30)
{
	struct isotp *a = open_tp(0x7E5, 0x7ED, &(struct isotp_opts){0});
	uint8_t out[20] = {0};

	cr_assert_eq(isotp_send(a, out, sizeof(out)), BENCH_ERR_TIMEOUT,
		     "nobody on 0x7ED sends flow control");
	isotp_close(a);
}
