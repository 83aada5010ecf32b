/* SPDX-License-Identifier: Apache-2.0 */
/* test_j1939_listen.c - the J1939-21 transport reassembled passively from
 * both sides' frames (docs/gbt27930.md, "Decoding a capture"): CTS windows
 * and a packet asked for again, CTS(0) holding, BAM, single frames; each
 * way a transfer goes wrong is one named event and never a group. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "can/j1939_engine.h"
#include "can/j1939_listen.h"

static struct j1939_listen l;
static struct j1939_msg got;
static unsigned n_msg, n_ev[J1939_LISTEN_EV_N];
static char last[200];

static void on_msg(void *ctx, const struct j1939_msg *m, int64_t t_us)
{
	(void)ctx;
	(void)t_us;
	got = *m;
	n_msg++;
}

static void on_ev(void *ctx, enum j1939_listen_ev ev, const char *what,
		  int64_t t_us)
{
	(void)ctx;
	(void)t_us;
	n_ev[ev]++;
	snprintf(last, sizeof(last), "%s", what);
}

static void setup(void)
{
	j1939_listen_init(&l, on_msg, on_ev, NULL);
	n_msg = 0;
	memset(n_ev, 0, sizeof(n_ev));
	memset(&got, 0, sizeof(got));
	last[0] = '\0';
}

TestSuite(j1939_listen, .init = setup, .timeout = 10);

static void fr(uint32_t id, const char *hex, int64_t t_ms)
{
	struct canframe f = {.id = CANFRAME_EFF | id};

	for (; hex[0] && hex[1]; hex += 2) {
		unsigned b;

		cr_assert_eq(sscanf(hex, "%2x", &b), 1);
		f.data[f.len++] = (uint8_t)b;
	}
	j1939_listen_frame(&l, &f, t_ms * 1000);
}

static unsigned events(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < J1939_LISTEN_EV_N; i++)
		n += n_ev[i];
	return n;
}

/* BMS 0xF4 -> charger 0x56: 20 bytes of PGN 0x1500 in 3 packets */
#define RTS "10140003FF001500"
#define DT1 "0101020304050607"
#define DT2 "0208090A0B0C0D0E"
#define DT3 "030F101112131415"

static void expect_bmv(uint8_t dst)
{
	cr_assert_eq(n_msg, 1);
	cr_expect_eq(got.pgn, 0x1500);
	cr_expect_eq(got.src, 0xF4);
	cr_expect_eq(got.dst, dst);
	cr_expect_eq(got.prio, 7);
	cr_assert_eq(got.len, 20);
	for (unsigned i = 0; i < 20; i++)
		cr_expect_eq(got.data[i], i + 1);
}

Test(j1939_listen, windows_and_a_packet_asked_again)
{
	fr(0x1CEC56F4, RTS, 0);
	fr(0x1CECF456, "110201FFFF001500", 1); /* packets 1-2 */
	fr(0x1CEB56F4, DT1, 2);
	fr(0x1CEB56F4, DT2, 3);
	fr(0x1CECF456, "110102FFFF001500", 4); /* packet 2 again */
	fr(0x1CEB56F4, DT2, 5);
	fr(0x1CECF456, "110003FFFF001500", 6); /* hold */
	fr(0x1CECF456, "110103FFFF001500", 1000);
	fr(0x1CEB56F4, DT3, 1001);
	expect_bmv(0x56);
	fr(0x1CECF456, "13140003FF001500", 1002);
	cr_expect_eq(events(), 0, "%s", last);
}

/* A capture that missed the CTS still gives the group: passive. */
Test(j1939_listen, no_cts_in_the_capture)
{
	fr(0x1CEC56F4, RTS, 0);
	fr(0x1CEB56F4, DT1, 2);
	fr(0x1CEB56F4, DT2, 3);
	fr(0x1CEB56F4, DT3, 4);
	expect_bmv(0x56);
}

Test(j1939_listen, bam_and_single_frames)
{
	fr(0x1CECFFF4, "20140003FF001500", 0);
	fr(0x1CEBFFF4, DT1, 50);
	fr(0x1CEBFFF4, DT2, 100);
	fr(0x1CEBFFF4, DT3, 150);
	expect_bmv(J1939_ADDR_GLOBAL);
	fr(0x100956F4, "AA", 200);
	cr_expect_eq(n_msg, 2);
	cr_expect_eq(got.pgn, 0x0900);
	cr_expect_eq(got.prio, 4);
	cr_expect_eq(got.len, 1);
	cr_expect_eq(events(), 0, "%s", last);
}

Test(j1939_listen, timers)
{
	/* no CTS within T3 */
	fr(0x1CEC56F4, RTS, 0);
	fr(0x100956F4, "AA", 1251);
	cr_expect_eq(n_ev[J1939_LISTEN_TIMEOUT], 1);
	cr_expect(strstr(last, "CTS for packet 1 of 3 did not come"), "%s",
		  last);
	/* a packet missing for more than T1 */
	fr(0x1CEC56F4, RTS, 2000);
	fr(0x1CECF456, "110301FFFF001500", 2001);
	fr(0x1CEB56F4, DT1, 2002);
	fr(0x1CEB56F4, DT3, 2753);
	cr_expect_eq(n_ev[J1939_LISTEN_TIMEOUT], 2);
	cr_expect_eq(n_ev[J1939_LISTEN_STRAY], 1, "the late packet is stray");
	/* a hold longer than T4 */
	fr(0x1CEC56F4, RTS, 3000);
	fr(0x1CECF456, "110001FFFF001500", 3001);
	fr(0x100956F4, "AA", 4052);
	cr_expect_eq(n_ev[J1939_LISTEN_TIMEOUT], 3);
	/* no EOMA: the group is delivered, the missing EOMA reported */
	fr(0x1CEC56F4, RTS, 5000);
	fr(0x1CECF456, "110301FFFF001500", 5001);
	fr(0x1CEB56F4, DT1, 5002);
	fr(0x1CEB56F4, DT2, 5003);
	fr(0x1CEB56F4, DT3, 5004);
	cr_expect_eq(n_msg, 3); /* the two AA and the group */
	j1939_listen_end(&l, 6255 * 1000);
	cr_expect_eq(n_ev[J1939_LISTEN_TIMEOUT], 4);
	cr_expect(strstr(last, "no EOMA after the last packet"), "%s", last);
}

Test(j1939_listen, broken_transfers_are_named)
{
	fr(0x1CEC56F4, "10140004FF001500", 0); /* 20 bytes in 4 packets */
	cr_expect_eq(n_ev[J1939_LISTEN_BAD_SIZE], 1);
	cr_expect(strstr(last, "RTS 0xF4->0x56 for PGN 0x1500: 20 bytes in 4"),
		  "%s", last);
	fr(0x1CEC56F4, "10080002FF001500", 1); /* 8 bytes: no TP */
	cr_expect_eq(n_ev[J1939_LISTEN_BAD_SIZE], 2);
	fr(0x1CEC56F4, RTS, 10);
	fr(0x1CEB56F4, "0101", 11); /* packet 1 of 2 bytes */
	cr_expect_eq(n_ev[J1939_LISTEN_BAD_SIZE], 3);
	cr_expect(strstr(last, "packet 1 of 2 bytes, 8 needed"), "%s", last);
	fr(0x1CEC56F4, RTS, 20);
	fr(0x1CEB56F4, DT1, 21);
	fr(0x1CEC56F4, RTS, 22); /* again, at packet 2 */
	cr_expect_eq(n_ev[J1939_LISTEN_RESTART], 1);
	fr(0x1CECF456, "110401FFFF001500", 23); /* beyond packet 3 */
	cr_expect_eq(n_ev[J1939_LISTEN_BAD_SIZE], 4);
	fr(0x1CEC56F4, RTS, 30);
	fr(0x1CEB56F4, DT1, 31);
	fr(0x1CEB56F4, DT2, 32);
	fr(0x1CEB56F4, DT3, 33);
	fr(0x1CECF456, "13150003FF001500", 34); /* 21 bytes acknowledged */
	cr_expect_eq(n_ev[J1939_LISTEN_BAD_SIZE], 5);
	fr(0x1CECF456, "13140003FF001500", 35); /* an EOMA too many */
	cr_expect_eq(n_ev[J1939_LISTEN_STRAY], 1);
	fr(0x1CEC56F4, RTS, 40);
	fr(0x1CEB56F4, DT1, 41);
	fr(0x1CEC56F4, "FF01FFFFFF001500", 42); /* the sender aborts */
	cr_expect_eq(n_ev[J1939_LISTEN_ABORT], 1);
	cr_expect(strstr(last, "aborted by 0xF4, reason 1"), "%s", last);
	fr(0x1CEB56F4, DT2, 43); /* the rest is stray */
	cr_expect_eq(n_ev[J1939_LISTEN_STRAY], 2);
	fr(0x1CECF456, "110101FFFF001500", 44); /* CTS for nothing */
	cr_expect_eq(n_ev[J1939_LISTEN_STRAY], 3);
	cr_expect_eq(n_msg, 1, "only the good transfer was delivered");
}

Test(j1939_listen, more_transfers_than_slots)
{
	for (unsigned i = 0; i <= J1939_LISTEN_SLOTS; i++)
		fr(0x1CEC5600u | i, RTS, 0);
	cr_expect_eq(n_ev[J1939_LISTEN_BUSY], 1);
	cr_expect(strstr(last, "more than 8 transfers open"), "%s", last);
}
