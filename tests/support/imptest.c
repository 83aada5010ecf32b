/* SPDX-License-Identifier: Apache-2.0 */
/* imptest.c - helpers of the import tests (imptest.h). */
#include "imptest.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"

unsigned char *imptest_slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;

	cr_assert_not_null(f, "%s", path);
	fseek(f, 0, SEEK_END);
	*n = (size_t)ftell(f);
	rewind(f);
	buf = malloc(*n ? *n : 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, *n, f), *n, "%s", path);
	fclose(f);
	return buf;
}

char *imptest_write_bytes(const char *dir, const char *name, const void *b,
			  size_t n)
{
	char *path = malloc(512);
	FILE *f;

	cr_assert_not_null(path);
	snprintf(path, 512, "%s/%s", dir, name);
	f = fopen(path, "wb");
	cr_assert_not_null(f, "%s", path);
	cr_assert_eq(fwrite(b, 1, n, f), n);
	cr_assert_eq(fclose(f), 0);
	return path;
}

void imptest_need(const char *path)
{
	cr_assert_eq(access(path, R_OK), 0,
		     "%s missing: see fixtures/import/real/README.md", path);
}

void imptest_cycles(const char *src, const struct import_opts *o,
		    struct cycles *c, struct import_result *res)
{
	static const struct import_opts defaults;
	char *dir = tmpdir_new("impcyc");
	char out[512];
	struct import_result r;

	snprintf(out, sizeof(out), "%s/run.h5", dir);
	cr_assert_eq(import_file(src, out, o ? o : &defaults, res ? res : &r),
		     0, "%s", src);
	cr_assert_eq(cycles_load(out, c), 0, "%s", src);
	unlink(out);
	rmdir(dir);
	free(dir);
}

static int seen_row(void *ctx, const struct import_row *r)
{
	struct imptest_seen *s = ctx;

	if (s->rows++ == 0) {
		s->t0 = r->test_time_s;
		s->t0_unix = r->unix_time_s;
	}
	s->t_end = r->test_time_s;
	s->charge_rows += r->current_A > 1e-6;
	s->discharge_rows += r->current_A < -1e-6;
	s->rest_rows += r->kind == IMPORT_KIND_REST;
	s->other_rows += r->kind == IMPORT_KIND_OTHER;
	s->chg_neg += r->kind == IMPORT_KIND_CHARGE && r->current_A < 0;
	s->dchg_pos += r->kind == IMPORT_KIND_DISCHARGE && r->current_A > 0;
	s->temp_rows += !isnan(r->temperature_C);
	/* fmin and fmax skip a NAN: the first value replaces "none". */
	s->min_I = fmin(s->min_I, r->current_A);
	s->max_I = fmax(s->max_I, r->current_A);
	s->min_V = fmin(s->min_V, r->voltage_V);
	s->max_V = fmax(s->max_V, r->voltage_V);
	s->min_T = fmin(s->min_T, r->temperature_C);
	s->max_T = fmax(s->max_T, r->temperature_C);
	if (r->cycle > s->max_cycle)
		s->max_cycle = r->cycle;
	if (r->step > s->max_step)
		s->max_step = r->step;
	if (r->cycle >= 0 && r->cycle < IMPTEST_MAX_CYCLES) {
		s->last_chg_Ah[r->cycle] = r->chg_Ah;
		s->last_dchg_Ah[r->cycle] = r->dchg_Ah;
		s->last_dchg_Wh[r->cycle] = r->dchg_Wh;
	}
	return 0;
}

void imptest_read(const char *path, const char *fmt, struct import_info *info,
		  struct imptest_seen *s)
{
	const struct import_format *f = import_format_by_name(fmt);

	cr_assert_not_null(f, "no format '%s'", fmt);
	memset(s, 0, sizeof(*s));
	memset(info, 0, sizeof(*info));
	s->t0 = s->t_end = s->t0_unix = NAN;
	s->min_I = s->max_I = s->min_V = s->max_V = NAN;
	s->min_T = s->max_T = NAN;
	s->max_cycle = s->max_step = -1;
	cr_assert_eq(f->parse(path, info, seen_row, s), 0, "%s", path);
}

void imptest_refused(const char *src, const char *fmt, const char *want1,
		     const char *want2)
{
	char *dir = tmpdir_new("impbad");
	char out[512];
	struct import_opts o = {0};
	struct import_result r;
	int rc;

	snprintf(out, sizeof(out), "%s/run.h5", dir);
	if (fmt)
		o.fmt = import_format_by_name(fmt);
	logcap_start();
	rc = import_file(src, out, &o, &r);
	logcap_stop();
	cr_expect_lt(rc, 0, "%s accepted", src);
	cr_expect(strstr(logcap_text(), src), "no '%s' in: %s", src,
		  logcap_text());
	cr_expect(strstr(logcap_text(), want1), "want '%s' in: %s", want1,
		  logcap_text());
	if (want2)
		cr_expect(strstr(logcap_text(), want2), "want '%s' in: %s",
			  want2, logcap_text());
	/* Nothing written: neither the run file nor a temporary. */
	cr_expect_neq(access(out, F_OK), 0);
	cr_expect_eq(rmdir(dir), 0, "files left in %s", dir);
	free(dir);
}

void imptest_refused_bytes(const char *name, const void *b, size_t n,
			   const char *fmt, const char *want1,
			   const char *want2)
{
	char *dir = tmpdir_new("impsrc");
	char *src = imptest_write_bytes(dir, name, b, n);

	imptest_refused(src, fmt, want1, want2);
	unlink(src);
	rmdir(dir);
	free(src);
	free(dir);
}
