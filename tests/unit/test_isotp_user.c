/* SPDX-License-Identifier: Apache-2.0 */
/* test_isotp_user.c - user-space ISO-TP: two engines on one "mem:" bus in
 * virtual time (every frame recorded with its time), and the seam's
 * blocking calls between two threads. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>

#include "can/canbus.h"
#include "can/isotp.h"
#include "can/isotp_engine.h"
#include "common/rc.h"

#define LEFT 0x7E4u
#define RIGHT 0x7ECu
#define MAXREC 1024

struct rec {
	int64_t t_us;
	int from; /* 0 = a, 1 = b */
	struct canframe f;
};

struct node {
	struct isotp_engine e;
	struct canbus *bus;
	int idx;
};

/* the wire: both nodes, virtual time, every frame sent, and a hook that may
 * drop (return false) or alter a frame before it reaches the bus */
static struct node na, nb;
static int64_t now_us;
static struct rec log_[MAXREC];
static size_t nlog;
static bool (*hook)(int from, struct canframe *f);

static int emit(void *ctx, const struct canframe *f)
{
	struct node *nd = ctx;
	struct canframe c = *f;

	if (hook && !hook(nd->idx, &c))
		return BENCH_OK;
	if (nlog < MAXREC)
		log_[nlog++] = (struct rec){now_us, nd->idx, c};
	return canbus_send(nd->bus, &c);
}

static void wire_up(const char *net, uint32_t a_tx, uint32_t b_tx,
		    const struct isotp_opts *oa, const struct isotp_opts *ob)
{
	nlog = 0;
	now_us = 0;
	hook = NULL;
	na.idx = 0;
	nb.idx = 1;
	cr_assert_eq(canbus_open(net, NULL, &na.bus), BENCH_OK);
	cr_assert_eq(canbus_open(net, NULL, &nb.bus), BENCH_OK);
	isotp_engine_init(&na.e, a_tx, b_tx, oa, emit, &na);
	isotp_engine_init(&nb.e, b_tx, a_tx, ob, emit, &nb);
}

static void wire_down(void)
{
	canbus_close(na.bus);
	canbus_close(nb.bus);
}

static void deliver(struct node *nd)
{
	struct canbus_ev ev;

	while (canbus_recv(nd->bus, &ev, 0) == 1)
		isotp_engine_on_frame(&nd->e, &ev.frame, now_us);
	isotp_engine_tick(&nd->e, now_us);
}

/* advance virtual time to t in steps, delivering frames at every step */
static void run_until(int64_t t, int64_t step_us)
{
	for (; now_us <= t; now_us += step_us) {
		deliver(&na);
		deliver(&nb);
	}
	now_us = t;
}

static void fill(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + 3);
}

static size_t count(int from, unsigned pci)
{
	size_t i, n = 0;

	for (i = 0; i < nlog; i++)
		if (log_[i].from == from && log_[i].f.data[0] >> 4 == pci)
			n++;
	return n;
}

static void transfer(size_t len, int64_t until, int64_t step)
{
	uint8_t out[ISOTP_MAX_LEN], in[ISOTP_MAX_LEN];

	fill(out, len);
	cr_assert_eq(isotp_engine_send(&na.e, out, len, now_us), BENCH_OK);
	run_until(until, step);
	cr_assert_eq(isotp_engine_tx_result(&na.e), BENCH_OK);
	cr_assert_eq(isotp_engine_take(&nb.e, in, sizeof(in)), (int)len);
	cr_assert_arr_eq(in, out, len);
}

/* a test that hangs fails instead of blocking the run */
TestSuite(isotp_user, .timeout = 60);

Test(isotp_user, single_frame_unpadded_is_as_short_as_its_content)
{
	struct isotp_opts o = {0};

	wire_up("mem:tp-sf", LEFT, RIGHT, &o, &o);
	transfer(3, 1000, 1000);
	cr_assert_eq(nlog, 1);
	cr_assert_eq(log_[0].f.id, LEFT);
	cr_assert_eq(log_[0].f.len, 4);
	cr_assert_eq(log_[0].f.data[0], 0x03);
	transfer(7, 2000, 1000);
	cr_assert_eq(log_[1].f.len, 8, "7 bytes still fit a single frame");
	wire_down();
}

Test(isotp_user, padding_fills_every_frame_to_eight_bytes)
{
	struct isotp_opts o = {.tx_pad = true, .pad_byte = 0xAA};
	size_t i;

	wire_up("mem:tp-pad", LEFT, RIGHT, &o, &o);
	transfer(2, 1000, 1000);
	cr_assert_eq(log_[0].f.len, 8);
	cr_assert_eq(log_[0].f.data[3], 0xAA);
	cr_assert_eq(log_[0].f.data[7], 0xAA);
	transfer(18, 100000, 1000); /* FF 6 + CF 7 + CF 5 */
	for (i = 0; i < nlog; i++)
		cr_assert_eq(log_[i].f.len, 8, "frame %zu length %u", i,
			     log_[i].f.len);
	cr_assert_eq(log_[nlog - 1].f.data[7], 0xAA,
		     "last consecutive frame padded");
	wire_down();
}

Test(isotp_user, multi_frame_unpadded_last_frame_short)
{
	struct isotp_opts o = {0};

	wire_up("mem:tp-mf", LEFT, RIGHT, &o, &o);
	transfer(20, 100000, 1000);
	cr_assert_eq(count(0, 1), 1, "one first frame");
	cr_assert_eq(count(1, 3), 1, "one flow control (BS 0)");
	cr_assert_eq(count(0, 2), 2, "two consecutive frames");
	cr_assert_eq(log_[0].f.data[0], 0x10);
	cr_assert_eq(log_[0].f.data[1], 20);
	cr_assert_eq(log_[1].f.id, RIGHT);
	cr_assert_eq(log_[1].f.len, 3, "flow control unpadded: 3 bytes");
	cr_assert_eq(log_[1].f.data[0], 0x30);
	cr_assert_eq(log_[2].f.data[0], 0x21);
	cr_assert_eq(log_[3].f.data[0], 0x22);
	cr_assert_eq(log_[3].f.len, 8);
	wire_down();
}

Test(isotp_user, max_length_4095_with_sequence_wrap_and_4096_refused)
{
	struct isotp_opts o = {0};
	uint8_t big[ISOTP_MAX_LEN + 1] = {0};
	size_t i;
	unsigned sn = 1;

	wire_up("mem:tp-max", LEFT, RIGHT, &o, &o);
	transfer(ISOTP_MAX_LEN, 1000000, 1000);
	cr_assert_eq(log_[0].f.data[0], 0x1F);
	cr_assert_eq(log_[0].f.data[1], 0xFF);
	cr_assert_eq(count(0, 2), 585, "(4095 - 6) / 7 rounded up");
	for (i = 0; i < nlog; i++) {
		if (log_[i].from != 0 || log_[i].f.data[0] >> 4 != 2)
			continue;
		cr_assert_eq(log_[i].f.data[0] & 0x0F, sn, "frame %zu", i);
		sn = (sn + 1) & 0x0F;
	}
	cr_assert_eq(isotp_engine_send(&na.e, big, sizeof(big), now_us),
		     BENCH_ERR_ARG);
	cr_assert_eq(isotp_engine_send(&na.e, big, 0, now_us), BENCH_ERR_ARG);
	wire_down();
}

Test(isotp_user, block_size_and_stmin_from_the_receiver_are_honoured)
{
	struct isotp_opts oa = {0}, ob = {.bs = 4, .stmin = 10};
	int64_t last_cf = -1;
	size_t i, cf_in_block = 0;

	wire_up("mem:tp-bs", LEFT, RIGHT, &oa, &ob);
	transfer(60, 1000000, 1000); /* 6 + 8 x 7 */
	cr_assert_eq(count(0, 2), 8);
	cr_assert_eq(count(1, 3), 2, "flow control after FF and after CF 4");
	for (i = 0; i < nlog; i++) {
		const struct rec *r = &log_[i];

		if (r->from == 1) {
			cr_assert_eq(r->f.data[1], 4, "our BS in our FC");
			cr_assert_eq(r->f.data[2], 10, "our STmin in our FC");
			cr_assert_eq(cf_in_block % 4, 0,
				     "FC only at a block end");
			cf_in_block = 0;
			last_cf = -1;
			continue;
		}
		if (r->f.data[0] >> 4 != 2)
			continue;
		cr_assert_lt(cf_in_block, 4, "more than BS frames without FC");
		cf_in_block++;
		if (last_cf >= 0)
			cr_assert_geq(r->t_us - last_cf, 10000,
				      "CF %zu only %lld us after the last", i,
				      (long long)(r->t_us - last_cf));
		last_cf = r->t_us;
	}
	wire_down();
}

Test(isotp_user, stmin_microsecond_range)
{
	struct isotp_opts oa = {0}, ob = {.stmin = 0xF5};
	int64_t prev = -1;
	size_t i;

	cr_assert_eq(isotp_stmin_us(0x00), 0);
	cr_assert_eq(isotp_stmin_us(0x19), 25000);
	cr_assert_eq(isotp_stmin_us(0x7F), 127000);
	cr_assert_eq(isotp_stmin_us(0xF1), 100);
	cr_assert_eq(isotp_stmin_us(0xF9), 900);
	cr_assert_eq(isotp_stmin_us(0x80), 127000, "reserved = maximum");
	cr_assert_eq(isotp_stmin_us(0xFA), 127000, "reserved = maximum");

	wire_up("mem:tp-us", LEFT, RIGHT, &oa, &ob);
	transfer(50, 100000, 100);
	for (i = 0; i < nlog; i++) {
		if (log_[i].from != 0 || log_[i].f.data[0] >> 4 != 2)
			continue;
		if (prev >= 0) {
			cr_assert_geq(log_[i].t_us - prev, 500);
			cr_assert_lt(log_[i].t_us - prev, 1000,
				     "not rounded up to a millisecond");
		}
		prev = log_[i].t_us;
	}
	wire_down();
}

/* the sender goes on, but nothing after its second CF arrives */
static bool drop_from_third_cf(int from, struct canframe *f)
{
	static int n;

	return !(from == 0 && f->data[0] >> 4 == 2 && ++n >= 3);
}

Test(isotp_user, lost_consecutive_frame_times_out_after_n_cr)
{
	struct isotp_opts o = {.timeout_ms = 50};
	uint8_t out[40], in[64];

	wire_up("mem:tp-lost", LEFT, RIGHT, &o, &o);
	hook = drop_from_third_cf;
	fill(out, sizeof(out));
	cr_assert_eq(isotp_engine_send(&na.e, out, sizeof(out), 0), BENCH_OK);
	run_until(40000, 1000);
	cr_assert_eq(isotp_engine_take(&nb.e, in, sizeof(in)), 0,
		     "not yet: N_Cr is 50 ms");
	run_until(60000, 1000);
	cr_assert_eq(isotp_engine_take(&nb.e, in, sizeof(in)),
		     BENCH_ERR_TIMEOUT);
	cr_assert_eq(isotp_engine_take(&nb.e, in, sizeof(in)), 0,
		     "the error is reported once");
	wire_down();
}

static bool bad_sequence(int from, struct canframe *f)
{
	if (from == 0 && f->data[0] == 0x22)
		f->data[0] = 0x25;
	return true;
}

Test(isotp_user, wrong_sequence_number_aborts_the_reception)
{
	struct isotp_opts o = {0};
	uint8_t out[40], in[64];

	wire_up("mem:tp-sn", LEFT, RIGHT, &o, &o);
	hook = bad_sequence;
	fill(out, sizeof(out));
	cr_assert_eq(isotp_engine_send(&na.e, out, sizeof(out), 0), BENCH_OK);
	run_until(100000, 1000);
	cr_assert_eq(isotp_engine_take(&nb.e, in, sizeof(in)), BENCH_ERR_PROTO);
	cr_assert_eq(isotp_engine_take(&nb.e, in, sizeof(in)), 0,
		     "nothing of the broken PDU is delivered");
	/* the next PDU goes through */
	hook = NULL;
	transfer(30, 200000, 1000);
	wire_down();
}

Test(isotp_user, no_flow_control_fails_the_send_after_n_bs)
{
	struct isotp_opts o = {.timeout_ms = 100};
	struct canbus *bus;
	uint8_t out[20] = {0};

	cr_assert_eq(canbus_open("mem:tp-nofc", NULL, &bus), BENCH_OK);
	na.bus = bus;
	na.idx = 0;
	hook = NULL;
	nlog = 0;
	isotp_engine_init(&na.e, LEFT, RIGHT, &o, emit, &na);
	cr_assert_eq(isotp_engine_send(&na.e, out, sizeof(out), 0), BENCH_OK);
	cr_assert_eq(isotp_engine_next_us(&na.e), 100000);
	isotp_engine_tick(&na.e, 99999);
	cr_assert_eq(isotp_engine_tx_result(&na.e), 1, "still waiting");
	isotp_engine_tick(&na.e, 100000);
	cr_assert_eq(isotp_engine_tx_result(&na.e), BENCH_ERR_TIMEOUT);
	canbus_close(bus);
}

static void feed(struct isotp_engine *e, uint32_t id, const uint8_t *d,
		 uint8_t len, int64_t t)
{
	struct canframe f = {.id = id, .len = len};

	memcpy(f.data, d, len);
	isotp_engine_on_frame(e, &f, t);
}

Test(isotp_user, flow_control_wait_extends_and_overflow_fails)
{
	struct isotp_opts o = {.timeout_ms = 100};
	static const uint8_t wait[] = {0x31, 0, 0}, ovf[] = {0x32, 0, 0};
	struct canbus *bus;
	uint8_t out[20] = {0};

	cr_assert_eq(canbus_open("mem:tp-wait", NULL, &bus), BENCH_OK);
	na.bus = bus;
	na.idx = 0;
	hook = NULL;
	isotp_engine_init(&na.e, LEFT, RIGHT, &o, emit, &na);
	cr_assert_eq(isotp_engine_send(&na.e, out, sizeof(out), 0), BENCH_OK);
	feed(&na.e, RIGHT, wait, 3, 90000);
	isotp_engine_tick(&na.e, 150000);
	cr_assert_eq(isotp_engine_tx_result(&na.e), 1, "WAIT restarted N_Bs");
	feed(&na.e, RIGHT, ovf, 3, 160000);
	cr_assert_eq(isotp_engine_tx_result(&na.e), BENCH_ERR_PROTO);
	cr_assert_eq(isotp_engine_send(&na.e, out, 3, 170000), BENCH_OK,
		     "a new transfer may start");
	canbus_close(bus);
}

static bool wrong_address(int from, struct canframe *f)
{
	if (from == 0)
		f->data[0] = 0x08;
	return true;
}

Test(isotp_user, extended_addressing_puts_the_address_first)
{
	struct isotp_opts oa = {
	    .ext_addr = true, .tx_ext_addr = 0x07, .rx_ext_addr = 0xF1};
	struct isotp_opts ob = {
	    .ext_addr = true, .tx_ext_addr = 0xF1, .rx_ext_addr = 0x07};
	uint8_t in[16];

	wire_up("mem:tp-ext", 0x6F1, 0x607, &oa, &ob);
	transfer(6, 1000, 1000);
	cr_assert_eq(log_[0].f.data[0], 0x07);
	cr_assert_eq(log_[0].f.data[1], 0x06, "SF holds 6 bytes at most");
	cr_assert_eq(log_[0].f.len, 8);
	transfer(7, 100000, 1000); /* now a first frame */
	cr_assert_eq(log_[1].f.data[1], 0x10);
	cr_assert_eq(log_[2].f.data[0], 0xF1, "the ECU's FC carries ours");
	cr_assert_eq(log_[2].f.data[1], 0x30);
	cr_assert_eq(log_[2].f.len, 4);

	hook = wrong_address;
	cr_assert_eq(isotp_engine_send(&na.e, in, 3, now_us), BENCH_OK);
	run_until(now_us + 1000, 1000);
	cr_assert_eq(isotp_engine_take(&nb.e, in, sizeof(in)), 0,
		     "frame for another address ignored");
	wire_down();
}

Test(isotp_user, extended_29_bit_ids)
{
	struct isotp_opts o = {.tx_pad = true};
	const uint32_t tx = CANFRAME_EFF | 0x18DADBF1,
		       rx = CANFRAME_EFF | 0x18DAF1DB;
	uint8_t in[64];

	wire_up("mem:tp-eff", tx, rx, &o, &o);
	transfer(30, 100000, 1000);
	cr_assert_eq(log_[0].f.id, tx);
	cr_assert_eq(log_[1].f.id, rx);
	/* the same id without the extended flag is another id */
	feed(&nb.e, 0x18DADBF1, (const uint8_t[]){0x02, 0x22, 0x90}, 3, 0);
	cr_assert_eq(isotp_engine_take(&nb.e, in, sizeof(in)), 0);
	wire_down();
}

Test(isotp_user, short_receive_buffer_drops_the_pdu)
{
	struct isotp_opts o = {0};
	uint8_t out[30] = {1}, in[10];

	wire_up("mem:tp-cap", LEFT, RIGHT, &o, &o);
	cr_assert_eq(isotp_engine_send(&na.e, out, sizeof(out), 0), BENCH_OK);
	run_until(100000, 1000);
	cr_assert_eq(isotp_engine_take(&nb.e, in, sizeof(in)), BENCH_ERR_ARG);
	cr_assert_eq(isotp_engine_take(&nb.e, in, sizeof(in)), 0);
	wire_down();
}

/* The seam: isotp_open on "mem:", blocking calls, an echo peer thread. */
struct echo {
	struct isotp *tp;
	int rc;
};

static void *echo_main(void *arg)
{
	struct echo *e = arg;
	static uint8_t buf[ISOTP_MAX_LEN];
	int n = isotp_recv(e->tp, buf, sizeof(buf), 5000);

	e->rc = n > 0 ? isotp_send(e->tp, buf, (size_t)n) : n;
	return NULL;
}

Test(isotp_user, seam_round_trip_between_two_endpoints, .timeout = 20)
{
	struct isotp_opts o = {.tx_pad = true, .bs = 8, .stmin = 0xF1};
	static uint8_t out[ISOTP_MAX_LEN], in[ISOTP_MAX_LEN];
	struct isotp *a, *b;
	struct echo e = {0};
	pthread_t th;

	cr_assert_eq(isotp_open("mem:tp-seam", LEFT, RIGHT, &o, &a), BENCH_OK);
	cr_assert_eq(isotp_open("mem:tp-seam", RIGHT, LEFT, &o, &b), BENCH_OK);
	cr_assert_eq(isotp_fd(a), -1);
	cr_assert_str_eq(isotp_name(a), "mem:tp-seam");
	cr_assert_eq(isotp_recv(a, in, sizeof(in), 0), 0, "nothing yet");
	fill(out, sizeof(out));
	e.tp = b;
	cr_assert_eq(pthread_create(&th, NULL, echo_main, &e), 0);
	cr_assert_eq(isotp_send(a, out, sizeof(out)), BENCH_OK);
	cr_assert_eq(isotp_recv(a, in, sizeof(in), 5000), ISOTP_MAX_LEN);
	pthread_join(th, NULL);
	cr_assert_eq(e.rc, BENCH_OK);
	cr_assert_arr_eq(in, out, sizeof(out));
	isotp_close(a);
	isotp_close(b);
}

Test(isotp_user, seam_refuses_bad_ids_and_lengths)
{
	struct isotp *a;
	uint8_t buf[1] = {0};

	cr_assert_eq(isotp_open("mem:tp-bad", 0x800, RIGHT, NULL, &a),
		     BENCH_ERR_ARG, "0x800 is not an 11-bit id");
	cr_assert_eq(isotp_open("mem:tp-bad", LEFT, LEFT, NULL, &a),
		     BENCH_ERR_ARG);
	cr_assert_eq(isotp_open("", LEFT, RIGHT, NULL, &a), BENCH_ERR_ARG);
	cr_assert_eq(isotp_open("mem:tp-bad", LEFT, RIGHT, NULL, &a), BENCH_OK);
	cr_assert_eq(isotp_send(a, buf, 0), BENCH_ERR_ARG);
	isotp_close(a);
}
