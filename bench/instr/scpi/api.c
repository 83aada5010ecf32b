/* SPDX-License-Identifier: Apache-2.0 */
/* api.c - SCPI bidirectional supply as a struct instr (life cycle and the
 * mapping of signed mA/mV setpoints onto a model's command table). */
#define LOG_PREFIX "scpi"
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bench/instr.h"
#include "serial/xport.h"
#include "common/log.h"
#include "common/rc.h"
#include "protocol.h"

#define SCPI_DEFAULT_TIMEOUT_MS 1000
/* Keep the supply's own watchdog fed when the controller is quiet. */
#define SCPI_KEEPALIVE_US 1000000
#define UNSENT INT32_MIN

struct scpi_dev {
	struct instr in;
	struct xport *x;
	const struct scpi_profile *prof;
	int timeout_ms;
	bool have_voltage;
	int32_t charge_mV, discharge_mV;
	int32_t current_mA;
	/* last value sent per setter, to send only changes */
	int32_t sent_volt_mV, sent_curr_mA, sent_sink_mA;
	bool active;	 /* a command went out since the last poll */
	bool bad_logged; /* a garbled reply was logged this streak */
	int64_t last_active_us;
};

static struct scpi_dev *dev_of(struct instr *in)
{
	return in->priv;
}

static const char *cmd(struct scpi_dev *d, enum scpi_cmd c)
{
	return scpi_profile_cmd(d->prof, c);
}

static int send_plain(struct scpi_dev *d, enum scpi_cmd c)
{
	const char *text = cmd(d, c);

	d->active = true;
	return text ? scpi_send(d->x, text, d->timeout_ms) : BENCH_OK;
}

/* Send a setter if its value changed; *sent tracks the last value. */
static int send_set(struct scpi_dev *d, enum scpi_cmd c, int32_t milli,
		    int32_t *sent)
{
	const char *fmt = cmd(d, c);

	if (!fmt || *sent == milli)
		return BENCH_OK;
	*sent = UNSENT; /* unknown until the write is through */
	d->active = true;
	TRY(scpi_send_value(d->x, fmt, milli / 1000.0, d->timeout_ms));
	*sent = milli;
	return BENCH_OK;
}

static int check(struct scpi_dev *d, const char *what)
{
	int rc;

	d->active = true;
	rc = scpi_check_error(d->x, cmd(d, SCPI_CMD_ERROR),
			      cmd(d, SCPI_CMD_CLEAR), what, d->timeout_ms);
	if (rc < 0) {
		/* Which setter the instrument refused is unknown: send all
		 * of them again next time. */
		d->sent_volt_mV = UNSENT;
		d->sent_curr_mA = d->sent_sink_mA = UNSENT;
	}
	return rc;
}

static int query_number(struct scpi_dev *d, enum scpi_cmd c, char unit,
			double limit, double *out)
{
	const char *text = cmd(d, c);
	char reply[128];

	d->active = true;
	TRY(scpi_query(d->x, text, reply, sizeof(reply), d->timeout_ms));
	/* Logged once per streak: a cycler answering garbage is asked
	 * every 100 ms until the controller's time-out stops the run. */
	if (scpi_parse_number(reply, unit, out) < 0) {
		if (!d->bad_logged)
			log_err("%s: reply '%.60s' to '%s' is not a number",
				xport_name(d->x), reply, text);
		d->bad_logged = true;
		return BENCH_ERR_PROTO;
	}
	if (fabs(*out) > limit) {
		if (!d->bad_logged)
			log_err("%s: reply '%s' to '%s' out of range (limit "
				"%g %c)",
				xport_name(d->x), reply, text, limit, unit);
		d->bad_logged = true;
		return BENCH_ERR_PROTO;
	}
	d->bad_logged = false;
	return BENCH_OK;
}

static int scpi_identify(struct instr *in, char *buf, int len)
{
	struct scpi_dev *d = dev_of(in);
	char reply[256];

	if (len <= 0)
		return BENCH_ERR_ARG;
	d->active = true;
	TRY(scpi_query(d->x, cmd(d, SCPI_CMD_IDN), reply, sizeof(reply),
		       d->timeout_ms));
	if (scpi_parse_idn(reply) < 0) {
		log_err("%s: bad *IDN? reply '%.60s'", xport_name(d->x), reply);
		return BENCH_ERR_PROTO;
	}
	/* scpi_parse_idn bounds the reply to 127 characters */
	memcpy(in->idn, reply, strlen(reply) + 1);
	snprintf(buf, (size_t)len, "%s", in->idn);
	return BENCH_OK;
}

/* Which voltage the CV-priority setpoint gets: the limit the current
 * flows towards. */
static int32_t cv_voltage_mV(const struct scpi_dev *d, int32_t current_mA)
{
	return current_mA < 0 ? d->discharge_mV : d->charge_mV;
}

/* The sink limit as the model wants it: a magnitude, or negative. */
static int send_sink(struct scpi_dev *d, int32_t sink_mA)
{
	return send_set(d, SCPI_CMD_SET_SINK_CURRENT,
			d->prof->sink_negative ? -sink_mA : sink_mA,
			&d->sent_sink_mA);
}

static int program(struct scpi_dev *d, int32_t mA)
{
	int32_t src = mA > 0 ? mA : 0, sink = mA < 0 ? -mA : 0;

	/* Take the old direction down first, then move the voltage, then
	 * open the new direction: never both sides at once. */
	if (mA >= 0)
		TRY(send_sink(d, 0));
	if (mA <= 0)
		TRY(send_set(d, SCPI_CMD_SET_CURRENT, 0, &d->sent_curr_mA));
	if (d->have_voltage)
		TRY(send_set(d, SCPI_CMD_SET_VOLTAGE, cv_voltage_mV(d, mA),
			     &d->sent_volt_mV));
	TRY(send_set(d, SCPI_CMD_SET_CURRENT, src, &d->sent_curr_mA));
	TRY(send_sink(d, sink));
	return BENCH_OK;
}

static int scpi_set_current(struct instr *in, int32_t current_mA)
{
	struct scpi_dev *d = dev_of(in);
	char what[64];

	if (current_mA != 0 && !d->have_voltage) {
		log_err("%s: current %d mA requested before the voltage "
			"limits were set",
			xport_name(d->x), current_mA);
		return BENCH_ERR_STATE;
	}
	if (fabs(current_mA / 1000.0) > d->prof->current_max_A) {
		log_err("%s: current %d mA beyond the %s rating %g A",
			xport_name(d->x), current_mA, d->prof->model,
			d->prof->current_max_A);
		return BENCH_ERR_ARG;
	}
	d->current_mA = current_mA;
	TRY(program(d, current_mA));
	snprintf(what, sizeof(what), "current %d mA", current_mA);
	return check(d, what);
}

static int scpi_set_voltage(struct instr *in, int32_t charge_mV,
			    int32_t discharge_mV)
{
	struct scpi_dev *d = dev_of(in);
	char what[80];

	if (charge_mV < discharge_mV || discharge_mV < 0 ||
	    charge_mV / 1000.0 > d->prof->voltage_max_V) {
		log_err("%s: bad voltage limits charge %d mV discharge %d mV",
			xport_name(d->x), charge_mV, discharge_mV);
		return BENCH_ERR_ARG;
	}
	d->charge_mV = charge_mV;
	d->discharge_mV = discharge_mV;
	d->have_voltage = true;
	TRY(send_set(d, SCPI_CMD_SET_VOLTAGE, cv_voltage_mV(d, d->current_mA),
		     &d->sent_volt_mV));
	snprintf(what, sizeof(what), "voltage limits %d/%d mV", charge_mV,
		 discharge_mV);
	return check(d, what);
}

static int scpi_set_output(struct instr *in, bool on)
{
	struct scpi_dev *d = dev_of(in);

	TRY(send_plain(d, on ? SCPI_CMD_OUTPUT_ON : SCPI_CMD_OUTPUT_OFF));
	return check(d, on ? "output on" : "output off");
}

static int scpi_measure(struct instr *in, struct instr_state *st)
{
	struct scpi_dev *d = dev_of(in);
	const char *outp = cmd(d, SCPI_CMD_GET_OUTPUT);
	double v, i, p;
	char reply[64];

	st->mask = 0;
	TRY(query_number(d, SCPI_CMD_MEAS_VOLTAGE, 'V', d->prof->voltage_max_V,
			 &v));
	st->voltage_mV = (int32_t)lround(v * 1000.0);
	st->mask |= INSTR_VOLTAGE;
	TRY(query_number(d, SCPI_CMD_MEAS_CURRENT, 'A', d->prof->current_max_A,
			 &i));
	st->current_mA = (int32_t)lround(i * 1000.0);
	st->mask |= INSTR_CURRENT;
	if (cmd(d, SCPI_CMD_MEAS_POWER)) {
		TRY(query_number(
		    d, SCPI_CMD_MEAS_POWER, 'W',
		    d->prof->voltage_max_V * d->prof->current_max_A, &p));
		st->power_mW = (int32_t)lround(p * 1000.0);
		st->mask |= INSTR_POWER;
	}
	if (outp) {
		TRY(scpi_query(d->x, outp, reply, sizeof(reply),
			       d->timeout_ms));
		if (scpi_parse_bool(reply, &st->output_on) < 0) {
			log_err("%s: reply '%.60s' to '%s' is not a boolean",
				xport_name(d->x), reply, outp);
			return BENCH_ERR_PROTO;
		}
		st->mask |= INSTR_OUTPUT;
	}
	return BENCH_OK;
}

static int scpi_poll(struct instr *in, int64_t now_us)
{
	struct scpi_dev *d = dev_of(in);

	if (d->active) {
		d->active = false;
		d->last_active_us = now_us;
		return BENCH_OK;
	}
	if (now_us - d->last_active_us < SCPI_KEEPALIVE_US)
		return BENCH_OK;
	d->last_active_us = now_us;
	return check(d, "keepalive");
}

static void scpi_close(struct instr *in)
{
	struct scpi_dev *d;

	if (!in)
		return;
	d = dev_of(in);
	/* Back to front-panel control; the controller has already done the
	 * safe stop, and a dead line only costs this one logged write. */
	if (cmd(d, SCPI_CMD_LOCAL))
		scpi_send(d->x, cmd(d, SCPI_CMD_LOCAL), d->timeout_ms);
	xport_close(d->x);
	free(d);
}

/* clang-format off */
static const struct instr_ops scpi_ops = {
	.name = "scpi",
	.identify = scpi_identify,
	.set_current = scpi_set_current,
	.set_voltage = scpi_set_voltage,
	.set_output = scpi_set_output,
	.measure = scpi_measure,
	.poll = scpi_poll,
	.close = scpi_close,
};
/* clang-format on */

int scpi_instr_open_xport(struct xport *x, const char *model, int timeout_ms,
			  struct instr **out)
{
	const struct scpi_profile *prof = scpi_profile_find(model);
	struct scpi_dev *d = NULL;
	char idn[128];
	int rc;

	*out = NULL;
	if (!prof) {
		log_err("unknown SCPI model '%s' (known: generic, ea-psb, "
			"itech-it6000)",
			model);
		rc = BENCH_ERR_ARG;
		goto fail;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		log_err("out of memory opening '%s'", xport_name(x));
		rc = BENCH_ERR_MEM;
		goto fail;
	}
	d->in.ops = &scpi_ops;
	d->in.priv = d;
	d->x = x;
	d->prof = prof;
	d->timeout_ms = timeout_ms > 0 ? timeout_ms : SCPI_DEFAULT_TIMEOUT_MS;
	d->sent_volt_mV = UNSENT;
	d->sent_curr_mA = d->sent_sink_mA = UNSENT;
	rc = send_plain(d, SCPI_CMD_REMOTE);
	if (rc == BENCH_OK)
		rc = send_plain(d, SCPI_CMD_MODE);
	if (rc == BENCH_OK)
		rc = send_plain(d, SCPI_CMD_CLEAR);
	if (rc == BENCH_OK)
		rc = scpi_identify(&d->in, idn, sizeof(idn));
	if (rc == BENCH_OK)
		rc = check(d, "remote control");
	if (rc < 0)
		goto fail;
	log_info("%s: %s (%s)", xport_name(x), d->in.idn, prof->model);
	*out = &d->in;
	return BENCH_OK;
fail:
	xport_close(x);
	free(d);
	return rc;
}

int scpi_instr_open(const struct instr_cfg *cfg, struct instr **out)
{
	struct xport *x;

	*out = NULL;
	if (!cfg->port) {
		log_err("scpi cycler: no port given");
		return BENCH_ERR_ARG;
	}
	if (!scpi_profile_find(cfg->model)) {
		log_err("unknown SCPI model '%s' (known: generic, ea-psb, "
			"itech-it6000)",
			cfg->model);
		return BENCH_ERR_ARG;
	}
	TRY(xport_open(cfg->port, cfg->serial, &x));
	return scpi_instr_open_xport(x, cfg->model, cfg->timeout_ms, out);
}
