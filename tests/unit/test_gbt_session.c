/* SPDX-License-Identifier: Apache-2.0 */
/* test_gbt_session.c - the charger's GB/T 27930 session against a
 * scripted BMS in virtual time (10 ms ticks): a full session to a normal
 * stop in both editions, every timeout with its CEM bit, BST and BSM
 * stops, BEM and reconnection. */
#include <criterion/criterion.h>
#include <string.h>

#include "bench/gbt_session.h"
#include "common/rc.h"

#define MS 1000LL
#define MAXLOG 40000

struct sent {
	int64_t t_us;
	uint32_t pgn;
	uint8_t prio, len;
	uint8_t d[16];
};

/* the scripted BMS: what it does and what it leaves out */
struct bms {
	bool ed2011;
	uint32_t skip; /* bit per message left out: see SKIP() */
	bool bro_never_ready;
	int64_t stop_at_us; /* BST at this time, 0 = never */
	uint8_t bst[4];
	int64_t bem_at_us;
	struct gbt_bsm bsm;
	struct gbt_bcl bcl;
	int64_t bcp_max_current_dA;

	bool charging, stopping, cst_seen;
	int64_t next_bcl, next_bcs, next_bsm, next_bsd, next_bst;
};

enum { S_BHM, S_BRM, S_BCP, S_BRO, S_BCL, S_BCS, S_BST, S_BSD };
#define SKIP(x) (1u << (x))

static struct gbt_session ses;
static struct bms bms;
static int64_t now;
static struct sent slog[MAXLOG];
static size_t nlog;
/* BMS -> charger, delivered after the charger's tick */
static struct {
	uint32_t pgn;
	uint8_t len;
	uint8_t d[64];
} q[64];
static size_t nq;

static int on_send(void *ctx, uint32_t pgn, uint8_t prio, const uint8_t *d,
		   size_t len)
{
	(void)ctx;
	cr_assert_lt(nlog, MAXLOG);
	cr_assert_leq(len, 16u);
	slog[nlog].t_us = now;
	slog[nlog].pgn = pgn;
	slog[nlog].prio = prio;
	slog[nlog].len = (uint8_t)len;
	memcpy(slog[nlog].d, d, len);
	nlog++;
	return BENCH_OK;
}

static void bms_send(uint32_t pgn, const uint8_t *d, size_t len)
{
	cr_assert_lt(nq, 64u);
	q[nq].pgn = pgn;
	q[nq].len = (uint8_t)len;
	memcpy(q[nq].d, d, len);
	nq++;
}

static const uint8_t brm49[49] = {1, 1, 0, 6, 0xB4, 0, 0x39, 0x0E};

static void bms_react(const struct sent *m)
{
	uint8_t b[64];
	struct gbt_bhm bhm = {7500};
	struct gbt_bcp bcp = {420, -1500, 600, 4100, 55, 555, 3800};

	bcp.max_current_dA = (int16_t)bms.bcp_max_current_dA;
	switch (m->pgn) {
	case GBT_CHM:
		if (!bms.ed2011 && !(bms.skip & SKIP(S_BHM)))
			bms_send(GBT_BHM, b, gbt_encode_bhm(&bhm, b));
		break;
	case GBT_CRM:
		if (m->d[0] == 0 && !(bms.skip & SKIP(S_BRM))) {
			memcpy(b, brm49, 49);
			if (bms.ed2011)
				b[1] = 0;
			bms_send(GBT_BRM, b, bms.ed2011 ? 41 : 49);
		} else if (m->d[0] == 0xAA && !(bms.skip & SKIP(S_BCP))) {
			bms_send(GBT_BCP, b, gbt_encode_bcp(&bcp, b));
		}
		break;
	case GBT_CML:
		if (!(bms.skip & SKIP(S_BRO)))
			bms_send(GBT_BRO, b,
				 gbt_encode_ready(
				     bms.bro_never_ready ? 0 : 0xAA, b));
		break;
	case GBT_CRO:
		if (m->d[0] == 0xAA && !bms.charging) {
			bms.charging = true;
			bms.next_bcl = bms.next_bcs = bms.next_bsm = now;
		}
		break;
	case GBT_CST:
		if (!bms.stopping) {
			bms.stopping = true;
			bms.charging = false;
			bms.bst[0] = 0x3F | 0x40; /* charger-initiated stop */
			bms.next_bsd = now;
			if (!(bms.skip & SKIP(S_BST)))
				bms_send(GBT_BST, bms.bst, 4);
		}
		bms.cst_seen = true;
		break;
	default:
		break;
	}
}

static void bms_tick(void)
{
	uint8_t b[16];
	struct gbt_bcs bcs = {5400, -30, 415, 3, 57, 95};
	struct gbt_bsd bsd = {95, 390, 415, 18, 35};

	if (bms.stop_at_us && now >= bms.stop_at_us && !bms.stopping) {
		bms.stopping = true;
		bms.charging = false;
		bms.next_bst = bms.next_bsd = now;
	}
	if (bms.bem_at_us && now >= bms.bem_at_us) {
		const uint8_t bem[4] = {0xF0, 0xF0, 0xF1, 0xFC};

		bms_send(GBT_BEM, bem, 4);
		bms.bem_at_us = 0;
		bms.charging = false;
	}
	if (bms.charging) {
		if (now >= bms.next_bcl && !(bms.skip & SKIP(S_BCL))) {
			bms_send(GBT_BCL, b, gbt_encode_bcl(&bms.bcl, b));
			bms.next_bcl += 50 * MS;
		}
		if (now >= bms.next_bcs && !(bms.skip & SKIP(S_BCS))) {
			bms_send(GBT_BCS, b, gbt_encode_bcs(&bcs, b));
			bms.next_bcs += 250 * MS;
		}
		if (now >= bms.next_bsm) {
			bms_send(GBT_BSM, b, gbt_encode_bsm(&bms.bsm, b));
			bms.next_bsm += 250 * MS;
		}
	}
	if (bms.stopping && !(bms.skip & SKIP(S_BST)) && !bms.cst_seen &&
	    now >= bms.next_bst) {
		bms_send(GBT_BST, bms.bst, 4);
		bms.next_bst += 10 * MS;
	}
	if (bms.stopping && bms.cst_seen && !(bms.skip & SKIP(S_BSD)) &&
	    now >= bms.next_bsd) {
		bms_send(GBT_BSD, b, gbt_encode_bsd(&bsd, b));
		bms.next_bsd += 250 * MS;
	}
}

static void setup_with(const struct gbt_session_cfg *c)
{
	memset(&bms, 0, sizeof(bms));
	bms.bcp_max_current_dA = -1500;
	bms.bsm = (struct gbt_bsm){12, 35, 4, 20, 1, {0, 0, 0, 0, 0, 0, 1}};
	bms.bcl = (struct gbt_bcl){4000, -1000, 2};
	memset(bms.bst, 0xFF, 4);
	now = 0;
	nlog = nq = 0;
	gbt_session_init(&ses, c, on_send, NULL);
	gbt_session_set_output(&ses, 3800, -995);
	gbt_session_start(&ses, 0);
}

static const struct gbt_session_cfg cfg = {
    .cml = {7500, 2000, -2500, 0},
    .charger_no = 0xFFFFFFFF,
    .auto_ready = true,
};

static void setup(void)
{
	setup_with(&cfg);
}

/* run both sides to t_us in 10 ms steps */
static void run_to(int64_t t_us)
{
	size_t seen = nlog, i;

	while (now < t_us) {
		now += 10 * MS;
		bms_tick();
		for (i = 0; i < nq; i++)
			gbt_session_on_msg(&ses, q[i].pgn, q[i].d, q[i].len,
					   now);
		nq = 0;
		gbt_session_tick(&ses, now);
		for (; seen < nlog; seen++)
			bms_react(&slog[seen]);
	}
}

static const struct sent *first(uint32_t pgn, int byte0)
{
	size_t i;

	for (i = 0; i < nlog; i++)
		if (slog[i].pgn == pgn && (byte0 < 0 || slog[i].d[0] == byte0))
			return &slog[i];
	return NULL;
}

static size_t count(uint32_t pgn)
{
	size_t i, n = 0;

	for (i = 0; i < nlog; i++)
		n += slog[i].pgn == pgn;
	return n;
}

TestSuite(gbt_session, .init = setup, .timeout = 30);

Test(gbt_session, full_session_2015_to_a_normal_stop)
{
	const uint32_t order[] = {GBT_CHM, GBT_CRM, GBT_CML, GBT_CRO,
				  GBT_CCS, GBT_CST, GBT_CSD};
	const struct sent *crm_aa, *cro_00, *cro_aa, *ccs;
	uint16_t v, i;
	size_t k;

	bms.stop_at_us = 20000 * MS;
	bms.bst[0] = 0xFD; /* SOC target reached */
	run_to(10000 * MS);
	cr_assert_eq(ses.state, GBT_ST_CHARGING);
	cr_assert_eq(ses.edition, GBT_2015);
	cr_assert(gbt_session_output_allowed(&ses));
	/* the BMS's demand, limited by BCP (150 A) and CML (250 A) */
	cr_assert_eq(ses.bcl.voltage_dV, 4000);
	gbt_session_demand(&ses, &v, &i);
	cr_assert_eq(v, 4000);
	cr_assert_eq(i, 1000);
	cr_assert_eq(ses.bcs.soc_pct, 57);
	cr_assert_eq(ses.bcs.cell_max_cV, 415);
	cr_assert_eq(ses.bsm.temp_max_C, 35);
	cr_assert_eq(ses.brm.battery_type, 6);
	cr_assert_eq(ses.bhm.max_voltage_dV, 7500);
	run_to(30000 * MS);
	cr_assert_eq(ses.state, GBT_ST_DONE, "state %s",
		     gbt_state_name(ses.state));
	cr_assert_eq(ses.stop_by, GBT_STOP_BMS);
	cr_assert_eq(ses.bst_set, 1u << GBT_BST_SOC_REACHED);
	cr_assert_eq(ses.cst_set, 1u << GBT_CST_BMS_STOP);
	cr_assert_eq(ses.cem_set, 0);
	cr_assert_eq(count(GBT_CEM), 0u);
	cr_assert_eq(count(GBT_CSD), 6u);
	cr_assert_eq(ses.bsd.soc_pct, 95);
	/* each stage's first message in order, at its priority */
	for (k = 1; k < sizeof(order) / sizeof(order[0]); k++)
		cr_assert_lt(first(order[k - 1], -1)->t_us,
			     first(order[k], -1)->t_us, "%s before %s",
			     gbt_msg_name(order[k - 1]),
			     gbt_msg_name(order[k]));
	crm_aa = first(GBT_CRM, 0xAA);
	cro_00 = first(GBT_CRO, 0x00);
	cro_aa = first(GBT_CRO, 0xAA);
	cr_assert(crm_aa && cro_00 && cro_aa);
	cr_assert_lt(first(GBT_CRM, 0x00)->t_us, crm_aa->t_us);
	cr_assert_leq(cro_00->t_us, cro_aa->t_us);
	ccs = first(GBT_CCS, -1);
	cr_assert_eq(ccs->prio, 6);
	cr_assert_eq(ccs->len, 8);
	cr_assert_eq(ccs->d[6], 0xFD, "permit");
	cr_assert_eq(first(GBT_CML, -1)->len, 8);
	cr_assert_eq(first(GBT_CRO, -1)->prio, 4);
	cr_assert_eq(first(GBT_CST, -1)->prio, 4);
	cr_assert_eq(first(GBT_CHM, -1)->len, 3);
	/* CCS every 50 ms while charging: 10 s of it */
	cr_assert_geq(count(GBT_CCS), 390u);
	cr_assert_leq(count(GBT_CCS), 410u);
	cr_assert_gt(ses.energy_Wh, 0.0);
}

Test(gbt_session, edition_2011_no_bhm_then_short_messages)
{
	bms.ed2011 = true;
	bms.stop_at_us = 15000 * MS;
	bms.bst[0] = 0xFD;
	run_to(4900 * MS);
	cr_assert_eq(ses.state, GBT_ST_HANDSHAKE);
	cr_assert_null(first(GBT_CRM, -1), "a 2011 BMS gets CHM for 5 s");
	run_to(30000 * MS);
	cr_assert_eq(ses.state, GBT_ST_DONE);
	cr_assert_eq(ses.edition, GBT_2011);
	cr_assert_geq(first(GBT_CRM, -1)->t_us, 5000 * MS);
	cr_assert_eq(ses.brm.len, 41);
	cr_assert_eq(first(GBT_CML, -1)->len, 6);
	cr_assert_eq(first(GBT_CCS, -1)->len, 6);
	cr_assert_eq(first(GBT_CSD, -1)->len, 5);
}

Test(gbt_session, forced_2011_skips_chm)
{
	struct gbt_session_cfg c = cfg;

	c.force_2011 = true;
	setup_with(&c);
	bms.ed2011 = true;
	run_to(3000 * MS);
	cr_assert_eq(count(GBT_CHM), 0u);
	cr_assert_eq(ses.state, GBT_ST_CHARGING);
}

/* each timeout of the standard: CEM with the bit the standard names,
 * after the time it names */
struct tmo_case {
	uint32_t skip;
	bool bro_never_ready;
	int64_t caller_stop_at_us;
	int field;
	int64_t min_us, max_us; /* when the first CEM goes out */
};

static void check_timeout(const struct tmo_case *c)
{
	const struct sent *cem;
	struct gbt_codes codes;

	bms.skip = c->skip;
	bms.bro_never_ready = c->bro_never_ready;
	if (c->caller_stop_at_us) {
		run_to(c->caller_stop_at_us);
		gbt_session_stop(&ses, now);
	}
	run_to(c->max_us + 100 * MS);
	cem = first(GBT_CEM, -1);
	cr_assert_not_null(cem, "no CEM for field %d", c->field);
	cr_assert_eq(cem->prio, 2);
	cr_assert_eq(cem->len, 4);
	cr_assert_eq(gbt_codes_decode(cem->d, 4, &codes), BENCH_OK);
	cr_assert_eq(gbt_codes_set(&codes), 1u << c->field,
		     "CEM bits 0x%X, expected field %d", gbt_codes_set(&codes),
		     c->field);
	cr_assert_geq(cem->t_us, c->min_us, "CEM at %lld us",
		      (long long)cem->t_us);
	cr_assert_leq(cem->t_us, c->max_us, "CEM at %lld us",
		      (long long)cem->t_us);
	cr_assert(ses.cem_set & (1u << c->field));
}

Test(gbt_session, brm_timeout_5s)
{
	/* BHM at 10 ms, CRM from then: BRM due within 5 s */
	struct tmo_case c = {SKIP(S_BRM), false,     0,
			     GBT_CEM_BRM, 5000 * MS, 5100 * MS};
	check_timeout(&c);
}

Test(gbt_session, bcp_timeout_5s)
{
	struct tmo_case c = {SKIP(S_BCP), false,     0,
			     GBT_CEM_BCP, 5000 * MS, 5300 * MS};
	check_timeout(&c);
}

Test(gbt_session, bro_timeout_5s_without_any_bro)
{
	struct tmo_case c = {SKIP(S_BRO), false,     0,
			     GBT_CEM_BRO, 5000 * MS, 5300 * MS};
	check_timeout(&c);
}

Test(gbt_session, bro_aa_timeout_60s)
{
	struct tmo_case c = {0, true, 0, GBT_CEM_BRO, 60000 * MS, 60300 * MS};
	check_timeout(&c);
}

Test(gbt_session, bcl_timeout_1s)
{
	struct tmo_case c = {SKIP(S_BCL), false,     0,
			     GBT_CEM_BCL, 1000 * MS, 1300 * MS};
	check_timeout(&c);
}

Test(gbt_session, bcs_timeout_5s)
{
	struct tmo_case c = {SKIP(S_BCS), false,     0,
			     GBT_CEM_BCS, 5000 * MS, 5300 * MS};
	check_timeout(&c);
}

Test(gbt_session, bst_timeout_5s_after_our_stop)
{
	struct tmo_case c = {SKIP(S_BST) | SKIP(S_BSD),
			     false,
			     3000 * MS,
			     GBT_CEM_BST,
			     8000 * MS,
			     8050 * MS};
	check_timeout(&c);
	run_to(20000 * MS);
	cr_assert_eq(ses.state, GBT_ST_FAILED, "no reconnection when stopping");
	cr_assert_eq(ses.stop_by, GBT_STOP_CALLER);
	cr_assert(ses.cst_set & (1u << GBT_CST_MANUAL));
}

Test(gbt_session, bsd_timeout_10s_after_bst)
{
	struct tmo_case c = {SKIP(S_BSD), false,      3000 * MS,
			     GBT_CEM_BSD, 13000 * MS, 13100 * MS};
	check_timeout(&c);
}

Test(gbt_session, bst_insulation_fault_stops_at_once)
{
	uint16_t v, i;

	bms.stop_at_us = 5000 * MS;
	bms.bst[0] = 0xF0; /* no target reached */
	bms.bst[1] = 0xFD; /* insulation fault */
	bms.bst[2] = 0xFF;
	bms.bst[3] = 0xF0;
	run_to(4990 * MS);
	cr_assert(gbt_session_output_allowed(&ses));
	run_to(5000 * MS);
	cr_assert_eq(ses.state, GBT_ST_STOPPING);
	cr_assert_not(gbt_session_output_allowed(&ses));
	gbt_session_demand(&ses, &v, &i);
	cr_assert_eq(i, 0);
	cr_assert_eq(ses.stop_by, GBT_STOP_BMS);
	cr_assert(ses.bst_set & (1u << GBT_BST_INSULATION));
	cr_assert_eq(first(GBT_CST, -1)->d[0], 0x40, "CST: BMS stop");
	run_to(15000 * MS);
	cr_assert_eq(ses.state, GBT_ST_DONE);
}

Test(gbt_session, bsm_fault_stops_and_forbid_pauses)
{
	run_to(3000 * MS);
	bms.bsm.status[GBT_BSM_PERMIT] = 0;
	run_to(3500 * MS);
	cr_assert_eq(ses.state, GBT_ST_CHARGING);
	cr_assert_not(gbt_session_output_allowed(&ses));
	cr_assert_eq(slog[nlog - 1].pgn, GBT_CCS);
	cr_assert_eq(slog[nlog - 1].d[6], 0xFC, "CCS: pause");
	bms.bsm.status[GBT_BSM_PERMIT] = 1;
	run_to(4000 * MS);
	cr_assert(gbt_session_output_allowed(&ses));
	bms.bsm.status[GBT_BSM_OVERTEMP] = 2; /* untrusted: ignored */
	run_to(4500 * MS);
	cr_assert_eq(ses.state, GBT_ST_CHARGING);
	bms.bsm.status[GBT_BSM_OVERTEMP] = 1;
	run_to(5000 * MS);
	cr_assert_eq(ses.stop_by, GBT_STOP_BSM);
	cr_assert(ses.cst_set & (1u << GBT_CST_FAULT));
}

Test(gbt_session, pause_longer_than_10_min_stops)
{
	run_to(3000 * MS);
	bms.bsm.status[GBT_BSM_PERMIT] = 0;
	run_to(602000 * MS);
	cr_assert_eq(ses.state, GBT_ST_CHARGING);
	run_to(604000 * MS);
	cr_assert_eq(ses.stop_by, GBT_STOP_PAUSE);
}

Test(gbt_session, bem_breaks_then_reconnects)
{
	const struct sent *again = NULL;
	size_t k;

	bms.bem_at_us = 5000 * MS;
	run_to(5010 * MS);
	cr_assert_eq(ses.state, GBT_ST_ERROR);
	cr_assert_eq(ses.bem_set, 1u << GBT_BEM_CCS);
	cr_assert_not(gbt_session_output_allowed(&ses));
	run_to(12000 * MS);
	cr_assert_eq(count(GBT_CEM), 0u, "nothing of ours timed out");
	for (k = 0; k < nlog; k++)
		if (slog[k].pgn == GBT_CRM && slog[k].t_us > 5000 * MS) {
			again = &slog[k];
			break;
		}
	cr_assert_not_null(again);
	cr_assert_geq(again->t_us, 8500 * MS, "3.5 s quiet first");
	cr_assert_eq(again->d[0], 0x00);
	cr_assert_eq(ses.state, GBT_ST_CHARGING, "recovered");
	cr_assert_eq(ses.reconnects, 1);
}

Test(gbt_session, gives_up_after_three_reconnections)
{
	bms.skip = SKIP(S_BRM);
	run_to(60000 * MS);
	cr_assert_eq(ses.state, GBT_ST_FAILED);
	cr_assert_eq(ses.stop_by, GBT_STOP_GIVE_UP);
	cr_assert_eq(ses.reconnects, 3);
}

Test(gbt_session, bcp_outside_our_range_stops)
{
	struct gbt_session_cfg c = cfg;

	c.cml.max_voltage_dV = 3000; /* pack at 380 V */
	setup_with(&c);
	run_to(2000 * MS);
	cr_assert_eq(ses.stop_by, GBT_STOP_BCP);
	cr_assert(ses.cst_set & (1u << GBT_CST_NO_ENERGY));
	cr_assert_null(first(GBT_CML, -1));
}

Test(gbt_session, precharge_waits_for_the_caller)
{
	struct gbt_session_cfg c = cfg;

	c.auto_ready = false;
	setup_with(&c);
	run_to(3000 * MS);
	cr_assert_eq(ses.state, GBT_ST_PRECHARGE);
	cr_assert_null(first(GBT_CRO, 0xAA));
	cr_assert_not_null(first(GBT_CRO, 0x00));
	gbt_session_output_ready(&ses);
	run_to(4000 * MS);
	cr_assert_eq(ses.state, GBT_ST_CHARGING);
}

Test(gbt_session, bmv_bmt_kept_when_sent)
{
	const uint8_t v[] = {0x9F, 0x01, 0x9E, 0x11};
	const uint8_t t[] = {75, 76};

	run_to(3000 * MS);
	gbt_session_on_msg(&ses, GBT_BMV, v, 4, now);
	gbt_session_on_msg(&ses, GBT_BMT, t, 2, now);
	cr_assert_eq(ses.bmv.n, 2);
	cr_assert_eq(ses.bmv.cell_cV[1], 414);
	cr_assert_eq(ses.bmt.temp_C[1], 26);
	cr_assert_eq(ses.bmv_us, now);
}

Test(gbt_session, caller_stop_is_manual)
{
	run_to(3000 * MS);
	gbt_session_stop(&ses, now);
	run_to(10000 * MS);
	cr_assert_eq(ses.state, GBT_ST_DONE);
	cr_assert_eq(ses.stop_by, GBT_STOP_CALLER);
	cr_assert_eq(ses.cst_set, 1u << GBT_CST_MANUAL);
}
