/* SPDX-License-Identifier: Apache-2.0 */
/* sim.c - `bench sim`: the simulated pack as its own CAN node. */
#define LOG_PREFIX "bench-sim"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/sim/packini.h"
#include "bench/sim/sim.h"
#include "bench/sim/sim_serve.h"
#include "cli.h"
#include "common/log.h"
#include "common/rc.h"

static volatile int stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: bench sim PACK.ini --can IFACE [options]\n"
	    "\n"
	    "Serve a simulated used pack (fixtures/packs/*.ini)\n"
	    "as its own node: its BMS on IFACE per fixtures/dbc/sim_bms.dbc,\n"
	    "optionally a CAN cycler and a SCPI supply.\n"
	    "\n"
	    "  --can IFACE          BMS bus (can0, vcan0, ...)\n"
	    "  --cycler-can IFACE   also serve the CAN cycler\n"
	    "                       (fixtures/dbc/sim_cycler.dbc); may equal "
	    "--can\n"
	    "  --scpi-link PATH     serve the SCPI supply on a new "
	    "pseudo-terminal\n"
	    "                       whose slave is symlinked at PATH\n"
	    "  --scpi-port DEV      serve the SCPI supply on a UART "
	    "(/dev/ttyS2)\n"
	    "  --speed N|max        N times real time (default 1); max = no "
	    "pacing\n"
	    "  --for TIME           stop after this virtual time (90 s, 2 h)\n"
	    "  --seed N             override the pack file's seed\n"
	    "  --truth FILE.json    write the true per-cell values\n"
	    "  --answer-log FILE    a BMS personality's poll answers, with\n"
	    "                       the cell voltages each one encodes; a\n"
	    "                       GB/T BMS's every group, in hex\n"
	    "  --profile FILE.ini   accepted and ignored: the simulated BMS\n"
	    "                       needs nothing from the pack profile\n"
	    "  -h, --help\n"
	    "\n"
	    "SIGINT or SIGTERM stop it cleanly.\n");
}

int cli_sim(int argc, char **argv)
{
	/* clang-format off */
	static const struct option lo[] = {
		{"can", required_argument, NULL, 'c'},
		{"cycler-can", required_argument, NULL, 'y'},
		{"scpi-link", required_argument, NULL, 'l'},
		{"scpi-port", required_argument, NULL, 'p'},
		{"speed", required_argument, NULL, 's'},
		{"for", required_argument, NULL, 'f'},
		{"seed", required_argument, NULL, 'S'},
		{"truth", required_argument, NULL, 't'},
		{"answer-log", required_argument, NULL, 'A'},
		{"profile", required_argument, NULL, 'P'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	/* clang-format on */
	struct sim_serve_opts so = {.speed = 1, .stop = &stop_flag};
	struct sim_opts opts = {0};
	const char *truth = NULL, *answer_log = NULL;
	FILE *alog = NULL;
	struct sigaction sa;
	struct sim *s = NULL;
	char *end;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'c':
			so.can = optarg;
			break;
		case 'y':
			so.cycler_can = optarg;
			break;
		case 'l':
			so.scpi_link = optarg;
			break;
		case 'p':
			so.scpi_port = optarg;
			break;
		case 's':
			if (!strcmp(optarg, "max")) {
				so.speed = 0;
				break;
			}
			so.speed = strtod(optarg, &end);
			if (*end || !(so.speed > 0 && so.speed <= 1e6)) {
				fprintf(stderr,
					"bench sim: --speed '%s': "
					"expected a number > 0 or max\n",
					optarg);
				return 2;
			}
			break;
		case 'f':
			if (packini_parse_duration(optarg, &so.duration_us)) {
				fprintf(stderr,
					"bench sim: --for '%s': expected "
					"a time like '90 s' or '2 h'\n",
					optarg);
				return 2;
			}
			break;
		case 'S':
			opts.seed_override = strtoull(optarg, &end, 10);
			if (*end || !*optarg) {
				fprintf(stderr,
					"bench sim: --seed '%s': "
					"expected an integer\n",
					optarg);
				return 2;
			}
			opts.has_seed_override = true;
			break;
		case 't':
			truth = optarg;
			break;
		case 'A':
			answer_log = optarg;
			break;
		case 'P':
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1 || !so.can) {
		fprintf(stderr,
			"bench sim: need a pack file and --can IFACE\n");
		usage(stderr);
		return 2;
	}
	if (so.scpi_link && so.scpi_port) {
		fprintf(stderr, "bench sim: --scpi-link and --scpi-port "
				"exclude each other\n");
		return 2;
	}
	if (sim_load(argv[optind], &opts, &s) < 0)
		return 1;
	if (truth && sim_write_truth(s, truth) < 0) {
		sim_free(s);
		return 1;
	}
	if (answer_log) {
		alog = fopen(answer_log, "w");
		if (!alog) {
			fprintf(stderr, "bench sim: cannot write '%s': %s\n",
				answer_log, strerror(errno));
			sim_free(s);
			return 1;
		}
		sim_set_answer_log(s, alog);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	log_info("pack %s (%us%up %s) on %s, speed %s", sim_info(s)->name,
		 sim_info(s)->series, sim_info(s)->parallel,
		 sim_info(s)->chemistry, so.can,
		 so.speed > 0 ? "paced" : "max");
	rc = sim_serve(s, &so);
	sim_free(s);
	if (alog)
		fclose(alog);
	if (rc < 0)
		return 1;
	log_info("stopped");
	return 0;
}
