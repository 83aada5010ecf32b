/* SPDX-License-Identifier: Apache-2.0 */
/* api.c - CAN-controlled cycler as a struct instr.
 *
 * Setpoints are sent at once when they change and repeated from poll()
 * every 100 ms (the cycler's watchdog turns its output off without them).
 * Status frames are read from the bus in poll() and measure(), or handed
 * in by the controller through instr_rx_frame() when it shares the bus.
 * Time is the now_us of the last poll() (virtual time in simulation).
 */
#define LOG_PREFIX "cancycler"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/instr.h"
#include "can/canbus.h"
#include "can/dbc.h"
#include "common/log.h"
#include "common/rc.h"
#include "protocol.h"

#define CYC_DEFAULT_TIMEOUT_MS 1000

struct cyc_dev {
	struct instr in;
	struct canbus *bus;
	struct dbc *db;
	struct cyc_db c;
	bool shared;
	int64_t timeout_us;
	struct cyc_cmd cmd;
	bool have_voltage;
	bool have_now;
	int64_t now_us, start_us, last_tx_us, last_status_us;
	bool have_status, timed_out;
	struct cyc_status st;
};

static struct cyc_dev *dev_of(struct instr *in)
{
	return in->priv;
}

static int send_cmd(struct cyc_dev *d)
{
	struct canframe f;

	TRY(cyc_encode_command(&d->c, &d->cmd, &f));
	TRY(canbus_send(d->bus, &f));
	d->cmd.alive = (uint8_t)((d->cmd.alive + 1) & 0x0f);
	d->last_tx_us = d->now_us;
	return BENCH_OK;
}

static const char *val_text(const struct dbc_sig *s, int64_t raw)
{
	for (size_t i = 0; s && i < s->n_vals; i++)
		if (s->vals[i].raw == raw)
			return s->vals[i].text;
	return NULL;
}

static void take_ident(struct cyc_dev *d, const struct cyc_ident *id)
{
	const char *name = val_text(d->c.model, id->model);
	char model[48];

	if (name)
		snprintf(model, sizeof(model), "%s", name);
	else
		snprintf(model, sizeof(model), "model %u", id->model);
	snprintf(d->in.idn, sizeof(d->in.idn), "CAN cycler,%s,%u,%u.%u", model,
		 id->has_serial ? id->serial : 0, id->fw_major, id->fw_minor);
}

static int cyc_rx_frame(struct instr *in, const struct canframe *f,
			int64_t t_us)
{
	struct cyc_dev *d = dev_of(in);
	struct cyc_ident id;

	(void)t_us; /* a kernel timestamp is not on the control clock */
	if (cyc_decode_status(&d->c, f, &d->st) == 1) {
		d->have_status = true;
		d->last_status_us = d->now_us;
		if (d->timed_out)
			log_info("%s: status frames are back",
				 canbus_name(d->bus));
		d->timed_out = false;
		return 1;
	}
	if (cyc_decode_ident(&d->c, f, &id) == 1) {
		take_ident(d, &id);
		return 1;
	}
	return 0;
}

static int drain(struct cyc_dev *d)
{
	struct canbus_ev ev;
	int rc;

	if (d->shared)
		return BENCH_OK;
	while ((rc = canbus_recv(d->bus, &ev, 0)) == 1)
		if (ev.kind == CANBUS_EV_FRAME)
			cyc_rx_frame(&d->in, &ev.frame, ev.t_us);
	return rc < 0 ? rc : BENCH_OK;
}

/* BENCH_ERR_TIMEOUT once no status arrived for timeout_us. */
static int check_fresh(struct cyc_dev *d)
{
	int64_t since = d->have_status ? d->last_status_us : d->start_us;

	if (!d->have_now || d->now_us - since <= d->timeout_us)
		return BENCH_OK;
	if (!d->timed_out)
		log_err("%s: no %s from the cycler for %lld ms",
			canbus_name(d->bus), d->c.status->name,
			(long long)((d->now_us - since) / 1000));
	d->timed_out = true;
	return BENCH_ERR_TIMEOUT;
}

static int cyc_identify(struct instr *in, char *buf, int len)
{
	struct cyc_dev *d = dev_of(in);

	if (len <= 0)
		return BENCH_ERR_ARG;
	TRY(drain(d));
	snprintf(buf, (size_t)len, "%s", in->idn);
	return BENCH_OK;
}

static int cyc_set_current(struct instr *in, int32_t current_mA)
{
	struct cyc_dev *d = dev_of(in);

	if (current_mA != 0 && !d->have_voltage) {
		log_err("%s: current %d mA requested before the voltage "
			"limits were set",
			canbus_name(d->bus), current_mA);
		return BENCH_ERR_STATE;
	}
	d->cmd.current_mA = current_mA;
	return send_cmd(d);
}

static int cyc_set_voltage(struct instr *in, int32_t charge_mV,
			   int32_t discharge_mV)
{
	struct cyc_dev *d = dev_of(in);

	if (charge_mV < discharge_mV || discharge_mV < 0) {
		log_err("%s: bad voltage limits charge %d mV discharge %d mV",
			canbus_name(d->bus), charge_mV, discharge_mV);
		return BENCH_ERR_ARG;
	}
	d->cmd.voltage_max_mV = charge_mV;
	d->cmd.voltage_min_mV = discharge_mV;
	d->have_voltage = true;
	return send_cmd(d);
}

static int cyc_set_output(struct instr *in, bool on)
{
	struct cyc_dev *d = dev_of(in);

	d->cmd.enable = on;
	return send_cmd(d);
}

static int cyc_measure(struct instr *in, struct instr_state *st)
{
	struct cyc_dev *d = dev_of(in);

	st->mask = 0;
	TRY(drain(d));
	TRY(check_fresh(d));
	if (!d->have_status)
		return BENCH_OK;
	st->voltage_mV = d->st.voltage_mV;
	st->current_mA = d->st.current_mA;
	st->power_mW =
	    (int32_t)((int64_t)d->st.voltage_mV * d->st.current_mA / 1000);
	st->output_on = d->st.output_on;
	st->mask = INSTR_VOLTAGE | INSTR_CURRENT | INSTR_POWER | INSTR_OUTPUT;
	if (d->st.fault) {
		log_err("%s: cycler reports a fault (%s.%s)",
			canbus_name(d->bus), d->c.status->name,
			d->c.fault->name);
		return BENCH_ERR_STATE;
	}
	return BENCH_OK;
}

static int cyc_poll(struct instr *in, int64_t now_us)
{
	struct cyc_dev *d = dev_of(in);

	d->now_us = now_us;
	if (!d->have_now) {
		d->have_now = true;
		d->start_us = now_us;
		d->last_tx_us = now_us - CYC_PERIOD_US;
	}
	TRY(drain(d));
	if (now_us - d->last_tx_us >= CYC_PERIOD_US)
		TRY(send_cmd(d));
	return check_fresh(d);
}

static void cyc_close(struct instr *in)
{
	struct cyc_dev *d;

	if (!in)
		return;
	d = dev_of(in);
	/* A last "off" frame; the controller has already done the safe
	 * stop, and the cycler's own watchdog covers a lost frame. */
	d->cmd.enable = false;
	d->cmd.current_mA = 0;
	send_cmd(d);
	dbc_free(d->db);
	free(d);
}

/* clang-format off */
static const struct instr_ops cyc_ops = {
	.name = "can-cycler",
	.identify = cyc_identify,
	.set_current = cyc_set_current,
	.set_voltage = cyc_set_voltage,
	.set_output = cyc_set_output,
	.measure = cyc_measure,
	.poll = cyc_poll,
	.close = cyc_close,
	.rx_frame = cyc_rx_frame,
};
/* clang-format on */

int cancycler_instr_open(const struct instr_cfg *cfg, struct instr **out)
{
	struct cyc_dev *d = NULL;
	int rc;

	*out = NULL;
	if (!cfg->bus || !cfg->dbc_path) {
		log_err("can cycler: needs an open bus and a DBC path");
		return BENCH_ERR_ARG;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		log_err("out of memory opening the CAN cycler");
		return BENCH_ERR_MEM;
	}
	rc = dbc_load_file(cfg->dbc_path, NULL, &d->db);
	if (rc < 0)
		goto fail;
	rc = cyc_db_bind(d->db, &d->c);
	if (rc < 0)
		goto fail;
	d->in.ops = &cyc_ops;
	d->in.priv = d;
	d->bus = cfg->bus;
	d->shared = cfg->bus_shared;
	d->timeout_us =
	    (int64_t)(cfg->timeout_ms > 0 ? cfg->timeout_ms
					  : CYC_DEFAULT_TIMEOUT_MS) *
	    1000;
	snprintf(d->in.idn, sizeof(d->in.idn), "CAN cycler,unidentified,0,0");
	log_info("%s: CAN cycler through '%s'", canbus_name(d->bus),
		 cfg->dbc_path);
	*out = &d->in;
	return BENCH_OK;
fail:
	dbc_free(d->db);
	free(d);
	return rc;
}
