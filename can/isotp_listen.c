/* SPDX-License-Identifier: Apache-2.0 */
/* isotp_listen.c - passive ISO-TP on both directions (see isotp_listen.h). */
#include "isotp_listen.h"

#include "common/rc.h"

/* A listener never sends: its flow control frames go nowhere. */
static int discard(void *ctx, const struct canframe *f)
{
	(void)ctx;
	(void)f;
	return BENCH_OK;
}

void isotp_listen_init(struct isotp_listen *l, uint32_t tx_id, uint32_t rx_id,
		       const struct isotp_opts *o)
{
	struct isotp_opts req = *o, rep = *o;

	/* bs 0: the engines ask for no further flow control, so a block
	 * boundary never stalls them */
	req.bs = rep.bs = 0;
	req.rx_ext_addr = o->tx_ext_addr;
	isotp_engine_init(&l->dir[ISOTP_LISTEN_REQUEST], rx_id, tx_id, &req,
			  discard, NULL);
	isotp_engine_init(&l->dir[ISOTP_LISTEN_REPLY], tx_id, rx_id, &rep,
			  discard, NULL);
}

int isotp_listen_frame(struct isotp_listen *l, const struct canframe *f,
		       int64_t t_us, struct isotp_listen_pdu *out)
{
	for (int d = 0; d < 2; d++) {
		struct isotp_engine *e = &l->dir[d];
		int n;

		if (f)
			isotp_engine_on_frame(e, f, t_us);
		isotp_engine_tick(e, t_us);
		n = isotp_engine_take(e, out->data, sizeof(out->data));
		if (n != 0) {
			out->dir = (enum isotp_listen_dir)d;
			out->rc = n;
			/* the other direction sees this frame next call */
			if (f && d == 0)
				isotp_engine_on_frame(&l->dir[1], f, t_us);
			return 1;
		}
	}
	return 0;
}
