/* SPDX-License-Identifier: Apache-2.0 */
/* bdf_csv.c - Battery Data Format CSV and NREL-style standardised CSVs
 * (docs/importers.md).
 *
 * BDF: quantity names with units ("Test Time / s", "Current / A") or the
 * machine names ("test_time_second", "current_ampere"), as `bench export`
 * writes them. The standardised CSVs of battery-data archives use
 * "Test_Time (s)", "Current (A)", "Cell_Temperature (C)"; battdat-style
 * files "test_time", "current", "voltage". Current positive on charge in
 * all of them.
 */
#include "import/coltab.h"
#include "import/formats.h"

/* clang-format off */
static const struct coltab_col bdf_cols[] = {
	{"testtime/s",                 CF_TEST_TIME, 1},
	{"testtimesecond",             CF_TEST_TIME, 1},
	{"testtime/h",                 CF_TEST_TIME, 3600},
	{"testtime/min",               CF_TEST_TIME, 60},
	{"times",                      CF_TEST_TIME, 1},
	{"testtime(s)",                CF_TEST_TIME, 1},
	{"testtime",                   CF_TEST_TIME, 1},
	{"unixtime/s",                 CF_UNIX_TIME, 1},
	{"unixtimesecond",             CF_UNIX_TIME, 1},
	{"time",                       CF_UNIX_TIME, 1},
	{"datetime",                   CF_DATETIME,  1},
	{"current/a",                  CF_CURRENT,   1},
	{"currentampere",              CF_CURRENT,   1},
	{"current(a)",                 CF_CURRENT,   1},
	{"current",                    CF_CURRENT,   1},
	{"current/ma",                 CF_CURRENT,   1e-3},
	{"currenta",                   CF_CURRENT,   1},
	{"voltagev",                   CF_VOLTAGE,   1},
	{"voltage/v",                  CF_VOLTAGE,   1},
	{"voltagevolt",                CF_VOLTAGE,   1},
	{"voltage(v)",                 CF_VOLTAGE,   1},
	{"voltage",                    CF_VOLTAGE,   1},
	{"cyclecount/1",               CF_CYCLE,     1},
	{"cyclecount",                 CF_CYCLE,     1},
	{"cycleindex",                 CF_CYCLE,     1},
	{"cyclenumber",                CF_CYCLE,     1},
	{"stepindex/1",                CF_STEP,      1},
	{"steptype/1",                 CF_STATE,     1},
	{"steptype",                   CF_STATE,     1},
	{"stepindex",                  CF_STEP,      1},
	{"step",                       CF_STEP,      1},
	{"ambienttemperature/degc",    CF_TEMP,      1},
	{"ambienttemperaturecelsius",  CF_TEMP,      1},
	{"celltemperature(c)",         CF_TEMP,      1},
	{"temperature",                CF_TEMP,      1},
	{"chargingcapacity/ah",        CF_CHG_AH,    1},
	{"chargingcapacityah",         CF_CHG_AH,    1},
	{"chargecapacity(ah)",         CF_CHG_AH,    1},
	{"chargecapacity/ah",          CF_CHG_AH,    1},
	{"chargecapacityah",           CF_CHG_AH,    1},
	{"dischargingcapacity/ah",     CF_DCHG_AH,   1},
	{"dischargingcapacityah",      CF_DCHG_AH,   1},
	{"dischargecapacity(ah)",      CF_DCHG_AH,   1},
	{"dischargecapacity/ah",       CF_DCHG_AH,   1},
	{"dischargecapacityah",        CF_DCHG_AH,   1},
	{"chargingenergy/wh",          CF_CHG_WH,    1},
	{"chargingenergywh",           CF_CHG_WH,    1},
	{"chargeenergy(wh)",           CF_CHG_WH,    1},
	{"dischargingenergy/wh",       CF_DCHG_WH,   1},
	{"dischargingenergywh",        CF_DCHG_WH,   1},
	{"dischargeenergy(wh)",        CF_DCHG_WH,   1},
	{"internalresistance/ohm",     CF_IR,        1},
	{"internalresistanceohm",      CF_IR,        1},
};
/* clang-format on */

/* Where a file names its steps, the sign follows the name: some writers
 * count discharge current positive. */
static enum import_kind bdf_kind(const char *s)
{
	if (import_has(s, "discharg"))
		return IMPORT_KIND_DISCHARGE;
	if (import_has(s, "charg"))
		return IMPORT_KIND_CHARGE;
	if (import_has(s, "rest"))
		return IMPORT_KIND_REST;
	return s[0] ? IMPORT_KIND_OTHER : IMPORT_KIND_UNKNOWN;
}

static const struct coltab_fmt bdf_fmt = {
    .kind = bdf_kind,
    .cols = bdf_cols,
    .n_cols = sizeof(bdf_cols) / sizeof(bdf_cols[0]),
    .max_preamble = 1,
};

int bdf_csv_detect(const char *head, size_t n)
{
	(void)n; /* a text header: head is a string */
	if (import_has(head, "Test Time / ") ||
	    import_has(head, "test_time_second") ||
	    (import_has(head, "Current / A") &&
	     import_has(head, "Voltage / V")))
		return 10;
	if (import_has(head, "Time_s") && import_has(head, "Current_A") &&
	    import_has(head, "Voltage_V"))
		return 7; /* batterydata.energy.gov */
	if (import_has(head, "Test_Time (s)") &&
	    !import_has(head, "Data_Point"))
		return 7;
	if (import_has(head, "test_time") && import_has(head, "voltage") &&
	    import_has(head, "current"))
		return 3;
	return 0;
}

int bdf_csv_parse(const char *path, struct import_info *info, import_row_fn fn,
		  void *ctx)
{
	return coltab_parse(&bdf_fmt, path, info, fn, ctx);
}
