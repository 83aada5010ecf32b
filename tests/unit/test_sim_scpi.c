/* SPDX-License-Identifier: Apache-2.0 */
/* test_sim_scpi.c - the simulator's SCPI supply served on a pty from a
 * thread (bench/sim/sim_scpi.h, `[cycler] kind = scpi, port = sim`), and
 * the cycler_error / cycler_garbage / cycler_unplugged faults on it, seen
 * through the serial seam as the SCPI driver sees them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "bench/instr/scpi/protocol.h"
#include "bench/sim/sim.h"
#include "bench/sim/sim_scpi.h"
#include "serial/xport.h"
#include "common/rc.h"
#include "support.h"

#define WAIT_MS 2000

struct rig {
	struct sim *s;
	struct sim_scpi *q;
	struct xport *x;
};

static void rig_open(struct rig *r, const char *fault)
{
	char *dir = tmpdir_new("simscpi"), *path, slave[256], conn[300];
	char text[512];

	snprintf(text, sizeof(text),
		 "[pack]\nname = t\nchemistry = lfp\nseries = 10\nmodules = 1\n"
		 "rated_capacity_ah = 50\n%s\nat = 10 s\n",
		 fault);
	path = tmpfile_write(dir, "pack.ini", text);
	cr_assert_eq(sim_load(path, NULL, &r->s), BENCH_OK);
	free(path);
	free(dir);
	cr_assert_eq(sim_scpi_start(r->s, slave, sizeof(slave), &r->q),
		     BENCH_OK);
	snprintf(conn, sizeof(conn), "pty:%s", slave);
	cr_assert_eq(xport_open(conn, NULL, &r->x), BENCH_OK);
}

static void rig_close(struct rig *r)
{
	xport_close(r->x);
	sim_scpi_stop(r->q);
	sim_free(r->s);
}

static void query(struct rig *r, const char *cmd, char *reply, size_t cap)
{
	int rc = scpi_query(r->x, cmd, reply, cap, WAIT_MS);

	cr_assert_geq(rc, 0, "%s: %s", cmd, bench_strerror(rc));
}

/* a test that hangs fails instead of blocking the run */
TestSuite(sim_scpi, .timeout = 60);

Test(sim_scpi, serves_the_pack_until_a_device_fault)
{
	struct rig r;
	char reply[128];

	rig_open(&r, "[fault cycler_error]");
	query(&r, "*IDN?", reply, sizeof(reply));
	cr_assert_eq(scpi_parse_idn(reply), BENCH_OK, "'%s'", reply);
	cr_assert_eq(scpi_send(r.x, "SYST:REM;VOLT 30;CURR 5", WAIT_MS),
		     BENCH_OK);
	query(&r, "SYST:ERR?", reply, sizeof(reply));
	cr_assert(!strncmp(reply, "0,", 2), "'%s'", reply);
	cr_assert_eq(sim_advance(r.s, 10000000), BENCH_OK);
	logcap_start();
	cr_assert_eq(scpi_send(r.x, "CURR 6", WAIT_MS), BENCH_OK);
	cr_assert_eq(
	    scpi_check_error(r.x, "SYST:ERR?", "*CLS", "current", WAIT_MS),
	    BENCH_ERR_PROTO);
	cr_assert(strstr(logcap_text(), "-300"), "%s", logcap_text());
	/* switching off is still taken */
	cr_assert_eq(scpi_send(r.x, "OUTP OFF", WAIT_MS), BENCH_OK);
	cr_assert_eq(scpi_check_error(r.x, "SYST:ERR?", "*CLS", "off", WAIT_MS),
		     BENCH_OK);
	logcap_stop();
	rig_close(&r);
}

Test(sim_scpi, garbage_after_its_time)
{
	struct rig r;
	char reply[128];
	double v;

	rig_open(&r, "[fault cycler_garbage]");
	query(&r, "MEAS:VOLT?", reply, sizeof(reply));
	cr_assert_eq(scpi_parse_number(reply, 'V', &v), BENCH_OK, "'%s'",
		     reply);
	cr_assert_eq(sim_advance(r.s, 10000000), BENCH_OK);
	query(&r, "MEAS:VOLT?", reply, sizeof(reply));
	cr_assert_lt(scpi_parse_number(reply, 'V', &v), 0, "'%s'", reply);
	rig_close(&r);
}

Test(sim_scpi, unplugged_line_is_gone_for_the_driver)
{
	struct rig r;
	char reply[128];
	int rc;

	rig_open(&r, "[fault cycler_unplugged]");
	query(&r, "*IDN?", reply, sizeof(reply));
	cr_assert_eq(sim_advance(r.s, 10000000), BENCH_OK);
	logcap_start();
	/* the thread closes the line within its 20 ms poll */
	rc = scpi_query(r.x, "*IDN?", reply, sizeof(reply), WAIT_MS);
	if (rc >= 0)
		rc = scpi_query(r.x, "*IDN?", reply, sizeof(reply), WAIT_MS);
	cr_assert_eq(rc, BENCH_ERR_IO, "rc %d", rc);
	cr_assert(strstr(logcap_text(), "port gone"), "%s", logcap_text());
	logcap_stop();
	rig_close(&r);
}
