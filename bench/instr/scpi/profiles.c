/* SPDX-License-Identifier: Apache-2.0 */
/* profiles.c - SCPI supply models as data: one command table per model.
 *
 * Adding a model = a table here + a test in tests/unit/test_scpi_profiles.c
 * that checks the exact strings it sends (docs/instruments.md).
 */
#include <string.h>

#include "protocol.h"

/* IEEE 488.2 plus the common SCPI supply subset; remote via SYST:REM.
 * This is also the dialect the simulated supply (bench/sim/scpi_server.c)
 * speaks natively. */
/* clang-format off */
static const struct scpi_cmd_text generic_cmds[] = {
	{SCPI_CMD_REMOTE, "SYST:REM"},
	{SCPI_CMD_LOCAL, "SYST:LOC"},
	{SCPI_CMD_CLEAR, "*CLS"},
	{SCPI_CMD_IDN, "*IDN?"},
	{SCPI_CMD_ERROR, "SYST:ERR?"},
	{SCPI_CMD_SET_VOLTAGE, "VOLT %.3f"},
	{SCPI_CMD_SET_CURRENT, "CURR %.3f"},
	{SCPI_CMD_SET_SINK_CURRENT, "SINK:CURR %.3f"},
	{SCPI_CMD_OUTPUT_ON, "OUTP ON"},
	{SCPI_CMD_OUTPUT_OFF, "OUTP OFF"},
	{SCPI_CMD_GET_OUTPUT, "OUTP?"},
	{SCPI_CMD_MEAS_VOLTAGE, "MEAS:VOLT?"},
	{SCPI_CMD_MEAS_CURRENT, "MEAS:CURR?"},
	{SCPI_CMD_MEAS_POWER, "MEAS:POW?"},
	{SCPI_CMD_NONE, NULL},
};
/* clang-format on */

/* EA PSB 9000/10000-like: remote control must be locked (SYST:LOCK ON)
 * before setpoints are accepted; the sink side has its own current
 * setpoint. Long forms as in EA's programming guide. */
/* clang-format off */
static const struct scpi_cmd_text ea_psb_cmds[] = {
	{SCPI_CMD_REMOTE, "SYST:LOCK ON"},
	{SCPI_CMD_LOCAL, "SYST:LOCK OFF"},
	{SCPI_CMD_CLEAR, "*CLS"},
	{SCPI_CMD_IDN, "*IDN?"},
	{SCPI_CMD_ERROR, "SYST:ERR?"},
	{SCPI_CMD_SET_VOLTAGE, "SOUR:VOLT %.3f"},
	{SCPI_CMD_SET_CURRENT, "SOUR:CURR %.3f"},
	{SCPI_CMD_SET_SINK_CURRENT, "SINK:CURR %.3f"},
	{SCPI_CMD_OUTPUT_ON, "OUTP ON"},
	{SCPI_CMD_OUTPUT_OFF, "OUTP OFF"},
	{SCPI_CMD_GET_OUTPUT, "OUTP?"},
	{SCPI_CMD_MEAS_VOLTAGE, "MEAS:VOLT?"},
	{SCPI_CMD_MEAS_CURRENT, "MEAS:CURR?"},
	{SCPI_CMD_MEAS_POWER, "MEAS:POW?"},
	{SCPI_CMD_NONE, NULL},
};
/* clang-format on */

/* ITECH IT6000C-like in CV priority (FUNC VOLT): the voltage setpoint
 * with a positive (source) and a negative (sink) current limit, the latter
 * programmed as a negative number, as in third-party IT6000C drivers.
 * Remote over RS-232 needs SYST:REM first. */
/* clang-format off */
static const struct scpi_cmd_text itech_it6000_cmds[] = {
	{SCPI_CMD_REMOTE, "SYST:REM"},
	{SCPI_CMD_MODE, "FUNC VOLT"},
	{SCPI_CMD_LOCAL, "SYST:LOC"},
	{SCPI_CMD_CLEAR, "*CLS"},
	{SCPI_CMD_IDN, "*IDN?"},
	{SCPI_CMD_ERROR, "SYST:ERR?"},
	{SCPI_CMD_SET_VOLTAGE, "VOLT %.3f"},
	{SCPI_CMD_SET_CURRENT, "CURR:LIM %.3f"},
	{SCPI_CMD_SET_SINK_CURRENT, "CURR:LIM:NEG %.3f"},
	{SCPI_CMD_OUTPUT_ON, "OUTP ON"},
	{SCPI_CMD_OUTPUT_OFF, "OUTP OFF"},
	{SCPI_CMD_GET_OUTPUT, "OUTP?"},
	{SCPI_CMD_MEAS_VOLTAGE, "MEAS:VOLT?"},
	{SCPI_CMD_MEAS_CURRENT, "MEAS:CURR?"},
	{SCPI_CMD_MEAS_POWER, "MEAS:POW?"},
	{SCPI_CMD_NONE, NULL},
};
/* clang-format on */

/* clang-format off */
const struct scpi_profile scpi_profiles[] = {
	{"generic", "generic SCPI bidirectional supply", generic_cmds, false,
	 2000, 2000},
	{"ea-psb", "EA Elektro-Automatik PSB-like", ea_psb_cmds, false, 2000,
	 2000},
	{"itech-it6000", "ITECH IT6000C-like", itech_it6000_cmds, true, 2250,
	 2000},
};
/* clang-format on */

const size_t scpi_profiles_count =
    sizeof(scpi_profiles) / sizeof(scpi_profiles[0]);

const struct scpi_profile *scpi_profile_find(const char *model)
{
	if (!model)
		model = "generic";
	for (size_t i = 0; i < scpi_profiles_count; i++)
		if (!strcmp(scpi_profiles[i].model, model))
			return &scpi_profiles[i];
	return NULL;
}

const char *scpi_profile_cmd(const struct scpi_profile *p, enum scpi_cmd cmd)
{
	for (const struct scpi_cmd_text *c = p->cmds; c->cmd != SCPI_CMD_NONE;
	     c++)
		if (c->cmd == cmd)
			return c->text;
	return NULL;
}
