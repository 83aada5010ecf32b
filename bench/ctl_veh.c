/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_veh.c - the controller's vehicle frames: the profile's
 * [vehicle_frame] table sent on the BMS bus every tick, and its contactor
 * sequences (docs/profiles.md "Vehicle frames"). */
#define LOG_PREFIX "ctl"

#include "bench/ctl_priv.h"
#include "bench/profile_veh.h"
#include "can/canbus.h"
#include "common/log.h"
#include "common/rc.h"

int ctl_veh_new(struct ctl *c)
{
	const struct veh_set *s = &c->cfg.profile->veh;

	if (!s->n_frames && !s->close.n && !s->open.n)
		return BENCH_OK;
	if (!c->cfg.bms_bus) {
		log_err("profile %s has vehicle frames but no BMS bus was "
			"given to send them on",
			c->cfg.profile->model);
		return BENCH_ERR_ARG;
	}
	profile_veh_model(s, c->veh_defs, &c->veh_model);
	return vehframe_new(&c->veh_model, &c->veh);
}

void ctl_veh_free(struct ctl *c)
{
	vehframe_free(c->veh);
	c->veh = NULL;
}

static void send_due(struct ctl *c, int64_t t_us)
{
	struct canframe out[VEH_MAX_FRAMES];
	size_t n = vehframe_due(c->veh, t_us, out, VEH_MAX_FRAMES);

	for (size_t i = 0; i < n; i++) {
		if (canbus_send(c->cfg.bms_bus, &out[i]) >= 0 ||
		    c->veh_send_failed)
			continue;
		/* the bus state events and the BMS time-out report the
		 * consequences; say once which frame could not go out */
		log_warn("could not send vehicle frame 0x%X on the BMS bus",
			 (unsigned)(out[i].id & CANFRAME_EFF_MASK));
		c->veh_send_failed = true;
	}
}

void ctl_veh_tick(struct ctl *c, int64_t t_us)
{
	const struct pack_snap *ps;

	if (!c->veh)
		return;
	if (!c->veh_on) {
		vehframe_enable(c->veh, t_us);
		c->veh_on = true;
	}
	ps = packstate_snap(c->ps);
	/* the BMS's own pack voltage: the cycler's terminals read 0 V until
	 * the contactors close, and the echo is what lets them close */
	vehframe_set_input(c->veh, VEHFRAME_IN_PACK_V, ps->pack_mV * 1e-3,
			   ps->have & PACK_HAVE_PACK_V);
	send_due(c, t_us);
}

bool ctl_veh_closes(const struct ctl *c)
{
	return c->veh && c->veh_model.start.n > 0;
}

void ctl_veh_close(struct ctl *c, int64_t t_us)
{
	if (!ctl_veh_closes(c))
		return;
	vehframe_start_seq(c->veh, t_us);
	c->veh_close_req = true;
	send_due(c, t_us);
}

void ctl_veh_open(struct ctl *c, int64_t t_us)
{
	c->veh_close_req = false;
	if (!c->veh || !c->veh_on || !c->veh_model.stop.n)
		return;
	vehframe_stop(c->veh, t_us);
	send_due(c, t_us);
}

bool ctl_veh_busy(const struct ctl *c)
{
	return c->veh && vehframe_seq_running(c->veh);
}
