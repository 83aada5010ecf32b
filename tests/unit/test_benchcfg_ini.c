/* SPDX-License-Identifier: Apache-2.0 */
/* test_benchcfg_ini.c - bench file: fixtures, defaults, [limits], errors
 * with file, line and key. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "bench/benchcfg.h"
#include "common/rc.h"
#include "support.h"

static struct benchcfg b;

static void init(void)
{
	logcap_start();
}

static void fini(void)
{
	logcap_stop();
	benchcfg_release(&b);
}

TestSuite(benchcfg, .init = init, .fini = fini, .timeout = 60);

Test(benchcfg, defaults_are_all_simulated)
{
	benchcfg_defaults(&b);
	cr_assert_eq(b.cycler, BENCHCFG_CYCLER_SIM);
	cr_assert_str_eq(b.bms_bus, "sim");
	cr_assert_str_eq(benchcfg_cycler_name(b.cycler), "sim");
	cr_assert_not(b.limits.has_cell_mV);
}

Test(benchcfg, telemetry_section)
{
	const char *ini = "[bench]\nid = bench-7\n[telemetry]\n"
			  "url = mqtts://broker.lab:8883\nca = ca.pem\n"
			  "username = bench7\npassword_file = /etc/pw\n"
			  "lab = cell-lab\nlinger_s = 5\n";

	cr_assert_eq(benchcfg_parse(ini, "b.ini", "/etc/bench", &b), BENCH_OK,
		     "%s", b.error);
	cr_assert_str_eq(b.telemetry.url, "mqtts://broker.lab:8883");
	cr_assert_str_eq(b.telemetry.ca, "/etc/bench/ca.pem");
	cr_assert_str_eq(b.telemetry.password_file, "/etc/pw");
	cr_assert_str_eq(b.telemetry.username, "bench7");
	cr_assert_str_eq(b.telemetry.lab, "cell-lab");
	cr_assert_float_eq(b.telemetry.linger_s, 5.0, 1e-9);
}

Test(benchcfg, sim_fixture)
{
	cr_assert_eq(benchcfg_load_file("fixtures/bench/sim.ini", &b), BENCH_OK,
		     "%s", b.error);
	cr_assert_str_eq(b.id, "sim-1");
	cr_assert_str_eq(b.operator_name, "ci");
	cr_assert_str_eq(b.bms_bus, "sim");
	cr_assert_eq(b.cycler, BENCHCFG_CYCLER_SIM);
	cr_assert_not_null(b.text);
}

Test(benchcfg, scpi_fixture)
{
	cr_assert_eq(benchcfg_load_file("fixtures/bench/lab-scpi.ini", &b),
		     BENCH_OK, "%s", b.error);
	cr_assert_str_eq(b.id, "lab-bench-3");
	cr_assert_str_eq(b.bms_bus, "can0");
	cr_assert_eq(b.bms_bitrate, 500000);
	cr_assert_eq(b.bms_restart_ms, 100);
	cr_assert_eq(b.cycler, BENCHCFG_CYCLER_SCPI);
	cr_assert_str_eq(b.scpi_port, "/dev/ttyUSB0");
	cr_assert_str_eq(b.scpi_serial, "115200/8n1");
	cr_assert_str_eq(b.scpi_model, "ea-psb");
	cr_assert(b.limits.has_current);
	cr_assert_eq(b.limits.charge_max.current_mA, 150000);
	cr_assert_eq(b.limits.discharge_max.current_mA, 150000);
	cr_assert(b.limits.has_temp);
	cr_assert_eq(b.limits.temp_low_ddegC, -100);
	cr_assert_eq(b.limits.temp_high_ddegC, 550);
}

Test(benchcfg, can_fixture_resolves_the_dbc)
{
	cr_assert_eq(benchcfg_load_file("fixtures/bench/lab-can.ini", &b),
		     BENCH_OK, "%s", b.error);
	cr_assert_eq(b.cycler, BENCHCFG_CYCLER_CAN);
	cr_assert_str_eq(b.cycler_bus, "can1");
	cr_assert_str_eq(b.cycler_dbc, "fixtures/bench/../dbc/sim_cycler.dbc");
	cr_assert(b.limits.has_pack_mV);
	cr_assert_eq(b.limits.pack_low_mV, 250000);
	cr_assert_eq(b.limits.pack_high_mV, 410000);
}

Test(benchcfg, limits_in_every_form)
{
	cr_assert_eq(benchcfg_parse("[limits]\n"
				    "cell_voltage = 2450 mV to 4.25 V\n"
				    "current = -1C to C/2\n",
				    "b.ini", NULL, &b),
		     BENCH_OK, "%s", b.error);
	cr_assert_eq(b.limits.cell_low_mV, 2450);
	cr_assert_eq(b.limits.cell_high_mV, 4250);
	cr_assert(b.limits.discharge_max.is_c_rate);
	cr_assert_float_eq(b.limits.discharge_max.c_rate, 1.0, 1e-9);
	cr_assert_float_eq(b.limits.charge_max.c_rate, 0.5, 1e-9);
}

struct bad {
	const char *text;
	const char *error;
};

/* clang-format off */
static const struct bad bads[] = {
	{"[bench]\nname = x\n", "b.ini:2: key 'name': unknown key in [bench]"},
	{"[bms]\nbaud = 1\n", "b.ini:2: key 'baud': unknown key in [bms]"},
	{"[cycler]\nkind = usb\n",
	 "b.ini:2: key 'kind': expected scpi, can or sim, found 'usb'"},
	{"[cycler]\nkind = scpi\nport = /dev/ttyS0\nserial = 115200-8n1\n",
	 "b.ini:4: key 'serial': expected like 115200/8n1, found "
	 "'115200-8n1'"},
	{"[cycler]\nkind = scpi\nport = /dev/ttyS0\nmodel = keithley\n",
	 "b.ini:4: key 'model': expected generic, ea-psb or itech-it6000, "
	 "found 'keithley'"},
	{"[cycler]\nvoltage = 1\n",
	 "b.ini:2: key 'voltage': unknown key in [cycler]"},
	{"[bms]\nbitrate = fast\n",
	 "b.ini:2: key 'bitrate': expected a whole number, found 'fast'"},
	{"[bms]\nbitrate = 9000000\n",
	 "b.ini:2: key 'bitrate': expected a whole number from 0 to 8000000, "
	 "found '9000000'"},
	{"[limits]\ncell_voltage = 4.2 V to 2.5 V\n",
	 "b.ini:2: key 'cell_voltage': expected the upper bound above the "
	 "lower, found '4.2 V to 2.5 V'"},
	{"[limits]\ncell_voltage = 2.5 to 4.2 V\n",
	 "b.ini:2: key 'cell_voltage': expected '2.45 V to 4.25 V', found "
	 "'2.5 to 4.2 V'"},
	{"[limits]\ntemperature = -10 C - 55 C\n",
	 "b.ini:2: key 'temperature': expected '-10 C to 55 C', found '-10 C - "
	 "55 C'"},
	{"[limits]\ncurrent = 1 A to 2 A\n",
	 "b.ini:2: key 'current': expected a discharge bound <= 0 and a charge "
	 "bound > 0, found '1 A to 2 A'"},
	{"[limits]\npack_voltage = 300 V to 4000 V\n",
	 "b.ini:2: key 'pack_voltage': expected pack voltages from 0 to 2000 "
	 "V, found '300 V to 4000 V'"},
	{"[limits]\nspeed = 1\n", "b.ini:2: key 'speed': unknown key in [limits]"},
	{"[cyclers]\nkind = sim\n",
	 "b.ini:2: unknown section [cyclers] (expected bench, bms, cycler, "
	 "limits, telemetry)"},
	{"[telemetry]\nurl = http://lab:1883\n",
	 "b.ini:2: key 'url': 'http://lab:1883': expected mqtt://HOST:PORT or "
	 "mqtts://HOST:PORT"},
	{"[telemetry]\ntopic = x\n",
	 "b.ini:2: key 'topic': unknown key in [telemetry]"},
	{"id = x\n", "b.ini:1: key 'id': key outside a section"},
	{"[bench]\nid =\n", "b.ini:2: key 'id': expected a value, found nothing"},
	{"[cycler]\nkind = scpi\n",
	 "b.ini: missing key port in [cycler] (kind = scpi)"},
	{"[cycler]\nkind = can\nbus = can1\n",
	 "b.ini: missing key dbc in [cycler] (kind = can)"},
	{"[cycler]\nkind = can\ndbc = x.dbc\n",
	 "b.ini: missing key bus in [cycler] (kind = can)"},
	{"[cycler]\nkind = can\nbus = can1\ndbc = x.dbc\nport = /dev/ttyS0\n",
	 "b.ini:5: key 'port': port/serial/model in [cycler] need kind = scpi "
	 "(kind is can)"},
	{"[cycler]\nkind = sim\nbus = can1\n",
	 "b.ini:3: key 'bus': bus/dbc in [cycler] need kind = can (kind is sim)"},
	{"[cycler]\nmodel = generic\nport = x\nbus = c\ndbc = d\nkind = can\n",
	 "b.ini:6: key 'kind': port/serial/model in [cycler] need kind = scpi "
	 "(kind is can)"},
	{"[cycler]\nbus = can1\n",
	 "b.ini:2: key 'bus': bus/dbc in [cycler] need kind = can (kind is sim)"},
	{"[bms]\nbus = can0\n; the other bus\nbus = can1\n",
	 "b.ini:4: key 'bus': given twice (first on line 2)"},
	{"[limits]\ncurrent = -10 A to 10 A\n[limits]\ncurrent = -99 A to 99 A\n",
	 "b.ini:4: key 'current': given twice (first on line 2)"},
	{"[bench\n", "b.ini:1: expected '[section]' or 'key = value'"},
};
/* clang-format on */

Test(benchcfg, every_error_names_file_line_key)
{
	for (unsigned i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		cr_expect_eq(benchcfg_parse(bads[i].text, "b.ini", NULL, &b),
			     BENCH_ERR_PARSE, "case %u", i);
		cr_expect_str_eq(b.error, bads[i].error, "case %u", i);
		cr_expect_null(b.text);
		benchcfg_release(&b);
	}
	cr_assert(strstr(logcap_text(), "b.ini:2: key 'name'"));
}

Test(benchcfg, missing_file)
{
	cr_assert_eq(benchcfg_load_file("/nonexistent/b.ini", &b),
		     BENCH_ERR_IO);
	cr_assert(strstr(b.error, "cannot open '/nonexistent/b.ini'"));
}
