/* SPDX-License-Identifier: Apache-2.0 */
/* lab.c - `bench lab --broker URL [--once]` and `bench lab serve`. */
#include <stdio.h>
#include <string.h>

#include "app/cli/cli.h"
#include "app/lab.h"
#include "app/labweb.h"

static const char lab_usage[] =
    "usage: bench lab --broker mqtt://HOST:PORT [--once]\n"
    "       bench lab serve --broker mqtt://HOST:PORT --http HOST:PORT\n"
    "\n"
    "Every bench that publishes to the broker (bench run --telemetry or a\n"
    "bench file's [telemetry]), one row each, redrawn every second like\n"
    "top: online, state, pack, step, test time, V, A, lowest and highest\n"
    "cell, hottest probe, last alarm. --once prints one table and exits.\n"
    "serve: the same live as a web page (GET /), server-sent events\n"
    "(GET /events) and JSON (GET /benches.json), until SIGINT/SIGTERM.\n"
    "Topics: docs/telemetry.md.\n";

int cli_lab(int argc, char **argv)
{
	const char *url = NULL, *http = NULL;
	bool once = false, serve = argc > 1 && !strcmp(argv[1], "serve");

	for (int i = serve ? 2 : 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(lab_usage, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--once") && !serve) {
			once = true;
		} else if (!strcmp(argv[i], "--http") && serve &&
			   i + 1 < argc) {
			http = argv[++i];
		} else if (!strcmp(argv[i], "--broker") && i + 1 < argc) {
			url = argv[++i];
		} else {
			fputs(lab_usage, stderr);
			return 2;
		}
	}
	if (!url) {
		fprintf(stderr, "bench lab: --broker URL is required\n");
		fputs(lab_usage, stderr);
		return 2;
	}
	if (serve && !http) {
		fprintf(stderr,
			"bench lab serve: --http HOST:PORT is required\n");
		fputs(lab_usage, stderr);
		return 2;
	}
	return serve ? labweb_main(url, http) : lab_main(url, once);
}
