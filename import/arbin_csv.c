/* SPDX-License-Identifier: Apache-2.0 */
/* arbin_csv.c - Arbin MITS Pro CSV export (docs/importers.md).
 *
 * One header line (Data_Point, Test_Time(s), Date_Time, Step_Index,
 * Cycle_Index, Current(A), Voltage(V), Charge_Capacity(Ah), ...; MITS Pro 8
 * writes the same names with blanks, "Test Time (s)"). Current is signed,
 * positive on charge. The capacity and energy counters run per cycle.
 */
#include "import/coltab.h"
#include "import/formats.h"

/* clang-format off */
static const struct coltab_col arbin_cols[] = {
	{"testtime(s)",              CF_TEST_TIME, 1},
	{"steptime(s)",              CF_STEP_TIME, 1},
	{"datetime",                 CF_DATETIME,  1},
	{"cycleindex",               CF_CYCLE,     1},
	{"stepindex",                CF_STEP,      1},
	{"current(a)",               CF_CURRENT,   1},
	{"current(ma)",              CF_CURRENT,   1e-3},
	{"voltage(v)",               CF_VOLTAGE,   1},
	{"voltage(mv)",              CF_VOLTAGE,   1e-3},
	{"chargecapacity(ah)",       CF_CHG_AH,    1},
	{"chargecapacity(mah)",      CF_CHG_AH,    1e-3},
	{"dischargecapacity(ah)",    CF_DCHG_AH,   1},
	{"dischargecapacity(mah)",   CF_DCHG_AH,   1e-3},
	{"chargeenergy(wh)",         CF_CHG_WH,    1},
	{"chargeenergy(mwh)",        CF_CHG_WH,    1e-3},
	{"dischargeenergy(wh)",      CF_DCHG_WH,   1},
	{"dischargeenergy(mwh)",     CF_DCHG_WH,   1e-3},
	{"internalresistance(ohm)",  CF_IR,        1},
	{"internalresistance(mohm)", CF_IR,        1e-3},
	/* beep and battdat re-exports: the same names without units. */
	{"testtime",                 CF_TEST_TIME, 1},
	{"steptime",                 CF_STEP_TIME, 1},
	{"current",                  CF_CURRENT,   1},
	{"voltage",                  CF_VOLTAGE,   1},
	{"chargecapacity",           CF_CHG_AH,    1},
	{"dischargecapacity",        CF_DCHG_AH,   1},
	{"chargeenergy",             CF_CHG_WH,    1},
	{"dischargeenergy",          CF_DCHG_WH,   1},
	{"internalresistance",       CF_IR,        1},
	{"temperature",              CF_TEMP,      1},
	{"auxtemperature1(c)",       CF_TEMP,      1},
	{"auxtemperature(c)1",       CF_TEMP,      1},
	{"temperature(c)1",          CF_TEMP,      1},
	{"temperature(c)",           CF_TEMP,      1},
};
/* clang-format on */

static const struct coltab_fmt arbin_fmt = {
    .cols = arbin_cols,
    .n_cols = sizeof(arbin_cols) / sizeof(arbin_cols[0]),
    .max_preamble = 1,
};

int arbin_csv_detect(const char *head, size_t n)
{
	(void)n; /* a text header: head is a string */
	int point =
	    import_has(head, "Data_Point") || import_has(head, "Data Point");
	int cyc =
	    import_has(head, "Cycle_Index") || import_has(head, "Cycle Index");
	int step =
	    import_has(head, "Step_Index") || import_has(head, "Step Index");

	return point && cyc && step ? 10 : 0;
}

int arbin_csv_parse(const char *path, struct import_info *info,
		    import_row_fn fn, void *ctx)
{
	return coltab_parse(&arbin_fmt, path, info, fn, ctx);
}
