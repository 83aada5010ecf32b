/* SPDX-License-Identifier: Apache-2.0 */
/* protocol.c - CAN cycler frames: bind DBC names, encode and decode. */
#define LOG_PREFIX "cancycler"
#include "protocol.h"

#include <math.h>
#include <string.h>

#include "can/canframe.h"
#include "can/dbc.h"
#include "common/log.h"
#include "common/rc.h"

static int bind_msg(const struct dbc *db, const char *name,
		    const struct dbc_msg **out)
{
	*out = dbc_msg_by_name(db, name);
	if (!*out) {
		log_err("%s: no message '%s'", db->path ? db->path : "dbc",
			name);
		return BENCH_ERR_ARG;
	}
	return BENCH_OK;
}

static int bind_sig(const struct dbc *db, const struct dbc_msg *m,
		    const char *name, bool required, const struct dbc_sig **out)
{
	*out = dbc_sig_by_name(m, name);
	if (!*out && required) {
		log_err("%s: message '%s' has no signal '%s'",
			db->path ? db->path : "dbc", m->name, name);
		return BENCH_ERR_ARG;
	}
	return BENCH_OK;
}

int cyc_db_bind(const struct dbc *db, struct cyc_db *c)
{
	memset(c, 0, sizeof(*c));
	TRY(bind_msg(db, "CYC_Command", &c->cmd));
	TRY(bind_msg(db, "CYC_Status", &c->status));
	TRY(bind_sig(db, c->cmd, "Cyc_Enable", true, &c->enable));
	TRY(bind_sig(db, c->cmd, "Cyc_CurrentSet", true, &c->current_set));
	TRY(bind_sig(db, c->cmd, "Cyc_VoltageMax", true, &c->voltage_max));
	TRY(bind_sig(db, c->cmd, "Cyc_VoltageMin", true, &c->voltage_min));
	TRY(bind_sig(db, c->cmd, "Cyc_Alive", true, &c->alive));
	TRY(bind_sig(db, c->status, "Cyc_VoltageMeas", true, &c->voltage_meas));
	TRY(bind_sig(db, c->status, "Cyc_CurrentMeas", true, &c->current_meas));
	TRY(bind_sig(db, c->status, "Cyc_OutputOn", true, &c->output_on));
	TRY(bind_sig(db, c->status, "Cyc_Fault", true, &c->fault));
	TRY(bind_sig(db, c->status, "Cyc_Mode", true, &c->mode));
	/* Identification is optional: a cycler without it is still usable. */
	c->ident = dbc_msg_by_name(db, "CYC_Ident");
	if (c->ident) {
		TRY(bind_sig(db, c->ident, "Cyc_Model", true, &c->model));
		TRY(bind_sig(db, c->ident, "Cyc_FwMajor", false, &c->fw_major));
		TRY(bind_sig(db, c->ident, "Cyc_FwMinor", false, &c->fw_minor));
		TRY(bind_sig(db, c->ident, "Cyc_Serial", false, &c->serial));
	}
	return BENCH_OK;
}

static void frame_init(const struct dbc_msg *m, struct canframe *f)
{
	memset(f, 0, sizeof(*f));
	f->id = m->id;
	f->len = m->size;
	f->fd = m->fd;
}

static int put(const struct dbc_msg *m, const struct dbc_sig *s,
	       struct canframe *f, double phys)
{
	if (cansig_encode(s, f->data, f->len, phys) < 0) {
		log_err("%s.%s: value %g out of range [%g, %g]", m->name,
			s->name, phys, s->min, s->max);
		return BENCH_ERR_ARG;
	}
	return BENCH_OK;
}

static bool is_msg(const struct dbc_msg *m, const struct canframe *f)
{
	return m && f->id == m->id && f->len >= m->size;
}

static int32_t milli(const struct dbc_sig *s, const struct canframe *f)
{
	return (int32_t)lround(cansig_decode(s, f->data, f->len) * 1000.0);
}

static unsigned uval(const struct dbc_sig *s, const struct canframe *f)
{
	return (unsigned)cansig_get_raw(s, f->data, f->len);
}

int cyc_encode_command(const struct cyc_db *c, const struct cyc_cmd *cmd,
		       struct canframe *f)
{
	const struct dbc_msg *m = c->cmd;

	frame_init(m, f);
	TRY(put(m, c->enable, f, cmd->enable ? 1 : 0));
	TRY(put(m, c->current_set, f, cmd->current_mA / 1000.0));
	TRY(put(m, c->voltage_max, f, cmd->voltage_max_mV / 1000.0));
	TRY(put(m, c->voltage_min, f, cmd->voltage_min_mV / 1000.0));
	TRY(put(m, c->alive, f, cmd->alive & 0x0f));
	return BENCH_OK;
}

int cyc_decode_status(const struct cyc_db *c, const struct canframe *f,
		      struct cyc_status *st)
{
	if (!is_msg(c->status, f))
		return 0;
	st->voltage_mV = milli(c->voltage_meas, f);
	st->current_mA = milli(c->current_meas, f);
	st->output_on = uval(c->output_on, f) != 0;
	st->fault = uval(c->fault, f) != 0;
	st->mode = (uint8_t)uval(c->mode, f);
	return 1;
}

int cyc_decode_ident(const struct cyc_db *c, const struct canframe *f,
		     struct cyc_ident *id)
{
	if (!is_msg(c->ident, f))
		return 0;
	memset(id, 0, sizeof(*id));
	id->model = uval(c->model, f);
	if (c->fw_major && c->fw_minor) {
		id->fw_major = uval(c->fw_major, f);
		id->fw_minor = uval(c->fw_minor, f);
		id->has_fw = true;
	}
	if (c->serial) {
		id->serial =
		    (uint32_t)cansig_get_raw(c->serial, f->data, f->len);
		id->has_serial = true;
	}
	return 1;
}
