/* SPDX-License-Identifier: Apache-2.0 */
/* test_can_asc.c - Vector ASC logs through the one log reader: format
 * detection, hex/dec bases, absolute/relative times, extended ids, Tx/Rx,
 * remote and CAN FD frames, skipped events and error frames, errors with
 * file:line:col, and agreement with can-utils' asc2log and log2asc. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "can/canlog.h"
#include "common/rc.h"
#include "support.h"

#define MAX_RECS 64

static size_t read_all(const char *path, struct canlog_rec *recs)
{
	struct canlog_reader *rd;
	size_t n = 0;
	int rc;

	cr_assert_eq(canlog_reader_open(path, &rd), BENCH_OK, "%s", path);
	while ((rc = canlog_reader_next(rd, &recs[n])) == 1)
		cr_assert_lt(++n, MAX_RECS);
	cr_assert_eq(rc, 0, "%s", path);
	canlog_reader_close(rd);
	return n;
}

static bool same_frame(const struct canframe *a, const struct canframe *b)
{
	return a->id == b->id && a->len == b->len && a->fd == b->fd &&
	       !memcmp(a->data, b->data, a->len);
}

/* a test that hangs fails instead of blocking the run */
TestSuite(can_asc, .timeout = 60);

/* The ASC export of bms_mux.log holds the same frames, skipping the
 * header, comments, events and the error frame. */
Test(can_asc, export_reads_like_the_candump_log, .timeout = 10)
{
	static struct canlog_rec asc[MAX_RECS], dump[MAX_RECS];
	size_t n = read_all("fixtures/can/bms_mux.asc", asc);

	cr_assert_eq(n, read_all("fixtures/can/bms_mux.log", dump));
	cr_assert_eq(n, 6);
	for (size_t i = 0; i < n; i++) {
		cr_expect(same_frame(&asc[i].frame, &dump[i].frame),
			  "frame %zu", i);
		cr_expect_str_eq(asc[i].iface, "can0");
		cr_expect_eq(canlog_t_us(&asc[i]) + 1699999999999999LL + 1,
			     canlog_t_us(&dump[i]), "frame %zu", i);
	}
	cr_expect_eq(asc[3].frame.id, CANFRAME_EFF | 0x18FF50F4u);
	cr_expect_eq(asc[0].dir, 'R');
	cr_expect_eq(asc[4].dir, 'T');
	cr_expect_eq(asc[0].t_digits, 6);
}

Test(can_asc, decimal_base_relative_times_crlf, .timeout = 10)
{
	static struct canlog_rec r[MAX_RECS];
	size_t n = read_all("fixtures/can/asc_dec_relative.asc", r);

	cr_assert_eq(n, 4);
	cr_expect_eq(r[0].frame.id, 2011u); /* 0x7DB */
	cr_expect_eq(r[0].frame.len, 8);
	cr_expect_eq(r[0].frame.data[1], 16);
	cr_expect_eq(canlog_t_us(&r[0]), 10000);
	cr_expect_eq(r[1].frame.id, CANFRAME_EFF | 419385588u);
	cr_expect_str_eq(r[1].iface, "can1");
	cr_expect_eq(r[1].dir, 'T');
	cr_expect_eq(r[1].frame.data[0], 255);
	cr_expect_eq(r[1].frame.data[2], 128);
	cr_expect_eq(canlog_t_us(&r[1]), 20000);
	cr_expect_eq(r[2].frame.id, CANFRAME_RTR | 291u);
	cr_expect_eq(r[2].frame.len, 4);
	cr_expect_eq(canlog_t_us(&r[2]), 20500);
	/* the error frame's delta counts too: 0.0205 + 0.0100 + 1.2345 */
	cr_expect_eq(r[3].frame.len, 0);
	cr_expect_eq(r[3].t_sec, 1);
	cr_expect_eq(r[3].t_frac, 2650);
	cr_expect_eq(r[3].t_digits, 4);
}

Test(can_asc, canfd_lines_with_and_without_a_name, .timeout = 10)
{
	static struct canlog_rec r[MAX_RECS];
	size_t n = read_all("fixtures/can/asc_fd.asc", r);

	cr_assert_eq(n, 3); /* the TxRq line is not a frame */
	cr_expect(r[0].frame.fd);
	cr_expect_eq(r[0].frame.id, 0x1A1u);
	cr_expect_eq(r[0].frame.flags, CANFRAME_FD_BRS);
	cr_expect_eq(r[0].frame.len, 8);
	cr_expect_eq(r[0].frame.data[7], 8);
	cr_expect_eq(r[1].frame.id, CANFRAME_EFF | 0x18DAF1DBu);
	cr_expect_eq(r[1].frame.flags, CANFRAME_FD_ESI);
	cr_expect_eq(r[1].frame.len, 32);
	cr_expect_eq(r[1].frame.data[31], 0x1F);
	cr_expect_str_eq(r[1].iface, "can1");
	cr_expect_eq(r[1].dir, 'T');
	cr_expect_not(r[2].frame.fd);
	cr_expect_eq(r[2].frame.id, 0x7E8u);
	cr_expect_eq(r[2].t_sec, 1);
	cr_expect_eq(r[2].t_frac, 300);
}

static char *run(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	char *buf = calloc(1, 1 << 16);
	size_t n;

	cr_assert_not_null(p, "%s", cmd);
	n = fread(buf, 1, (1 << 16) - 1, p);
	buf[n] = '\0';
	cr_assert_eq(pclose(p), 0, "%s", cmd);
	return buf;
}

/* can-utils' asc2log turns our fixtures into candump lines: same frames,
 * same time steps (it adds the header's date; error frames it keeps as
 * frames, we skip). */
Test(can_asc, agrees_with_asc2log, .timeout = 30)
{
	static const char *const fx[] = {"fixtures/can/bms_mux.asc",
					 "fixtures/can/asc_dec_relative.asc"};

	for (size_t k = 0; k < 2; k++) {
		static struct canlog_rec ours[MAX_RECS], theirs[MAX_RECS];
		char *dir = tmpdir_new("asc2log"), cmd[1024], path[600], *out;
		size_t n = read_all(fx[k], ours), m = 0;
		FILE *f;

		snprintf(cmd, sizeof(cmd), "asc2log -I %s 2>/dev/null", fx[k]);
		out = run(cmd);
		snprintf(path, sizeof(path), "%s/x.log", dir);
		f = fopen(path, "w");
		cr_assert_not_null(f);
		fputs(out, f);
		fclose(f);
		size_t all = read_all(path, theirs);
		for (size_t i = 0; i < all; i++)
			if (!(theirs[i].frame.id & CANFRAME_ERR))
				theirs[m++] = theirs[i];
		cr_assert_eq(n, m, "%s", fx[k]);
		for (size_t i = 0; i < n; i++) {
			cr_expect(same_frame(&ours[i].frame, &theirs[i].frame),
				  "%s frame %zu", fx[k], i);
			cr_expect_str_eq(ours[i].iface, theirs[i].iface);
			cr_expect_eq(ours[i].dir, theirs[i].dir);
			cr_expect_eq(
			    canlog_t_us(&ours[i]) - canlog_t_us(&ours[0]),
			    canlog_t_us(&theirs[i]) - canlog_t_us(&theirs[0]),
			    "%s frame %zu", fx[k], i);
		}
		free(out);
		free(dir);
	}
}

/* log2asc's export of the candump fixture reads back to its can0 frames
 * (log2asc drops the raw DLC and keeps only BRS/ESI of the FD flags). */
Test(can_asc, reads_what_log2asc_writes, .timeout = 30)
{
	static struct canlog_rec ours[MAX_RECS], dump[MAX_RECS];
	char *dir = tmpdir_new("log2asc"), cmd[1024], path[600];
	size_t n, m = 0, all;

	snprintf(path, sizeof(path), "%s/x.asc", dir);
	snprintf(cmd, sizeof(cmd),
		 "log2asc -I fixtures/can/candump_forms.log -O %s can0", path);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	n = read_all(path, ours);
	all = read_all("fixtures/can/candump_forms.log", dump);
	for (size_t i = 0; i < all; i++)
		if (!strcmp(dump[i].iface, "can0") &&
		    !(dump[i].frame.id & CANFRAME_ERR))
			dump[m++] = dump[i];
	cr_assert_eq(n, m);
	for (size_t i = 0; i < n; i++) {
		cr_expect(same_frame(&ours[i].frame, &dump[i].frame),
			  "frame %zu id 0x%X", i, (unsigned)dump[i].frame.id);
		cr_expect_eq(ours[i].frame.flags,
			     dump[i].frame.flags &
				 (CANFRAME_FD_BRS | CANFRAME_FD_ESI));
		cr_expect_eq(ours[i].dir, dump[i].dir ? dump[i].dir : 'R');
	}
	free(dir);
}

struct bad_case {
	const char *text;
	const char *want; /* after "PATH:" */
};

Test(can_asc, errors_name_file_line_col, .timeout = 10)
{
	static const char hdr[] = "date Tue Nov 14 10:13:20.123 pm 2023\n"
				  "base hex  timestamps absolute\n";
	static const struct bad_case cases[] = {
	    {"   0.1 1  7E8  Rx   d 8 02 10 03 00 00 00 00 0G\n",
	     "3:46: expected a data byte of 2 hex digits"},
	    {"   0.1 1  7E8  Rx   d 8 02 10 03\n",
	     "3:33: fewer data bytes than the length says"},
	    {"   0.1 1  7E8  Xx   d 1 02\n",
	     "3:16: expected 'Rx' or 'Tx' after the id"},
	    {"   0.1 1  8E8  Rx   d 1 02\n",
	     "3:11: standard id above 7FF (extended ids end in 'x')"},
	    {"   0.1 1  BMS_Status  Rx   d 1 02\n",
	     "3:11: expected a numeric CAN id (symbolic names are not read"},
	    {"   0.1 1  7E8  Rx   d 9 02\n", "3:23: expected a length 0..8"},
	    {"   0.1 1  7E8  Rx   q 1 02\n",
	     "3:21: expected 'd' (data) or 'r' (remote)"},
	    {"   0,1 1  7E8  Rx   d 1 02\n",
	     "3:5: expected '.' and decimals in the timestamp"},
	    {"hello\n", "3:1: expected a timestamp or an ASC header line"},
	    {"base oct  timestamps absolute\n",
	     "3:6: expected 'hex' or 'dec' after 'base'"},
	};
	char *dir = tmpdir_new("ascbad");

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[512], want[700], *path;
		struct canlog_reader *rd;
		struct canlog_rec r;

		snprintf(text, sizeof(text), "%s%s", hdr, cases[i].text);
		path = tmpfile_write(dir, "bad.asc", text);
		cr_assert_eq(canlog_reader_open(path, &rd), BENCH_OK);
		logcap_start();
		cr_expect_eq(canlog_reader_next(rd, &r), BENCH_ERR_PARSE,
			     "case %zu", i);
		logcap_stop();
		snprintf(want, sizeof(want), "%s:%s", path, cases[i].want);
		cr_expect(strstr(logcap_text(), want) != NULL,
			  "case %zu: want '%s' got '%s'", i, want,
			  logcap_text());
		canlog_reader_close(rd);
		free(path);
	}
	free(dir);
}

Test(can_asc, neither_format_is_refused_at_its_first_line, .timeout = 10)
{
	char *dir = tmpdir_new("ascdetect");
	char *path =
	    tmpfile_write(dir, "x.txt", "# notes\n\nID,DLC,DATA\n7E8,8,0210\n");
	struct canlog_reader *rd;
	struct canlog_rec r;
	char want[700];

	cr_assert_eq(canlog_reader_open(path, &rd), BENCH_OK);
	logcap_start();
	cr_expect_eq(canlog_reader_next(rd, &r), BENCH_ERR_PARSE);
	logcap_stop();
	snprintf(want, sizeof(want),
		 "%s:3:1: neither a candump line '(time) iface id#data' nor a "
		 "Vector ASC header",
		 path);
	cr_expect(strstr(logcap_text(), want) != NULL, "%s", logcap_text());
	canlog_reader_close(rd);
	free(path);
	free(dir);
}
