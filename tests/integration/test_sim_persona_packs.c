/* SPDX-License-Identifier: Apache-2.0 */
/* test_sim_persona_packs.c - every shipped pack profile on the simulator
 * (docs/simulator.md, "BMS personalities"): bench run drives each aged
 * pack through its own profile, cells logged from the pack's broadcast or
 * polls, contactors closed through the profile's vehicle frames; and a
 * controller whose profile disagrees with the pack (a wrong checksum, a
 * frame that stops, a reply layout too long, a request the pack refuses)
 * gets a named event and a safe stop. */
#include "ctl_helpers.h"

struct pack_case {
	const char *pack, *recipe;
	unsigned series;
	double cell_lo, cell_hi;
	bool feedback; /* the pack reports its contactors */
};

static bool has_event(const struct ctl_file *f, const char *code,
		      const char *text)
{
	for (size_t i = 0; i < f->n_events; i++)
		if (!strcmp(f->events[i].code, code) &&
		    (!text || strstr(f->events[i].message, text)))
			return true;
	return false;
}

static void quick_run(const struct pack_case *pc)
{
	char *dir = tmpdir_new("personas");
	char *out = ctl_path(dir, "run.h5"), *log = ctl_path(dir, "log");
	char pack[128];
	const char *args[] = {"run", pc->recipe, "--sim", pack,
			      "-o",  out,	 NULL};
	struct ctl_file f;
	struct runfile *rf = NULL;
	float *cells = calloc(pc->series, sizeof(float));
	unsigned logged = 0;
	int rc;

	snprintf(pack, sizeof(pack), "fixtures/packs/%s.ini", pc->pack);
	rc = ctl_bench(log, args);
	cr_assert_eq(rc, 0, "%s: exit %d\n%s", pc->pack, rc, ctl_log(log));
	ctl_file_read(out, &f);
	cr_expect_str_eq(f.meta.status, "complete");
	cr_assert_eq(f.meta.series, pc->series);
	cr_expect(
	    strstr(ctl_log(log), "closing contactors ([contactor_close])"),
	    "%s: the contactors close through the vehicle frames\n%s", pc->pack,
	    ctl_log(log));
	cr_expect(!pc->feedback || strstr(ctl_log(log), "contactors closed"),
		  "%s: the pack reported its contactors closed", pc->pack);
	/* every cell from the pack's own frames or replies */
	cr_assert_eq(runfile_open(out, &rf), BENCH_OK);
	cr_assert_eq(
	    runfile_read_cells(rf, "voltage_volt", f.rows - 1, 1, cells),
	    BENCH_OK);
	for (unsigned i = 0; i < pc->series; i++)
		logged += cells[i] > pc->cell_lo && cells[i] < pc->cell_hi;
	cr_expect_eq(logged, pc->series, "%s: cells logged: %u of %u", pc->pack,
		     logged, pc->series);
	runfile_close(rf);
	ctl_file_free(&f);
	free(cells);
	free(out);
	free(log);
	free(dir);
}

/* Each test's runs get their own control sockets: tests run in parallel
 * and several run one pack. */
static void own_runtime(void)
{
	char dir[] = "/tmp/bench-persona-rt-XXXXXX";

	cr_assert_not_null(mkdtemp(dir));
	setenv("BENCH_RUNTIME_DIR", dir, 1);
}

TestSuite(sim_persona_packs, .init = own_runtime, .timeout = 120);

Test(sim_persona_packs, byd_atto3)
{
	quick_run(&(struct pack_case){
	    "atto3-aged", "fixtures/recipes/quick.txt", 126, 3.0, 3.5, true});
}

Test(sim_persona_packs, tesla_model3)
{
	quick_run(&(struct pack_case){"model3-aged",
				      "fixtures/recipes/quick_leaf.txt", 96,
				      3.3, 4.2, true});
}

Test(sim_persona_packs, mg_gen1)
{
	quick_run(&(struct pack_case){"mg-gen1-aged",
				      "fixtures/recipes/quick_leaf.txt", 96,
				      3.3, 4.2, true});
}

/* polled cells, one byte each x 20 mV; no contactor feedback */
Test(sim_persona_packs, kona_64)
{
	quick_run(&(struct pack_case){"kona64-aged",
				      "fixtures/recipes/quick_leaf.txt", 98,
				      3.3, 4.2, false});
}

/* A copy of a shipped profile for the controller (the pack keeps the
 * original), with sed's edit applied. */
static char *profile_edit(const char *dir, const char *profile, const char *sed)
{
	char *out = ctl_path(dir, "ctl.ini"), cmd[1024], cwd[256];

	cr_assert(getcwd(cwd, sizeof(cwd)));
	snprintf(cmd, sizeof(cmd),
		 "sed -e 's|^dbc = \\.\\./|dbc = %s/fixtures/|' -e '%s' "
		 "fixtures/profiles/%s.ini >%s",
		 cwd, sed, profile, out);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	return out;
}

/* Run with a controller profile that disagrees with the pack: it must
 * abort with `code` (and `text` in its message), close the file, stop
 * the current and not crash. */
static void bad_run(const char *pack, const char *recipe, const char *profile,
		    const char *sed, const char *code, const char *text,
		    const char *warning)
{
	char *dir = tmpdir_new("personas");
	char *out = ctl_path(dir, "run.h5"), *log = ctl_path(dir, "log");
	char *prof = profile_edit(dir, profile, sed), packp[128];
	const char *args[] = {"run", recipe, "--sim", packp, "--profile",
			      prof,  "-o",   out,     NULL};
	struct ctl_file f;
	int rc;

	snprintf(packp, sizeof(packp), "fixtures/packs/%s.ini", pack);
	rc = ctl_bench(log, args);
	cr_expect_neq(rc, 0, "the run must not complete");
	cr_expect_lt(rc, 128, "crashed: %d\n%s", rc, ctl_log(log));
	ctl_file_read(out, &f);
	cr_expect_str_eq(f.meta.status, "aborted", "%s", ctl_log(log));
	cr_expect(has_event(&f, code, text), "no %s '%s' event:\n%s", code,
		  text ? text : "", ctl_log(log));
	cr_expect(!warning || has_event(&f, warning, NULL),
		  "no %s warning:\n%s", warning, ctl_log(log));
	cr_expect(!warning || strstr(ctl_log(log), warning), "%s",
		  ctl_log(log));
	cr_expect_float_eq(f.last_current_A, 0, 0.5,
			   "current %.2f A at the end", f.last_current_A);
	ctl_file_free(&f);
	free(prof);
	free(out);
	free(log);
	free(dir);
}

/* The pack hears the wrong checksum on 0x12D: it never closes, the
 * controller gives up at its contactor time-out. */
Test(sim_persona_packs, wrong_checksum_never_closes)
{
	bad_run("atto3-aged", "fixtures/recipes/quick.txt", "byd-atto3",
		"0,/^checksum = sum8-inv/s//checksum = sum8/",
		"bench:CONTACTOR_TIMEOUT", "after the close request", NULL);
}

/* A wrong alive counter (the controller steps it by 2): the same. */
Test(sim_persona_packs, wrong_counter_never_closes)
{
	bad_run("mg-gen1-aged", "fixtures/recipes/quick_leaf.txt", "mg-gen1",
		"s/^counter = byte=6 bit=0 width=4$/& step=2/",
		"bench:CONTACTOR_TIMEOUT", "after the close request", NULL);
}

/* The car's frame stops once the contactors are closed: the pack opens
 * them within its 1 s time-out, the controller sees them go open. */
Test(sim_persona_packs, frame_that_stops_opens_the_contactors)
{
	bad_run("mg-gen1-aged", "fixtures/recipes/quick_leaf.txt", "mg-gen1",
		"s/^step2 = set vcu 00000000000230 0000000000FFF0$/&\\nstep3 "
		"= disable vcu/",
		"safety:CONTACTOR_MISMATCH", "went open", NULL);
}

/* The controller's layout wants 40 bytes, the pack answers 36. */
Test(sim_persona_packs, short_reply_is_named_and_stops)
{
	bad_run(
	    "kona64-aged", "fixtures/recipes/quick_leaf.txt", "hyundai-kona-64",
	    "s/^cell_voltage = first=1 offset=4/reply_length = 40\\n&/",
	    "bench:POLL_STALE", "cell 1 never read", "bench:POLL_REPLY_SHORT");
}

/* A request the pack does not know: 7F 22 31. */
Test(sim_persona_packs, negative_response_is_named_and_stops)
{
	bad_run("kona64-aged", "fixtures/recipes/quick_leaf.txt",
		"hyundai-kona-64", "s/^request = 22 01 02$/request = 22 01 09/",
		"bench:POLL_STALE", "cell 1 never read", "bench:POLL_NEGATIVE");
}

/* The pack hangs mid-run: no broadcast, no answers. */
Test(sim_persona_packs, silent_pack_stops_safely)
{
	char *dir = tmpdir_new("personas");
	char *out = ctl_path(dir, "run.h5"), *log = ctl_path(dir, "log");
	char *pack = ctl_pack_with(dir, "kona64-aged",
				   "[fault bms_silent]\nat = 45 s\n");
	const char *args[] = {
	    "run", "fixtures/recipes/quick_leaf.txt", "--sim", pack, "-o", out,
	    NULL};
	struct ctl_file f;
	int rc = ctl_bench(log, args);

	cr_expect_neq(rc, 0);
	cr_expect_lt(rc, 128, "crashed: %d", rc);
	ctl_file_read(out, &f);
	cr_expect_str_eq(f.meta.status, "aborted");
	cr_expect(has_event(&f, "bench:BMS_TIMEOUT", NULL) ||
		      has_event(&f, "bench:POLL_SILENT", NULL),
		  "%s", ctl_log(log));
	cr_expect_float_eq(f.last_current_A, 0, 0.5);
	ctl_file_free(&f);
	free(pack);
	free(out);
	free(log);
	free(dir);
}
