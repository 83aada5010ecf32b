/* SPDX-License-Identifier: Apache-2.0 */
/* test_poller_sched.c - the poll scheduler on virtual time against a fake
 * ECU: periods, priorities, per-state lists, retries, back-off from another
 * tester, one outstanding request per ECU. */
#include <criterion/criterion.h>
#include <string.h>

#include "bench/poller.h"
#include "common/rc.h"

#define TICK_US 10000
#define MAXLOG 512

struct sent {
	int64_t t_us;
	unsigned ecu;
	uint8_t req[UDS_REQ_MAX];
	size_t len;
};
struct report {
	int64_t t_us;
	const struct poller_entry *e;
	int rc;
	enum uds_reply_kind kind;
	uint8_t nrc;
};

static struct sent sent[MAXLOG];
static size_t nsent;
static struct report rep[MAXLOG];
static size_t nrep;
static int64_t now;
/* the fake ECUs: answer every request at once (echo + one byte), or not */
static bool ecu_answers[2] = {true, true};
static uint8_t ecu_nrc[2]; /* non-zero: answer 7F SID nrc */
static struct poller *pl;

static int on_send(void *ctx, unsigned ecu, const uint8_t *req, size_t len)
{
	(void)ctx;
	cr_assert_lt(nsent, MAXLOG);
	sent[nsent] = (struct sent){.t_us = now, .ecu = ecu, .len = len};
	memcpy(sent[nsent].req, req, len);
	nsent++;
	return BENCH_OK;
}

static void on_report(void *ctx, const struct poller_entry *e, int rc,
		      const struct uds_reply *r)
{
	(void)ctx;
	cr_assert_lt(nrep, MAXLOG);
	rep[nrep] = (struct report){.t_us = now, .e = e, .rc = rc};
	if (r) {
		rep[nrep].kind = r->kind;
		rep[nrep].nrc = r->nrc;
	}
	nrep++;
}

static void answer(const struct sent *s)
{
	uint8_t pdu[UDS_REQ_MAX + 1];

	if (!ecu_answers[s->ecu])
		return;
	if (ecu_nrc[s->ecu]) {
		pdu[0] = 0x7F;
		pdu[1] = s->req[0];
		pdu[2] = ecu_nrc[s->ecu];
		poller_on_pdu(pl, s->ecu, pdu, 3, now);
		return;
	}
	memcpy(pdu, s->req, s->len);
	pdu[0] = (uint8_t)(s->req[0] + 0x40);
	pdu[s->len] = 0x5A;
	poller_on_pdu(pl, s->ecu, pdu, s->len + 1, now);
}

/* tick every 10 ms up to t; each request sent is answered in the same
 * tick by its fake ECU */
static void run_until(int64_t t)
{
	for (; now <= t; now += TICK_US) {
		size_t first = nsent, i;

		poller_tick(pl, now);
		for (i = first; i < nsent; i++)
			answer(&sent[i]);
	}
	now = t + TICK_US;
}

static const struct poller_ecu ecus[] = {
    {.name = "bms", .p2_ms = 100, .p2star_ms = 1000},
    {.name = "vcu", .p2_ms = 100},
};

static void start(const struct poller_entry *ents, size_t n, uint32_t bo_ms)
{
	struct poller_cfg cfg = {.ecus = ecus,
				 .n_ecus = 2,
				 .entries = ents,
				 .n_entries = n,
				 .backoff_ms = bo_ms};

	nsent = nrep = 0;
	now = 0;
	cr_assert_eq(poller_new(&cfg, on_send, on_report, NULL, &pl), BENCH_OK);
}

static struct poller_entry did(const char *name, unsigned ecu, uint16_t id,
			       uint32_t idle_ms, uint8_t prio)
{
	struct poller_entry e = {.name = name, .ecu = ecu, .priority = prio};

	uds_req_read_did(&e.req, id);
	e.period_ms[POLLER_IDLE] = idle_ms;
	return e;
}

static size_t reports_of(const char *name)
{
	size_t i, n = 0;

	for (i = 0; i < nrep; i++)
		if (!strcmp(rep[i].e->name, name))
			n++;
	return n;
}

/* a test that hangs fails instead of blocking the run */
TestSuite(poller, .timeout = 60);

Test(poller, periods_count_from_the_start_of_the_last_poll)
{
	struct poller_entry ents[2];

	ents[0] = did("fast", 0, 0x0101, 1000, 0);
	ents[1] = did("slow", 0, 0x0102, 3000, 0);
	start(ents, 2, 0);
	run_until(10000000);
	cr_assert_eq(reports_of("fast"), 11, "0, 1, ..., 10 s");
	cr_assert_eq(reports_of("slow"), 4, "10 ms, 3.01, 6.01, 9.01 s");
	cr_assert_eq(rep[0].rc, BENCH_OK);
	cr_assert_eq(rep[0].kind, UDS_POSITIVE);
	cr_assert_eq(sent[1].t_us, TICK_US,
		     "one outstanding request per ECU: slow waits a tick");
	poller_free(pl);
}

Test(poller, higher_priority_first_when_several_are_due)
{
	struct poller_entry ents[3];

	ents[0] = did("low", 0, 0x0001, 60000, 1);
	ents[1] = did("high", 0, 0x0002, 60000, 5);
	ents[2] = did("mid", 0, 0x0003, 60000, 3);
	start(ents, 3, 0);
	run_until(100000);
	cr_assert_eq(nrep, 3);
	cr_assert_str_eq(rep[0].e->name, "high");
	cr_assert_str_eq(rep[1].e->name, "mid");
	cr_assert_str_eq(rep[2].e->name, "low");
	poller_free(pl);
}

Test(poller, each_ecu_has_its_own_outstanding_request)
{
	struct poller_entry ents[2];

	ents[0] = did("a", 0, 0x0001, 1000, 0);
	ents[1] = did("b", 1, 0x0002, 1000, 0);
	ecu_answers[0] = ecu_answers[1] = false;
	start(ents, 2, 0);
	run_until(0);
	cr_assert_eq(nsent, 2, "both ECUs polled in the same tick");
	cr_assert_neq(sent[0].ecu, sent[1].ecu);
	poller_free(pl);
}

Test(poller, per_state_lists)
{
	struct poller_entry ents[2];

	ents[0] = did("idle-only", 0, 0x0001, 1000, 0);
	ents[1] = did("charge-only", 0, 0x0002, 0, 0);
	ents[1].period_ms[POLLER_CHARGING] = 500;
	start(ents, 2, 0);
	run_until(2500000);
	cr_assert_eq(reports_of("idle-only"), 3);
	cr_assert_eq(reports_of("charge-only"), 0);
	poller_set_state(pl, POLLER_CHARGING);
	nrep = 0;
	run_until(4990000);
	cr_assert_eq(reports_of("idle-only"), 0, "not polled while charging");
	cr_assert_eq(reports_of("charge-only"), 5, "2.51, 3.01, ... 4.51 s");
	cr_assert_eq(rep[0].t_us, 2510000, "at once on the state change");
	poller_free(pl);
}

Test(poller, timeout_is_retried_then_reported)
{
	struct poller_entry ents[1];

	ents[0] = did("cells", 0, 0x0102, 10000, 0);
	ents[0].retries = 2;
	ecu_answers[0] = false;
	start(ents, 1, 0);
	run_until(1000000);
	cr_assert_eq(nsent, 3, "first try and two retries");
	cr_assert_eq(sent[1].t_us, 100000, "P2 = 100 ms");
	cr_assert_eq(sent[2].t_us, 200000);
	cr_assert_eq(nrep, 1);
	cr_assert_eq(rep[0].rc, BENCH_ERR_TIMEOUT);
	cr_assert_eq(rep[0].t_us, 300000);
	/* the next poll one period after the first try */
	run_until(10000000);
	cr_assert_eq(nsent, 4);
	cr_assert_eq(sent[3].t_us, 10000000);
	poller_free(pl);
}

Test(poller, negative_and_pending_replies)
{
	struct poller_entry ents[1];
	static const uint8_t pending[] = {0x7F, 0x22, 0x78},
			     pos[] = {0x62, 0x01, 0x02, 0x11};

	ents[0] = did("cells", 0, 0x0102, 10000, 0);
	ecu_nrc[0] = 0x31;
	start(ents, 1, 0);
	run_until(0);
	cr_assert_eq(nrep, 1);
	cr_assert_eq(rep[0].rc, BENCH_OK);
	cr_assert_eq(rep[0].kind, UDS_NEGATIVE);
	cr_assert_eq(rep[0].nrc, 0x31);

	ecu_answers[0] = false;
	run_until(10000000); /* sent at 10 s, not answered */
	cr_assert_eq(nsent, 2);
	poller_on_pdu(pl, 0, pending, sizeof(pending), 10050000);
	run_until(10900000); /* past P2, within P2* of the pending */
	cr_assert_eq(nsent, 2, "no retry while the ECU asked for time");
	cr_assert_eq(nrep, 1);
	poller_on_pdu(pl, 0, pos, sizeof(pos), 10950000);
	cr_assert_eq(nrep, 2);
	cr_assert_eq(rep[1].kind, UDS_POSITIVE);
	poller_free(pl);
}

Test(poller, another_tester_pauses_polling)
{
	struct poller_entry ents[1];
	static const uint8_t foreign[] = {0x61, 0x02, 0x00};

	ents[0] = did("cells", 0, 0x0102, 1000, 0);
	start(ents, 1, 5000);
	run_until(0);
	cr_assert_eq(nsent, 1);
	/* a reply nobody asked us for: someone else polls the ECU */
	poller_on_pdu(pl, 0, foreign, sizeof(foreign), 500000);
	run_until(5490000);
	cr_assert_eq(nsent, 1, "paused for 5 s");
	run_until(5500000);
	cr_assert_eq(nsent, 2);
	/* a request seen on our ids extends the pause */
	poller_foreign(pl, 0, 6000000);
	run_until(10990000);
	cr_assert_eq(nsent, 2);
	run_until(11000000);
	cr_assert_eq(nsent, 3);
	poller_free(pl);
}

Test(poller, late_answer_to_a_given_up_request_is_no_other_tester)
{
	struct poller_entry ents[1];
	static const uint8_t late[] = {0x62, 0x01, 0x02, 0x00};

	ents[0] = did("cells", 0, 0x0102, 1000, 0);
	ecu_answers[0] = false;
	start(ents, 1, 5000);
	run_until(100000); /* timed out at 100 ms, no retries */
	cr_assert_eq(nrep, 1);
	poller_on_pdu(pl, 0, late, sizeof(late), 150000);
	run_until(1000000);
	cr_assert_eq(nsent, 2, "polled on schedule, no back-off");
	poller_free(pl);
}

Test(poller, bad_table_is_refused)
{
	struct poller_entry ents[1];
	struct poller_cfg cfg = {
	    .ecus = ecus, .n_ecus = 2, .entries = ents, .n_entries = 1};
	struct poller *p;

	ents[0] = did("x", 2, 0x0001, 1000, 0);
	cr_assert_eq(poller_new(&cfg, on_send, on_report, NULL, &p),
		     BENCH_ERR_ARG);
	cr_assert_null(p);
}
