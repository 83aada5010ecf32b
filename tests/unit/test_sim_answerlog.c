/* SPDX-License-Identifier: Apache-2.0 */
/* test_sim_answerlog.c - the simulated Leaf LBC's answer log
 * (sim_set_answer_log, `bench sim --answer-log`, docs/simulator.md): one
 * line per positive answer, holding exactly the cell voltages the answer
 * carried; nothing for a negative answer. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/sim/sim.h"
#include "can/canbus.h"
#include "can/isotp.h"
#include "common/rc.h"

#define SERIES 96

static struct sim *s;
static struct canbus *bus;
static struct isotp *tp;
static char *log_buf;
static size_t log_len;
static FILE *log_f;
static int64_t now_us;

static void setup(void)
{
	struct isotp_opts o = {.tx_pad = true, .pad_byte = 0x00};

	cr_assert_eq(sim_load("fixtures/packs/leaf-aze0-aged.ini", NULL, &s),
		     BENCH_OK);
	cr_assert_eq(canbus_open("mem:answerlog", NULL, &bus), BENCH_OK);
	cr_assert_eq(sim_attach_bms(s, bus), BENCH_OK);
	cr_assert_eq(isotp_open("mem:answerlog", 0x79B, 0x7BB, &o, &tp),
		     BENCH_OK);
	log_f = open_memstream(&log_buf, &log_len);
	cr_assert_not_null(log_f);
	sim_set_answer_log(s, log_f);
	now_us = 0;
}

static void teardown(void)
{
	isotp_close(tp);
	sim_free(s);
	canbus_close(bus);
	fclose(log_f);
	free(log_buf);
}

TestSuite(answerlog, .init = setup, .fini = teardown, .timeout = 20);

/* Send a request, step the pack until the answer is in: its length. */
static int ask(const uint8_t *req, size_t len, uint8_t *pdu, size_t cap)
{
	int n = 0;

	cr_assert_eq(isotp_send(tp, req, len), BENCH_OK);
	for (int i = 0; i < 50 && n == 0; i++) {
		now_us += 100000;
		cr_assert_eq(sim_advance(s, now_us), BENCH_OK);
		n = isotp_recv(tp, pdu, cap, 0);
	}
	cr_assert_gt(n, 0, "no answer");
	return n;
}

Test(answerlog, a_cell_answer_logs_the_cells_it_carries)
{
	uint8_t pdu[4095];
	int n = ask((const uint8_t[]){0x21, 0x02}, 2, pdu, sizeof(pdu));
	const char *p;
	double t;
	char poll[16];
	int used;

	cr_assert_str_eq(isotp_kind(tp), "user-space ISO-TP");
	cr_assert_eq(n, 2 + 196);
	cr_assert_eq(pdu[0], 0x61);
	fflush(log_f);
	cr_assert_eq(sscanf(log_buf, "%lf %15s%n", &t, poll, &used), 2);
	cr_assert_str_eq(poll, "cells");
	cr_assert(t >= 0 && t < now_us * 1e-6, "answer at %.3f s", t);
	p = log_buf + used;
	for (unsigned k = 0; k < SERIES; k++) {
		unsigned idx;
		int mV, adv;

		cr_assert_eq(sscanf(p, " %u=%d%n", &idx, &mV, &adv), 2,
			     "cell %u missing: %s", k + 1, p);
		cr_assert_eq(idx, k + 1);
		cr_assert_eq(mV, pdu[2 + 2 * k] << 8 | pdu[3 + 2 * k],
			     "cell %u: logged %d mV, sent %d mV", k + 1, mV,
			     pdu[2 + 2 * k] << 8 | pdu[3 + 2 * k]);
		p += adv;
	}
	cr_assert_str_eq(p, "\n");
}

Test(answerlog, an_answer_without_cells_names_its_poll_alone)
{
	uint8_t pdu[4095];

	ask((const uint8_t[]){0x21, 0x04}, 2, pdu, sizeof(pdu));
	fflush(log_f);
	cr_assert_not_null(strstr(log_buf, " temps\n"), "log: %s", log_buf);
	cr_assert_null(strchr(log_buf, '='), "log: %s", log_buf);
}

Test(answerlog, a_negative_answer_is_not_logged)
{
	uint8_t pdu[4095];
	int n = ask((const uint8_t[]){0x21, 0x7E}, 2, pdu, sizeof(pdu));

	cr_assert_eq(n, 3);
	cr_assert_eq(pdu[0], 0x7F);
	fflush(log_f);
	cr_assert_eq(log_len, 0, "log: %s", log_buf);
}
