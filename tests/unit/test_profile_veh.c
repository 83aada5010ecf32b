/* SPDX-License-Identifier: Apache-2.0 */
/* test_profile_veh.c - a profile's [vehicle_frame NAME], [contactor_close]
 * and [contactor_open]: the shipped BYD Atto 3 car as frames, and errors
 * that name file, line and key. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "bench/profile.h"
#include "bench/profile_veh.h"
#include "common/rc.h"
#include "support.h"

static struct profile p;

static void init(void)
{
	logcap_start();
}

static void fini(void)
{
	logcap_stop();
	profile_release(&p);
}

TestSuite(profile_veh, .init = init, .fini = fini, .timeout = 60);

static const char head[] = "[pack]\n"		      /* 1 */
			   "chemistry = lfp\n"	      /* 2 */
			   "series = 8\n"	      /* 3 */
			   "rated_capacity_ah = 10\n" /* 4 */
			   "[bms]\n"		      /* 5 */
			   "dbc = pack.dbc\n"	      /* 6 */
			   "cell_voltage = C%u\n"     /* 7 */
			   "pack_voltage = PackV\n"   /* 8 */
			   "pack_current = PackI\n"   /* 9 */
			   "[vehicle_frame vcu]\n"    /* 10 */
			   "id = 0x12D\n"	      /* 11 */
			   "dlc = 8\n"		      /* 12 */
			   "period_ms = 50\n";	      /* 13 */

/* head + tail parses to rc; the error names where. */
static int parse_tail(const char *tail)
{
	char text[2048];

	snprintf(text, sizeof(text), "%s%s", head, tail);
	return profile_parse(text, "v.ini", NULL, &p);
}

static void expect_error(const char *tail, const char *want)
{
	cr_assert_eq(parse_tail(tail), BENCH_ERR_PARSE, "parsed: %s", tail);
	cr_assert(strstr(p.error, want), "error '%s' lacks '%s'", p.error,
		  want);
}

Test(profile_veh, byd_atto3_fixture_sends_its_car)
{
	struct vehframe_def defs[VEH_MAX_FRAMES];
	struct vehframe_model m;
	struct vehframe *v;
	struct canframe out[8];
	unsigned n12d = 0, n441 = 0;
	bool drive_ready = false;

	cr_assert_eq(profile_load_file("fixtures/profiles/byd-atto3.ini", &p),
		     BENCH_OK, "%s", p.error);
	cr_assert_eq(p.veh.n_frames, 2);
	cr_assert_eq(p.veh.close.n, 2);
	cr_assert_eq(p.veh.open.n, 2);
	profile_veh_model(&p.veh, defs, &m);
	cr_assert_eq(vehframe_new(&m, &v), BENCH_OK);
	vehframe_start(v, 0);
	for (int64_t t = 0; t < 2000000; t += 10000) {
		size_t n = vehframe_due(v, t, out, 8);

		for (size_t i = 0; i < n; i++) {
			const uint8_t *d = out[i].data;
			uint8_t sum = 0;

			for (int b = 0; b < 7; b++)
				sum = (uint8_t)(sum + d[b]);
			cr_assert_eq(d[7], (uint8_t)~sum, "0x%X at %lld",
				     out[i].id, (long long)t);
			if (out[i].id == 0x441) {
				n441++;
				continue;
			}
			cr_assert_eq(out[i].id, 0x12D);
			cr_assert_eq(d[6], (n12d % 16) << 4 | 0x0F,
				     "counter of frame %u", n12d);
			n12d++;
			if (t < 1150000)
				cr_assert_eq(memcmp(d,
						    "\xA0\x28\x02\xA0\x0C"
						    "\x71",
						    6),
					     0, "close pattern at %lld",
					     (long long)t);
			else
				drive_ready |=
				    d[2] == 0 && d[3] == 0x22 && d[5] == 0x31;
		}
	}
	cr_expect_eq(n12d, 40);
	cr_expect_eq(n441, 20);
	cr_expect(drive_ready, "drive-ready after 1.15 s");
	vehframe_free(v);
}

Test(profile_veh, every_key)
{
	cr_assert_eq(parse_tail("ext = true\n"
				"phase_ms = 20\n"
				"payload = 01 02 03\n"
				"counter = byte=1 bit=2 width=3 modulus=5 "
				"step=2 start=4\n"
				"checksum = crc8-j1850 first=0 last=5 store=7\n"
				"enabled = step\n"
				"[contactor_close]\n"
				"step1 = enable vcu 100\n"
				"step2 = once vcu 0102 FF0F\n"
				"step3 = set vcu 05 FF 7\n"
				"[contactor_open]\n"
				"step1 = disable vcu\n"
				"step2 = silence 5\n"),
		     BENCH_OK, "%s", p.error);
	{
		const struct vehframe_def *d = &p.veh.frames[0].def;
		const struct veh_seq *q = &p.veh.close;

		cr_expect_eq(d->id, 0x12D | CANFRAME_EFF);
		cr_expect_eq(d->phase_ms, 20);
		cr_expect_eq(d->payload[2], 3);
		cr_expect_eq(d->counter.bit, 10);
		cr_expect_eq(d->counter.width, 3);
		cr_expect_eq(d->counter.modulus, 5);
		cr_expect_eq(d->counter.step, 2);
		cr_expect_eq(d->counter.start, 4);
		cr_expect_str_eq(p.veh.frames[0].alg, "crc8-j1850");
		cr_expect_eq(d->csum.last, 5);
		cr_expect(d->off_at_start);
		cr_expect_eq(q->steps[0].act, VEHFRAME_ENABLE);
		cr_expect_eq(q->steps[0].hold_ms, 100);
		cr_expect_eq(q->steps[1].act, VEHFRAME_ONCE);
		cr_expect_eq(q->steps[1].mask[1], 0x0F);
		cr_expect_eq(q->steps[2].data[0], 5);
		cr_expect_eq(q->steps[2].hold_ms, 7);
		cr_expect_eq(p.veh.open.steps[1].act, VEHFRAME_SILENCE);
		cr_expect_eq(p.veh.open.steps[1].hold_ms, 5);
	}
}

Test(profile_veh, unknown_checksum)
{
	expect_error("checksum = crc9-none\n",
		     "v.ini:14: key 'checksum': unknown checksum 'crc9-none'");
}

Test(profile_veh, step_frame_not_defined)
{
	expect_error("[contactor_close]\n"
		     "step1 = set vcu 01 FF 10\n"
		     "step2 = enable brake\n"
		     "[contactor_open]\n"
		     "step1 = silence\n",
		     "v.ini:16: key 'step2': frame 'brake' has no "
		     "[vehicle_frame brake] section");
}

Test(profile_veh, payload_longer_than_dlc)
{
	expect_error("[vehicle_frame b]\n"
		     "id = 0x100\n"
		     "payload = 01 02 03 04 05 06\n"
		     "dlc = 4\n",
		     "v.ini:16: key 'payload': [vehicle_frame b]: payload of "
		     "6 bytes is longer than dlc 4");
}

Test(profile_veh, counter_outside_payload)
{
	expect_error("[vehicle_frame b]\n"
		     "id = 0x100\n"
		     "dlc = 2\n"
		     "counter = byte=2 bit=0 width=4\n",
		     "v.ini:17: key 'counter': [vehicle_frame b]: counter "
		     "bits 16..19 lie outside the 2-byte payload");
}

Test(profile_veh, other_errors)
{
	expect_error("[vehicle_frame x]\nid = 0x800\n",
		     "v.ini:15: key 'id': [vehicle_frame x]: 0x800 is above "
		     "0x7FF");
	profile_release(&p);
	expect_error("checksum = sum8 store=3\n", "key 'checksum'");
	profile_release(&p);
	expect_error("[contactor_close]\nstep2 = silence\n",
		     "v.ini:15: key 'step2': expected step1");
	profile_release(&p);
	expect_error("[contactor_close]\nstep1 = set vcu 0102 FF\n",
		     "v.ini:15: key 'step1': expected DATA and MASK");
	profile_release(&p);
	expect_error("[contactor_close]\nstep1 = silence\n",
		     "[contactor_close] needs a [contactor_open]");
}

/* A live value: the BYD's 0x441 echo of the pack voltage - 1 V, u16 LE
 * at byte 4; written once the input is known, before the checksum. */
Test(profile_veh, live_value_echoes_the_pack_voltage)
{
	struct vehframe_def defs[VEH_MAX_FRAMES];
	struct vehframe_model m;
	struct vehframe *v = NULL;
	struct canframe out[4];

	cr_assert_eq(parse_tail("payload = 00 00 00 00 0C 00\n"
				"value = pack_voltage byte=4 bytes=2 "
				"order=le scale=1 add=1\n"
				"checksum = sum8-inv\n"),
		     BENCH_OK, "%s", p.error);
	profile_veh_model(&p.veh, defs, &m);
	cr_assert_eq(vehframe_new(&m, &v), BENCH_OK);
	vehframe_enable(v, 0);
	cr_assert_eq(vehframe_due(v, 0, out, 4), 1);
	cr_expect_eq(out[0].data[4], 0x0C, "the template until it is known");
	vehframe_set_input(v, VEHFRAME_IN_PACK_V, 401.4, true);
	cr_assert_eq(vehframe_due(v, 50000, out, 4), 1);
	cr_expect_eq(out[0].data[4] | out[0].data[5] << 8, 400);
	cr_expect_float_eq(vehframe_value_read(&defs[0].value, out[0].data),
			   401, 1e-9);
	cr_expect_eq(out[0].data[7],
		     (uint8_t) ~(out[0].data[0] + out[0].data[1] +
				 out[0].data[2] + out[0].data[3] +
				 out[0].data[4] + out[0].data[5] +
				 out[0].data[6]),
		     "the checksum covers the value");
	vehframe_free(v);
}

Test(profile_veh, live_value_errors)
{
	expect_error("value = pack_voltage byte=7 bytes=2\n",
		     "v.ini:14: key 'value': [vehicle_frame vcu]: value bytes "
		     "7..8 lie outside the 8-byte payload");
	profile_release(&p);
	expect_error("value = cell_voltage byte=0 bytes=2\n",
		     "v.ini:14: key 'value': unknown input 'cell_voltage'");
	profile_release(&p);
	expect_error("value = pack_voltage byte=0 bytes=5\n",
		     "v.ini:14: key 'value': bad 'bytes=5'");
}
