/* SPDX-License-Identifier: Apache-2.0 */
/* test_can_decode.c - `bench can decode` and `bench dbc check` end to end
 * (through cli_can/cli_dbc), and the exact number printing. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/cli/cli.h"
#include "can/canbus.h"
#include "can/dbc_fmt.h"
#include "support.h"

/* Run fn(argv) with stdout and stderr sent to files; returns its status. */
static int run_cli(int (*fn)(int, char **), char **argv, char **out, char **err)
{
	char *dir = tmpdir_new("cli"), path[2][512];
	int saved[2], status, fd;

	for (int i = 0; i < 2; i++) {
		snprintf(path[i], sizeof(path[i]), "%s/%s", dir,
			 i ? "err" : "out");
		fflush(i ? stderr : stdout);
		saved[i] = dup(i + 1);
		fd = open(path[i], O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, i + 1);
		close(fd);
	}
	{
		int argc = 0;

		while (argv[argc])
			argc++;
		status = fn(argc, argv);
	}
	for (int i = 0; i < 2; i++) {
		fflush(i ? stderr : stdout);
		dup2(saved[i], i + 1);
		close(saved[i]);
	}
	for (int i = 0; i < 2; i++) {
		FILE *f = fopen(path[i], "r");
		char *buf = calloc(1, 1 << 20);
		size_t n = fread(buf, 1, (1 << 20) - 1, f);

		buf[n] = '\0';
		fclose(f);
		*(i ? err : out) = buf;
	}
	free(dir);
	return status;
}

/* a test that hangs fails instead of blocking the run */
TestSuite(can_decode, .timeout = 60);

Test(can_decode, json_lines_of_the_fixture_log)
{
	char *argv[] = {"can",	  "decode",
			"--dbc",  "fixtures/dbc/test/bms_mux.dbc",
			"--json", "fixtures/can/bms_mux.log",
			NULL};
	char *out, *err;

	cr_assert_eq(run_cli(cli_can, argv, &out, &err), 0, "%s", err);
	cr_expect_str_eq(
	    out, "{\"t\":1700000000.123456,\"bus\":\"can0\",\"id\":475,"
		 "\"name\":\"x1DB\",\"signals\":{\"LB_Current\":-3.0,\"LB_"
		 "Total_Voltage\":400.0,\"LB_Relay_Cut_Request\":0.0,\"LB_"
		 "MainRelayOn\":0.0,\"LB_Failsafe_Status\":0.0}}\n"
		 "{\"t\":1700000000.133456,\"bus\":\"can0\",\"id\":1040,"
		 "\"name\":\"CellVoltages\",\"signals\":{\"CellBlock\":1.0,"
		 "\"Cell4\":3.3000000000000003,\"Cell5\":0.0,\"Cell6\":0.0,"
		 "\"BlockCounter\":7.0}}\n"
		 "{\"t\":1700000000.143456,\"bus\":\"can0\",\"id\":1040,"
		 "\"name\":\"CellVoltages\",\"signals\":{\"CellBlock\":0.0,"
		 "\"Cell1\":3.3000000000000003,\"Cell2\":3.358,\"Cell3\":0.0,"
		 "\"BlockCounter\":7.0}}\n"
		 "{\"t\":1700000000.153456,\"bus\":\"can0\",\"id\":419385588,"
		 "\"name\":\"BMS_Status\",\"signals\":{\"Pack_Current\":-3.0,"
		 "\"Pack_Voltage\":411.55,\"SOC\":100.0,\"Max_Temp\":82.0,"
		 "\"Contactor\":2.0}}\n"
		 "{\"t\":1700000000.173456,\"bus\":\"can0\",\"id\":1041,"
		 "\"name\":\"Temperatures\",\"signals\":{\"T_Block\":1.0,"
		 "\"T3\":40.0,\"T4\":60.0}}\n");
	cr_expect(
	    strstr(err, "5 frames decoded, 1 skipped (id not in the DBC)") !=
		NULL,
	    "%s", err);
	free(out);
	free(err);
}

/* A Vector ASC export of the same frames decodes the same way; the
 * reader tells the format from the content. */
Test(can_decode, asc_export_decodes_like_the_candump_log)
{
	char *argv[] = {"can",	  "decode",
			"--dbc",  "fixtures/dbc/test/bms_mux.dbc",
			"--json", "fixtures/can/bms_mux.asc",
			NULL};
	char *out, *err;

	cr_assert_eq(run_cli(cli_can, argv, &out, &err), 0, "%s", err);
	cr_expect(strstr(out,
			 "{\"t\":0.153456,\"bus\":\"can0\","
			 "\"id\":419385588,\"name\":\"BMS_Status\","
			 "\"signals\":{\"Pack_Current\":-3.0,"
			 "\"Pack_Voltage\":411.55,\"SOC\":100.0,"
			 "\"Max_Temp\":82.0,\"Contactor\":2.0}}\n") != NULL,
		  "%s", out);
	cr_expect(
	    strstr(err, "5 frames decoded, 1 skipped (id not in the DBC)") !=
		NULL,
	    "%s", err);
	free(out);
	free(err);
}

Test(can_decode, text_lines_show_units_and_value_tables)
{
	char *argv[] = {"can", "decode", "--dbc=fixtures/dbc/test/bms_mux.dbc",
			"fixtures/can/bms_mux.log", NULL};
	char *out, *err;

	cr_assert_eq(run_cli(cli_can, argv, &out, &err), 0, "%s", err);
	cr_expect(
	    strstr(out, "(1700000000.153456) can0 BMS_Status Pack_Current=-3.0 "
			"A Pack_Voltage=411.55 V SOC=100.0 % Max_Temp=82.0 "
			"degC Contactor=2.0 \"Closed\"\n") != NULL,
	    "%s", out);
	cr_expect(strstr(out, "LB_Relay_Cut_Request=0.0 \"No request\"") !=
		      NULL,
		  "%s", out);
	free(out);
	free(err);
}

Test(can_decode, bad_log_line_names_file_line_and_fails)
{
	char *dir = tmpdir_new("dec");
	char *log = tmpfile_write(dir, "bad.log",
				  "(1.0) can0 1DB#00\n(1.0) can0 1DB#0\n");
	char *argv[] = {
	    "can",    "decode", "--dbc", "fixtures/dbc/test/bms_mux.dbc",
	    "--json", log,	NULL};
	char *out, *err, want[600];

	cr_expect_eq(run_cli(cli_can, argv, &out, &err), 1);
	snprintf(want, sizeof(want),
		 "%s:2:16: odd number of hex digits in the data", log);
	cr_expect(strstr(err, want) != NULL, "%s", err);
	free(out);
	free(err);
	free(log);
	free(dir);
}

Test(can_decode, usage_errors)
{
	char *no_dbc[] = {"can", "decode", "x.log", NULL};
	char *bad_sub[] = {"can", "frob", NULL};
	char *help[] = {"can", "decode", "--help", NULL};
	char *out, *err;

	cr_expect_eq(run_cli(cli_can, no_dbc, &out, &err), 2);
	cr_expect(strstr(err, "--dbc FILE.dbc is required") != NULL, "%s", err);
	free(out);
	free(err);
	cr_expect_eq(run_cli(cli_can, bad_sub, &out, &err), 2);
	cr_expect(strstr(err, "unknown subcommand 'frob'") != NULL, "%s", err);
	free(out);
	free(err);
	cr_expect_eq(run_cli(cli_can, help, &out, &err), 0);
	cr_expect(strstr(out, "usage: bench can decode") != NULL);
	free(out);
	free(err);
}

Test(can_decode, dbc_check_lists_and_strict_fails)
{
	char *ok[] = {"dbc", "check", "fixtures/dbc/test/bms_extmux.dbc", NULL};
	char *dir = tmpdir_new("chk");
	char *bad =
	    tmpfile_write(dir, "o.dbc",
			  "BO_ 1 A: 1 X\n SG_ a : 0|8@1+ (1,0) [0|0] \"\" X\n "
			  "SG_ b : 4|8@1+ (1,0) [0|0] \"\" X\n");
	char *strict[] = {"dbc", "check", bad, "--strict", NULL};
	char *lenient[] = {"dbc", "check", bad, NULL};
	char *out, *err, want[600];

	cr_assert_eq(run_cli(cli_dbc, ok, &out, &err), 0, "%s", err);
	cr_expect(strstr(out, "0x500 BMS_Diag: 8 bytes, from BMS\n") != NULL,
		  "%s", out);
	cr_expect(strstr(out,
			 "  Module_Voltage 16|16@1+ (0.01,0.0) [0.0|655.35] "
			 "\"V\" when Module_Idx in 0-3, 8\n") != NULL,
		  "%s", out);
	free(out);
	free(err);
	cr_expect_eq(run_cli(cli_dbc, strict, &out, &err), 1);
	snprintf(want, sizeof(want),
		 "%s:3:6: signal 'b' of message 'A' overlaps signal 'a'", bad);
	cr_expect(strstr(err, want) != NULL, "%s", err);
	free(out);
	free(err);
	cr_expect_eq(run_cli(cli_dbc, lenient, &out, &err), 0, "%s", err);
	free(out);
	free(err);
	free(bad);
	free(dir);
}

static void expect_fmt(double v, const char *want)
{
	char buf[DBC_FMT_DOUBLE_MAX + 1];

	buf[dbc_fmt_double(buf, v)] = '\0';
	cr_expect_str_eq(buf, want);
}

Test(can_decode, number_printing)
{
	expect_fmt(-3.0, "-3.0");
	expect_fmt(0.0, "0.0");
	expect_fmt(-0.0, "-0.0");
	expect_fmt(0.1, "0.1");
	expect_fmt(3300 * 0.001, "3.3000000000000003");
	expect_fmt(411.55, "411.55");
	expect_fmt(1e-8, "1e-08");
	expect_fmt(1e20, "1e+20");
	expect_fmt(123456789012345.6, "123456789012345.6");
	expect_fmt(0.000123, "0.000123");
	expect_fmt(NAN, "null");
	expect_fmt(INFINITY, "null");
}

Test(can_decode, numbers_read_back_exactly)
{
	char buf[DBC_FMT_DOUBLE_MAX + 1];

	srand48(7);
	for (int i = 0; i < 200000; i++) {
		double v;
		uint64_t bits = (uint64_t)mrand48() << 32 ^ (uint32_t)mrand48();

		switch (i % 3) {
		case 0: /* any double */
			memcpy(&v, &bits, sizeof(v));
			if (!isfinite(v))
				continue;
			break;
		case 1: /* a scaled raw value, as decoding produces */
			v = (double)(int64_t)(bits % 2000001) * 0.001 - 1000.0;
			break;
		default: /* wide magnitudes */
			v = ldexp(drand48(), (int)(bits % 120) - 60);
			break;
		}
		buf[dbc_fmt_double(buf, v)] = '\0';
		cr_assert_eq(strtod(buf, NULL), v, "%.17g printed as %s", v,
			     buf);
		cr_assert_leq(strlen(buf), 25, "%s", buf);
	}
}

/* The decode plan (multiplexor table) must pick exactly the signals that
 * cansig_active() says are present, in DBC order. */
static void plan_matches_active(const char *path)
{
	struct dbc_opts o = {.quiet = true};
	struct dbc_outbuf got = {0};
	struct dbc *db;

	cr_assert_eq(dbc_load_file(path, &o, &db), 0, "%s", path);
	srand48(3);
	for (size_t i = 0; i < db->n_msgs; i++) {
		const struct dbc_msg *m = &db->msgs[i];

		for (int n = 0; n < 300; n++) {
			struct canlog_rec rec = {
			    .t_sec = 1, .t_digits = 6, .iface = "c"};
			char want[1 << 14], *w = want;

			rec.frame.id = m->id;
			rec.frame.len =
			    (uint8_t)(n % 7 == 0 ? m->size / 2 : m->size);
			for (int b = 0; b < CANFRAME_MAX_LEN; b++)
				rec.frame.data[b] =
				    (uint8_t)(n % 3 ? lrand48()
						    : lrand48() % 4);
			got.len = 0;
			cr_assert_eq(dbc_fmt_json(&got, db, &rec, m), 0);
			w += sprintf(w,
				     "{\"t\":1.000000,\"bus\":\"c\",\"id\":%u,"
				     "\"name\":\"%s\",\"signals\":{",
				     (unsigned)(m->id & CANFRAME_EFF_MASK),
				     m->name);
			for (size_t k = 0, first = 1; k < m->n_sigs; k++) {
				const struct dbc_sig *s = &m->sigs[k];

				if (!cansig_active(m, s, rec.frame.data,
						   rec.frame.len))
					continue;
				w += sprintf(w, "%s\"%s\":", first ? "" : ",",
					     s->name);
				w += dbc_fmt_double(
				    w, cansig_decode(s, rec.frame.data,
						     rec.frame.len));
				first = 0;
			}
			w += sprintf(w, "}}\n");
			cr_assert_eq(got.len, (size_t)(w - want), "%s %s", path,
				     m->name);
			cr_assert(!memcmp(got.p, want, got.len),
				  "%s:\n%.*s\n%s", path, (int)got.len, got.p,
				  want);
		}
	}
	dbc_outbuf_free(&got);
	dbc_free(db);
}

Test(can_decode, plan_picks_the_active_signals)
{
	plan_matches_active("fixtures/dbc/test/bms_mux.dbc");
	plan_matches_active("fixtures/dbc/test/bms_extmux.dbc");
	plan_matches_active("fixtures/dbc/test/bms_fd.dbc");
	plan_matches_active("fixtures/dbc/test/bms_crlf_cp1252.dbc");
	plan_matches_active("fixtures/dbc/sim_bms.dbc");
}

struct dump_feed {
	int out_fd; /* dump's stdout: stop once something was decoded */
};

static void *feed_bus(void *arg)
{
	struct dump_feed *fd = arg;
	struct canframe f = {.id = 0x1DB, .len = 8, .data = {0xFF, 0x40, 0x19}};
	struct canbus *bus;
	struct stat st;

	if (canbus_open("mem:dumptest", NULL, &bus) < 0)
		return NULL;
	for (int i = 0; i < 2000; i++) { /* up to 20 s on a very slow machine */
		canbus_send(bus, &f);
		usleep(10000);
		if (fstat(fd->out_fd, &st) == 0 && st.st_size > 0)
			break;
	}
	canbus_close(bus);
	kill(getpid(), SIGINT);
	return NULL;
}

Test(can_decode, dump_decodes_a_live_bus_until_sigint)
{
	char *argv[] = {"can",
			"dump",
			"mem:dumptest",
			"--dbc",
			"fixtures/dbc/test/bms_mux.dbc",
			"--json",
			NULL};
	char *dir = tmpdir_new("dump"), path[512], buf[4096];
	struct dump_feed feed;
	pthread_t th;
	int saved, status;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/out", dir);
	feed.out_fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	fflush(stdout);
	saved = dup(1);
	dup2(feed.out_fd, 1);
	pthread_create(&th, NULL, feed_bus, &feed);
	status = cli_can(6, argv);
	pthread_join(th, NULL);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	n = pread(feed.out_fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	close(feed.out_fd);
	cr_expect_eq(status, 128 + SIGINT);
	cr_expect(strstr(buf, "\"bus\":\"mem:dumptest\",\"id\":475,\"name\":"
			      "\"x1DB\",\"signals\":{\"LB_Current\":-3.0,\"LB_"
			      "Total_Voltage\":400.0") != NULL,
		  "%s", buf);
	free(dir);
}
