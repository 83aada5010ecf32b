/* SPDX-License-Identifier: Apache-2.0 */
/* test_sim_persona_veh.c - a simulated pack whose contactors close only
 * while it hears the car (docs/simulator.md, "BMS personalities"): the
 * car here is the profile's own frames through the controller's vehframe
 * engine, sent by hand so a test can break one counter, checksum or
 * length, or fall silent, and watch the pack's contactor feedback. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "bench/profile.h"
#include "bench/profile_veh.h"
#include "bench/sim/sim.h"
#include "bench/vehframe.h"
#include "can/canbus.h"
#include "can/dbc.h"
#include "common/rc.h"
#include "support.h"

struct car {
	struct sim *s;
	struct canbus *sim_bus, *car_bus;
	struct profile prof;
	struct dbc *db;
	const struct dbc_msg *m_fb, *m_pack;
	const struct dbc_sig *s_fb, *s_pack_v;
	struct vehframe_def defs[VEH_MAX_FRAMES];
	struct vehframe_model model;
	struct vehframe *veh;
	int64_t t_us;
	double pack_V;
	bool pack_V_seen;
	int feedback; /* raw contactor state, -1 = none yet */
	bool silent;  /* the car sends nothing */
	bool no_echo; /* the car does not echo the pack voltage */
	/* break the next frame of this id: 1 checksum, 2 length, 3 drop */
	uint32_t break_id;
	int break_how;
};

static const struct dbc_sig *find_sig(const struct dbc *db, const char *name,
				      const struct dbc_msg **msg)
{
	for (size_t i = 0; i < db->n_msgs; i++) {
		const struct dbc_sig *sg = dbc_sig_by_name(&db->msgs[i], name);

		if (sg) {
			*msg = &db->msgs[i];
			return sg;
		}
	}
	return NULL;
}

static void car_open(struct car *c, const char *pack, const char *bus)
{
	char rel[128], *path;
	memset(c, 0, sizeof(*c));
	c->feedback = -1;
	snprintf(rel, sizeof(rel), "fixtures/packs/%s.ini", pack);
	path = sim_fixture_path(rel);
	cr_assert(path, "%s", rel);
	cr_assert_eq(sim_load(path, NULL, &c->s), BENCH_OK);
	free(path);
	sim_set_noise(c->s, false);
	cr_assert_eq(profile_load_file(sim_bms_profile(c->s), &c->prof),
		     BENCH_OK);
	cr_assert_eq(canbus_open(bus, NULL, &c->sim_bus), BENCH_OK);
	cr_assert_eq(canbus_open(bus, NULL, &c->car_bus), BENCH_OK);
	cr_assert_eq(sim_attach_bms(c->s, c->sim_bus), BENCH_OK);
	cr_assert_eq(dbc_load_file(c->prof.dbc_path, NULL, &c->db), BENCH_OK);
	c->s_fb = find_sig(c->db, c->prof.contactor_state, &c->m_fb);
	cr_assert(c->s_fb, "%s maps no contactor feedback", pack);
	c->s_pack_v = find_sig(c->db, c->prof.pack_voltage, &c->m_pack);
	cr_assert(c->s_pack_v);
	profile_veh_model(&c->prof.veh, c->defs, &c->model);
	cr_assert_eq(vehframe_new(&c->model, &c->veh), BENCH_OK);
	vehframe_enable(c->veh, 0);
}

static void car_close(struct car *c)
{
	vehframe_free(c->veh);
	dbc_free(c->db);
	profile_release(&c->prof);
	sim_free(c->s);
	canbus_close(c->sim_bus);
	canbus_close(c->car_bus);
}

static void car_send(struct car *c)
{
	struct canframe out[VEH_MAX_FRAMES];
	size_t n;

	vehframe_set_input(c->veh, VEHFRAME_IN_PACK_V, c->pack_V,
			   c->pack_V_seen && !c->no_echo);
	n = vehframe_due(c->veh, c->t_us, out, VEH_MAX_FRAMES);
	for (size_t i = 0; i < n && !c->silent; i++) {
		if (c->break_how && out[i].id == c->break_id) {
			int how = c->break_how;

			c->break_how = 0;
			if (how == 3)
				continue; /* the next one's counter jumps */
			if (how == 1)
				out[i].data[7] ^= 0x01; /* the checksum byte */
			if (how == 2)
				out[i].len--;
		}
		cr_assert_eq(canbus_send(c->car_bus, &out[i]), BENCH_OK);
	}
}

static void car_run(struct car *c, double seconds)
{
	for (int k = 0; k < (int)lround(seconds * 10); k++) {
		struct canbus_ev ev;

		car_send(c);
		c->t_us += 100000;
		cr_assert_eq(sim_advance(c->s, c->t_us), BENCH_OK);
		while (canbus_recv(c->car_bus, &ev, 0) == 1) {
			const struct canframe *f = &ev.frame;

			if (f->id == c->m_fb->id)
				c->feedback = (int)lround(
				    cansig_decode(c->s_fb, f->data, f->len));
			if (f->id == c->m_pack->id) {
				c->pack_V =
				    cansig_decode(c->s_pack_v, f->data, f->len);
				c->pack_V_seen = true;
			}
		}
	}
}

static bool closed(const struct car *c)
{
	return c->feedback == c->prof.contactor_closed;
}

/* The car present and asking: the pack closes (precharge 0.5 s after the
 * close pattern). */
static void car_closes(struct car *c)
{
	car_run(c, 1);
	cr_expect(!closed(c), "closed before the close sequence");
	vehframe_start_seq(c->veh, c->t_us);
	car_run(c, 4);
	cr_assert(closed(c), "contactors not closed (feedback %d)",
		  c->feedback);
}

TestSuite(sim_persona_veh, .timeout = 60);

Test(sim_persona_veh, every_car_closes_its_pack)
{
	static const char *const packs[] = {"atto3-aged", "model3-aged",
					    "mg-gen1-aged"};

	for (size_t i = 0; i < sizeof(packs) / sizeof(packs[0]); i++) {
		struct car c;
		char bus[32];

		snprintf(bus, sizeof(bus), "mem:veh%zu", i);
		car_open(&c, packs[i], bus);
		car_closes(&c);
		/* the open sequence: the pack lets go */
		vehframe_stop(c.veh, c.t_us);
		car_run(&c, 6);
		cr_expect_eq(c.feedback, c.prof.contactor_open,
			     "%s after the open sequence: %d", packs[i],
			     c.feedback);
		car_close(&c);
	}
}

Test(sim_persona_veh, no_car_no_contactors)
{
	struct car c;

	car_open(&c, "atto3-aged", "mem:nocar");
	c.silent = true;
	vehframe_start_seq(c.veh, 0);
	car_run(&c, 5);
	cr_expect_eq(c.feedback, c.prof.contactor_open);
	car_close(&c);
}

Test(sim_persona_veh, a_bad_checksum_opens_them)
{
	struct car c;

	logcap_start();
	car_open(&c, "atto3-aged", "mem:csum");
	car_closes(&c);
	c.break_id = 0x12D;
	c.break_how = 1;
	car_run(&c, 1);
	cr_expect(!closed(&c), "still closed after a bad checksum");
	cr_expect(strstr(logcap_text(), "vehicle frame 0x12D") &&
		      strstr(logcap_text(), "checksum"),
		  "%s", logcap_text());
	/* a good frame after a bad one does not close them again */
	car_run(&c, 3);
	cr_expect(!closed(&c), "%s", logcap_text());
	logcap_stop();
	car_close(&c);
}

Test(sim_persona_veh, a_skipped_counter_opens_them)
{
	struct car c;

	logcap_start();
	car_open(&c, "model3-aged", "mem:ctr");
	car_closes(&c);
	c.break_id = 0x221;
	c.break_how = 3;
	car_run(&c, 1);
	cr_expect(!closed(&c), "still closed after a counter jump");
	cr_expect(strstr(logcap_text(), "alive counter"), "%s", logcap_text());
	logcap_stop();
	car_close(&c);
}

Test(sim_persona_veh, a_short_frame_opens_them)
{
	struct car c;

	car_open(&c, "mg-gen1-aged", "mem:len");
	car_closes(&c);
	c.break_id = 0x08A;
	c.break_how = 2;
	car_run(&c, 1);
	cr_expect(!closed(&c), "still closed after a 7-byte frame");
	car_close(&c);
}

Test(sim_persona_veh, a_silent_car_opens_them_within_the_timeout)
{
	struct car c;

	car_open(&c, "mg-gen1-aged", "mem:quiet");
	car_closes(&c);
	c.silent = true;
	car_run(&c, 0.5);
	cr_expect(closed(&c), "opened before the 1 s time-out");
	car_run(&c, 1.0);
	cr_expect(!closed(&c), "still closed 1.5 s after the car went quiet");
	car_close(&c);
}

/* BYD: 0x441 must echo the pack voltage - 1 before the pack closes. */
Test(sim_persona_veh, no_echo_no_contactors)
{
	struct car c;

	car_open(&c, "atto3-aged", "mem:echo");
	c.no_echo = true; /* 0x441 keeps 0x000C */
	car_run(&c, 1);
	vehframe_start_seq(c.veh, c.t_us);
	car_run(&c, 4);
	cr_expect_eq(c.feedback, c.prof.contactor_open,
		     "closed without the precharge echo");
	car_close(&c);
}
