/* SPDX-License-Identifier: Apache-2.0 */
/* can_genlog.c - write an N-frame candump log of every message of a DBC,
 * as a BMS would send them: each multiplexed message once per multiplexor
 * value its signals use (a 96-cell BMS: 32 cell blocks), payloads filled
 * with random values inside each signal's range. Used by the CAN decode
 * benchmark (tools/bench.d/can.sh).
 *
 *   can_genlog FILE.dbc N [IFACE] > out.log
 */
#define LOG_PREFIX "can_genlog"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "can/canlog.h"
#include "can/dbc.h"
#include "common/log.h"
#include "common/rc.h"

struct slot {
	const struct dbc_msg *m;
	const struct dbc_sig *sw; /* top-level multiplexor, or NULL */
	uint64_t sw_raw;
};

static int add_slot(struct slot **v, size_t *n, size_t *cap, struct slot s)
{
	if (*n == *cap) {
		struct slot *nv =
		    realloc(*v, (*cap ? *cap * 2 : 64) * sizeof(**v));

		if (!nv)
			return BENCH_ERR_MEM;
		*v = nv;
		*cap = *cap ? *cap * 2 : 64;
	}
	(*v)[(*n)++] = s;
	return BENCH_OK;
}

/* One slot per message, or per value of its top-level multiplexor. */
static int build_schedule(const struct dbc *db, struct slot **v, size_t *n)
{
	size_t cap = 0;

	*v = NULL;
	*n = 0;
	for (size_t i = 0; i < db->n_msgs; i++) {
		const struct dbc_msg *m = &db->msgs[i];
		const struct dbc_sig *sw = NULL;
		size_t before = *n;

		for (size_t k = 0; k < m->n_sigs && !sw; k++)
			if (m->sigs[k].mux == DBC_MUX_SWITCH)
				sw = &m->sigs[k];
		for (size_t k = 0; sw && k < m->n_sigs; k++) {
			const struct dbc_sig *s = &m->sigs[k];
			bool seen = false;

			if (s->mux_parent < 0 || &m->sigs[s->mux_parent] != sw)
				continue;
			for (size_t j = before; j < *n; j++)
				seen |= (*v)[j].sw_raw == s->mux_ranges[0].lo;
			if (!seen)
				TRY(add_slot(
				    v, n, &cap,
				    (struct slot){m, sw, s->mux_ranges[0].lo}));
		}
		if (*n == before)
			TRY(add_slot(v, n, &cap, (struct slot){m, NULL, 0}));
	}
	return BENCH_OK;
}

static void fill(const struct slot *sl, struct canframe *f)
{
	const struct dbc_msg *m = sl->m;

	memset(f, 0, sizeof(*f));
	f->id = m->id;
	f->len = m->size;
	f->fd = m->fd || m->size > 8;
	f->flags = f->fd ? CANFRAME_FD_FDF : 0;
	if (sl->sw)
		cansig_put_raw(sl->sw, f->data, f->len, sl->sw_raw);
	for (size_t k = 0; k < m->n_sigs; k++) {
		const struct dbc_sig *s = &m->sigs[k];
		double lo = s->min, hi = s->max;

		if (s == sl->sw || s->mux == DBC_MUX_SWITCH ||
		    !cansig_active(m, s, f->data, f->len))
			continue;
		if (!(lo < hi)) {
			lo = 0;
			hi = s->factor *
			     ((s->len < 16 ? (1 << s->len) : 65536) - 1);
		}
		cansig_encode(s, f->data, f->len, lo + (hi - lo) * drand48());
	}
}

int main(int argc, char **argv)
{
	static char out[1 << 20];
	struct dbc_opts o = {.quiet = true};
	struct canlog_rec rec;
	struct slot *sched;
	struct dbc *db;
	size_t n_sched, used = 0;
	long long n;

	if (argc < 3 || (n = atoll(argv[2])) <= 0) {
		fprintf(stderr,
			"usage: can_genlog FILE.dbc N [IFACE] > out.log\n");
		return 2;
	}
	log_set_level(LOG_ERR); /* clamped encodes are expected, stay quiet */
	if (dbc_load_file(argv[1], &o, &db) < 0 ||
	    build_schedule(db, &sched, &n_sched) < 0 || n_sched == 0)
		return 1;
	srand48(1);
	for (long long i = 0; i < n; i++) {
		struct canframe f;
		int len;

		fill(&sched[i % (long long)n_sched], &f);
		canlog_rec_set(&rec, 1700000000000000LL + i * 100,
			       argc > 3 ? argv[3] : "can0", &f);
		if (sizeof(out) - used < CANLOG_LINE_MAX) {
			fwrite(out, 1, used, stdout);
			used = 0;
		}
		len = canlog_format(&rec, out + used, sizeof(out) - used);
		if (len < 0)
			return 1;
		used += (size_t)len;
	}
	fwrite(out, 1, used, stdout);
	free(sched);
	dbc_free(db);
	return fflush(stdout) ? 1 : 0;
}
