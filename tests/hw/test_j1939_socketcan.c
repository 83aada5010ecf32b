/* SPDX-License-Identifier: Apache-2.0 */
/* test_j1939_socketcan.c - the kernel J1939 backend on a real kernel.
 *
 * Runs in the QEMU guest (tools/qemu/check-kernel.sh) on vcan0, with the
 * can-j1939 module loaded: two of our kernel endpoints, the charger at
 * 0x56 and the BMS at 0xF4, exchange a 49-byte BRM-sized group through
 * the kernel's RTS/CTS transport, a short group and a BAM; a raw socket on
 * the same bus checks the identifiers, priorities and lengths on the wire
 * that GB/T 27930 BMSes match exactly. Never skips: without vcan0 or the
 * module every test fails naming it.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "can/canbus.h"
#include "can/j1939.h"
#include "common/rc.h"

#define IF "vcan0"
#define CHG 0x56
#define BMS 0xF4

static struct j1939 *open_j(uint8_t addr)
{
	struct j1939 *j = NULL;

	cr_assert_eq(j1939_open(IF, addr, &j), BENCH_OK,
		     "cannot open J1939 at 0x%02X on '%s' (vcan0 or "
		     "can-j1939 missing?)",
		     addr, IF);
	cr_assert_geq(j1939_fd(j), 0);
	cr_assert_str_eq(j1939_kind(j), "kernel CAN_J1939 socket");
	return j;
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 13 + seed);
}

/* the frames seen, as "ID#DATA" lines, for the failure messages */
static char wire[4096];

static void note(const struct canframe *f)
{
	size_t n = strlen(wire);
	int i;

	if (n + 40 > sizeof(wire))
		return;
	n += (size_t)snprintf(wire + n, sizeof(wire) - n, "%08X#",
			      (unsigned)(f->id & CANFRAME_EFF_MASK));
	for (i = 0; i < f->len; i++)
		n += (size_t)snprintf(wire + n, sizeof(wire) - n, "%02X",
				      f->data[i]);
	snprintf(wire + n, sizeof(wire) - n, " ");
}

Test(j1939_socketcan, brm_sized_rts_cts_and_the_wire, .timeout = 30)
{
	struct j1939 *chg = open_j(CHG), *bms = open_j(BMS);
	struct canbus *raw = NULL;
	struct canbus_ev ev;
	static struct j1939_msg m;
	uint8_t brm[49];
	/* size 49, 7 packets, (byte 4: packets per CTS), PGN 0x000200 */
	const uint8_t rts_head[4] = {0x10, 49, 0, 7}, pgn[3] = {0, 2, 0};
	bool saw_rts = false, saw_cts = false, saw_eoma = false;
	int ndt = 0;

	wire[0] = 0;
	cr_assert_eq(canbus_open(IF, NULL, &raw), BENCH_OK);
	fill(brm, sizeof(brm), 3);
	/* the kernel answers the RTS itself: one thread is enough */
	cr_assert_eq(j1939_send(bms, 0x0200, 7, CHG, brm, sizeof(brm)),
		     BENCH_OK);
	cr_assert_eq(j1939_recv(chg, &m, 5000), 1);
	cr_assert_eq(m.pgn, 0x0200u);
	cr_assert_eq(m.src, BMS);
	cr_assert_eq(m.dst, CHG);
	cr_assert_eq(m.len, 49);
	cr_assert_arr_eq(m.data, brm, 49);
	while (canbus_recv(raw, &ev, 500) == 1) {
		const struct canframe *f = &ev.frame;
		uint32_t id = f->id & CANFRAME_EFF_MASK;

		note(f);
		if (f->len != 8)
			continue;
		if ((id & 0xFFFFFF) == 0xEC56F4 && f->data[0] == 0x10 &&
		    !memcmp(f->data, rts_head, 4) &&
		    !memcmp(f->data + 5, pgn, 3))
			saw_rts = id >> 26 == 7;
		if ((id & 0xFFFFFF) == 0xECF456 && f->data[0] == 0x11)
			saw_cts = id >> 26 == 7;
		if ((id & 0xFFFFFF) == 0xECF456 && f->data[0] == 0x13)
			saw_eoma = true;
		if (id == 0x1CEB56F4)
			ndt++;
	}
	cr_assert(saw_rts, "RTS 1CEC56F4#1031 0007 xx 000200 on the wire: %s",
		  wire);
	cr_assert(saw_cts, "CTS at the RTS's priority 7: %s", wire);
	cr_assert(saw_eoma, "kernel sent our EOMA: %s", wire);
	cr_assert_eq(ndt, 7, "7 TP.DT: %s", wire);
	cr_log_info("wire: %s", wire); /* what the kernel's transport sends */
	canbus_close(raw);
	j1939_close(chg);
	j1939_close(bms);
}

Test(j1939_socketcan, short_groups_keep_their_length_and_priority,
     .timeout = 30)
{
	struct j1939 *chg = open_j(CHG), *bms = open_j(BMS);
	struct canbus *raw = NULL;
	struct canbus_ev ev;
	static struct j1939_msg m;
	const uint8_t chm[3] = {1, 1, 0}, cro[1] = {0xAA};

	cr_assert_eq(canbus_open(IF, NULL, &raw), BENCH_OK);
	cr_assert_eq(j1939_send(chg, 0x2600, 6, BMS, chm, 3), BENCH_OK);
	cr_assert_eq(j1939_send(chg, 0x0A00, 4, BMS, cro, 1), BENCH_OK);
	cr_assert_eq(j1939_recv(bms, &m, 2000), 1);
	cr_assert(m.pgn == 0x2600 && m.len == 3 && m.src == CHG);
	cr_assert_eq(m.prio, 6);
	cr_assert_eq(j1939_recv(bms, &m, 2000), 1);
	cr_assert(m.pgn == 0x0A00 && m.len == 1 && m.prio == 4);
	cr_assert_eq(canbus_recv(raw, &ev, 1000), 1);
	cr_assert_eq(ev.frame.id, CANFRAME_EFF | 0x1826F456);
	cr_assert_eq(ev.frame.len, 3, "DLC = payload length");
	cr_assert_eq(canbus_recv(raw, &ev, 1000), 1);
	cr_assert_eq(ev.frame.id, CANFRAME_EFF | 0x100AF456);
	cr_assert_eq(ev.frame.len, 1);
	canbus_close(raw);
	j1939_close(chg);
	j1939_close(bms);
}

Test(j1939_socketcan, bam_to_all, .timeout = 30)
{
	struct j1939 *chg = open_j(CHG), *bms = open_j(BMS);
	static struct j1939_msg m;
	uint8_t d[20];

	fill(d, sizeof(d), 9);
	cr_assert_eq(j1939_send(bms, 0x1500, 7, J1939_ADDR_GLOBAL, d, 20),
		     BENCH_OK);
	cr_assert_eq(j1939_recv(chg, &m, 5000), 1);
	cr_assert(m.pgn == 0x1500 && m.src == BMS && m.len == 20);
	cr_assert_eq(m.dst, J1939_ADDR_GLOBAL);
	cr_assert_arr_eq(m.data, d, 20);
	j1939_close(chg);
	j1939_close(bms);
}
