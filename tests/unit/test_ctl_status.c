/* SPDX-License-Identifier: Apache-2.0 */
/* test_ctl_status.c - the operator's status line and its JSON. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "app/status.h"

static struct run_status sample(void)
{
	/* clang-format off */
	struct run_status st = {
		.pack_id = "PK-1",
		.state = "running",
		.step_line = 12,
		.step_text = "Discharge at C/3 until 2.5 V",
		.step_count = 3,
		.cycle_count = 1,
		.test_s = 3600 + 23 * 60 + 45,
		.pack_V = 352.14,
		.pack_A = -31.33,
		.have_soc = true,
		.soc_pct = 48.5,
		.min_cell = 17,
		.max_cell = 40,
		.min_cell_V = 3.402,
		.max_cell_V = 3.451,
		.max_probe = 3,
		.max_temp_C = 27.4,
		.charge_Ah = 0,
		.discharge_Ah = 27.5,
	};
	/* clang-format on */
	return st;
}

/* a test that hangs fails instead of blocking the run */
TestSuite(status, .timeout = 60);

Test(status, line_names_step_cells_and_values)
{
	struct run_status st = sample();
	char line[512];

	status_line(&st, line, sizeof(line));
	cr_assert_str_eq(line,
			 "line 12 Discharge at C/3 until 2.5 V | 01:23:45 | "
			 "352.1 V -31.3 A | SOC 48.5 % | cell 3.402 V (#17) "
			 ".. 3.451 V (#40) | 27 C (#3) | +0.00/-27.50 Ah");
}

Test(status, line_omits_what_is_unknown)
{
	struct run_status st = {.pack_V = 0, .pack_A = 0};
	char line[512];

	status_line(&st, line, sizeof(line));
	cr_assert_str_eq(line, "00:00:00 | 0.0 V +0.0 A | +0.00/-0.00 Ah");
}

Test(status, hms_days)
{
	char buf[32];

	status_hms(86400 + 3661, buf, sizeof(buf));
	cr_assert_str_eq(buf, "1d 01:01:01");
}

Test(status, json_has_fields_and_no_nan)
{
	struct run_status st = sample();
	char js[2048];

	st.have_soc = false;
	st.max_temp_C = NAN;
	status_json(&st, js, sizeof(js));
	cr_assert(strstr(js, "\"pack_id\":\"PK-1\""), "%s", js);
	cr_assert(strstr(js, "\"state\":\"running\""));
	cr_assert(strstr(js, "\"step_line\":12"));
	cr_assert(strstr(js, "\"current_A\":-31.330"));
	cr_assert(strstr(js, "\"soc_pct\":null"));
	cr_assert(strstr(js, "\"max_temp_C\":null"));
	cr_assert(strstr(js, "\"line\":\"line 12 Discharge"));
	cr_assert_null(strstr(js, "nan"));
	cr_assert_eq(js[strlen(js) - 1], '}');
}

Test(status, json_escapes_texts)
{
	struct run_status st = sample();
	char js[2048];

	strcpy(st.pack_id, "a\"b\\c");
	strcpy(st.step_text, "Rest for 1 hour\t\"cool\"");
	cr_assert_gt(status_json(&st, js, sizeof(js)), 0);
	cr_assert(strstr(js, "\"pack_id\":\"a\\\"b\\\\c\""), "%s", js);
	cr_assert(strstr(js, "\"step\":\"Rest for 1 hour\\u0009\\\"cool\\\"\""),
		  "%s", js);
}

Test(status, json_too_long_for_its_buffer_is_an_error)
{
	struct run_status st = sample();
	char js[64];

	cr_assert_lt(status_json(&st, js, sizeof(js)), 0);
	cr_assert_eq(strlen(js), sizeof(js) - 1);
}

Test(status, plain_output_is_one_line_per_update)
{
	struct run_status st = sample();
	struct status_out o;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	status_out_init(&o, f, 3600);
	cr_assert_not(o.tty);
	status_out_update(&o, &st, false);
	status_out_update(&o, &st, false); /* within log_every_s: nothing */
	status_out_note(&o, "step 4 started");
	status_out_update(&o, &st, true);
	status_out_end(&o);
	fclose(f);
	cr_assert_eq(strchr(buf, '\r'), NULL, "no carriage returns off a TTY");
	{
		int lines = 0;

		for (char *p = buf; *p; p++)
			lines += *p == '\n';
		cr_assert_eq(lines, 3, "got:\n%s", buf);
	}
	free(buf);
}
