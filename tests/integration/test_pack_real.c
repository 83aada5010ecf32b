/* SPDX-License-Identifier: Apache-2.0 */
/* test_pack_real.c - `bench pack decode` on captures of real packs
 * (fixtures/captures/real/README.md): the values that matter come out
 * with the right scaling and sign. A missing capture fails the test. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define REAL "fixtures/captures/real/"
#define KONA "fixtures/profiles/hyundai-kona-64.ini"

TestSuite(pack_real, .timeout = 60);

/* `bench pack decode --json` on a capture that must exist; the output
 * (malloc'd) holds one JSON object per line. */
static char *decode(const char *profile, const char *capture)
{
	char cmd[1024], *out = calloc(1, 1 << 22);
	size_t n = 0, k;
	FILE *p;
	int st;

	cr_assert_not_null(out);
	cr_assert_eq(access(capture, R_OK), 0,
		     "real capture %s is missing: see "
		     "fixtures/captures/real/README.md",
		     capture);
	snprintf(cmd, sizeof(cmd),
		 "bin/bench pack decode --profile %s %s --json", profile,
		 capture);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	while ((k = fread(out + n, 1, (1 << 22) - 1 - n, p)) > 0)
		n += k;
	st = pclose(p);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s failed", cmd);
	cr_assert_gt(n, 0, "%s printed nothing", cmd);
	return out;
}

/* Number after "key": in one JSON line; NAN for null or absent. */
static double num(const char *line, const char *key)
{
	char pat[64];
	const char *s;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	s = strstr(line, pat);
	if (!s || !strncmp(s + strlen(pat), "null", 4))
		return NAN;
	return strtod(s + strlen(pat), NULL);
}

/* The last line (the final state); cuts the output there. */
static const char *last_line(char *out)
{
	char *nl;

	out[strcspn(out, "\0")] = '\0';
	while ((nl = strrchr(out, '\n')) && nl[1] == '\0')
		*nl = '\0';
	nl = strrchr(out, '\n');
	return nl ? nl + 1 : out;
}

/* Kona 64 kWh on a bench at rest, Vector ASC written with channel 0:
 * 0x595 360.8 V and 0 A, 0x594 SOC 49 %, 0x596 10/10 C. */
Test(pack_real, kona_bms_at_rest_asc)
{
	char *out = decode(KONA, REAL "kona-bms-idle.asc");
	const char *l = last_line(out);

	cr_expect_float_eq(num(l, "voltage_volt"), 360.8, 1e-6, "%s", l);
	cr_expect_float_eq(num(l, "current_ampere"), 0, 1e-9, "%s", l);
	cr_expect_float_eq(num(l, "soc_percent"), 49, 1e-9, "%s", l);
	cr_expect_float_eq(num(l, "temperature_min_celsius"), 10, 1e-9);
	cr_expect_float_eq(num(l, "temperature_max_celsius"), 10, 1e-9);
	/* 98 cells, none broadcast: all null, none invented */
	cr_expect(strstr(l, "\"cell_voltage_volt\":[null,"), "%s", l);
	cr_expect(isnan(num(l, "cell_voltage_min_volt")));
	free(out);
}

/* A 2019 Kona switched on and to ready (SavvyCAN GVRET CSV, BMS frames
 * only): the 12 V converter draws a few amps from the pack, so the
 * current must come out negative (discharge) while the voltage sags, and
 * SOC holds. */
Test(pack_real, kona_car_ready_gvret_discharges)
{
	char *out = decode(KONA, REAL "kona-ccan-ready.csv");
	double i_min = 0, i_max = 0, v_hi = 0, v_at_i_min = 0, t_max = -99;
	unsigned lines = 0;

	for (char *l = strtok(out, "\n"); l; l = strtok(NULL, "\n")) {
		double v = num(l, "voltage_volt"), i = num(l, "current_ampere");

		lines++;
		if (isnan(v) || v == 0) /* before power-on, after power-off */
			continue;
		cr_expect(v > 98 * 3.0 && v < 98 * 4.2, "%s", l);
		cr_expect_float_eq(num(l, "soc_percent"), 35.5, 1e-9, "%s", l);
		t_max = fmax(t_max, num(l, "temperature_max_celsius"));
		v_hi = fmax(v_hi, v);
		if (i < i_min) {
			i_min = i;
			v_at_i_min = v;
		}
		i_max = fmax(i_max, i);
	}
	cr_expect_gt(lines, 100);
	cr_expect_lt(i_min, -3.0, "the car's 12 V load is a discharge");
	cr_expect_lt(i_max, 0.5, "no charge source in this capture");
	cr_expect_float_eq(v_hi, 355.1, 1e-6);
	cr_expect_float_eq(t_max, 23, 1e-9, "0x596 b7 while ready");
	cr_expect_lt(v_at_i_min, v_hi, "the voltage sags under load");
	free(out);
}

Test(pack_real, missing_capture_fails_loudly)
{
	char cmd[256], buf[512] = "";
	FILE *p;
	size_t n;
	int st;

	snprintf(cmd, sizeof(cmd),
		 "bin/bench pack decode --profile " KONA " " REAL
		 "no-such-capture.csv --json 2>&1");
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = '\0';
	st = pclose(p);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) != 0);
	cr_expect(strstr(buf, "no-such-capture.csv"), "%s", buf);
}
