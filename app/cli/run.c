/* SPDX-License-Identifier: Apache-2.0 */
/* run.c - `bench run`, `bench resume`, `bench watch`, `bench stop`. */
#define LOG_PREFIX "bench"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli/cli.h"
#include "app/ctl_run.h"
#include "app/ctlsock.h"
#include "app/watch.h"
#include "bench/sim/packini.h"
#include "common/log.h"
#include "common/rc.h"

static const char run_usage[] =
    "usage: bench run RECIPE --profile PROFILE.ini --pack-id ID\n"
    "                 --bench BENCH.ini -o RUN.h5 [--can IFACE]\n"
    "                 [--cycler-can IFACE]\n"
    "       bench run RECIPE --sim PACK.ini [--speed N|max] [--truth T.json]\n"
    "                 [--seed N] -o RUN.h5 [--profile P.ini] [--pack-id ID]\n"
    "                 [--bench BENCH.ini] [--can IFACE] [--cycler-can IFACE]\n"
    "       either with [--telemetry mqtt://HOST:PORT] [--telemetry-linger S]\n"
    "                 [--shelf-from FAST.h5 --shelf TIME]\n"
    "\n"
    "Run a recipe on a pack: the BMS on CAN, the cycler from the bench\n"
    "file, every cell checked and logged to RUN.h5 (HDF5, bench-run/1).\n"
    "\n"
    "  -o, --output RUN.h5   run file to create (an existing file is\n"
    "                        refused, and so is a file another run writes)\n"
    "  --overwrite           replace an existing RUN.h5 (never one that a\n"
    "                        live process is writing)\n"
    "  --profile FILE        pack profile; required without --sim (with\n"
    "                        --sim: derived from the pack by default)\n"
    "  --pack-id ID          pack id; required without --sim (with --sim:\n"
    "                        the pack's name by default)\n"
    "  --bench FILE          bench file (BMS bus, cycler, limits); required\n"
    "                        without --sim (with --sim: optional, without\n"
    "                        it BMS and cycler are simulated in-process)\n"
    "  --can IFACE           BMS bus, overrides the bench file's [bms] bus\n"
    "  --cycler-can IFACE    cycler bus, overrides [cycler] bus\n"
    "  --sim PACK.ini        simulated pack (in-process BMS and cycler)\n"
    "  --speed N|max         simulated time N times real time (default max)\n"
    "  --truth FILE.json     write the simulator's true cell values\n"
    "  --seed N              simulator seed (overrides the pack file's)\n"
    "  --telemetry URL       publish status, events and the end to an MQTT\n"
    "                        broker (overrides the bench file's [telemetry]\n"
    "                        url; docs/telemetry.md); a broker that is down\n"
    "                        never stops or slows the run\n"
    "  --telemetry-linger S  at the end, wait at most S seconds (default 10)\n"
    "                        for the broker to take the final status\n"
    "  --shelf-from FAST.h5  continue the same simulated pack from where the\n"
    "                        finished run FAST.h5 left it (replayed), after\n"
    "  --shelf TIME          this long off the bench ('48 h', '90 min')\n"
    "                        both or neither\n"
    "\n"
    "Stopping: every stop is safe (current 0, output off, contactors open).\n"
    "  SIGTERM (systemctl stop, shutdown) or Ctrl-C (SIGINT): the run is\n"
    "  'interrupted'; 'bench resume RUN.h5' continues it.\n"
    "  'bench stop ID': the operator's final stop ('aborted'; no resume).\n"
    "\n"
    "Exit status:\n"
    "  0    the recipe completed\n"
    "  1    aborted for a bench cause (cycler, BMS link, disk: resumable\n"
    "       once fixed), or an error (RUN.h5 exists, is being written, ...)\n"
    "  2    usage error\n"
    "  3    final: a safety abort or 'bench stop' (do not restart)\n"
    "  130  interrupted by SIGINT (Ctrl-C); resumable\n"
    "  143  interrupted by SIGTERM; resumable\n";

static int parse_speed(const char *s, double *out)
{
	char *end;

	if (!strcmp(s, "max")) {
		*out = 0;
		return BENCH_OK;
	}
	errno = 0;
	*out = strtod(s, &end);
	if (errno || *end || *out <= 0) {
		fprintf(stderr,
			"bench run: --speed '%s': expected a positive "
			"number or 'max'\n",
			s);
		return BENCH_ERR_ARG;
	}
	return BENCH_OK;
}

static int parse_seed(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	if (errno || *end || !*s) {
		fprintf(stderr, "bench run: --seed '%s': expected an integer\n",
			s);
		return BENCH_ERR_ARG;
	}
	return BENCH_OK;
}

int cli_run(int argc, char **argv)
{
	enum {
		O_PROFILE = 256,
		O_PACK,
		O_BENCH,
		O_CAN,
		O_CYC,
		O_SIM,
		O_SPEED,
		O_TRUTH,
		O_SEED,
		O_OVERWRITE,
		O_TELEMETRY,
		O_LINGER,
		O_SHELF_FROM,
		O_SHELF
	};
	/* clang-format off */
	static const struct option lopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"output", required_argument, NULL, 'o'},
		{"profile", required_argument, NULL, O_PROFILE},
		{"pack-id", required_argument, NULL, O_PACK},
		{"bench", required_argument, NULL, O_BENCH},
		{"can", required_argument, NULL, O_CAN},
		{"cycler-can", required_argument, NULL, O_CYC},
		{"sim", required_argument, NULL, O_SIM},
		{"speed", required_argument, NULL, O_SPEED},
		{"truth", required_argument, NULL, O_TRUTH},
		{"seed", required_argument, NULL, O_SEED},
		{"overwrite", no_argument, NULL, O_OVERWRITE},
		{"telemetry", required_argument, NULL, O_TELEMETRY},
		{"telemetry-linger", required_argument, NULL, O_LINGER},
		{"shelf-from", required_argument, NULL, O_SHELF_FROM},
		{"shelf", required_argument, NULL, O_SHELF},
		{0, 0, 0, 0},
	};
	/* clang-format on */
	struct run_opts o = {.telemetry_linger_s = -1};
	char *end;
	bool speed_given = false, shelf_given = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:", lopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(run_usage, stdout);
			return 0;
		case 'o':
			o.out_path = optarg;
			break;
		case O_PROFILE:
			o.profile_path = optarg;
			break;
		case O_PACK:
			o.pack_id = optarg;
			break;
		case O_BENCH:
			o.bench_path = optarg;
			break;
		case O_CAN:
			o.can_iface = optarg;
			break;
		case O_CYC:
			o.cycler_can = optarg;
			break;
		case O_SIM:
			o.sim_path = optarg;
			break;
		case O_TRUTH:
			o.truth_path = optarg;
			break;
		case O_SPEED:
			if (parse_speed(optarg, &o.speed) < 0)
				return 2;
			speed_given = true;
			break;
		case O_SHELF_FROM:
			o.shelf_from = optarg;
			break;
		case O_SHELF:
			if (packini_parse_duration(optarg, &o.shelf_us) < 0) {
				fprintf(stderr,
					"bench run: --shelf '%s' is not a time "
					"like '48 h' or '90 min'\n",
					optarg);
				return 2;
			}
			shelf_given = true;
			break;
		case O_OVERWRITE:
			o.overwrite = true;
			break;
		case O_TELEMETRY:
			if (strncmp(optarg, "mqtt://", 7) &&
			    strncmp(optarg, "mqtts://", 8)) {
				fprintf(
				    stderr,
				    "bench run: --telemetry '%s': expected "
				    "mqtt://HOST:PORT or mqtts://HOST:PORT\n",
				    optarg);
				return 2;
			}
			o.telemetry_url = optarg;
			break;
		case O_LINGER:
			errno = 0;
			o.telemetry_linger_s = strtod(optarg, &end);
			if (errno || *end || !*optarg ||
			    o.telemetry_linger_s < 0 ||
			    o.telemetry_linger_s > 3600) {
				fprintf(stderr,
					"bench run: --telemetry-linger '%s': "
					"expected seconds from 0 to 3600\n",
					optarg);
				return 2;
			}
			break;
		case O_SEED:
			if (parse_seed(optarg, &o.seed) < 0)
				return 2;
			o.has_seed = true;
			break;
		default:
			fputs(run_usage, stderr);
			return 2;
		}
	}
	if (optind != argc - 1 || !o.out_path) {
		fprintf(stderr, "bench run: %s\n",
			!o.out_path ? "-o RUN.h5 is required"
				    : "expected exactly one RECIPE");
		fputs(run_usage, stderr);
		return 2;
	}
	if (!o.sim_path && (speed_given || o.truth_path || o.has_seed)) {
		fprintf(stderr, "bench run: --speed, --truth and --seed need "
				"--sim\n");
		return 2;
	}
	if (!o.shelf_from != !shelf_given || (o.shelf_from && !o.sim_path)) {
		fprintf(stderr, "bench run: --shelf-from FAST.h5 and --shelf "
				"TIME go together, with --sim PACK.ini\n");
		return 2;
	}
	if (!o.sim_path && (!o.profile_path || !o.pack_id || !o.bench_path)) {
		fprintf(stderr,
			"bench run: --profile, --pack-id and --bench are "
			"required without --sim (a real bench: its BMS bus "
			"and cycler are in the bench file); without hardware "
			"use --sim PACK.ini\n");
		return 2;
	}
	o.recipe_path = argv[optind];
	return ctl_run_new(&o);
}

static const char resume_usage[] =
    "usage: bench resume [--if-needed] RUN.h5\n"
    "\n"
    "Continue an interrupted run (crash, power cut, kill, SIGTERM or\n"
    "Ctrl-C, a bench-cause abort). Everything is read from the file:\n"
    "recipe, profile, bench and simulator settings. A file another process\n"
    "is writing is refused.\n"
    "The file's crash flags are cleared first, the pack is checked (all\n"
    "cells inside their limits, no BMS fault) before current flows, and\n"
    "the interrupted step continues where it stopped (or restarts if the\n"
    "recipe marks it [restart]). resumed_times counts the resumes.\n"
    "The pack file, bench file and DBCs must be as they were when the run\n"
    "started (their sha256 is in the file): a changed one is refused,\n"
    "named, and the run file is left untouched.\n"
    "Exit status as 'bench run'; 3 also when the run does not resume\n"
    "(complete, a safety abort or the operator's 'bench stop').\n"
    "--if-needed: such a file is left alone and the exit status is 0\n"
    "(what bench@.service runs at boot).\n";

int cli_resume(int argc, char **argv)
{
	if (argc == 2 &&
	    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(resume_usage, stdout);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "--if-needed") && argv[2][0] != '-')
		return ctl_run_resume(argv[2], true);
	if (argc != 2 || argv[1][0] == '-') {
		fputs(resume_usage, stderr);
		return 2;
	}
	return ctl_run_resume(argv[1], false);
}

static const char watch_usage[] =
    "usage: bench watch [RUN.h5 | ID | SOCKET]\n"
    "\n"
    "Follow a running test from another terminal: the live status line\n"
    "(step, elapsed, pack V and I, SOC, min/max cell, temperature, Ah).\n"
    "A .h5 file is read in SWMR mode (works while the run writes it and on\n"
    "a file a crash left behind); otherwise the run's control socket is\n"
    "asked (by pack id, or a socket path). Without an argument: the only\n"
    "run in your runtime directory (several: they are listed, name one).\n"
    "A file whose writer died says 'not running' and the time of its last\n"
    "sample. --once prints one line and exits.\n"
    "Runtime directory: $BENCH_RUNTIME_DIR, else $RUNTIME_DIRECTORY\n"
    "(systemd), else $XDG_RUNTIME_DIR/bench, /run/user/UID/bench or\n"
    "/tmp/bench-UID; a pack id not found there is looked up in /run/bench\n"
    "(bench@.service).\n";

int cli_watch(int argc, char **argv)
{
	bool once = false;
	const char *what = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(watch_usage, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--once")) {
			once = true;
		} else if (argv[i][0] == '-' || what) {
			fputs(watch_usage, stderr);
			return 2;
		} else {
			what = argv[i];
		}
	}
	return watch_main(what, once);
}

static const char stop_usage[] =
    "usage: bench stop [ID | SOCKET]\n"
    "\n"
    "Ask a running test for a safe stop (current to zero, output off,\n"
    "contactors open, file marked aborted by the operator): final, the run\n"
    "does not resume (for a pause use SIGTERM: systemctl stop). Without an\n"
    "argument: the only run in your runtime directory (several: they are\n"
    "listed, name one); see 'bench watch --help' for the directory.\n";

int cli_stop(int argc, char **argv)
{
	char path[256], reply[256];
	const char *what = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(stop_usage, stdout);
			return 0;
		} else if (argv[i][0] == '-' || what) {
			fputs(stop_usage, stderr);
			return 2;
		} else {
			what = argv[i];
		}
	}
	if (what ? ctlsock_resolve(what, path, sizeof(path)) < 0
		 : watch_only_socket(path, sizeof(path)) < 0)
		return 1;
	if (ctlsock_request(path, "stop", reply, sizeof(reply), 3000) < 0)
		return 1;
	printf("%s\n", reply);
	return strstr(reply, "\"ok\":true") ? 0 : 1;
}
