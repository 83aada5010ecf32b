/* SPDX-License-Identifier: Apache-2.0 */
/* test_ctl_poll.c - the controller drives a profile's polls: a silent ECU
 * (no answer after the retries, twice in a row) stops the run safely as
 * bench:POLL_SILENT, with the poll named; a polled pack without links is
 * refused. */
#include "ctl_rig.h"

#include "can/isotp.h"
#include "bench/pollrun.h"

static struct isotp *link_;

/* One ECU that never answers, polled for SOC every second. */
static void add_poll(struct profile *p)
{
	struct poll_set *s = &p->poll;
	struct poll_def *d = &s->polls[0];

	memset(s, 0, sizeof(*s));
	s->n_ecus = 1;
	snprintf(s->ecus[0].name, sizeof(s->ecus[0].name), "bms");
	s->ecus[0].tx_id = 0x7E4;
	s->ecus[0].rx_id = 0x7EC;
	s->ecus[0].p2_ms = 100;
	s->n_polls = 1;
	snprintf(d->name, sizeof(d->name), "soh");
	cr_assert_eq(uds_req_read_did(&d->req, 0x0105), BENCH_OK);
	for (int i = 0; i < POLLER_NSTATES; i++)
		d->period_ms[i] = 1000;
	d->retries = 1;
	d->min_len = 2;
	s->n_fields = 1;
	s->fields[0] = (struct poll_field){.role = POLL_ROLE_SOC,
					   .count = 1,
					   .width = 2,
					   .stride = 2,
					   .scale = 0.1,
					   .to_base = 10.0};
	s->sweep_period_ms = 1000;
	s->stale_margin_ms = 1000;
}

static void poll_setup(void)
{
	char name[64];

	snprintf(name, sizeof(name), "mem:ctlabort-%d", (int)getpid());
	cr_assert_eq(isotp_open(name, 0x7E4, 0x7EC, NULL, &link_), BENCH_OK);
	rig_profile_hook = add_poll;
	rig_poll_links = &link_;
	setup();
}

static void poll_teardown(void)
{
	teardown();
	isotp_close(link_);
}

/* a test that hangs fails instead of blocking the run */
TestSuite(ctl_poll, .timeout = 60);

Test(ctl_poll, silent_ecu_stops_the_run_safely, .init = poll_setup,
     .fini = poll_teardown, .timeout = 30)
{
	int64_t t = start_running();

	/* each poll: 2 tries of 100 ms, then the next one a second later */
	for (int k = 0; k < 100 && !ctl_done(c); k++) {
		t += TICK_US;
		burst(3.700, t);
		ctl_tick(c, t);
	}
	cr_assert(ctl_done(c), "still running after 10 s of silence");
	cr_expect_str_eq(ctl_end_code(c), "bench:POLL_SILENT");
	cr_expect(strstr(ctl_end_reason(c), "poll 'soh' on bms: no answer "
					    "after 2 tries"),
		  "%s", ctl_end_reason(c));
	cr_expect(strstr(calls, "zero;off;"), "abort order: %s", calls);
	cr_assert_eq(close_log(), BENCH_OK);
	cr_expect_float_eq(last_current(), 0.0, 1e-9);
}

Test(ctl_poll, polled_profile_without_links_is_refused, .init = logcap_start,
     .fini = logcap_stop)
{
	struct dbc_opts dopts = {.quiet = true};
	struct ctl_cfg cc = {0};
	struct ctl *x = NULL;

	cr_assert_eq(dbc_load_file("fixtures/dbc/sim_bms.dbc", &dopts, &db),
		     BENCH_OK);
	cr_assert_eq(profile_for_sim("nmc", SERIES, 1, 8, PROBES, 94,
				     "fixtures/dbc/sim_bms.dbc", &prof),
		     BENCH_OK);
	add_poll(&prof);
	cr_assert_eq(recipe_parse(rig_recipe, "t.txt", &recipe), BENCH_OK);
	cc.recipe = &recipe;
	cc.profile = &prof;
	cc.bms_dbc = db;
	cc.cycler = &in;
	cr_assert_eq(ctl_new(&cc, &x), BENCH_ERR_ARG);
	cr_assert_null(x);
	cr_assert(strstr(logcap_text(), "polls its pack but no ISO-TP link"));
	recipe_release(&recipe);
	profile_release(&prof);
	dbc_free(db);
}
