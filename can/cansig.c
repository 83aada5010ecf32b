/* SPDX-License-Identifier: Apache-2.0 */
/* cansig.c - the signal codec: raw bits <-> physical values.
 *
 * Bit b of a payload lives in byte b/8 at mask 1<<(b%8). Intel (@1)
 * signals start at their LSB and ascend; Motorola (@0) signals start at
 * their MSB, and in "network" numbering (n = 8*(b/8) + 7 - b%8) occupy
 * bits n..n+len-1 of the payload read as one big-endian bit stream.
 * Decoding reads one 64-bit window (plus a ninth byte when a 64-bit signal
 * is not byte aligned), so it is branch-light and allocates nothing.
 */
#define LOG_PREFIX "cansig"
#include "dbc.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "common/log.h"
#include "common/rc.h"
#include "dbc_priv.h"

void cansig_prepare(struct dbc_sig *s)
{
	unsigned first = s->big_endian
			     ? 8u * (s->start / 8u) + 7u - s->start % 8u
			     : s->start;

	s->bitpos_ = (uint16_t)first;
	s->need_len_ = (uint16_t)((first + s->len - 1) / 8 + 1);
}

static uint64_t mask_of(unsigned len)
{
	return len >= 64 ? UINT64_MAX : (UINT64_C(1) << len) - 1;
}

static inline unsigned byte_at(const uint8_t *data, size_t len, size_t i)
{
	return i < len ? data[i] : 0;
}

uint64_t cansig_get_raw(const struct dbc_sig *s, const uint8_t *data,
			size_t len)
{
	size_t b0 = s->bitpos_ / 8u;
	unsigned off = s->bitpos_ % 8u;
	uint64_t w = 0, raw;

	if (s->big_endian) {
		if (b0 + 8 <= len) {
			for (unsigned i = 0; i < 8; i++)
				w = w << 8 | data[b0 + i];
		} else {
			for (unsigned i = 0; i < 8; i++)
				w = w << 8 | byte_at(data, len, b0 + i);
		}
		if (off + s->len <= 64)
			return (w << off) >> (64 - s->len);
		/* 9 bytes: a 64-bit-ish signal not aligned to a byte */
		raw = (w << off) >> off;
		return raw << (off + s->len - 64) |
		       byte_at(data, len, b0 + 8) >> (72 - off - s->len);
	}
	if (b0 + 8 <= len) {
		for (unsigned i = 8; i-- > 0;)
			w = w << 8 | data[b0 + i];
	} else {
		for (unsigned i = 8; i-- > 0;)
			w = w << 8 | byte_at(data, len, b0 + i);
	}
	raw = w >> off;
	if (off + s->len > 64)
		raw |= (uint64_t)byte_at(data, len, b0 + 8) << (64 - off);
	return raw & mask_of(s->len);
}

static double raw_to_value(const struct dbc_sig *s, uint64_t raw)
{
	if (s->valtype == DBC_FLOAT32) {
		uint32_t u = (uint32_t)raw;
		float f;

		memcpy(&f, &u, sizeof(f));
		return f;
	}
	if (s->valtype == DBC_FLOAT64) {
		double d;

		memcpy(&d, &raw, sizeof(d));
		return d;
	}
	if (s->is_signed) {
		if (s->len < 64 && (raw >> (s->len - 1)) & 1)
			raw |= ~mask_of(s->len);
		return (double)(int64_t)raw;
	}
	return (double)raw;
}

double cansig_decode(const struct dbc_sig *s, const uint8_t *data, size_t len)
{
	double v = raw_to_value(s, cansig_get_raw(s, data, len));

	/* two roundings, as cantools does: raw * factor, then + offset */
	v = v * s->factor;
	return v + s->offset;
}

static bool in_ranges(const struct dbc_sig *s, uint64_t raw)
{
	for (size_t i = 0; i < s->n_mux_ranges; i++)
		if (raw >= s->mux_ranges[i].lo && raw <= s->mux_ranges[i].hi)
			return true;
	return false;
}

bool cansig_active(const struct dbc_msg *m, const struct dbc_sig *s,
		   const uint8_t *data, size_t len)
{
	const struct dbc_sig *par;

	if (s->need_len_ > len)
		return false;
	/* the parser guarantees the chain ends (no loops) */
	while (s->mux_parent >= 0) {
		par = &m->sigs[s->mux_parent];
		if (par->need_len_ > len ||
		    !in_ranges(s, cansig_get_raw(par, data, len)))
			return false;
		s = par;
	}
	return true;
}

int cansig_put_raw(const struct dbc_sig *s, uint8_t *data, size_t len,
		   uint64_t raw)
{
	unsigned k, bit;

	if (s->need_len_ > len) {
		log_err("signal '%s' needs %u payload bytes, frame has %zu",
			s->name, s->need_len_, len);
		return BENCH_ERR_ARG;
	}
	raw &= mask_of(s->len);
	for (unsigned i = 0; i < s->len; i++) {
		if (s->big_endian) {
			k = s->bitpos_ + i;
			bit = (unsigned)(raw >> (s->len - 1 - i)) & 1u;
			data[k / 8] =
			    (uint8_t)((data[k / 8] & ~(0x80u >> (k % 8))) |
				      (bit << (7 - k % 8)));
		} else {
			k = s->bitpos_ + i;
			bit = (unsigned)(raw >> i) & 1u;
			data[k / 8] =
			    (uint8_t)((data[k / 8] & ~(1u << (k % 8))) |
				      (bit << (k % 8)));
		}
	}
	return BENCH_OK;
}

/* Scaled value -> raw integer bits, clamped to the signal's raw range. */
static uint64_t to_raw_int(const struct dbc_sig *s, double x, bool *clamped)
{
	double r = round(x);

	if (s->is_signed) {
		double lim = ldexp(1.0, s->len - 1);

		if (r >= lim) {
			*clamped = true;
			return mask_of(s->len - 1);
		}
		if (r < -lim) {
			*clamped = true;
			return (uint64_t)1 << (s->len - 1);
		}
		return (uint64_t)(int64_t)r & mask_of(s->len);
	}
	if (r >= ldexp(1.0, s->len)) {
		*clamped = true;
		return mask_of(s->len);
	}
	if (r < 0) {
		*clamped = true;
		return 0;
	}
	return (uint64_t)r;
}

int cansig_encode(const struct dbc_sig *s, uint8_t *data, size_t len,
		  double phys)
{
	bool clamped = false, ranged = s->min < s->max;
	double x = phys;
	uint64_t raw;
	int rc;

	if (isnan(phys) || s->factor == 0.0) {
		log_err("signal '%s': cannot encode %g (factor %g)", s->name,
			phys, s->factor);
		return BENCH_ERR_ARG;
	}
	if (ranged && x < s->min) {
		x = s->min;
		clamped = true;
	} else if (ranged && x > s->max) {
		x = s->max;
		clamped = true;
	}
	x = (x - s->offset) / s->factor;
	if (s->valtype == DBC_FLOAT32) {
		float f;
		uint32_t u;

		if (fabs(x) > FLT_MAX && !isinf(phys)) {
			x = x < 0 ? -FLT_MAX : FLT_MAX;
			clamped = true;
		}
		f = (float)x;
		memcpy(&u, &f, sizeof(u));
		raw = u;
	} else if (s->valtype == DBC_FLOAT64) {
		memcpy(&raw, &x, sizeof(raw));
	} else {
		raw = to_raw_int(s, x, &clamped);
	}
	TRY(cansig_put_raw(s, data, len, raw));
	rc = BENCH_OK;
	if (clamped) {
		log_warn("signal '%s': %.17g is outside its range; clamped",
			 s->name, phys);
		rc = BENCH_ERR_ARG;
	}
	return rc;
}
