/* SPDX-License-Identifier: Apache-2.0 */
/* test_can_roundtrip.c - property test over every signal of every DBC under
 * fixtures/dbc/ (recursively): random physical values in the signal's
 * range are encoded, decoded back within half a step, and re-encoding the
 * decoded value gives the same bytes (the round trip is exact). */
#define _XOPEN_SOURCE 700
#include <criterion/criterion.h>
#include <ftw.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "can/dbc.h"
#include "common/rc.h"

#define DRAWS 200

static unsigned n_files, n_sigs, n_draws;

/* Physical range the raw bits can express, cut to [min|max] if given. */
static void phys_range(const struct dbc_sig *s, double *lo, double *hi)
{
	double rlo, rhi, a, b;

	if (s->valtype == DBC_FLOAT32) {
		rlo = -1e6;
		rhi = 1e6;
	} else if (s->valtype == DBC_FLOAT64) {
		rlo = -1e12;
		rhi = 1e12;
	} else if (s->is_signed) {
		rlo = -ldexp(1.0, s->len - 1);
		rhi = ldexp(1.0, s->len - 1) - 1;
	} else {
		rlo = 0;
		rhi = ldexp(1.0, s->len) - 1;
	}
	a = rlo * s->factor + s->offset;
	b = rhi * s->factor + s->offset;
	*lo = fmin(a, b);
	*hi = fmax(a, b);
	if (s->min < s->max) {
		*lo = fmax(*lo, s->min);
		*hi = fmin(*hi, s->max);
	}
}

static void check_signal(const char *path, const struct dbc_msg *m,
			 const struct dbc_sig *s)
{
	double lo, hi;

	if (s->factor == 0.0)
		return;
	phys_range(s, &lo, &hi);
	cr_assert_leq(lo, hi, "%s %s.%s: empty range", path, m->name, s->name);
	for (int i = 0; i < DRAWS; i++) {
		uint8_t a[CANFRAME_MAX_LEN] = {0}, b[CANFRAME_MAX_LEN] = {0};
		double phys = lo + (hi - lo) * drand48(), back, tol;
		uint64_t raw;
		int rc;

		rc = cansig_encode(s, a, sizeof(a), phys);
		cr_assert_eq(rc, BENCH_OK, "%s %s.%s: encode %.17g", path,
			     m->name, s->name, phys);
		back = cansig_decode(s, a, sizeof(a));
		if (s->valtype == DBC_INT)
			tol =
			    fabs(s->factor) / 2 +
			    4 * (nextafter(fabs(phys), INFINITY) - fabs(phys));
		else if (s->valtype == DBC_FLOAT32)
			tol = fabs(phys) * 1e-7 + fabs(s->factor) * 1e-38;
		else
			tol = fabs(phys) * 1e-15;
		cr_assert_leq(fabs(back - phys), tol + 1e-12 * fabs(s->offset),
			      "%s %s.%s: %.17g came back as %.17g", path,
			      m->name, s->name, phys, back);
		/* exact: decode then encode reproduces the bits */
		raw = cansig_get_raw(s, a, sizeof(a));
		if (s->valtype == DBC_INT && s->len > 53 &&
		    (s->is_signed ? llabs((long long)raw)
				  : (long long)(raw >> 1)) > (1LL << 52))
			continue; /* a double holds 53 bits of integer */
		cr_assert_eq(cansig_encode(s, b, sizeof(b), back), BENCH_OK);
		cr_assert_eq(
		    cansig_get_raw(s, b, sizeof(b)), raw,
		    "%s %s.%s: raw %llu re-encoded as %llu", path, m->name,
		    s->name, (unsigned long long)raw,
		    (unsigned long long)cansig_get_raw(s, b, sizeof(b)));
		cr_assert(!memcmp(a, b, sizeof(a)));
		n_draws++;
	}
	n_sigs++;
}

static int visit(const char *path, const struct stat *st, int type,
		 struct FTW *ftw)
{
	struct dbc_opts o = {.quiet = true};
	size_t n = strlen(path);
	struct dbc *db;

	(void)st;
	(void)ftw;
	if (type != FTW_F || n < 4 || strcmp(path + n - 4, ".dbc"))
		return 0;
	cr_assert_eq(dbc_load_file(path, &o, &db), BENCH_OK, "%s", path);
	for (size_t i = 0; i < db->n_msgs; i++)
		for (size_t k = 0; k < db->msgs[i].n_sigs; k++)
			check_signal(path, &db->msgs[i], &db->msgs[i].sigs[k]);
	dbc_free(db);
	n_files++;
	return 0;
}

/* a test that hangs fails instead of blocking the run */
TestSuite(can_roundtrip, .timeout = 60);

Test(can_roundtrip, every_signal_of_every_fixture_dbc)
{
	srand48(20260101);
	cr_assert_eq(nftw("fixtures/dbc", visit, 16, FTW_PHYS), 0);
	cr_expect_geq(n_files, 4, "only %u DBC files found", n_files);
	cr_expect_geq(n_sigs, 50, "only %u signals", n_sigs);
	cr_log_info("%u files, %u signals, %u exact round trips", n_files,
		    n_sigs, n_draws);
}
