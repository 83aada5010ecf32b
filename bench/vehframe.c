/* SPDX-License-Identifier: Apache-2.0 */
/* vehframe.c - cyclic vehicle frames and start/stop sequences (pure). */
#define LOG_PREFIX "vehframe"
#include "vehframe.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "can/checksum.h"
#include "common/log.h"
#include "common/rc.h"

struct vf_state {
	const struct checksum_alg *csum;
	uint8_t payload[VEHFRAME_MAX_LEN];
	uint8_t once_data[VEHFRAME_MAX_LEN];
	uint32_t counter;
	bool on;
	bool once; /* a VEHFRAME_ONCE send is pending */
	int64_t next_us;
};

struct vehframe {
	const struct vehframe_model *m;
	double in[VEHFRAME_IN_N];
	bool in_valid[VEHFRAME_IN_N];
	struct vf_state *f;
	const struct vehframe_seq *seq; /* running sequence, or NULL */
	size_t step;
	int64_t step_us; /* when seq->steps[step] runs */
};

static uint32_t counter_modulus(const struct vehframe_counter *c)
{
	return c->modulus ? c->modulus : 1u << c->width;
}

static int check_frame(size_t i, const struct vehframe_def *d,
		       const struct checksum_alg **alg)
{
	const struct vehframe_counter *c = &d->counter;
	const struct vehframe_csum *s = &d->csum;
	const char *name = d->name ? d->name : "";

	*alg = NULL;
	if (d->dlc > VEHFRAME_MAX_LEN) {
		log_err("frame %zu '%s': dlc %u above 8", i, name, d->dlc);
		return BENCH_ERR_ARG;
	}
	if (c->width > 16 || c->bit + c->width > d->dlc * 8u ||
	    counter_modulus(c) > 1u << c->width ||
	    c->start >= counter_modulus(c)) {
		log_err("frame %zu '%s': counter at bit %u width %u modulus %u "
			"start %u does not fit its %u-byte payload",
			i, name, c->bit, c->width, counter_modulus(c), c->start,
			d->dlc);
		return BENCH_ERR_ARG;
	}
	if (d->value.input != VEHFRAME_IN_NONE &&
	    (d->value.input >= VEHFRAME_IN_N || !d->value.bytes ||
	     d->value.bytes > 4 || d->value.byte + d->value.bytes > d->dlc ||
	     d->value.scale == 0)) {
		log_err("frame %zu '%s': value at byte %u (%u bytes) does not "
			"fit its %u-byte payload",
			i, name, d->value.byte, d->value.bytes, d->dlc);
		return BENCH_ERR_ARG;
	}
	if (!s->alg)
		return BENCH_OK;
	if (!(*alg = checksum_find(s->alg))) {
		log_err("frame %zu '%s': unknown checksum '%s'", i, name,
			s->alg);
		return BENCH_ERR_ARG;
	}
	{
		int first = s->first < 0 ? (*alg)->first : s->first;
		int last = s->last < 0 ? (*alg)->last : s->last;
		int store = s->store < 0 ? (*alg)->store : s->store;

		if (first > last || last >= d->dlc || store >= d->dlc ||
		    (store >= first && store <= last)) {
			log_err("frame %zu '%s': checksum %s over bytes %d..%d "
				"stored at byte %d does not fit its %u-byte "
				"payload",
				i, name, s->alg, first, last, store, d->dlc);
			return BENCH_ERR_ARG;
		}
	}
	return BENCH_OK;
}

static int check_seq(const char *which, const struct vehframe_seq *q,
		     size_t n_frames)
{
	for (size_t k = 0; k < q->n; k++) {
		const struct vehframe_step *s = &q->steps[k];

		if (s->act > VEHFRAME_SILENCE ||
		    (s->act != VEHFRAME_SILENCE && s->frame >= n_frames)) {
			log_err("%s step %zu: frame %u not in the table of %zu "
				"frames",
				which, k + 1, s->frame, n_frames);
			return BENCH_ERR_ARG;
		}
	}
	return BENCH_OK;
}

int vehframe_new(const struct vehframe_model *m, struct vehframe **out)
{
	struct vehframe *v = NULL;
	int rc = BENCH_ERR_MEM;

	*out = NULL;
	if (!(v = calloc(1, sizeof(*v))) ||
	    !(v->f = calloc(m->n_frames ? m->n_frames : 1, sizeof(*v->f)))) {
		log_err("out of memory for %zu vehicle frames", m->n_frames);
		goto fail;
	}
	v->m = m;
	for (size_t i = 0; i < m->n_frames; i++) {
		const struct vehframe_def *d = &m->frames[i];

		if ((rc = check_frame(i, d, &v->f[i].csum)) < 0)
			goto fail;
		memcpy(v->f[i].payload, d->payload, sizeof(d->payload));
		v->f[i].counter = d->counter.start;
	}
	if ((rc = check_seq("start", &m->start, m->n_frames)) < 0 ||
	    (rc = check_seq("stop", &m->stop, m->n_frames)) < 0)
		goto fail;
	*out = v;
	return BENCH_OK;
fail:
	vehframe_free(v);
	return rc;
}

void vehframe_free(struct vehframe *v)
{
	if (!v)
		return;
	free(v->f);
	free(v);
}

static void enable(struct vehframe *v, size_t i, int64_t t_us)
{
	const struct vehframe_def *d = &v->m->frames[i];

	v->f[i].on = d->period_ms > 0;
	v->f[i].next_us = t_us + (int64_t)d->phase_ms * 1000;
}

static void run_seq(struct vehframe *v, const struct vehframe_seq *q,
		    int64_t t_us)
{
	v->seq = q->n ? q : NULL;
	v->step = 0;
	v->step_us = t_us;
}

void vehframe_enable(struct vehframe *v, int64_t t_us)
{
	for (size_t i = 0; i < v->m->n_frames; i++)
		if (!v->m->frames[i].off_at_start)
			enable(v, i, t_us);
}

void vehframe_start_seq(struct vehframe *v, int64_t t_us)
{
	run_seq(v, &v->m->start, t_us);
}

void vehframe_start(struct vehframe *v, int64_t t_us)
{
	vehframe_enable(v, t_us);
	vehframe_start_seq(v, t_us);
}

void vehframe_stop(struct vehframe *v, int64_t t_us)
{
	run_seq(v, &v->m->stop, t_us);
}

bool vehframe_seq_running(const struct vehframe *v)
{
	return v->seq != NULL;
}

static void masked(uint8_t *dst, const struct vehframe_step *s)
{
	for (int b = 0; b < VEHFRAME_MAX_LEN; b++)
		dst[b] = (uint8_t)((dst[b] & ~s->mask[b]) |
				   (s->data[b] & s->mask[b]));
}

/* Steps run at their scheduled times, so delays do not drift with the
 * caller's tick. */
static void run_steps(struct vehframe *v, int64_t t_us)
{
	while (v->seq && v->step_us <= t_us) {
		const struct vehframe_step *s = &v->seq->steps[v->step];
		struct vf_state *f = &v->f[s->frame];

		switch (s->act) {
		case VEHFRAME_SET:
			masked(f->payload, s);
			break;
		case VEHFRAME_ENABLE:
			enable(v, s->frame, v->step_us);
			break;
		case VEHFRAME_DISABLE:
			f->on = false;
			break;
		case VEHFRAME_ONCE:
			memcpy(f->once_data, f->payload, sizeof(f->payload));
			masked(f->once_data, s);
			f->once = true;
			break;
		case VEHFRAME_SILENCE:
			for (size_t i = 0; i < v->m->n_frames; i++)
				v->f[i].on = false;
			break;
		}
		v->step_us += (int64_t)s->hold_ms * 1000;
		if (++v->step == v->seq->n)
			v->seq = NULL;
	}
}

static void put_counter(uint8_t *p, const struct vehframe_counter *c,
			uint32_t val)
{
	for (unsigned k = 0; k < c->width; k++) {
		unsigned bit = c->bit + k;
		uint8_t m = (uint8_t)(1u << (bit % 8));

		p[bit / 8] = (uint8_t)((val >> k) & 1 ? p[bit / 8] | m
						      : p[bit / 8] & ~m);
	}
}

static const char *const input_names[VEHFRAME_IN_N] = {
    [VEHFRAME_IN_NONE] = "", [VEHFRAME_IN_PACK_V] = "pack_voltage"};

const char *vehframe_input_name(enum vehframe_input in)
{
	return in < VEHFRAME_IN_N ? input_names[in] : "";
}

enum vehframe_input vehframe_input_of(const char *name)
{
	for (int i = 1; i < VEHFRAME_IN_N; i++)
		if (!strcmp(name, input_names[i]))
			return (enum vehframe_input)i;
	return VEHFRAME_IN_NONE;
}

void vehframe_set_input(struct vehframe *v, enum vehframe_input in,
			double value, bool valid)
{
	if (in <= VEHFRAME_IN_NONE || in >= VEHFRAME_IN_N)
		return;
	v->in[in] = value;
	v->in_valid[in] = valid;
}

void vehframe_value_put(const struct vehframe_value *val, double x,
			uint8_t *payload)
{
	double hi = ldexp(1, 8 * val->bytes) - 1;
	double raw = round((x - val->add) / val->scale);
	uint32_t r;

	raw = raw < 0 ? 0 : raw > hi ? hi : raw;
	r = (uint32_t)raw;
	for (unsigned i = 0; i < val->bytes; i++) {
		unsigned k = val->big_endian ? val->bytes - 1 - i : i;

		payload[val->byte + k] = (uint8_t)(r >> (8 * i));
	}
}

double vehframe_value_read(const struct vehframe_value *val,
			   const uint8_t *payload)
{
	uint32_t r = 0;

	for (unsigned i = 0; i < val->bytes; i++) {
		unsigned k = val->big_endian ? val->bytes - 1 - i : i;

		r |= (uint32_t)payload[val->byte + k] << (8 * i);
	}
	return r * val->scale + val->add;
}

static void emit(struct vehframe *v, size_t i, const uint8_t *payload,
		 struct canframe *out)
{
	const struct vehframe_def *d = &v->m->frames[i];
	struct vf_state *f = &v->f[i];

	memset(out, 0, sizeof(*out));
	out->id = d->id;
	out->len = d->dlc;
	memcpy(out->data, payload, d->dlc);
	if (d->value.input != VEHFRAME_IN_NONE && v->in_valid[d->value.input])
		vehframe_value_put(&d->value, v->in[d->value.input], out->data);
	if (d->counter.width) {
		put_counter(out->data, &d->counter, f->counter);
		f->counter = (f->counter + d->counter.step) %
			     counter_modulus(&d->counter);
	}
	if (f->csum) /* positions checked in vehframe_new */
		(void)checksum_apply(f->csum, d->id, out->data, d->dlc,
				     d->csum.first, d->csum.last,
				     d->csum.store);
}

size_t vehframe_due(struct vehframe *v, int64_t t_us, struct canframe *out,
		    size_t max)
{
	size_t n = 0;

	run_steps(v, t_us);
	for (size_t i = 0; i < v->m->n_frames && n < max; i++) {
		if (!v->f[i].once)
			continue;
		emit(v, i, v->f[i].once_data, &out[n++]);
		v->f[i].once = false;
	}
	for (size_t i = 0; i < v->m->n_frames && n < max; i++) {
		struct vf_state *f = &v->f[i];
		int64_t period_us = (int64_t)v->m->frames[i].period_ms * 1000;

		if (!f->on || f->next_us > t_us)
			continue;
		emit(v, i, f->payload, &out[n++]);
		f->next_us += period_us;
		if (f->next_us <= t_us)
			f->next_us = t_us + period_us;
	}
	return n;
}
