/* SPDX-License-Identifier: Apache-2.0 */
/* test_can_gvret.c - SavvyCAN GVRET CSV and candump's screen output
 * (-ta) through the one log reader: detection, with and without the Dir
 * column, short frames, extended ids, stamps that jump back, and errors
 * with file:line:col. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "can/canlog.h"
#include "common/rc.h"
#include "support.h"

#define MAX_RECS 16

static int read_text(const char *text, struct canlog_rec *recs, size_t *n)
{
	char *dir = tmpdir_new("gvret");
	char *path = tmpfile_write(dir, "cap.csv", text);
	struct canlog_reader *rd;
	int rc;

	*n = 0;
	cr_assert_eq(canlog_reader_open(path, &rd), BENCH_OK);
	while ((rc = canlog_reader_next(rd, &recs[*n])) == 1)
		cr_assert_lt(++*n, MAX_RECS);
	canlog_reader_close(rd);
	free(path);
	free(dir);
	return rc;
}

TestSuite(can_gvret, .timeout = 60);

/* The Kona logs' header (no Dir) with a 3-byte frame and an extended id */
Test(can_gvret, header_without_dir, .timeout = 10)
{
	static struct canlog_rec r[MAX_RECS];
	size_t n;

	cr_assert_eq(read_text("Time Stamp,ID,Extended,Bus,LEN,D1,D2,D3,D4,"
			       "D5,D6,D7,D8\r\n"
			       "303004300,00000450,false,0,3,00,C2,05\r\n"
			       "303005400,18DAF1DB,true,1,8,10,14,49,02,01,"
			       "4F,53,45\r\n",
			       r, &n),
		     0);
	cr_assert_eq(n, 2);
	cr_expect_eq(r[0].frame.id, 0x450u);
	cr_expect_eq(r[0].frame.len, 3);
	cr_expect_eq(r[0].frame.data[1], 0xC2);
	cr_expect_eq(canlog_t_us(&r[0]), 303004300);
	cr_expect_str_eq(r[0].iface, "can0");
	cr_expect_eq(r[0].dir, 0);
	cr_expect_eq(r[1].frame.id, CANFRAME_EFF | 0x18DAF1DBu);
	cr_expect_eq(r[1].frame.data[7], 0x45);
	cr_expect_str_eq(r[1].iface, "can1");
}

/* Newer SavvyCAN: a Dir column and a trailing comma; a stamp that jumps
 * back (negative) continues from the previous frame */
Test(can_gvret, dir_column_and_stamps_that_jump_back, .timeout = 10)
{
	static struct canlog_rec r[MAX_RECS];
	size_t n;

	cr_assert_eq(read_text("Time Stamp,ID,Extended,Dir,Bus,LEN,D1,D2,D3,"
			       "D4,D5,D6,D7,D8\n"
			       "22358552,00000120,false,Rx,0,8,0B,02,0E,00,DC,"
			       "0E,22,39,\n"
			       "-364210,00000121,false,Tx,0,2,8F,07,\n"
			       "-359735,0x110,false,Rx,0,0,\n",
			       r, &n),
		     0);
	cr_assert_eq(n, 3);
	cr_expect_eq(r[0].dir, 'R');
	cr_expect_eq(r[1].dir, 'T');
	cr_expect_eq(canlog_t_us(&r[1]), 22358552);
	cr_expect_eq(canlog_t_us(&r[2]), 22358552 + 4475);
	cr_expect_eq(r[2].frame.id, 0x110u);
	cr_expect_eq(r[2].frame.len, 0);
}

Test(can_gvret, errors_name_the_line, .timeout = 10)
{
	static struct canlog_rec r[MAX_RECS];
	const char *hdr = "Time Stamp,ID,Extended,Bus,LEN,D1,D2\n";
	char text[256];
	size_t n;

	snprintf(text, sizeof(text), "%s1,7E4,false,0,2,03\n", hdr);
	cr_expect_eq(read_text(text, r, &n), BENCH_ERR_PARSE);
	snprintf(text, sizeof(text), "%s1,800,false,0,0\n", hdr);
	cr_expect_eq(read_text(text, r, &n), BENCH_ERR_PARSE);
	snprintf(text, sizeof(text), "%s1,7E4,maybe,0,0\n", hdr);
	cr_expect_eq(read_text(text, r, &n), BENCH_ERR_PARSE);
	snprintf(text, sizeof(text), "%s1,7E4,false,0,9\n", hdr);
	cr_expect_eq(read_text(text, r, &n), BENCH_ERR_PARSE);
	/* a one-digit number above its maximum (found by fuzz_gvret) */
	snprintf(text, sizeof(text),
		 "%s1,7E4,false,0,9,01,02,03,04,05,06,07,08,09\n", hdr);
	cr_expect_eq(read_text(text, r, &n), BENCH_ERR_PARSE);
	cr_expect_eq(read_text("Time Stamp,ID,Bus\n", r, &n), BENCH_ERR_PARSE);
}

/* candump -ta pasted from a terminal, as Battery-Emulator's logs are */
Test(can_gvret, candump_screen_output, .timeout = 10)
{
	static struct canlog_rec r[MAX_RECS];
	size_t n;

	cr_assert_eq(read_text("(1664.323) TX5 7e4 [8] 03 22 01 01 55 55 55 "
			       "55\n"
			       "(1664.334)  can0  18DAF1DB   [3]  62 01 01\n"
			       "(1664.335) can0 123 [0]\n",
			       r, &n),
		     0);
	cr_assert_eq(n, 3);
	cr_expect_eq(r[0].frame.id, 0x7E4u);
	cr_expect_eq(r[0].frame.len, 8);
	cr_expect_eq(r[0].frame.data[2], 0x01);
	cr_expect_str_eq(r[0].iface, "TX5");
	cr_expect_eq(canlog_t_us(&r[0]), 1664323000);
	cr_expect_eq(r[1].frame.id, CANFRAME_EFF | 0x18DAF1DBu);
	cr_expect_eq(r[1].frame.len, 3);
	cr_expect_eq(r[2].frame.len, 0);
	cr_expect_eq(read_text("(1.0) can0 7E4 [2] 03\n", r, &n),
		     BENCH_ERR_PARSE);
	cr_expect_eq(read_text("(1.0) can0 7E4 [1] 03 04\n", r, &n),
		     BENCH_ERR_PARSE);
	cr_expect_eq(read_text("(1.0) can0 7E4 [9] 03 04\n", r, &n),
		     BENCH_ERR_PARSE);
}
