/* SPDX-License-Identifier: Apache-2.0 */
/* test_profile_ini.c - pack profile: the simulated BMS fixture, defaults,
 * every error with file, line and key, and profile_for_sim(). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/profile.h"
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

TestSuite(profile, .init = init, .fini = fini, .timeout = 60);

static const char minimal[] = "[pack]\n"
			      "chemistry = lfp\n"
			      "series = 30\n"
			      "rated_capacity_ah = 100\n"
			      "[bms]\n"
			      "dbc = pack.dbc\n"
			      "cell_voltage = V_%02u\n"
			      "pack_voltage = PackV\n"
			      "pack_current = PackI\n";

Test(profile, sim_bms_fixture)
{
	char sig[32];

	cr_assert_eq(profile_load_file("fixtures/profiles/sim_bms.ini", &p),
		     BENCH_OK, "%s", p.error);
	cr_assert_str_eq(p.model, "sim-nmc96");
	cr_assert_str_eq(p.chemistry, "nmc");
	cr_assert_eq(p.series, 96);
	cr_assert_eq(p.parallel, 1);
	cr_assert_eq(p.modules, 8);
	cr_assert_float_eq(p.rated_capacity_ah, 94.0, 1e-9);
	cr_assert_float_eq(p.ref_r0_mohm, 0.65, 1e-9);
	cr_assert_eq(p.cell_high_mV[PROFILE_OP], 4200);
	cr_assert_eq(p.cell_high_mV[PROFILE_WARN], 4230);
	cr_assert_eq(p.cell_high_mV[PROFILE_HARD], 4250);
	cr_assert_eq(p.cell_low_mV[PROFILE_HARD], 2400);
	cr_assert_eq(p.temp_high_ddegC[PROFILE_HARD], 600);
	cr_assert_eq(p.temp_low_ddegC[PROFILE_HARD], -200);
	cr_assert_eq(p.charge_mA[PROFILE_OP], 94000);
	cr_assert_eq(p.discharge_mA[PROFILE_HARD], 376000);
	cr_assert_eq(p.spread_warn_mV, 300);
	cr_assert_eq(p.spread_hard_mV, 0);
	cr_assert_str_eq(p.dbc_path, "fixtures/profiles/../dbc/sim_bms.dbc");
	cr_assert_eq(profile_cell_signal(&p, 17, sig, sizeof(sig)), BENCH_OK);
	cr_assert_str_eq(sig, "Cell017_V");
	cr_assert_eq(profile_temp_signal(&p, 3, sig, sizeof(sig)), BENCH_OK);
	cr_assert_str_eq(sig, "Temp003_C");
	cr_assert_eq(p.n_probes, 16);
	cr_assert_str_eq(p.pack_current, "Pack_Current");
	cr_assert(p.current_charge_positive);
	cr_assert_str_eq(p.ccl, "BMS_CCL");
	cr_assert_str_eq(p.contactor_state, "Contactor_State");
	cr_assert_eq(p.contactor_closed, 2);
	cr_assert_eq(p.contactor_welded, 3);
	cr_assert_eq(p.n_faults, 6);
	cr_assert_str_eq(p.faults[0].signal, "Fault_CellOV");
	cr_assert_eq(diag_table[p.faults[0].row].severity, DIAG_SEV_ABORT);
	cr_assert_eq(diag_table[p.faults[0].row].cause, DIAG_CAUSE_SAFETY);
	cr_assert_str_eq(p.faults[4].signal, "Fault_Comm");
	cr_assert_eq(diag_table[p.faults[4].row].cause, DIAG_CAUSE_BENCH);
	cr_assert_eq(p.heartbeat_timeout_ms, 1000);
	cr_assert_str_eq(p.tx_message, "BENCH_Command");
	cr_assert_eq(p.tx_period_ms, 100);
	cr_assert_str_eq(p.tx_contactor_signal, "Bench_ContactorReq");
	cr_assert_eq(p.tx_contactor_close, 1);
	cr_assert_str_eq(p.tx_alive_signal, "Bench_Alive");
	cr_assert_not_null(p.text);
	cr_assert(strstr(p.text, "[bench_tx]"));
	cr_assert_eq(profile_rated_mAh(&p), 94000);
}

Test(profile, the_fixture_matches_profile_for_sim)
{
	struct profile q;

	cr_assert_eq(profile_load_file("fixtures/profiles/sim_bms.ini", &p),
		     BENCH_OK);
	cr_assert_eq(profile_for_sim("nmc", 96, 1, 8, 16, 94.0,
				     "fixtures/dbc/sim_bms.dbc", &q),
		     BENCH_OK);
	cr_assert_arr_eq(p.cell_high_mV, q.cell_high_mV,
			 sizeof(q.cell_high_mV));
	cr_assert_arr_eq(p.cell_low_mV, q.cell_low_mV, sizeof(q.cell_low_mV));
	cr_assert_arr_eq(p.charge_mA, q.charge_mA, sizeof(q.charge_mA));
	cr_assert_eq(p.spread_window_low_mV, q.spread_window_low_mV);
	cr_assert_eq(p.spread_window_high_mV, q.spread_window_high_mV);
	cr_assert_arr_eq(p.discharge_mA, q.discharge_mA,
			 sizeof(q.discharge_mA));
	cr_assert_str_eq(p.cell_voltage_fmt, q.cell_voltage_fmt);
	cr_assert_str_eq(p.temperature_fmt, q.temperature_fmt);
	cr_assert_str_eq(p.soc, q.soc);
	cr_assert_str_eq(p.dcl, q.dcl);
	cr_assert_eq(p.n_faults, q.n_faults);
	for (unsigned i = 0; i < q.n_faults; i++) {
		cr_assert_str_eq(p.faults[i].signal, q.faults[i].signal);
		cr_assert_eq(diag_table[p.faults[i].row].cause,
			     diag_table[q.faults[i].row].cause);
	}
	cr_assert_str_eq(p.tx_message, q.tx_message);
	profile_release(&q);
}

/* A simulated run stores its profile as text: it must read back to the
 * same profile, and carry the fresh R0 the grading compares against. */
Test(profile, for_sim_text_reads_back_with_ref_r0)
{
	struct profile q;

	cr_assert_eq(
	    profile_for_sim("lfp", 106, 2, 8, 16, 100.0, "/x/sim_bms.dbc", &q),
	    BENCH_OK);
	cr_assert_eq(profile_set_ref_r0(&q, 0.31), BENCH_OK);
	cr_assert(strstr(q.text, "\nref_r0_mohm = 0.31\n"), "%s", q.text);
	cr_assert_eq(profile_parse(q.text, "sim.ini", "/elsewhere", &p),
		     BENCH_OK, "%s\n%s", p.error, q.text);
	cr_assert_str_eq(p.model, q.model);
	cr_assert_str_eq(p.chemistry, "lfp");
	cr_assert_eq(p.series, 106);
	cr_assert_eq(p.parallel, 2);
	cr_assert_eq(p.modules, 8);
	cr_assert_float_eq(p.rated_capacity_ah, 100.0, 1e-9);
	cr_assert_float_eq(p.ref_r0_mohm, 0.31, 1e-9);
	cr_assert_arr_eq(p.cell_high_mV, q.cell_high_mV,
			 sizeof(q.cell_high_mV));
	cr_assert_arr_eq(p.cell_low_mV, q.cell_low_mV, sizeof(q.cell_low_mV));
	cr_assert_arr_eq(p.temp_high_ddegC, q.temp_high_ddegC,
			 sizeof(q.temp_high_ddegC));
	cr_assert_arr_eq(p.temp_low_ddegC, q.temp_low_ddegC,
			 sizeof(q.temp_low_ddegC));
	cr_assert_arr_eq(p.charge_mA, q.charge_mA, sizeof(q.charge_mA));
	cr_assert_arr_eq(p.discharge_mA, q.discharge_mA,
			 sizeof(q.discharge_mA));
	cr_assert_eq(p.spread_warn_mV, q.spread_warn_mV);
	cr_assert_eq(p.spread_hard_mV, q.spread_hard_mV);
	cr_assert_eq(p.spread_window_low_mV, q.spread_window_low_mV);
	cr_assert_eq(p.spread_window_high_mV, q.spread_window_high_mV);
	cr_assert_eq(p.contactor_timeout_ms, q.contactor_timeout_ms);
	cr_assert_eq(p.cycler_timeout_ms, q.cycler_timeout_ms);
	cr_assert_str_eq(p.dbc_path, "/x/sim_bms.dbc", "absolute path kept");
	cr_assert_str_eq(p.temperature_fmt, q.temperature_fmt);
	cr_assert_eq(p.n_probes, 16);
	cr_assert_eq(p.contactor_closed, q.contactor_closed);
	cr_assert_eq(p.contactor_welded, 3);
	cr_assert_eq(p.n_faults, q.n_faults);
	for (unsigned i = 0; i < q.n_faults; i++) {
		cr_assert_str_eq(p.faults[i].signal, q.faults[i].signal);
		cr_assert_eq(p.faults[i].row, q.faults[i].row);
	}
	cr_assert_eq(p.heartbeat_timeout_ms, q.heartbeat_timeout_ms);
	cr_assert_str_eq(p.tx_message, q.tx_message);
	cr_assert_eq(p.tx_period_ms, q.tx_period_ms);
	cr_assert_str_eq(p.tx_alive_signal, q.tx_alive_signal);
	profile_release(&q);
}

Test(profile, defaults_by_chemistry_and_file_stem)
{
	cr_assert_eq(profile_parse(minimal, "dir/lfp30.ini", "dir", &p),
		     BENCH_OK, "%s", p.error);
	cr_assert_str_eq(p.model, "lfp30");
	cr_assert_eq(p.cell_high_mV[PROFILE_OP], 3650);
	cr_assert_eq(p.cell_low_mV[PROFILE_OP], 2500);
	cr_assert_gt(p.cell_high_mV[PROFILE_HARD], 3650);
	cr_assert_eq(p.charge_mA[PROFILE_OP], 100000);
	cr_assert_eq(p.parallel, 1);
	cr_assert_str_eq(p.dbc_path, "dir/pack.dbc");
	cr_assert_eq(p.n_faults, 0);
	cr_assert_str_eq(p.temperature_fmt, "");
	cr_assert_eq(p.contactor_welded, -1);
	cr_assert_eq(p.spread_window_low_mV, 3100);
	cr_assert_eq(p.spread_window_high_mV, 3400);
}

Test(profile, currents_in_amperes_and_fault_reactions)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "%s[limits]\ncharge_current = 50 60A C/1\n"
		 "discharge_current = 0.5C 1C 200\n"
		 "[bms]\nfault_reaction = warn\ncharge_positive = false\n"
		 "fault_signals = F_A , F_B:abort,F_C:bench\n",
		 minimal);
	cr_assert_eq(profile_parse(text, "x.ini", NULL, &p), BENCH_OK, "%s",
		     p.error);
	cr_assert_eq(p.charge_mA[0], 50000);
	cr_assert_eq(p.charge_mA[1], 60000);
	cr_assert_eq(p.charge_mA[2], 100000);
	cr_assert_eq(p.discharge_mA[0], 50000);
	cr_assert_eq(p.discharge_mA[2], 200000);
	cr_assert_not(p.current_charge_positive);
	cr_assert_eq(p.n_faults, 3);
	cr_assert_str_eq(p.faults[0].signal, "F_A");
	cr_assert_eq(diag_table[p.faults[0].row].severity, DIAG_SEV_WARN);
	cr_assert_eq(diag_table[p.faults[1].row].severity, DIAG_SEV_ABORT);
	cr_assert_eq(diag_table[p.faults[2].row].severity, DIAG_SEV_ABORT);
	cr_assert_eq(diag_table[p.faults[2].row].cause, DIAG_CAUSE_BENCH);
	cr_assert_str_eq(p.dbc_path, "pack.dbc");
}

struct bad {
	const char *extra; /* appended to minimal */
	const char *error;
};

/* clang-format off */
static const struct bad bads[] = {
	{"[pack]\ncolour = red\n", "p.ini:11: key 'colour': unknown key in [pack]"},
	{"[bms]\nspeed = 1\n", "p.ini:11: key 'speed': unknown key in [bms]"},
	{"[limits]\nvolts = 1\n",
	 "p.ini:11: key 'volts': unknown key in [limits]"},
	{"[bench_tx]\nrate = 1\n",
	 "p.ini:11: key 'rate': unknown key in [bench_tx]"},
	{"[cells]\nx = 1\n",
	 "p.ini:11: unknown section [cells] (expected pack, limits, bms, "
	 "bench_tx, polling, ecu NAME, poll NAME, vehicle_frame NAME, "
	 "contactor_close, contactor_open)"},
	{"[pack]\nchemistry = nca\n",
	 "p.ini:11: key 'chemistry': expected nmc or lfp, found 'nca'"},
	{"[pack]\nseries = 0\n",
	 "p.ini:11: key 'series': expected a whole number from 1 to 1000, "
	 "found '0'"},
	{"[pack]\nseries = 9x\n",
	 "p.ini:11: key 'series': expected a whole number, found '9x'"},
	{"[pack]\nrated_capacity_ah = lots\n",
	 "p.ini:11: key 'rated_capacity_ah': expected a number, found 'lots'"},
	{"[pack]\nrated_capacity_ah = -5\n",
	 "p.ini:11: key 'rated_capacity_ah': expected a number from 0.001 to "
	 "100000, found '-5'"},
	{"[limits]\ncell_voltage_high = 4.2 4.25\n",
	 "p.ini:11: key 'cell_voltage_high': expected three numbers "
	 "(operating warning hard), found '4.2 4.25'"},
	{"[limits]\ncell_voltage_high = 4.25 4.2 4.3\n",
	 "p.ini:11: key 'cell_voltage_high': expected operating, warning, "
	 "hard ascending, found '4.25 4.2 4.3'"},
	{"[limits]\ncell_voltage_low = 2.4 2.5 2.6\n",
	 "p.ini:11: key 'cell_voltage_low': expected operating, warning, hard "
	 "descending, found '2.4 2.5 2.6'"},
	{"[limits]\ncharge_current = 1C 2X 3C\n",
	 "p.ini:11: key 'charge_current': expected three currents (operating "
	 "warning hard; A or C-rate like 1C, C/2), found '1C 2X 3C'"},
	{"[limits]\ncell_spread_mv = 200 100\n",
	 "p.ini:11: key 'cell_spread_mv': expected 'warning hard' in mV (hard "
	 "0 = off, else >= warning), found '200 100'"},
	{"[limits]\ncell_spread_window = 4.1 3.3\n",
	 "p.ini:11: key 'cell_spread_window': expected 'low high' cell "
	 "voltages in V (like 3.3 4.15), found '4.1 3.3'"},
	{"[bms]\ncell_voltage = Cell_V\n",
	 "p.ini:11: key 'cell_voltage': expected a signal pattern with one %u "
	 "(like Cell%03u_V), found 'Cell_V'"},
	{"[bms]\ncell_voltage = Cell%s_%u\n",
	 "p.ini:11: key 'cell_voltage': expected a signal pattern with one %u "
	 "(like Cell%03u_V), found 'Cell%s_%u'"},
	{"[bms]\ncell_voltage = Cell%0377777777u_V\n",
	 "p.ini:11: key 'cell_voltage': expected a signal pattern with one %u "
	 "(like Cell%03u_V), found 'Cell%0377777777u_V'"},
	{"[bms]\npack_current = Pack Current\n",
	 "p.ini:11: key 'pack_current': expected a DBC signal name, found "
	 "'Pack Current'"},
	{"[bms]\ncurrent_charge_positive = maybe\n",
	 "p.ini:11: key 'current_charge_positive': expected true or false, "
	 "found 'maybe'"},
	{"[bms]\nfault_signals = A:explode\n",
	 "p.ini:11: key 'fault_signals': expected ':warn', ':abort' or "
	 "':bench' after 'A', found ':explode'"},
	{"[bms]\nfault_reaction = panic\n",
	 "p.ini:11: key 'fault_reaction': expected abort or warn, found "
	 "'panic'"},
	{"[bms]\nfault_reaction = bench\n",
	 "p.ini:11: key 'fault_reaction': expected abort or warn, found "
	 "'bench'"},
	{"[bms]\ntemperature = T%u\n",
	 "p.ini:11: key 'temperature': temperature pattern given but probes "
	 "is 0"},
	{"[pack]\nmodules = 31\n",
	 "p.ini:11: key 'modules': modules (31) above series (30)"},
	{"[limits]\ncell_voltage_low = 3.7 3.6 3.5\ncell_voltage_high = 3.6 3.7 "
	 "3.8\n",
	 "p.ini:12: key 'cell_voltage_high': cell_voltage_low must be below "
	 "cell_voltage_high"},
	/* one of the pair left to its default: the given one is named */
	{"[limits]\ncell_voltage_low = 3.7 3.6 3.5\n",
	 "p.ini:11: key 'cell_voltage_low': cell_voltage_low must be below "
	 "cell_voltage_high"},
	{"[limits]\ntemperature_high = 5 10 20\ntemperature_low = 10 0 -10\n",
	 "p.ini:12: key 'temperature_low': temperature_low must be below "
	 "temperature_high"},
	{"[bms]\nprobes = 4\nprobes = 8\n",
	 "p.ini:12: key 'probes': given twice (first on line 11)"},
	{"[pack]\nseries = 30\n",
	 "p.ini:11: key 'series': given twice (first on line 3)"},
	/* outside the chemistry's safe window (minimal is LFP) */
	{"[limits]\ncell_voltage_high = 10 11 12\n",
	 "p.ini:11: key 'cell_voltage_high': 10 V outside the LFP safe window "
	 "2..3.75 V"},
	{"[limits]\ncell_voltage_high = 3.65 3.7 4.2\n",
	 "p.ini:11: key 'cell_voltage_high': 4.2 V outside the LFP safe window "
	 "2..3.75 V"},
	{"[limits]\ncell_voltage_low = 2.5 1.5 1.0\n",
	 "p.ini:11: key 'cell_voltage_low': 1.5 V outside the LFP safe window "
	 "2..3.75 V"},
	{"[limits]\ntemperature_high = 50 55 600\n",
	 "p.ini:11: key 'temperature_high': 600 C outside the LFP safe window "
	 "-20..60 C"},
	{"[limits]\ntemperature_low = 0 -10 -40\n",
	 "p.ini:11: key 'temperature_low': -40 C outside the LFP safe window "
	 "-20..60 C"},
	{"[limits]\ncharge_current = 3C 2C 1C\n",
	 "p.ini:11: key 'charge_current': current tiers must ascend "
	 "(operating warning hard)"},
	{"[limits]\ncharge_current = 1C 2C 3C\ndischarge_current = 9A 5A 1A\n",
	 "p.ini:12: key 'discharge_current': current tiers must ascend "
	 "(operating warning hard)"},
	{"this is not ini\n",
	 "p.ini:10: expected '[section]' or 'key = value'"},
	/* the cell's OCV curve (minimal is LFP: safe window 2..3.75 V) */
	{"[pack]\nocv_curve =\n",
	 "p.ini:11: key 'ocv_curve': expected a value, found nothing"},
	{"[pack]\nocv_curve = 0:2.5 100:3.6\n",
	 "p.ini:11: key 'ocv_curve': 2 points, at least 3 needed"},
	{"[pack]\nocv_curve = 0:2.5 50-3.3 100:3.6\n",
	 "p.ini:11: key 'ocv_curve': expected SOC%:volts pairs like '50:3.65', "
	 "found '50-3.3'"},
	{"[pack]\nocv_curve = 10:2.9 50:3.3 100:3.6\n",
	 "p.ini:11: key 'ocv_curve': the curve must start at 0 %, not 10 %"},
	{"[pack]\nocv_curve = 0:2.5 50:3.3 95:3.6\n",
	 "p.ini:11: key 'ocv_curve': the curve must end at 100 %, not 95 %"},
	{"[pack]\nocv_curve = 0:2.5 50:3.3 40:3.32 100:3.6\n",
	 "p.ini:11: key 'ocv_curve': SOC must rise: 40 % after 50 %"},
	{"[pack]\nocv_curve = 0:2.5 50:3.3 60:3.29 100:3.6\n",
	 "p.ini:11: key 'ocv_curve': voltage must not fall as SOC rises: "
	 "3.29 V at 60 % after 3.3 V at 50 %"},
	{"[pack]\nocv_curve = 0:2.5 50:3.3 100:4.2\n",
	 "p.ini:11: key 'ocv_curve': 4.2 V at 100 % outside the safe window "
	 "2..3.75 V"},
	{"[pack]\nocv_curve = 0:1.2 50:3.3 100:3.6\n",
	 "p.ini:11: key 'ocv_curve': 1.2 V at 0 % outside the safe window "
	 "2..3.75 V"},
	{"[pack]\nocv_curve = 0:2.5 50:3.3 100:3.6\nocv_curve = 0:2.5 "
	 "50:3.3 100:3.6\n",
	 "p.ini:12: key 'ocv_curve': given twice (first on line 11)"},
};
/* clang-format on */

Test(profile, every_error_names_file_line_key)
{
	for (unsigned i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		char text[2048];

		snprintf(text, sizeof(text), "%s%s", minimal, bads[i].extra);
		cr_expect_eq(profile_parse(text, "p.ini", NULL, &p),
			     BENCH_ERR_PARSE, "case %u", i);
		cr_expect_str_eq(p.error, bads[i].error, "case %u", i);
		cr_expect_null(p.text);
		profile_release(&p);
	}
	cr_assert(strstr(logcap_text(), "p.ini:11: key 'colour'"));
}

Test(profile, missing_keys_are_named)
{
	/* clang-format off */
	static const char *const need[][2] = {
		{"chemistry = lfp\n", "p.ini: missing key chemistry in [pack]"},
		{"series = 30\n", "p.ini: missing key series in [pack]"},
		{"rated_capacity_ah = 100\n",
		 "p.ini: missing key rated_capacity_ah in [pack]"},
		{"dbc = pack.dbc\n", "p.ini: missing key dbc in [bms]"},
		{"cell_voltage = V_%02u\n",
		 "p.ini: missing key cell_voltage in [bms] or a [poll]"},
		{"pack_voltage = PackV\n",
		 "p.ini: missing key pack_voltage in [bms] or a [poll]"},
		{"pack_current = PackI\n",
		 "p.ini: missing key pack_current in [bms] or a [poll]"},
	};
	/* clang-format on */

	for (unsigned i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		char text[1024];
		const char *at = strstr(minimal, need[i][0]);
		size_t pre = (size_t)(at - minimal);

		snprintf(text, sizeof(text), "%.*s%s", (int)pre, minimal,
			 at + strlen(need[i][0]));
		cr_expect_eq(profile_parse(text, "p.ini", NULL, &p),
			     BENCH_ERR_PARSE, "case %u", i);
		cr_expect_str_eq(p.error, need[i][1]);
		profile_release(&p);
	}
}

Test(profile, long_line_and_missing_file)
{
	char text[1024];

	memset(text, 'x', 600);
	snprintf(text + 600, sizeof(text) - 600, " = 1\n");
	cr_assert_eq(profile_parse(text, "p.ini", NULL, &p), BENCH_ERR_PARSE);
	cr_assert_str_eq(p.error, "p.ini:1: line longer than 198 characters");
	cr_assert_eq(profile_load_file("/nonexistent.ini", &p), BENCH_ERR_IO);
	cr_assert(strstr(p.error, "cannot open '/nonexistent.ini'"));
}

Test(profile, for_sim_nmc_and_lfp)
{
	char sig[32];

	cr_assert_eq(profile_for_sim("lfp", 30, 1, 2, 4, 100.0, "b.dbc", &p),
		     BENCH_OK);
	cr_assert_str_eq(p.chemistry, "lfp");
	cr_assert_eq(p.cell_high_mV[PROFILE_OP], 3650);
	cr_assert_eq(p.cell_low_mV[PROFILE_OP], 2500);
	cr_assert_gt(p.cell_high_mV[PROFILE_HARD],
		     p.cell_high_mV[PROFILE_WARN]);
	cr_assert_lt(p.cell_low_mV[PROFILE_HARD], p.cell_low_mV[PROFILE_WARN]);
	cr_assert_eq(p.charge_mA[PROFILE_OP], 100000);
	cr_assert_eq(p.discharge_mA[PROFILE_OP], 200000);
	cr_assert_eq(p.n_probes, 4);
	cr_assert_str_eq(p.dbc_path, "b.dbc");
	cr_assert_eq(profile_cell_signal(&p, 30, sig, sizeof(sig)), 0);
	cr_assert_str_eq(sig, "Cell030_V");
	cr_assert_not_null(p.text, "the run file's profile_text");
	cr_assert_null(strstr(p.text, "ref_r0_mohm"), "not known here");
	profile_release(&p);
	cr_assert_eq(profile_for_sim("NMC", 96, 2, 48, 0, 65.0, "b.dbc", &p),
		     BENCH_OK);
	cr_assert_eq(p.cell_high_mV[PROFILE_OP], 4200);
	cr_assert_str_eq(p.temperature_fmt, "", "no probes: no pattern");
	cr_assert_eq(profile_temp_signal(&p, 1, sig, sizeof(sig)),
		     BENCH_ERR_ARG);
	profile_release(&p);
	cr_assert_eq(profile_for_sim("nca", 96, 1, 8, 4, 94.0, "b.dbc", &p),
		     BENCH_ERR_ARG);
	cr_assert_eq(profile_for_sim("nmc", 200, 1, 8, 4, 94.0, "b.dbc", &p),
		     BENCH_ERR_ARG, "the sim DBC carries 192 cells");
}

/* The cell's own OCV curve: read, inside its chemistry's window whatever
 * the key order, and written back by profile_write_text. */
Test(profile, ocv_curve_read_and_written_back)
{
	static const char text[] = "[pack]\n"
				   "ocv_curve = 0:2.50 5:3.30 10:3.45, "
				   "50:3.65 90:4.05 100:4.20\n"
				   "chemistry = nmc\n"
				   "series = 4\n"
				   "rated_capacity_ah = 3\n"
				   "[bms]\n"
				   "dbc = pack.dbc\n"
				   "cell_voltage = V_%02u\n"
				   "pack_voltage = PackV\n"
				   "pack_current = PackI\n";
	struct profile q;

	cr_assert_eq(profile_parse(text, "p.ini", NULL, &p), BENCH_OK, "%s",
		     p.error);
	cr_assert_eq(p.ocv.n, 6);
	cr_assert_float_eq(p.ocv.pt[2].soc_pct, 10.0, 1e-9);
	cr_assert_float_eq(p.ocv.pt[5].ocv_V, 4.20, 1e-9);
	cr_assert_eq(profile_write_text(&p), BENCH_OK);
	cr_assert(strstr(p.text, "ocv_curve = 0:2.5 5:3.3 10:3.45 50:3.65 "
				 "90:4.05 100:4.2\n"),
		  "%s", p.text);
	cr_assert_eq(profile_parse(p.text, "back.ini", NULL, &q), BENCH_OK,
		     "%s", q.error);
	cr_assert_eq(q.ocv.n, 6);
	cr_assert_float_eq(q.ocv.pt[3].ocv_V, 3.65, 1e-9);
	profile_release(&q);
	/* without the key: no curve of its own (the chemistry's is used) */
	profile_release(&p);
	cr_assert_eq(profile_parse(minimal, "p.ini", NULL, &p), BENCH_OK);
	cr_assert_eq(p.ocv.n, 0);
	cr_assert_eq(profile_write_text(&p), BENCH_OK);
	cr_assert_null(strstr(p.text, "ocv_curve"));
}
