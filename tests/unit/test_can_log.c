/* SPDX-License-Identifier: Apache-2.0 */
/* test_can_log.c - can-utils log lines: every form, round trip, errors,
 * the buffered reader, and interop with can-utils' log2asc. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "can/canlog.h"
#include "common/rc.h"
#include "support.h"

static struct canlog_rec parse_ok(const char *line)
{
	struct canlog_rec r;
	const char *err = NULL;
	unsigned col = 0;

	memset(&r, 0x5A, sizeof(r));
	cr_assert_eq(canlog_parse(line, strlen(line), &r, &err, &col), BENCH_OK,
		     "'%s': %s at %u", line, err ? err : "", col);
	return r;
}

static void expect_format(const struct canlog_rec *r, const char *want)
{
	char buf[CANLOG_LINE_MAX];
	int n = canlog_format(r, buf, sizeof(buf));

	cr_assert_gt(n, 0);
	cr_expect_eq((size_t)n, strlen(want));
	cr_expect(!memcmp(buf, want, strlen(want)), "got '%.*s' want '%s'", n,
		  buf, want);
}

/* a test that hangs fails instead of blocking the run */
TestSuite(can_log, .timeout = 60);

Test(can_log, standard_id_and_data)
{
	struct canlog_rec r = parse_ok("(1735270496.916858) can0 110#00112233");

	cr_expect_eq(r.t_sec, 1735270496u);
	cr_expect_eq(r.t_frac, 916858u);
	cr_expect_eq(r.t_digits, 6);
	cr_expect_str_eq(r.iface, "can0");
	cr_expect_eq(r.frame.id, 0x110u);
	cr_expect_eq(r.frame.len, 4);
	cr_expect_not(r.frame.fd);
	cr_expect_eq(r.frame.data[3], 0x33);
	cr_expect_eq(r.dir, 0);
	cr_expect_eq(canlog_t_us(&r), 1735270496916858LL);
	expect_format(&r, "(1735270496.916858) can0 110#00112233\n");
}

Test(can_log, extended_id_with_dot_separators_and_padded_iface)
{
	struct canlog_rec r =
	    parse_ok("(1735270496.916900)  \tvcan0   12345678#11.22.33.44");

	cr_expect_str_eq(r.iface, "vcan0");
	cr_expect_eq(r.frame.id, CANFRAME_EFF | 0x12345678u);
	cr_expect_eq(r.frame.len, 4);
	cr_expect_eq(r.frame.data[1], 0x22);
	expect_format(&r, "(1735270496.916900) vcan0 12345678#11223344\n");
}

Test(can_log, error_frame)
{
	struct canlog_rec r =
	    parse_ok("(1.000001) can0 20000004#0000000000000000");

	cr_expect_eq(r.frame.id, CANFRAME_ERR | 4u);
	cr_expect_eq(r.frame.len, 8);
	expect_format(&r,
		      "(0000000001.000001) can0 20000004#0000000000000000\n");
}

Test(can_log, remote_frames)
{
	struct canlog_rec r = parse_ok("(1.000001) can0 123#R");

	cr_expect_eq(r.frame.id, CANFRAME_RTR | 0x123u);
	cr_expect_eq(r.frame.len, 0);
	expect_format(&r, "(0000000001.000001) can0 123#R\n");
	r = parse_ok("(1.000001) can0 123#r7");
	cr_expect_eq(r.frame.id, CANFRAME_RTR | 0x123u);
	cr_expect_eq(r.frame.len, 7);
	expect_format(&r, "(0000000001.000001) can0 123#R7\n");
	r = parse_ok("(1.000001) can0 12345678#R8_9");
	cr_expect_eq(r.frame.id, CANFRAME_EFF | CANFRAME_RTR | 0x12345678u);
	cr_expect_eq(r.frame.len8_dlc, 9);
	expect_format(&r, "(0000000001.000001) can0 12345678#R8_9\n");
}

Test(can_log, raw_dlc)
{
	struct canlog_rec r =
	    parse_ok("(1.000001) can0 123#1122334455667788_E");

	cr_expect_eq(r.frame.len, 8);
	cr_expect_eq(r.frame.len8_dlc, 14);
	expect_format(&r, "(0000000001.000001) can0 123#1122334455667788_E\n");
}

Test(can_log, fd_every_flag_nibble)
{
	char line[128], want[128];

	for (unsigned fl = 0; fl < 16; fl++) {
		struct canlog_rec r;

		snprintf(line, sizeof(line), "(1.000001) can0 123##%X112233",
			 fl);
		r = parse_ok(line);
		cr_expect(r.frame.fd);
		cr_expect_eq(r.frame.flags, fl);
		cr_expect_eq(r.frame.len, 3);
		snprintf(want, sizeof(want),
			 "(0000000001.000001) can0 123##%X112233\n", fl);
		expect_format(&r, want);
	}
}

Test(can_log, fd_64_bytes)
{
	char line[256] = "(1.000001) can0 1FFFFFFF##5";
	char want[256] = "(0000000001.000001) can0 1FFFFFFF##5";
	struct canlog_rec r;

	for (int i = 0; i < 64; i++) {
		sprintf(line + strlen(line), "%02X", i);
		sprintf(want + strlen(want), "%02X", i);
	}
	r = parse_ok(line);
	cr_expect_eq(r.frame.len, 64);
	cr_expect_eq(r.frame.data[63], 63);
	cr_expect_eq(r.frame.id, CANFRAME_EFF | 0x1FFFFFFFu);
	strcat(want, "\n");
	expect_format(&r, want);
}

Test(can_log, direction_suffix_and_lowercase)
{
	struct canlog_rec r = parse_ok("(1.000001) can0 7ff#deadbeef R");

	cr_expect_eq(r.dir, 'R');
	cr_expect_eq(r.frame.data[0], 0xDE);
	expect_format(&r, "(0000000001.000001) can0 7FF#DEADBEEF R\n");
	r = parse_ok("(1.000001) can0 7FF#DEADBEEF T\r");
	cr_expect_eq(r.dir, 'T');
}

Test(can_log, nine_decimals_and_zero_based_time)
{
	struct canlog_rec r = parse_ok("(1735270496.917900123) can0 001#01");

	cr_expect_eq(r.t_digits, 9);
	cr_expect_eq(r.t_frac, 917900123u);
	cr_expect_eq(canlog_t_us(&r), 1735270496917900LL);
	expect_format(&r, "(1735270496.917900123) can0 001#01\n");
	r = parse_ok("(000.000000) can0 002#");
	cr_expect_eq(r.t_sec, 0u);
	cr_expect_eq(r.frame.len, 0);
	expect_format(&r, "(0000000000.000000) can0 002#\n");
}

Test(can_log, rec_set_from_microseconds)
{
	struct canframe f = {.id = 0x1DB, .len = 2, .data = {1, 2}};
	struct canlog_rec r;

	canlog_rec_set(&r, 1700000000123456LL, "mem:bms", &f);
	expect_format(&r, "(1700000000.123456) mem:bms 1DB#0102\n");
}

/* arrays, not pointers: Criterion runs each case in a fresh process */
struct bad_line {
	char line[64];
	char err[64];
	unsigned col;
};

/* clang-format off */
static struct bad_line bad_lines[] = {
	{"1.0 can0 123#", "expected '(' and a timestamp", 1},
	{"(x) can0 123#", "expected timestamp seconds after '('", 2},
	{"(1) can0 123#", "expected '.' in the timestamp", 3},
	{"(1.) can0 123#", "expected decimals in the timestamp", 4},
	{"(1.1234567890) can0 123#", "more than 9 decimals in the timestamp", 13},
	{"(12345678901234567890.0) can0 123#", "timestamp seconds too long", 21},
	{"(1.0 can0 123#", "expected ')' after the timestamp", 5},
	{"(1.0)can0 123#", "expected a blank after the timestamp", 6},
	{"(1.0) ", "expected a blank after the timestamp", 6},
	{"(1.0) can0", "expected a frame after the interface name", 11},
	{"(1.0) abcdefghijabcdefghijabcdefghijXX 123#", "interface name too long", 7},
	{"(1.0) ca\x01n0 123#11", "control character in the interface name", 9},
	{"(1.0) can0 12#11", "CAN id must have 3 (standard) or 8 (extended) hex digits", 12},
	{"(1.0) can0 123456789#11", "CAN id longer than 8 hex digits", 20},
	{"(1.0) can0 1G3#11", "expected a hex CAN id before '#'", 13},
	{"(1.0) can0 123", "expected '#' after the CAN id", 15},
	{"(1.0) can0 800#11", "standard id above 7FF", 15},
	{"(1.0) can0 40000001#11", "extended id above 1FFFFFFF", 20},
	{"(1.0) can0 60000001#11", "error frame id with EFF/RTR bits", 20},
	{"(1.0) can0 123#112", "odd number of hex digits in the data", 18},
	{"(1.0) can0 123#1X", "expected hex data bytes", 17},
	{"(1.0) can0 123#112233445566778899", "more than 8 data bytes in a classic frame", 32},
	{"(1.0) can0 123##", "expected a hex flag nibble after '##'", 17},
	{"(1.0) can0 20000001##0", "error frames are not CAN FD frames", 22},
	{"(1.0) can0 20000001#R", "an error frame cannot be a remote frame", 21},
	{"(1.0) can0 123#1122_9", "raw DLC '_X' needs exactly 8 data bytes", 21},
	{"(1.0) can0 123#1122334455667788_8", "raw DLC after '_' must be a hex digit 9..F", 33},
	{"(1.0) can0 123#R9", "unexpected characters after the frame", 17},
	{"(1.0) can0 123#11 X", "expected nothing, ' R' or ' T' after the frame", 19},
	{"(1.0) can0 123#11 R T", "expected nothing, ' R' or ' T' after the frame", 19},
};
/* clang-format on */

ParameterizedTestParameters(can_log, bad_line)
{
	return cr_make_param_array(struct bad_line, bad_lines,
				   sizeof(bad_lines) / sizeof(bad_lines[0]));
}

ParameterizedTest(struct bad_line *b, can_log, bad_line)
{
	struct canlog_rec r;
	const char *err = NULL;
	unsigned col = 0;

	cr_assert_eq(canlog_parse(b->line, strlen(b->line), &r, &err, &col),
		     BENCH_ERR_PARSE, "%s", b->line);
	cr_expect_str_eq(err, b->err, "%s", b->line);
	cr_expect_eq(col, b->col, "%s: col %u", b->line, col);
}

Test(can_log, fd_more_than_64_bytes)
{
	char line[300] = "(1.0) can0 123##0";
	struct canlog_rec r;
	const char *err;
	unsigned col;

	for (int i = 0; i < 65; i++)
		strcat(line, "AA");
	cr_assert_eq(canlog_parse(line, strlen(line), &r, &err, &col),
		     BENCH_ERR_PARSE);
	cr_expect_str_eq(err, "more than 64 data bytes in a CAN FD frame");
}

Test(can_log, format_rejects_invalid)
{
	struct canlog_rec r = parse_ok("(1.0) can0 123#11");
	char small[8];

	logcap_start();
	cr_expect_eq(canlog_format(&r, small, sizeof(small)), BENCH_ERR_ARG);
	r.frame.len = 9;
	cr_expect_eq(canlog_format(&r, small, sizeof(small)), BENCH_ERR_ARG);
	logcap_stop();
	cr_expect(strstr(logcap_text(), "does not fit a 8-byte buffer") != NULL,
		  "%s", logcap_text());
	cr_expect(strstr(logcap_text(), "cannot format frame id 0x123 len 9") !=
		      NULL,
		  "%s", logcap_text());
}

Test(can_log, reader_reads_every_form_of_the_fixture)
{
	struct canlog_reader *rd;
	struct canlog_rec r;
	unsigned n = 0;
	int rc;

	cr_assert_eq(canlog_reader_open("fixtures/can/candump_forms.log", &rd),
		     BENCH_OK);
	while ((rc = canlog_reader_next(rd, &r)) == 1)
		n++;
	cr_expect_eq(rc, 0);
	cr_expect_eq(n, 13);
	cr_expect_eq(canlog_reader_line(rd), 15);
	canlog_reader_close(rd);
}

Test(can_log, reader_reports_file_line_col)
{
	char *dir = tmpdir_new("canlog");
	char *path = tmpfile_write(dir, "bad.log",
				   "(1.0) can0 123#11\r\n\n(1.0) can0 123#1\n");
	struct canlog_reader *rd;
	struct canlog_rec r;
	char want[512];

	cr_assert_eq(canlog_reader_open(path, &rd), BENCH_OK);
	cr_expect_eq(canlog_reader_next(rd, &r), 1);
	logcap_start();
	cr_expect_eq(canlog_reader_next(rd, &r), BENCH_ERR_PARSE);
	logcap_stop();
	snprintf(want, sizeof(want),
		 "%s:3:16: odd number of hex digits in the data", path);
	cr_expect(strstr(logcap_text(), want) != NULL, "%s", logcap_text());
	canlog_reader_close(rd);
	free(path);
	free(dir);
}

Test(can_log, reader_last_line_without_newline_and_missing_file)
{
	char *dir = tmpdir_new("canlog");
	char *path =
	    tmpfile_write(dir, "x.log", "(1.0) can0 123#11\n(2.0) can0 124#");
	struct canlog_reader *rd;
	struct canlog_rec r;

	cr_assert_eq(canlog_reader_open(path, &rd), BENCH_OK);
	cr_expect_eq(canlog_reader_next(rd, &r), 1);
	cr_expect_eq(canlog_reader_next(rd, &r), 1);
	cr_expect_eq(r.frame.id, 0x124u);
	cr_expect_eq(canlog_reader_next(rd, &r), 0);
	canlog_reader_close(rd);
	logcap_start();
	cr_expect_eq(canlog_reader_open("/nonexistent/x.log", &rd),
		     BENCH_ERR_IO);
	logcap_stop();
	cr_expect(strstr(logcap_text(), "cannot open '/nonexistent/x.log'") !=
		  NULL);
	free(path);
	free(dir);
}

/* Our writer's output must be accepted by can-utils' log2asc. */
Test(can_log, log2asc_accepts_what_we_write)
{
	/* clang-format off */
	static const char *const lines[] = {
		"(1.000001) can0 110#00112233",
		"(1.000002) can0 12345678#11223344",
		"(1.000003) can0 20000004#0000000000000000",
		"(1.000004) can0 123#R7",
		"(1.000005) can0 123#1122334455667788_E",
		"(1.000006) can0 123##5112233",
		"(1.000007) can0 123#11 T",
	};
	/* clang-format on */
	char *dir = tmpdir_new("log2asc"), path[512], cmd[1200], buf[4096];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/ours.log", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct canlog_rec r = parse_ok(lines[i]);
		char out[CANLOG_LINE_MAX];
		int len = canlog_format(&r, out, sizeof(out));

		cr_assert_gt(len, 0);
		fwrite(out, 1, (size_t)len, f);
	}
	fclose(f);
	snprintf(cmd, sizeof(cmd), "log2asc -I %s -O %s/ours.asc can0", path,
		 dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	snprintf(path, sizeof(path), "%s/ours.asc", dir);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	cr_expect(strstr(buf, "110             Rx   d 4 00 11 22 33") != NULL,
		  "%s", buf);
	cr_expect(strstr(buf, "12345678x       Rx   d 4 11 22 33 44") != NULL,
		  "%s", buf);
	cr_expect(strstr(buf, "ErrorFrame") != NULL, "%s", buf);
	cr_expect(strstr(buf, "123             Rx   r 7") != NULL, "%s", buf);
	cr_expect(strstr(buf, "CANFD") != NULL, "%s", buf);
	cr_expect(strstr(buf, "123             Tx   d 1 11") != NULL, "%s",
		  buf);
	free(dir);
}
