/* SPDX-License-Identifier: Apache-2.0 */
/* sim_instr.c - the in-process cycler personality: bench/instr.h ops on the
 * simulated cycler. Every op is a command that feeds the cycler's
 * watchdog; after a cycler_timeout fault every op times out, as a supply
 * that stopped answering does; after cycler_unplugged every op fails as a
 * vanished port (BENCH_ERR_IO), after cycler_garbage as an unreadable
 * answer (BENCH_ERR_PROTO), and after cycler_error every setting but
 * "off" is refused (BENCH_ERR_PROTO, what the SCPI driver returns when
 * SYST:ERR? reports an error). */
#define LOG_PREFIX "sim-instr"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/log.h"
#include "common/rc.h"
#include "sim_priv.h"

static struct sim *to_sim(struct instr *in)
{
	return in->priv;
}

static int alive(struct sim *s)
{
	if (s->cyc.comm_dead) {
		/* logged once: the controller polls every tick */
		if (!s->cyc.timeout_logged)
			log_err("simulated cycler: no answer (cycler_timeout "
				"fault)");
		s->cyc.timeout_logged = true;
		return BENCH_ERR_TIMEOUT;
	}
	if (s->cyc.unplugged || s->cyc.garbage) {
		if (!s->cyc.timeout_logged)
			log_err("simulated cycler: %s",
				s->cyc.unplugged
				    ? "port gone (cycler_unplugged "
				      "fault)"
				    : "garbled answer "
				      "(cycler_garbage fault)");
		s->cyc.timeout_logged = true;
		return s->cyc.unplugged ? BENCH_ERR_IO : BENCH_ERR_PROTO;
	}
	sim_cyc_touch(s);
	return BENCH_OK;
}

/* A setting the cycler takes, or refuses in a device fault. */
static int accepts(struct sim *s, bool off)
{
	TRY(alive(s));
	if (s->cyc.dev_error && !off) {
		log_err("simulated cycler: setting refused (cycler_error "
			"fault)");
		return BENCH_ERR_PROTO;
	}
	return BENCH_OK;
}

static int sim_identify(struct instr *in, char *buf, int len)
{
	TRY(alive(to_sim(in)));
	snprintf(buf, (size_t)len, "%s", in->idn);
	return BENCH_OK;
}

static int sim_set_current(struct instr *in, int32_t current_mA)
{
	struct sim *s = to_sim(in);

	TRY(accepts(s, current_mA == 0));
	if (abs(current_mA) > 600000) {
		log_err("simulated cycler: %d mA beyond its 600 A rating",
			current_mA);
		return BENCH_ERR_ARG;
	}
	s->cyc.set_A = current_mA * 1e-3;
	return BENCH_OK;
}

static int sim_set_voltage(struct instr *in, int32_t charge_mV,
			   int32_t discharge_mV)
{
	struct sim *s = to_sim(in);

	TRY(accepts(s, false));
	if (charge_mV < discharge_mV || discharge_mV < 0 ||
	    charge_mV > 1000000) {
		log_err("simulated cycler: bad voltage limits %d / %d mV",
			charge_mV, discharge_mV);
		return BENCH_ERR_ARG;
	}
	s->cyc.vmax_V = charge_mV * 1e-3;
	s->cyc.vmin_V = discharge_mV * 1e-3;
	return BENCH_OK;
}

static int sim_set_output(struct instr *in, bool on)
{
	struct sim *s = to_sim(in);

	TRY(accepts(s, !on));
	if (on && !s->cyc.output_on)
		s->cyc.fault = false;
	s->cyc.output_on = on;
	if (!on)
		s->cyc.actual_A = 0;
	return BENCH_OK;
}

static int sim_measure(struct instr *in, struct instr_state *st)
{
	struct sim *s = to_sim(in);
	bool closed;

	TRY(alive(s));
	closed = sim_bms_closed(s);
	st->mask = INSTR_VOLTAGE | INSTR_CURRENT | INSTR_POWER | INSTR_OUTPUT;
	/* the supply sees the pack only through closed contactors */
	st->voltage_mV = closed ? (int32_t)lround(s->pack_V * 1e3) : 0;
	st->current_mA = (int32_t)lround(s->current_A * 1e3);
	st->power_mW = (int32_t)lround(st->voltage_mV * 1e-3 * st->current_mA);
	st->output_on = s->cyc.output_on;
	return BENCH_OK;
}

static int sim_poll(struct instr *in, int64_t now_us)
{
	(void)now_us;
	return alive(to_sim(in));
}

static void sim_close(struct instr *in)
{
	(void)in; /* owned by the simulator: sim_free releases it */
}

/* clang-format off */
static const struct instr_ops sim_instr_ops = {
	.name = "sim",
	.identify = sim_identify,
	.set_current = sim_set_current,
	.set_voltage = sim_set_voltage,
	.set_output = sim_set_output,
	.measure = sim_measure,
	.poll = sim_poll,
	.close = sim_close,
};
/* clang-format on */

void sim_instr_init(struct sim *s)
{
	s->instr.ops = &sim_instr_ops;
	s->instr.priv = s;
	snprintf(s->instr.idn, sizeof(s->instr.idn),
		 "BENCH-SIM,SIMCYC-600-300,%08llx,1.0",
		 (unsigned long long)(s->cfg.seed & 0xffffffffu));
}
