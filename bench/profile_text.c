/* SPDX-License-Identifier: Apache-2.0 */
/* profile_text.c - a profile written back as the INI text profile_parse()
 * reads, so a run built from profile_for_sim() carries its profile in the
 * run file's profile_text like any other run (the grading reads
 * ref_r0_mohm there). */
#define LOG_PREFIX "profile"

#include <stdio.h>
#include <stdlib.h>

#include "bench/profile.h"
#include "common/log.h"
#include "common/rc.h"

static double V(int32_t mV)
{
	return mV / 1000.0;
}
static double C(int32_t ddegC)
{
	return ddegC / 10.0;
}
static double A(int32_t mA)
{
	return mA / 1000.0;
}

static void pack_section(FILE *f, const struct profile *p)
{
	fprintf(f,
		"[pack]\nmodel = %s\nchemistry = %s\nseries = %u\n"
		"parallel = %u\nmodules = %u\nrated_capacity_ah = %.6g\n",
		p->model, p->chemistry, p->series, p->parallel, p->modules,
		p->rated_capacity_ah);
	if (p->rated_energy_wh > 0)
		fprintf(f, "rated_energy_wh = %.6g\n", p->rated_energy_wh);
	if (p->ref_r0_mohm > 0)
		fprintf(f, "ref_r0_mohm = %.6g\n", p->ref_r0_mohm);
	if (p->ocv.n) {
		char curve[OCVTAB_TEXT_LEN];

		if (ocvtab_format(&p->ocv, curve, sizeof(curve)) == 0)
			fprintf(f, "ocv_curve = %s\n", curve);
	}
}

static void limits_section(FILE *f, const struct profile *p)
{
	fprintf(f, "\n[limits]\n");
	fprintf(f, "cell_voltage_high = %.3f %.3f %.3f\n",
		V(p->cell_high_mV[0]), V(p->cell_high_mV[1]),
		V(p->cell_high_mV[2]));
	fprintf(f, "cell_voltage_low = %.3f %.3f %.3f\n", V(p->cell_low_mV[0]),
		V(p->cell_low_mV[1]), V(p->cell_low_mV[2]));
	fprintf(f, "temperature_high = %.1f %.1f %.1f\n",
		C(p->temp_high_ddegC[0]), C(p->temp_high_ddegC[1]),
		C(p->temp_high_ddegC[2]));
	fprintf(f, "temperature_low = %.1f %.1f %.1f\n",
		C(p->temp_low_ddegC[0]), C(p->temp_low_ddegC[1]),
		C(p->temp_low_ddegC[2]));
	fprintf(f, "charge_current = %.3fA %.3fA %.3fA\n", A(p->charge_mA[0]),
		A(p->charge_mA[1]), A(p->charge_mA[2]));
	fprintf(f, "discharge_current = %.3fA %.3fA %.3fA\n",
		A(p->discharge_mA[0]), A(p->discharge_mA[1]),
		A(p->discharge_mA[2]));
	fprintf(f, "cell_spread_mv = %d %d\n", p->spread_warn_mV,
		p->spread_hard_mV);
	if (p->spread_window_high_mV > 0)
		fprintf(f, "cell_spread_window = %.3f %.3f\n",
			V(p->spread_window_low_mV),
			V(p->spread_window_high_mV));
	fprintf(f, "contactor_timeout_ms = %u\ncycler_timeout_ms = %u\n",
		p->contactor_timeout_ms, p->cycler_timeout_ms);
}

static void opt(FILE *f, const char *key, const char *value)
{
	if (value[0])
		fprintf(f, "%s = %s\n", key, value);
}

static void bms_section(FILE *f, const struct profile *p)
{
	if (p->gbt) {
		fprintf(f, "\n[bms]\nprotocol = gbt27930\nprobes = %u\n",
			p->n_probes);
		return;
	}
	fprintf(f, "\n[bms]\ndbc = %s\ncell_voltage = %s\n", p->dbc_path,
		p->cell_voltage_fmt);
	opt(f, "temperature", p->temperature_fmt);
	fprintf(f, "probes = %u\n", p->n_probes);
	opt(f, "pack_voltage", p->pack_voltage);
	opt(f, "pack_current", p->pack_current);
	fprintf(f, "current_charge_positive = %s\n",
		p->current_charge_positive ? "true" : "false");
	opt(f, "soc", p->soc);
	opt(f, "soh", p->soh);
	opt(f, "capacity", p->capacity);
	opt(f, "rated_capacity", p->rated_capacity);
	opt(f, "rated_voltage", p->rated_voltage);
	opt(f, "ccl", p->ccl);
	opt(f, "dcl", p->dcl);
	if (p->contactor_state[0]) {
		fprintf(f,
			"contactor_state = %s\ncontactor_open = %d\n"
			"contactor_closed = %d\n",
			p->contactor_state, p->contactor_open,
			p->contactor_closed);
		if (p->contactor_welded >= 0)
			fprintf(f, "contactor_welded = %d\n",
				p->contactor_welded);
	}
	if (p->n_faults) {
		fprintf(f, "fault_signals =");
		for (uint32_t i = 0; i < p->n_faults; i++) {
			const struct profile_fault *x = &p->faults[i];

			fprintf(f, "%s %s%s", i ? "," : "", x->signal,
				x->row == DIAG_BMS_FAULT_WARN	 ? ":warn"
				: x->row == DIAG_BMS_FAULT_BENCH ? ":bench"
								 : "");
		}
		fprintf(f, "\n");
	}
	fprintf(f, "heartbeat_timeout_ms = %u\n", p->heartbeat_timeout_ms);
}

static void tx_section(FILE *f, const struct profile *p)
{
	if (!p->tx_message[0])
		return;
	fprintf(f, "\n[bench_tx]\nmessage = %s\nperiod_ms = %u\n",
		p->tx_message, p->tx_period_ms);
	if (p->tx_contactor_signal[0])
		fprintf(f,
			"contactor_signal = %s\ncontactor_open = %d\n"
			"contactor_close = %d\n",
			p->tx_contactor_signal, p->tx_contactor_open,
			p->tx_contactor_close);
	opt(f, "alive_signal", p->tx_alive_signal);
}

int profile_write_text(struct profile *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f) {
		log_err("profile '%s': out of memory writing its text",
			p->model);
		return BENCH_ERR_MEM;
	}
	fprintf(f, "; written by bench from the profile it built (%s)\n",
		p->model);
	pack_section(f, p);
	limits_section(f, p);
	bms_section(f, p);
	tx_section(f, p);
	if (fclose(f) != 0 || !buf) {
		free(buf);
		log_err("profile '%s': out of memory writing its text",
			p->model);
		return BENCH_ERR_MEM;
	}
	free(p->text);
	p->text = buf;
	return BENCH_OK;
}

int profile_set_ref_r0(struct profile *p, double ref_r0_mohm)
{
	p->ref_r0_mohm = ref_r0_mohm;
	return profile_write_text(p);
}
