/* SPDX-License-Identifier: Apache-2.0 */
/* pack.c - `bench pack decode`: a capture through a profile, the pack as
 * the controller would see it (docs/packs.md, "Decoding a capture"). */
#define LOG_PREFIX "pack"
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "bench/gbtdecode.h"
#include "bench/packdecode.h"
#include "bench/profile.h"
#include "can/canlog.h"
#include "can/dbc.h"
#include "common/json.h"
#include "common/log.h"
#include "common/rc.h"

static const char pack_usage[] =
    "usage: bench pack decode --profile PROFILE.ini [LOG|-] [--json]\n"
    "       bench pack decode --gbt27930 [LOG|-] [--json]\n"
    "\n"
    "Replay a capture (candump -l/-L or -ta, Vector ASC, or SavvyCAN GVRET\n"
    "CSV; stdin if LOG is '-' or missing) through a pack profile:\n"
    "broadcast frames through its DBC,\n"
    "poll requests and replies reassembled from the capture and decoded\n"
    "through its [poll] layouts. Prints the pack as the controller would\n"
    "see it; poll problems (negative response, no reply, lost frame) go to\n"
    "stderr as LOG:LINE.\n"
    "--json  one object per line each time the pack changes, the last line\n"
    "        the final state: t, cell_voltage_volt [], temperature_celsius "
    "[],\n"
    "        voltage_volt, current_ampere (+ charge), soc_percent,\n"
    "        soh_percent, capacity_ah, cell_voltage_min_volt/_max_volt,\n"
    "        temperature_min_celsius/_max_celsius, rated_capacity_ah,\n"
    "        rated_voltage_volt (null where unknown)\n"
    "--gbt27930  a GB/T 27930 DC charging session (BMS 0xF4, charger 0x56)\n"
    "        instead of a profile (a profile with [bms] protocol = gbt27930,\n"
    "        e.g. fixtures/profiles/gbt27930.ini, does the same): J1939\n"
    "        transport reassembled, BCS V/I/SOC,\n"
    "        BMV cells, BMT probes, BRM ratings under the keys above; the\n"
    "        session (edition, phases, identity, limits, charger output,\n"
    "        stop reasons, event counts) under \"gbt\" (docs/gbt27930.md)\n";

#define SNAP_JSON_MAX (64 * 1024)

struct pack_run {
	const char *src;
	struct canlog_reader *r;
	bool json;
	struct gbtdecode *gbt; /* --gbt27930, else the profile's decoder */
	int64_t t_us;
	char prev[SNAP_JSON_MAX], cur[SNAP_JSON_MAX];
	bool printed; /* the current state is the last line printed */
};

static struct pack_run run;

static void on_event(void *ctx, enum packdecode_ev kind, const char *msg,
		     int64_t t_us)
{
	struct pack_run *pr = ctx;

	(void)kind;
	fprintf(stderr, "%s:%u: at %.6f s: %s\n", pr->src,
		canlog_reader_line(pr->r), (double)t_us / 1e6, msg);
}

static void on_gbt_event(void *ctx, enum gbtdecode_ev kind, const char *msg,
			 int64_t t_us)
{
	struct pack_run *pr = ctx;

	fprintf(stderr, "%s:%u: at %.6f s: %s: %s\n", pr->src,
		canlog_reader_line(pr->r), (double)t_us / 1e6,
		gbtdecode_ev_key(kind), msg);
}

static void members(const struct pack_run *pr, const struct pack_snap *s,
		    struct json *j)
{
	packdecode_json_members(s, j);
	if (pr->gbt)
		gbtdecode_json_members(pr->gbt, j);
}

static void print_json(struct pack_run *pr, const struct pack_snap *s)
{
	struct json j;

	json_init_file(&j, stdout);
	json_obj(&j);
	json_key_num(&j, "t", (double)pr->t_us / 1e6, "%.6f");
	members(pr, s, &j);
	json_end(&j);
	json_finish(&j);
	fputc('\n', stdout);
	pr->printed = true;
}

/* Print the state when it differs from the last line printed. */
static void json_if_changed(struct pack_run *pr, const struct pack_snap *s)
{
	struct json j;

	json_init_buf(&j, pr->cur, sizeof(pr->cur));
	json_obj(&j);
	members(pr, s, &j);
	json_end(&j);
	json_finish(&j);
	if (!strcmp(pr->cur, pr->prev))
		return;
	memcpy(pr->prev, pr->cur, strlen(pr->cur) + 1);
	print_json(pr, s);
}

static void opt_val(const char *name, bool have, double v, const char *unit)
{
	if (have)
		printf("  %s %.6g %s", name, v, unit);
	else
		printf("  %s -", name);
}

static void print_row(const char *what, unsigned n, const int32_t *val,
		      const int64_t *seen, double div)
{
	for (unsigned i = 0; i < n; i++) {
		if (i % 8 == 0)
			printf("%s  %s %3u-%-3u", i ? "\n" : "", what, i + 1,
			       i + 8 < n ? i + 8 : n);
		if (seen[i])
			printf(" %7.3f", val[i] / div);
		else
			printf("       -");
	}
	if (n)
		printf("\n");
}

static void print_state(const struct pack_snap *s)
{
	int lo, hi;

	printf("state at %.6f s:\n", (double)run.t_us / 1e6);
	opt_val("voltage", s->have & PACK_HAVE_PACK_V, s->pack_mV / 1000.0,
		"V");
	opt_val("current", s->have & PACK_HAVE_PACK_I, s->pack_mA / 1000.0,
		"A (+ charge)");
	opt_val("SOC", s->have & PACK_HAVE_SOC, s->soc_permille / 10.0, "%");
	opt_val("SOH", s->have & PACK_HAVE_SOH, s->soh_permille / 10.0, "%");
	opt_val("capacity", s->have & PACK_HAVE_CAPACITY,
		s->capacity_mAh / 1000.0, "Ah");
	printf("\n");
	opt_val("rated capacity", s->have & PACK_HAVE_RATED_CAP,
		s->rated_capacity_mAh / 1000.0, "Ah");
	opt_val("rated voltage", s->have & PACK_HAVE_RATED_V,
		s->rated_mV / 1000.0, "V");
	printf("\n");
	pack_snap_cell_minmax(s, &lo, &hi);
	printf("  cells %u seen of %u", s->cells_seen, s->series);
	if (lo >= 0)
		printf(": min %.3f V (#%d), max %.3f V (#%d)",
		       s->cell_mV[lo] / 1000.0, lo + 1, s->cell_mV[hi] / 1000.0,
		       hi + 1);
	printf("\n");
	print_row("V", s->series, s->cell_mV, s->cell_seen_us, 1000.0);
	printf("  temperatures %u seen of %u\n", s->probes_seen, s->n_probes);
	print_row("C", s->n_probes, s->temp_ddegC, s->temp_seen_us, 10.0);
}

static void print_text(const struct profile *p, const struct packdecode *d)
{
	const struct packdecode_stats *st = packdecode_stats(d);

	printf("pack %s from %s: %llu frames, %llu broadcast decoded, "
	       "%llu poll requests, %llu replies decoded, %llu negative, "
	       "%llu unanswered, %llu lost, %llu short\n",
	       p->model, run.src, (unsigned long long)st->frames,
	       (unsigned long long)st->broadcast,
	       (unsigned long long)st->requests,
	       (unsigned long long)st->replies,
	       (unsigned long long)st->events[PACKDECODE_NEGATIVE],
	       (unsigned long long)st->events[PACKDECODE_UNANSWERED],
	       (unsigned long long)st->events[PACKDECODE_LOST],
	       (unsigned long long)st->events[PACKDECODE_SHORT]);
	print_state(packdecode_snap(d));
}

static void print_codes(const char *what, const struct gbt_codes *c)
{
	printf(" %s", what);
	for (unsigned i = 0; i < 16; i++)
		if (c->c[i] == 1)
			printf(" %u.%u", i / 4 + 1, i % 4 * 2 + 1);
}

static void print_gbt_text(const struct gbtdecode *d)
{
	const struct gbtdecode_stats *st = gbtdecode_stats(d);
	const struct gbtdecode_facts *f = gbtdecode_facts(d);
	const struct gbt_brm *b = &f->brm;

	printf("GB/T 27930 session from %s: %llu frames, %llu messages "
	       "decoded, events:",
	       run.src, (unsigned long long)st->frames,
	       (unsigned long long)st->groups);
	for (unsigned i = 0; i < GBTDECODE_EV_N; i++)
		printf(" %s %llu", gbtdecode_ev_key(i),
		       (unsigned long long)st->events[i]);
	printf("\n  edition %s (%s); phases",
	       !f->have_edition		? "-"
	       : f->edition == GBT_2015 ? "2015"
					: "2011",
	       f->have_edition ? f->edition_from : "nothing shows it");
	for (unsigned i = 0; i < f->n_phases; i++)
		printf(" %s %.3f s", gbtdecode_phase_name(f->phases[i].phase),
		       (double)f->phases[i].t_us / 1e6);
	printf("\n");
	if (f->have & GBTDECODE_HAVE(GBT_BRM))
		printf("  BRM: protocol %u.%u.%u, battery type 0x%02X, "
		       "%.1f Ah, %.1f V\n",
		       b->ver.major, b->ver.minor, b->ver.patch,
		       b->battery_type, b->capacity_dAh / 10.0,
		       b->voltage_dV / 10.0);
	if (f->have & GBTDECODE_HAVE(GBT_BCP))
		printf("  BCP: cell %.2f V, %.1f A charge, %.1f V, %d C\n",
		       f->bcp.cell_max_cV / 100.0,
		       -f->bcp.max_current_dA / 10.0,
		       f->bcp.max_voltage_dV / 10.0, f->bcp.max_temp_C);
	if (f->have & GBTDECODE_HAVE(GBT_CCS))
		printf("  CCS: charger output %.1f V %.1f A (+ charge)\n",
		       f->ccs.voltage_dV / 10.0, -f->ccs.current_dA / 10.0);
	if (f->have & GBTDECODE_HAVE(GBT_BCS))
		printf("  BCS: highest cell %.2f V (group %u)\n",
		       f->bcs.cell_max_cV / 100.0, f->bcs.cell_max_group);
	if (f->have & GBTDECODE_HAVE(GBT_BSM))
		printf("  BSM: highest cell #%u, temperatures %d C (#%u) to "
		       "%d C (#%u)\n",
		       f->bsm.cell_max_no, f->bsm.temp_min_C,
		       f->bsm.temp_min_probe, f->bsm.temp_max_C,
		       f->bsm.temp_max_probe);
	printf("  stop fields at 1 (byte.bit):");
	print_codes("BST", &f->bst);
	print_codes("CST", &f->cst);
	print_codes("BEM", &f->bem);
	print_codes("CEM", &f->cem);
	printf(" (names: --json)\n");
	print_state(gbtdecode_snap(d));
}

static int parse_args(int argc, char **argv, const char **profile,
		      bool *gbt_out)
{
	bool gbt = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--profile") && i + 1 < argc) {
			*profile = argv[++i];
		} else if (!strncmp(a, "--profile=", 10)) {
			*profile = a + 10;
		} else if (!strcmp(a, "--gbt27930")) {
			gbt = true;
		} else if (!strcmp(a, "--json")) {
			run.json = true;
		} else if ((a[0] != '-' || !strcmp(a, "-")) && !run.src) {
			run.src = a;
		} else {
			fprintf(stderr,
				"bench: pack decode: unexpected argument "
				"'%s'\n%s",
				a, pack_usage);
			return 2;
		}
	}
	if (!*profile == !gbt) {
		fprintf(stderr,
			"bench: pack decode: one of --profile PROFILE.ini or "
			"--gbt27930 is required\n%s",
			pack_usage);
		return 2;
	}
	*gbt_out = gbt;
	return 0;
}

/* The pack as the decoder in use sees it. */
static const struct pack_snap *snap_of(const struct packdecode *d)
{
	return run.gbt ? gbtdecode_snap(run.gbt) : packdecode_snap(d);
}

static int cmd_decode(int argc, char **argv)
{
	const char *profile_path = NULL;
	struct packdecode *d = NULL;
	struct profile p = {0};
	struct dbc *db = NULL;
	struct canlog_rec rec;
	bool gbt = false;
	int rc, status = 1;

	memset(&run, 0, sizeof(run));
	if ((rc = parse_args(argc, argv, &profile_path, &gbt)) != 0)
		return rc;
	if (!run.src)
		run.src = "-";
	if (profile_path && profile_load_file(profile_path, &p) < 0)
		goto out;
	/* a GB/T profile's pack speaks through its charging session */
	gbt = gbt || p.gbt;
	if (gbt ? gbtdecode_new(on_gbt_event, &run, &run.gbt) < 0
		: (dbc_load_file(p.dbc_path, NULL, &db) < 0 ||
		   packdecode_new(&p, db, on_event, &run, &d) < 0))
		goto out;
	if (canlog_reader_open(run.src, &run.r) < 0)
		goto out;
	if (!strcmp(run.src, "-"))
		run.src = "<stdin>";
	while ((rc = canlog_reader_next(run.r, &rec)) == 1) {
		unsigned upd;

		run.t_us = canlog_t_us(&rec);
		upd = run.gbt ? gbtdecode_frame(run.gbt, &rec.frame, run.t_us)
			      : packdecode_frame(d, &rec.frame, run.t_us);
		if (upd && run.json)
			json_if_changed(&run, snap_of(d));
	}
	if (rc < 0)
		goto out;
	if (run.gbt)
		gbtdecode_end(run.gbt, run.t_us);
	else
		packdecode_end(d, run.t_us);
	if (run.json) {
		json_if_changed(&run, snap_of(d));
		if (!run.printed)
			print_json(&run, snap_of(d));
	} else if (run.gbt) {
		print_gbt_text(run.gbt);
	} else {
		print_text(&p, d);
	}
	if (fflush(stdout) == 0)
		status = 0;
out:
	canlog_reader_close(run.r);
	gbtdecode_free(run.gbt);
	packdecode_free(d);
	dbc_free(db);
	profile_release(&p);
	return status;
}

int cli_pack(int argc, char **argv)
{
	if (argc >= 2 &&
	    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(pack_usage, stdout);
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "decode"))
		return cmd_decode(argc - 1, argv + 1);
	fputs(pack_usage, stderr);
	return 2;
}
