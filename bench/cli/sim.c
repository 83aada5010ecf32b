/* PLACEHOLDER: replaced by the owner of bench/cli/sim.c */
#include <stdio.h>
#include "cli.h"
int cli_sim(int argc, char **argv) { (void)argc; fprintf(stderr, "bench: %s: not built yet\n", argv[0]); return 1; }
