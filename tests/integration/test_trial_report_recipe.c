/* SPDX-License-Identifier: Apache-2.0 */
/* test_trial_report_recipe.c - the report's Recipe section: the recipe
 * the run used, line by line, with exactly the line of the step running
 * at the abort marked (docs/grading.md). The HTML is parsed, not
 * searched for a string. */
#include "ctl_helpers.h"

/* The text of path, malloc'd. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	cr_assert_not_null(f, "%s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* a test that hangs fails instead of blocking the run */
TestSuite(trial_report_recipe, .timeout = 60);

Test(trial_report_recipe, the_failing_line_is_marked, .timeout = 60)
{
	char *dir = tmpdir_new("trial-report");
	/* a BMS over-voltage flag during the first pulse (line 7) */
	char *pack = ctl_pack_with(dir, "lfp30-healthy",
				   "[fault bms_fault]\nat = 35 s\n"
				   "signal = Fault_CellOV\n");
	char *out = ctl_path(dir, "run.h5"), *log = ctl_path(dir, "log");
	char *html = ctl_path(dir, "r.html");
	const char *run[] = {
	    "run", "fixtures/recipes/quick.txt", "--sim", pack, "-o", out,
	    NULL};
	const char *report[] = {"report", out, "-o", html, NULL};
	char *text, *pre, *end, *line, *save = NULL;
	unsigned n = 0, marked = 0, marked_no = 0;

	setenv("BENCH_RUNTIME_DIR", dir, 1);
	cr_assert_eq(ctl_bench(log, run), 3, "%s", ctl_log(log));
	cr_assert_eq(ctl_bench(log, report), 0, "%s", ctl_log(log));
	text = slurp(html);
	pre = strstr(text, "<h2>Recipe</h2>");
	cr_assert_not_null(pre, "no Recipe section");
	pre = strstr(pre, "<pre class=\"recipe\">");
	cr_assert_not_null(pre);
	pre += strlen("<pre class=\"recipe\">");
	end = strstr(pre, "</pre>");
	cr_assert_not_null(end);
	*end = '\0';
	for (line = strtok_r(pre, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		bool open = !strncmp(line, "<mark>", 6);
		const char *body = open ? line + 6 : line;
		unsigned no = (unsigned)strtoul(body, NULL, 10);

		n++;
		/* every line numbered in order, a <mark> closed on its line */
		cr_expect_eq(no, n, "line %u numbered %u: %s", n, no, line);
		cr_expect_eq(open, strstr(line, "</mark>") != NULL, "%s", line);
		if (open) {
			marked++;
			marked_no = no;
			cr_expect(
			    strstr(line, "Discharge at 1C for 10 seconds"),
			    "%s", line);
		}
	}
	cr_expect_eq(n, 13, "quick.txt has 13 lines");
	cr_expect_eq(marked, 1, "exactly one line marked");
	cr_expect_eq(marked_no, 7, "the step running at the abort");
	free(text);
	unsetenv("BENCH_RUNTIME_DIR");
}
