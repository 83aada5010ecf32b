/* SPDX-License-Identifier: Apache-2.0 */
/* test_telemetry_mqtt.c - `bench run --telemetry` against a real mosquitto
 * broker of the test's own: a simulated run publishes online, status and
 * events and leaves a retained final status; a broker that starts late
 * still gets the final status; a dead or vanishing broker neither slows
 * nor stops the run, and what was lost is counted and reported. */
#include "mqtt_helpers.h"

#define PACK "fixtures/packs/lfp30-healthy.ini"
#define TOPIC "bench/lfp30-healthy/"

static int run_quick(const char *dir, const char *speed, const char *url,
		     const char *linger, double *wall_s)
{
	char *out = ctl_path(dir, "run.h5"), *log = ctl_path(dir, "log");
	const char *args[16] = {"run",	      "fixtures/recipes/quick.txt",
				"--sim",      PACK,
				"--speed",    speed,
				"-o",	      out,
				"--overwrite"};
	int n = 9, rc;
	double t0 = mqtt_now_s();

	if (url) {
		args[n++] = "--telemetry";
		args[n++] = url;
		args[n++] = "--telemetry-linger";
		args[n++] = linger;
	}
	args[n] = NULL;
	rc = ctl_bench(log, args);
	if (wall_s)
		*wall_s = mqtt_now_s() - t0;
	free(out);
	free(log);
	return rc;
}

/* Searches the whole file: ctl_log keeps only its end for messages. */
static bool has_line(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	bool found = false;

	while (f && !found && fgets(line, sizeof(line), f))
		found = strstr(line, needle) != NULL;
	if (f)
		fclose(f);
	return found;
}

Test(telemetry_mqtt, sim_run_publishes_status_events_online_and_final,
     .timeout = 60)
{
	char *dir = tmpdir_new("tm-pub"), *sub = ctl_path(dir, "sub.txt");
	char *log = ctl_path(dir, "log");
	struct broker b = {0};
	char buf[4096];
	pid_t sp;
	int rc;

	mqtt_broker_start(dir, &b);
	sp = mqtt_sub_start(&b, "bench/#", sub);
	/* 280 s of test time in about 3 s of wall time: at --speed max a
	 * sanitized build can finish before its first CONNACK, and every
	 * running status is then rightly coalesced into the final one */
	rc = run_quick(dir, "100", mqtt_url(&b), "10", NULL);
	mqtt_sub_stop(sp);
	cr_assert_eq(rc, 0, "%s", ctl_log(log));
	cr_expect(has_line(sub,
			   TOPIC "online {\"schema\":\"bench-telemetry/1\""
				 ",\"bench_id\":\"lfp30-healthy\",\"lab\":\"\""
				 ",\"online\":true}"),
		  "%s", ctl_log(sub));
	cr_expect(has_line(sub, TOPIC "status {"), "%s", ctl_log(sub));
	cr_expect(has_line(sub, "\"state\":\"running\""), "%s", ctl_log(sub));
	cr_expect(has_line(sub, TOPIC "event {"), "%s", ctl_log(sub));
	cr_expect(has_line(sub, "\"code\":\"bench:CURRENT_CLAMPED\""), "%s",
		  ctl_log(sub));

	mqtt_retained(&b, TOPIC "status", dir, buf, sizeof(buf));
	cr_expect(strstr(buf, "\"state\":\"complete\""), "%s", buf);
	static const char *const keys[] = {
	    "\"schema\":\"bench-telemetry/1\"", "\"pack_id\":\"lfp30-healthy\"",
	    "\"step\":", "\"t\":", "\"voltage_volt\":", "\"current_ampere\":",
	    "\"soc_percent\":", "\"cell_voltage_min_volt\":",
	    "\"cell_voltage_min_cell\":", "\"cell_voltage_max_volt\":",
	    "\"cell_voltage_max_cell\":", "\"temperature_max_celsius\":",
	    "\"charge_ampere_hour\":", "\"discharge_ampere_hour\":",
	    /* not 0 for sure: a status before the
	     * first CONNACK counts */
	    "\"telemetry_dropped\":"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		cr_expect(strstr(buf, keys[i]), "%s not in %s", keys[i], buf);
	/* a clean end says offline itself (the will is for crashes) */
	mqtt_retained(&b, TOPIC "online", dir, buf, sizeof(buf));
	cr_expect(strstr(buf, "\"online\":false"), "%s", buf);

	/* grading publishes the grade JSON, retained, on the same bench */
	char *out = ctl_path(dir, "run.h5");
	const char *gargs[] = {"grade", out, "--telemetry", mqtt_url(&b), NULL};
	cr_assert_eq(ctl_bench(log, gargs), 0, "%s", ctl_log(log));
	mqtt_retained(&b, TOPIC "grade", dir, buf, sizeof(buf));
	cr_expect(strstr(buf, "{\"pack_id\":\"lfp30-healthy\",\"grade\":"),
		  "%s", buf);
	mqtt_broker_stop(&b);
}

/* The broker is down when the run starts and ends; it comes up a second
 * later and still receives the final status (the process lingers). */
Test(telemetry_mqtt, broker_started_late_gets_final_status, .timeout = 60)
{
	char *dir = tmpdir_new("tm-late"), *log = ctl_path(dir, "log");
	char *out = ctl_path(dir, "run.h5");
	struct broker b = {.port = mqtt_free_port()};
	char buf[4096];
	const char *args[] = {"run",
			      "fixtures/recipes/quick.txt",
			      "--sim",
			      PACK,
			      "-o",
			      out,
			      "--telemetry",
			      mqtt_url(&b),
			      "--telemetry-linger",
			      "20",
			      NULL};
	pid_t pid = ctl_spawn(log, args);
	int rc;

	sleep(1);
	mqtt_broker_start(dir, &b);
	rc = ctl_wait(pid);
	cr_assert_eq(rc, 0, "%s", ctl_log(log));
	cr_expect(has_line(log, "not reachable"), "%s", ctl_log(log));
	mqtt_retained(&b, TOPIC "status", dir, buf, sizeof(buf));
	cr_expect(strstr(buf, "\"state\":\"complete\""), "%s", buf);
	/* what was lost while it was away is counted, in the status too */
	cr_expect(!strstr(buf, "\"telemetry_dropped\":0,") &&
		      !strstr(buf, "\"telemetry_dropped\":0}"),
		  "%s", buf);
	cr_expect(has_line(log, "telemetry messages not published"), "%s",
		  ctl_log(log));
	mqtt_broker_stop(&b);
}

/* Nobody listens: the run takes as long as without telemetry, completes,
 * and reports what it could not publish (log and run file event). */
Test(telemetry_mqtt, dead_broker_does_not_slow_the_run, .timeout = 60)
{
	char *dir = tmpdir_new("tm-dead"), *log = ctl_path(dir, "log");
	char *out = ctl_path(dir, "run.h5");
	char url[64];
	double base = 1e9, dead = 1e9, w;
	struct ctl_file f;
	bool event = false;

	snprintf(url, sizeof(url), "mqtt://127.0.0.1:%d", mqtt_free_port());
	/* best of three each: the machine is shared */
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(run_quick(dir, "max", NULL, NULL, &w), 0, "%s",
			     ctl_log(log));
		base = w < base ? w : base;
		cr_assert_eq(run_quick(dir, "max", url, "0", &w), 0, "%s",
			     ctl_log(log));
		dead = w < dead ? w : dead;
	}
	cr_expect_lt(dead, base * 2 + 0.5,
		     "with a dead broker %.3f s, without telemetry %.3f s",
		     dead, base);
	cr_expect(has_line(log, "telemetry messages not published"), "%s",
		  ctl_log(log));
	ctl_file_read(out, &f);
	cr_expect_str_eq(f.meta.status, "complete");
	for (size_t i = 0; i < f.n_events; i++)
		if (!strcmp(f.events[i].code, "bench:TELEMETRY") &&
		    strstr(f.events[i].message, "not published"))
			event = true;
	cr_expect(event, "no bench:TELEMETRY event in the run file");
	ctl_file_free(&f);
}

/* The broker vanishes mid-run: the paced run keeps its pace and
 * completes; the loss is reported. */
Test(telemetry_mqtt, broker_killed_mid_run_keeps_pace, .timeout = 60)
{
	char *dir = tmpdir_new("tm-kill"), *log = ctl_path(dir, "log");
	char *out = ctl_path(dir, "run.h5");
	struct broker b = {0};
	const char *args[16];
	double t0, wall;
	pid_t pid;
	int rc;

	mqtt_broker_start(dir, &b);
	/* quick.txt is about 281 s of test time: 2.8 s at 100x */
	const char *a[] = {"run",
			   "fixtures/recipes/quick.txt",
			   "--sim",
			   PACK,
			   "--speed",
			   "100",
			   "-o",
			   out,
			   "--telemetry",
			   mqtt_url(&b),
			   "--telemetry-linger",
			   "0",
			   NULL};
	memcpy(args, a, sizeof(a));
	t0 = mqtt_now_s();
	pid = ctl_spawn(log, args);
	usleep(800000);
	mqtt_broker_stop(&b);
	rc = ctl_wait(pid);
	wall = mqtt_now_s() - t0;
	cr_assert_eq(rc, 0, "%s", ctl_log(log));
	cr_expect_lt(wall, 5.5, "run took %.2f s wall (2.8 s paced)", wall);
	cr_expect(has_line(log, "connected to"), "%s", ctl_log(log));
	cr_expect(has_line(log, "telemetry messages not published"), "%s",
		  ctl_log(log));
}

/* `bench lab --once`: one row per bench that published, from the
 * retained messages; a dead broker is an error, not an empty lab. */
Test(telemetry_mqtt, lab_once_lists_every_bench, .timeout = 60)
{
	char *dir = tmpdir_new("tm-lab"), *log = ctl_path(dir, "log");
	char *out = ctl_path(dir, "run.h5"), *tab = ctl_path(dir, "tab");
	struct broker b = {0};
	char *url, dead[64];
	const char *packs[] = {"fixtures/packs/lfp30-healthy.ini",
			       "fixtures/packs/lfp30-aged.ini"};
	const char *text;

	mqtt_broker_start(dir, &b);
	url = mqtt_url(&b);
	for (int i = 0; i < 2; i++) {
		const char *args[] = {
		    "run",	   "fixtures/recipes/quick.txt",
		    "--sim",	   packs[i],
		    "-o",	   out,
		    "--overwrite", "--telemetry",
		    url,	   NULL};

		cr_assert_eq(ctl_bench(log, args), 0, "%s", ctl_log(log));
	}
	/* a bench that is only online, and one whose current is unknown */
	char cmd[768];
	snprintf(cmd, sizeof(cmd),
		 "%s -h 127.0.0.1 -p %d -r -t bench/idle-bench/online -m "
		 "'{\"online\":true}' && %s -h 127.0.0.1 -p %d -r -t "
		 "bench/stale-bench/status -m '{\"state\":\"running\","
		 "\"voltage_volt\":350.1,\"current_ampere\":null}'",
		 MOSQUITTO_PUB_BIN, b.port, MOSQUITTO_PUB_BIN, b.port);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	const char *largs[] = {"lab", "--broker", url, "--once", NULL};
	cr_assert_eq(ctl_bench(tab, largs), 0, "%s", ctl_log(tab));
	text = ctl_log(tab);
	cr_expect(strstr(text, "BENCH"), "%s", text);
	cr_expect(strstr(text, "lfp30-healthy    no      complete"), "%s",
		  text);
	cr_expect(strstr(text, "lfp30-aged       no      complete"), "%s",
		  text);
	cr_expect(strstr(text, "idle-bench       yes     -"), "%s", text);
	cr_expect(strstr(text, "350.1        -"), "%s", text);
	cr_expect(!strstr(text, "nan"), "%s", text);
	mqtt_broker_stop(&b);

	snprintf(dead, sizeof(dead), "mqtt://127.0.0.1:%d", mqtt_free_port());
	const char *dargs[] = {"lab", "--broker", dead, "--once", NULL};
	cr_expect_eq(ctl_bench(tab, dargs), 1);
	cr_expect(strstr(ctl_log(tab), "Connection refused"), "%s",
		  ctl_log(tab));
}
