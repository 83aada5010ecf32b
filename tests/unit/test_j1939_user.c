/* SPDX-License-Identifier: Apache-2.0 */
/* test_j1939_user.c - user-space J1939 transport: two engines (the charger
 * at 0x56, the BMS at 0xF4) wired to each other in virtual time with every
 * frame recorded, and the seam's blocking calls between two threads on a
 * "mem:" bus. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>

#include "can/j1939.h"
#include "can/j1939_engine.h"
#include "common/rc.h"

#define CHG 0x56
#define BMS 0xF4
#define MAXREC 1024

struct rec {
	int64_t t_us;
	int from;
	struct canframe f;
};

static struct j1939_engine eng[2];
static int64_t now_us;
static struct rec wire[MAXREC];
static size_t nwire, ndelivered;
static bool (*hook)(int from, struct canframe *f);

static int emit(void *ctx, const struct canframe *f)
{
	int from = (int)(intptr_t)ctx;
	struct canframe c = *f;

	if (hook && !hook(from, &c))
		return BENCH_OK;
	cr_assert_lt(nwire, MAXREC);
	wire[nwire++] = (struct rec){now_us, from, c};
	return BENCH_OK;
}

static void setup(void)
{
	now_us = 0;
	nwire = ndelivered = 0;
	hook = NULL;
	j1939_engine_init(&eng[0], CHG, emit, (void *)(intptr_t)0);
	j1939_engine_init(&eng[1], BMS, emit, (void *)(intptr_t)1);
}

/* deliver every frame to the other node and run both timers up to t */
static void run_until(int64_t t)
{
	for (;;) {
		int64_t next;

		while (ndelivered < nwire) {
			struct rec *r = &wire[ndelivered++];

			j1939_engine_on_frame(&eng[!r->from], &r->f, now_us);
		}
		next = j1939_engine_next_us(&eng[0]);
		if (j1939_engine_next_us(&eng[1]) < next)
			next = j1939_engine_next_us(&eng[1]);
		if (next > t)
			break;
		if (next > now_us)
			now_us = next;
		j1939_engine_tick(&eng[0], now_us);
		j1939_engine_tick(&eng[1], now_us);
	}
	now_us = t;
}

static void expect(size_t i, uint32_t id, const uint8_t *d, uint8_t len)
{
	cr_assert_lt(i, nwire, "frame %zu never sent", i);
	cr_assert_eq(wire[i].f.id, CANFRAME_EFF | id, "frame %zu id 0x%X", i,
		     (unsigned)wire[i].f.id);
	cr_assert_eq(wire[i].f.len, len, "frame %zu length %u", i,
		     wire[i].f.len);
	cr_assert_arr_eq(wire[i].f.data, d, len, "frame %zu data", i);
}

static void fill(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + 1);
}

static struct j1939_msg msg;

TestSuite(j1939_engine, .init = setup, .timeout = 10);

Test(j1939_engine, pdu1_and_pdu2_ids)
{
	uint8_t prio, dst, src;
	uint32_t pgn;

	/* GB/T CHM: PDU1, destination in PS */
	cr_assert_eq(j1939_id(6, 0x2600, BMS, CHG), 0x1826F456u);
	cr_assert_eq(j1939_id(2, 0x1F00, BMS, CHG), 0x081FF456u);
	/* PDU2 (PF >= 240): PS is the group extension, no destination */
	cr_assert_eq(j1939_id(6, 0xFEF1, BMS, 0x00), 0x18FEF100u);
	/* data page bit */
	cr_assert_eq(j1939_id(3, 0x1F004, 0x12, 0x34), 0x0DF00434u);
	j1939_id_split(0x182756F4, &prio, &pgn, &dst, &src);
	cr_assert(prio == 6 && pgn == 0x2700 && dst == CHG && src == BMS);
	j1939_id_split(0x18FEF100, &prio, &pgn, &dst, &src);
	cr_assert(pgn == 0xFEF1 && dst == J1939_ADDR_GLOBAL && src == 0);
	cr_assert(j1939_pgn_pdu1(0xEF00));
	cr_assert_not(j1939_pgn_pdu1(0xF000));
}

Test(j1939_engine, single_frame_with_its_length_as_dlc)
{
	const uint8_t cro[1] = {0xAA};
	struct canframe other = {.id = CANFRAME_EFF | 0x1801AA56, .len = 8};
	struct canframe pdu2 = {.id = CANFRAME_EFF | 0x18FEF100, .len = 2};

	cr_assert_eq(j1939_engine_send(&eng[0], 4, 0x0A00, BMS, cro, 1, 0),
		     BENCH_OK);
	expect(0, 0x100AF456, cro, 1);
	run_until(0);
	cr_assert_eq(j1939_engine_take(&eng[1], &msg), 1);
	cr_assert_eq(msg.pgn, 0x0A00u);
	cr_assert(msg.src == CHG && msg.dst == BMS && msg.prio == 4);
	cr_assert(msg.len == 1 && msg.data[0] == 0xAA);
	cr_assert_eq(j1939_engine_take(&eng[1], &msg), 0);
	/* PDU1 for another address is not ours; PDU2 reaches everyone */
	j1939_engine_on_frame(&eng[1], &other, 0);
	cr_assert_eq(j1939_engine_take(&eng[1], &msg), 0);
	j1939_engine_on_frame(&eng[1], &pdu2, 0);
	cr_assert_eq(j1939_engine_take(&eng[1], &msg), 1);
	cr_assert(msg.pgn == 0xFEF1 && msg.dst == J1939_ADDR_GLOBAL);
}

/* the BRM exchange as a real BMS and charger do it */
Test(j1939_engine, rts_cts_round_trip_brm_49_bytes)
{
	uint8_t brm[49];
	const uint8_t rts[8] = {0x10, 0x31, 0x00, 0x07, 0xFF, 0x00, 0x02, 0x00};
	const uint8_t cts[8] = {0x11, 0x07, 0x01, 0xFF, 0xFF, 0x00, 0x02, 0x00};
	const uint8_t eoma[8] = {0x13, 0x31, 0x00, 0x07,
				 0xFF, 0x00, 0x02, 0x00};
	uint8_t dt[8];
	int i;

	fill(brm, sizeof(brm));
	cr_assert_eq(j1939_engine_send(&eng[1], 7, 0x0200, CHG, brm, 49, 0),
		     BENCH_OK);
	cr_assert_eq(j1939_engine_tx_result(&eng[1]), 1);
	run_until(100000);
	cr_assert_eq(nwire, 10u, "RTS, CTS, 7 TP.DT, EOMA");
	expect(0, 0x1CEC56F4, rts, 8);
	expect(1, 0x1CECF456, cts, 8); /* the RTS's priority */
	for (i = 1; i <= 7; i++) {
		memset(dt, 0xFF, sizeof(dt));
		dt[0] = (uint8_t)i;
		memcpy(dt + 1, brm + (i - 1) * 7, 7);
		expect((size_t)(i + 1), 0x1CEB56F4, dt, 8);
	}
	expect(9, 0x1CECF456, eoma, 8);
	cr_assert_eq(wire[1].t_us, 0, "CTS at once, well within Tr");
	cr_assert_eq(j1939_engine_tx_result(&eng[1]), BENCH_OK);
	cr_assert_eq(j1939_engine_take(&eng[0], &msg), 1);
	cr_assert(msg.pgn == 0x0200 && msg.src == BMS && msg.dst == CHG);
	cr_assert_eq(msg.len, 49);
	cr_assert_arr_eq(msg.data, brm, 49);
	cr_assert_eq(j1939_engine_next_us(&eng[0]), INT64_MAX);
	cr_assert_eq(j1939_engine_next_us(&eng[1]), INT64_MAX);
}

Test(j1939_engine, last_packet_padded_with_ff)
{
	uint8_t bcs[9];
	const uint8_t last[8] = {0x02, 0x08, 0x09, 0xFF,
				 0xFF, 0xFF, 0xFF, 0xFF};

	memset(bcs, 0, sizeof(bcs));
	bcs[7] = 0x08;
	bcs[8] = 0x09;
	cr_assert_eq(j1939_engine_send(&eng[1], 7, 0x1100, CHG, bcs, 9, 0),
		     BENCH_OK);
	run_until(10000);
	expect(3, 0x1CEB56F4, last, 8);
	cr_assert_eq(j1939_engine_take(&eng[0], &msg), 1);
	cr_assert_eq(msg.len, 9);
	cr_assert_arr_eq(msg.data, bcs, 9);
}

/* a sender limiting packets per CTS gets one CTS per block */
Test(j1939_engine, max_packets_per_cts_honoured)
{
	struct canframe rts = {.id = CANFRAME_EFF | 0x1CEC56F4,
			       .len = 8,
			       .data = {0x10, 20, 0, 3, 2, 0x00, 0x11, 0x00}};
	const uint8_t cts1[8] = {0x11, 2, 1, 0xFF, 0xFF, 0x00, 0x11, 0x00};
	const uint8_t cts2[8] = {0x11, 1, 3, 0xFF, 0xFF, 0x00, 0x11, 0x00};
	struct canframe dt = {.id = CANFRAME_EFF | 0x1CEB56F4, .len = 8};
	int i;

	j1939_engine_on_frame(&eng[0], &rts, 0);
	expect(0, 0x1CECF456, cts1, 8);
	for (i = 1; i <= 3; i++) {
		memset(dt.data, (uint8_t)i, 8);
		dt.data[0] = (uint8_t)i;
		j1939_engine_on_frame(&eng[0], &dt, i * 1000);
		if (i == 2)
			expect(1, 0x1CECF456, cts2, 8);
	}
	cr_assert_eq(nwire, 3u);
	cr_assert_eq(wire[2].f.data[0], J1939_TP_EOMA);
	cr_assert_eq(j1939_engine_take(&eng[0], &msg), 1);
	cr_assert_eq(msg.len, 20);
	cr_assert_eq(msg.data[13], 2);
	cr_assert_eq(msg.data[19], 3);
}

Test(j1939_engine, bam_to_all_50ms_apart_without_answers)
{
	uint8_t d[20];
	const uint8_t bam[8] = {0x20, 20, 0, 3, 0xFF, 0x00, 0x15, 0x00};
	size_t i;

	fill(d, sizeof(d));
	cr_assert_eq(j1939_engine_send(&eng[1], 7, 0x1500, J1939_ADDR_GLOBAL, d,
				       sizeof(d), 0),
		     BENCH_OK);
	run_until(1000000);
	cr_assert_eq(nwire, 4u, "BAM and 3 TP.DT, no answer");
	expect(0, 0x1CECFFF4, bam, 8);
	for (i = 1; i < 4; i++) {
		cr_assert_eq(wire[i].f.id, CANFRAME_EFF | 0x1CEBFFF4);
		cr_assert_eq(wire[i].t_us, (int64_t)i * J1939_BAM_GAP_US);
		cr_assert_eq(wire[i].from, 1);
	}
	cr_assert_eq(j1939_engine_tx_result(&eng[1]), BENCH_OK);
	cr_assert_eq(j1939_engine_take(&eng[0], &msg), 1);
	cr_assert(msg.pgn == 0x1500 && msg.dst == J1939_ADDR_GLOBAL);
	cr_assert_arr_eq(msg.data, d, 20);
}

static bool drop_dt_from_3(int from, struct canframe *f)
{
	(void)from;
	return !((f->id & 0xFFFF00) == 0xEBF400 && f->data[0] >= 3);
}

/* a lost TP.DT: the receiver gives up T1 after the last one and aborts */
Test(j1939_engine, lost_packet_aborts_after_t1)
{
	uint8_t d[49];
	const uint8_t abort_[8] = {0xFF, 3, 0xFF, 0xFF, 0xFF, 0x00, 0x02, 0x00};

	fill(d, sizeof(d));
	hook = drop_dt_from_3;
	cr_assert_eq(j1939_engine_send(&eng[0], 7, 0x0200, BMS, d, 49, 0),
		     BENCH_OK);
	run_until(5000000);
	/* RTS, CTS, DT1, DT2, abort */
	cr_assert_eq(nwire, 5u);
	expect(4, 0x1CEC56F4, abort_, 8);
	cr_assert_eq(wire[4].from, 1);
	cr_assert_eq(wire[4].t_us, J1939_T1_US);
	cr_assert_eq(j1939_engine_take(&eng[1], &msg), BENCH_ERR_TIMEOUT);
	cr_assert_eq(j1939_engine_take(&eng[1], &msg), 0, "reported once");
	cr_assert_eq(j1939_engine_tx_result(&eng[0]), BENCH_ERR_TIMEOUT);
	cr_assert_eq(eng[0].tx_abort, J1939_ABORT_TIMEOUT);
}

static bool swap_seq_2(int from, struct canframe *f)
{
	(void)from;
	if ((f->id & 0xFFFF00) == 0xEB5600 && f->data[0] == 2)
		f->data[0] = 3;
	return true;
}

Test(j1939_engine, wrong_sequence_number_aborts)
{
	uint8_t d[30];

	fill(d, sizeof(d));
	hook = swap_seq_2;
	cr_assert_eq(j1939_engine_send(&eng[1], 7, 0x1100, CHG, d, 30, 0),
		     BENCH_OK);
	run_until(5000000);
	cr_assert_eq(j1939_engine_take(&eng[0], &msg), BENCH_ERR_PROTO);
	cr_assert_eq(j1939_engine_tx_result(&eng[1]), BENCH_ERR_PROTO);
	cr_assert_eq(eng[1].tx_abort, J1939_ABORT_BAD_SEQ);
	cr_assert_eq(j1939_engine_take(&eng[0], &msg), 0, "nothing delivered");
}

static bool drop_from_chg(int from, struct canframe *f)
{
	(void)f;
	return from != 0;
}

/* a silent receiver: the sender aborts T3 after its RTS */
Test(j1939_engine, no_cts_sender_aborts_after_t3)
{
	uint8_t d[13];

	fill(d, sizeof(d));
	hook = drop_from_chg;
	cr_assert_eq(j1939_engine_send(&eng[1], 7, 0x0600, CHG, d, 13, 0),
		     BENCH_OK);
	cr_assert_eq(j1939_engine_send(&eng[1], 7, 0x1100, CHG, d, 13, 0),
		     BENCH_ERR_STATE, "one transfer at a time");
	run_until(5000000);
	cr_assert_eq(nwire, 2u, "RTS and abort");
	cr_assert_eq(wire[1].f.data[0], J1939_TP_ABORT);
	cr_assert_eq(wire[1].f.data[1], J1939_ABORT_TIMEOUT);
	cr_assert_eq(wire[1].t_us, J1939_T3_US);
	cr_assert_eq(j1939_engine_tx_result(&eng[1]), BENCH_ERR_TIMEOUT);
}

/* the peer holds the connection with CTS(0): T4 then applies */
Test(j1939_engine, held_connection_times_out_after_t4)
{
	uint8_t d[13];
	struct canframe hold = {.id = CANFRAME_EFF | 0x1CECF456,
				.len = 8,
				.data = {0x11, 0, 0xFF, 0xFF, 0xFF, 0, 6, 0}};

	fill(d, sizeof(d));
	hook = drop_from_chg;
	cr_assert_eq(j1939_engine_send(&eng[1], 7, 0x0600, CHG, d, 13, 0),
		     BENCH_OK);
	j1939_engine_on_frame(&eng[1], &hold, 1000000);
	j1939_engine_tick(&eng[1], 1000000 + J1939_T4_US - 1);
	cr_assert_eq(j1939_engine_tx_result(&eng[1]), 1);
	j1939_engine_tick(&eng[1], 1000000 + J1939_T4_US);
	cr_assert_eq(j1939_engine_tx_result(&eng[1]), BENCH_ERR_TIMEOUT);
}

Test(j1939_engine, peer_abort_ends_our_transfer)
{
	uint8_t d[13];
	struct canframe ab = {.id = CANFRAME_EFF | 0x1CECF456,
			      .len = 8,
			      .data = {0xFF, 1, 0xFF, 0xFF, 0xFF, 0, 6, 0}};
	struct canframe other_pgn = ab;

	fill(d, sizeof(d));
	hook = drop_from_chg;
	cr_assert_eq(j1939_engine_send(&eng[1], 7, 0x0600, CHG, d, 13, 0),
		     BENCH_OK);
	other_pgn.data[6] = 0x11;
	j1939_engine_on_frame(&eng[1], &other_pgn, 1000);
	cr_assert_eq(j1939_engine_tx_result(&eng[1]), 1, "other PGN ignored");
	j1939_engine_on_frame(&eng[1], &ab, 2000);
	cr_assert_eq(j1939_engine_tx_result(&eng[1]), BENCH_ERR_PROTO);
	cr_assert_eq(eng[1].tx_abort, J1939_ABORT_BUSY);
	cr_assert_eq(j1939_engine_next_us(&eng[1]), INT64_MAX);
}

Test(j1939_engine, bad_rts_refused_with_abort)
{
	/* 49 bytes announced in 6 packets */
	struct canframe rts = {.id = CANFRAME_EFF | 0x1CEC56F4,
			       .len = 8,
			       .data = {0x10, 49, 0, 6, 0xFF, 0, 2, 0}};
	const uint8_t abort_[8] = {0xFF, 2, 0xFF, 0xFF, 0xFF, 0, 2, 0};

	j1939_engine_on_frame(&eng[0], &rts, 0);
	expect(0, 0x1CECF456, abort_, 8);
	cr_assert_eq(j1939_engine_next_us(&eng[0]), INT64_MAX);
}

/* BMSes repeat an RTS for BCS when a transfer stalls: the new one wins */
Test(j1939_engine, new_rts_replaces_unfinished_transfer)
{
	struct canframe rts = {.id = CANFRAME_EFF | 0x1CEC56F4,
			       .len = 8,
			       .data = {0x10, 9, 0, 2, 0xFF, 0, 0x11, 0}};
	struct canframe dt = {.id = CANFRAME_EFF | 0x1CEB56F4, .len = 8};

	j1939_engine_on_frame(&eng[0], &rts, 0);
	memset(dt.data, 0x11, 8);
	dt.data[0] = 1;
	j1939_engine_on_frame(&eng[0], &dt, 1000);
	/* packet 2 lost; the BMS starts over 250 ms later */
	j1939_engine_on_frame(&eng[0], &rts, 250000);
	memset(dt.data, 0x22, 8);
	dt.data[0] = 1;
	j1939_engine_on_frame(&eng[0], &dt, 251000);
	dt.data[0] = 2;
	j1939_engine_on_frame(&eng[0], &dt, 252000);
	cr_assert_eq(j1939_engine_take(&eng[0], &msg), 1);
	cr_assert(msg.len == 9 && msg.data[0] == 0x22 && msg.data[8] == 0x22);
	cr_assert_eq(j1939_engine_take(&eng[0], &msg), 0, "no error");
	cr_assert_eq(nwire, 3u, "CTS, CTS, EOMA");
}

/* the seam over mem: with the blocking calls in two threads */
struct peer_arg {
	struct j1939 *j;
	int rc;
	struct j1939_msg m;
};

static void *peer_recv(void *p)
{
	struct peer_arg *a = p;

	a->rc = j1939_recv(a->j, &a->m, 3000);
	return NULL;
}

Test(j1939_user, rts_cts_between_two_endpoints_on_mem, .timeout = 20)
{
	struct j1939 *chg = NULL, *bms = NULL;
	struct peer_arg a = {0};
	pthread_t th;
	uint8_t d[49];
	const uint8_t chm[3] = {1, 1, 0};

	fill(d, sizeof(d));
	cr_assert_eq(j1939_open("mem:j1939-seam", CHG, &chg), BENCH_OK);
	cr_assert_eq(j1939_open("mem:j1939-seam", BMS, &bms), BENCH_OK);
	cr_assert_eq(j1939_fd(chg), -1);
	cr_assert_str_eq(j1939_kind(chg), "user-space J1939");
	a.j = chg;
	cr_assert_eq(pthread_create(&th, NULL, peer_recv, &a), 0);
	cr_assert_eq(j1939_send(bms, 0x0200, 7, CHG, d, 49), BENCH_OK);
	pthread_join(th, NULL);
	cr_assert_eq(a.rc, 1);
	cr_assert(a.m.pgn == 0x0200 && a.m.src == BMS && a.m.len == 49);
	cr_assert_arr_eq(a.m.data, d, 49);

	/* a PDU1 PGN given with a PS byte: the destination wins */
	cr_assert_eq(j1939_send(chg, 0x26AB, 6, BMS, chm, 3), BENCH_OK);
	cr_assert_eq(j1939_recv(bms, &a.m, 1000), 1);
	cr_assert(a.m.pgn == 0x2600 && a.m.len == 3 && a.m.prio == 6);
	cr_assert_eq(j1939_recv(bms, &a.m, 0), 0);
	j1939_close(chg);
	j1939_close(bms);
}

Test(j1939_user, bad_arguments_refused, .timeout = 10)
{
	struct j1939 *j = NULL;
	uint8_t d[1] = {0};

	cr_assert_eq(j1939_open("mem:j1939-arg", 0xFF, &j), BENCH_ERR_ARG);
	cr_assert_null(j);
	cr_assert_eq(j1939_open("mem:j1939-arg", CHG, &j), BENCH_OK);
	cr_assert_eq(j1939_send(j, 0x2600, 8, BMS, d, 1), BENCH_ERR_ARG);
	cr_assert_eq(j1939_send(j, 0x40000, 6, BMS, d, 1), BENCH_ERR_ARG);
	cr_assert_eq(j1939_send(j, 0x2600, 6, BMS, d, 0), BENCH_ERR_ARG);
	j1939_close(j);
}
