/* SPDX-License-Identifier: Apache-2.0 */
/* instr.c - the cycler seam: open by kind, and the safe stop. */
#define LOG_PREFIX "instr"
#include "instr.h"

#include <string.h>

#include "common/log.h"
#include "common/rc.h"
#include "instr/cancycler/protocol.h"
#include "instr/scpi/protocol.h"

int instr_safe_off(struct instr *in)
{
	/* Both steps always run: output off even if the zero setpoint
	 * failed, since either alone stops the current. */
	int rc_i = in->ops->set_current(in, 0);
	int rc_o = in->ops->set_output(in, false);

	return rc_i < 0 ? rc_i : rc_o;
}

int instr_open(const struct instr_cfg *cfg, struct instr **out)
{
	*out = NULL;
	if (!cfg->kind) {
		log_err("cycler kind missing (scpi | can | sim)");
		return BENCH_ERR_ARG;
	}
	if (!strcmp(cfg->kind, "scpi"))
		return scpi_instr_open(cfg, out);
	if (!strcmp(cfg->kind, "can"))
		return cancycler_instr_open(cfg, out);
	if (!strcmp(cfg->kind, "sim"))
		log_err("cycler kind 'sim' is the simulator's sim_instr(), "
			"not instr_open()");
	else
		log_err("unknown cycler kind '%s' (scpi | can | sim)",
			cfg->kind);
	return BENCH_ERR_ARG;
}

void instr_close(struct instr *in)
{
	if (in && in->ops->close)
		in->ops->close(in);
}

int instr_rx_frame(struct instr *in, const struct canframe *f, int64_t t_us)
{
	if (!in->ops->rx_frame)
		return 0;
	return in->ops->rx_frame(in, f, t_us);
}
