/* SPDX-License-Identifier: Apache-2.0 */
/* test_pack_cli.c - `bench pack decode` as a QA engineer runs it
 * (docs/packs.md, "Decoding a capture"): JSON lines only when the pack
 * changes, the last one the final state; the readable summary; a bad
 * capture line and a bad profile line are errors naming file and line. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "../unit/capture_synth.h"
#include "support.h"

TestSuite(pack_cli, .timeout = 60);

static struct cap cap;

static int run(const char *cmd, char **out)
{
	char full[2048];
	FILE *p;
	size_t n = 0, k;
	int st;

	snprintf(full, sizeof(full), "%s 2>&1", cmd);
	p = popen(full, "r");
	cr_assert_not_null(p);
	*out = calloc(1, 1 << 20);
	while ((k = fread(*out + n, 1, (1 << 20) - 1 - n, p)) > 0)
		n += k;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *leaf_capture(const char *dir)
{
	static const uint8_t x1db[8] = {0x02, 0x80, 0xB9, 0x00};
	static const uint8_t req[] = {0x21, 0x04};
	static const uint8_t rep[] = {0x61, 0x04, 0x01, 0xFE, 20,   0x02, 0x08,
				      19,   0xFF, 0xFF, 0,    0x01, 0xFE, 20};
	char *text, *path;

	memset(&cap, 0, sizeof(cap));
	cap_frame(&cap, 0x1DB, x1db, 8);
	cap_frame(&cap, 0x1DB, x1db, 8); /* the same: no new line */
	cap_poll(&cap, 0x79B, 0x7BB, req, 2, rep, sizeof(rep), 0, 0);
	cap_frame(&cap, 0x1DB, x1db, 8);
	text = cap_candump(&cap);
	path = tmpfile_write(dir, "leaf.log", text);
	free(text);
	return path;
}

Test(pack_cli, json_lines_on_change)
{
	char *dir = tmpdir_new("packcli"), *path = leaf_capture(dir), *o;
	char cmd[1024], *last;
	unsigned lines = 0;

	snprintf(cmd, sizeof(cmd),
		 "bin/bench pack decode --profile "
		 "fixtures/profiles/nissan-leaf-aze0.ini %s --json",
		 path);
	cr_assert_eq(run(cmd, &o), 0, "%s", o);
	for (char *s = o; (s = strchr(s, '\n')); s++)
		lines++;
	cr_expect_eq(lines, 2, "one line per change: %s", o);
	{
		static const char head[] = "{\"t\":1700000000.000000,"
					   "\"cell_voltage_volt\":[null,";

		cr_expect_eq(strncmp(o, head, strlen(head)), 0, "%s", o);
	}
	o[strlen(o) - 1] = '\0';
	last = strrchr(o, '\n') + 1;
	cr_expect(strstr(last, "\"temperature_celsius\":[20.4,19.4,null],"
			       "\"voltage_volt\":370,\"current_ampere\":-10,"),
		  "%s", last);
	cr_expect(strstr(last, "\"temperature_min_celsius\":19.4,"
			       "\"temperature_max_celsius\":20.4,"),
		  "%s", last);
	free(o);

	snprintf(cmd, sizeof(cmd),
		 "bin/bench pack decode --profile "
		 "fixtures/profiles/nissan-leaf-aze0.ini < %s",
		 path);
	cr_assert_eq(run(cmd, &o), 0, "%s", o);
	cr_expect(strstr(o, "pack nissan-leaf-aze0 from <stdin>: 8 frames, 3 "
			    "broadcast decoded, 1 poll requests, 1 replies "
			    "decoded"),
		  "%s", o);
	cr_expect(strstr(o, "voltage 370 V  current -10 A (+ charge)"), "%s",
		  o);
	cr_expect(strstr(o, "  C   1-3    20.400  19.400       -"), "%s", o);
	free(o);
	free(path);
	free(dir);
}

Test(pack_cli, bad_capture_line_named)
{
	char *dir = tmpdir_new("packcli"), *o, cmd[1024];
	char *path = tmpfile_write(dir, "bad.log",
				   "(1.000000) can0 1DB#0280B90000000000\n"
				   "(1.001000) can0 7BB#026100\n"
				   "(1.002000) can0 1DB#zz\n");

	snprintf(cmd, sizeof(cmd),
		 "bin/bench pack decode --profile "
		 "fixtures/profiles/nissan-leaf-aze0.ini %s --json",
		 path);
	cr_expect_eq(run(cmd, &o), 1, "%s", o);
	cr_expect(strstr(o, "bad.log:3:"), "%s", o);
	free(o);
	free(path);

	path = tmpfile_write(dir, "bad.ini",
			     "[pack]\nchemistry = nmc\nseries = 4\n"
			     "rated_capacity_ah = 2\n[bms]\nsoh = \n");
	snprintf(cmd, sizeof(cmd), "bin/bench pack decode --profile %s -",
		 path);
	cr_expect_eq(run(cmd, &o), 1, "%s", o);
	cr_expect(strstr(o, "bad.ini:6: key 'soh'"), "%s", o);
	free(o);
	free(path);
	free(dir);
}

/* GB/T 27930 with no profile, or a GB/T one (docs/gbt27930.md, "Decoding a
 * capture"): the common keys and "gbt" on every line, events on stderr with the
 * capture's line; a profile and --gbt27930 together are refused. */
Test(pack_cli, gbt27930_session)
{
	char *dir = tmpdir_new("packcli"), *o, *last;
	char *path =
	    tmpfile_write(dir, "gbt.log",
			  "(5.000000) can0 1826F456#010100\n"
			  "(5.100000) can0 182756F4#A00F\n"
			  "(5.200000) can0 18EA56F4#001500\n"
			  "(5.300000) can0 1CEC56F4#10090002FF001100\n"
			  "(5.300800) can0 1CECF456#110201FFFF001100\n"
			  "(5.301400) can0 1CEB56F4#012013A00F551161\n"
			  "(5.302000) can0 1CEB56F4#021900FFFFFFFFFF\n"
			  "(5.302800) can0 1CECF456#13090002FF001100\n");
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "bin/bench pack decode --gbt27930 %s --json",
		 path);
	cr_assert_eq(run(cmd, &o), 0, "%s", o);
	cr_expect(
	    strstr(o, "gbt.log:3: at 5.200000 s: unknown_pgn: PGN 0xEA00"),
	    "%s", o);
	o[strlen(o) - 1] = '\0';
	last = strrchr(o, '\n') + 1;
	cr_expect(strstr(last,
			 "{\"t\":5.302000,\"cell_voltage_volt\":[],"
			 "\"temperature_celsius\":[],\"voltage_volt\":"
			 "489.6,\"current_ampere\":0,\"soc_percent\":97,"),
		  "%s", last);
	cr_expect(
	    strstr(last, "\"edition\":\"2015\",\"edition_from\":\"BHM\","),
	    "%s", last);
	cr_expect(strstr(last, "\"cell_voltage_highest_volt\":3.41,"
			       "\"cell_highest_group\":1,"),
		  "%s", last);
	cr_expect(strstr(last, "\"unknown_pgn\":1,"), "%s", last);
	free(o);

	snprintf(cmd, sizeof(cmd), "bin/bench pack decode --gbt27930 %s", path);
	cr_assert_eq(run(cmd, &o), 0, "%s", o);
	cr_expect(strstr(o, "edition 2015 (BHM); phases handshake 5.000 s "
			    "charging 5.302 s"),
		  "%s", o);
	cr_expect(
	    strstr(o, "voltage 489.6 V  current 0 A (+ charge)  SOC 97 %"),
	    "%s", o);
	free(o);

	snprintf(cmd, sizeof(cmd),
		 "bin/bench pack decode --gbt27930 --profile "
		 "fixtures/profiles/nissan-leaf-aze0.ini %s",
		 path);
	cr_expect_eq(run(cmd, &o), 2, "%s", o);
	cr_expect(strstr(o, "one of --profile PROFILE.ini or --gbt27930"), "%s",
		  o);
	free(o);

	/* a GB/T profile decodes the session as --gbt27930 does */
	snprintf(cmd, sizeof(cmd),
		 "bin/bench pack decode --profile "
		 "fixtures/profiles/gbt27930.ini %s",
		 path);
	cr_assert_eq(run(cmd, &o), 0, "%s", o);
	cr_expect(
	    strstr(o, "voltage 489.6 V  current 0 A (+ charge)  SOC 97 %"),
	    "%s", o);
	free(o);
	free(path);
	free(dir);
}
