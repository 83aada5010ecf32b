/* PLACEHOLDER: replaced by the owner of bench/cli/can.c */
#include <stdio.h>
#include "cli.h"
int cli_can(int argc, char **argv) { (void)argc; fprintf(stderr, "bench: %s: not built yet\n", argv[0]); return 1; }
int cli_dbc(int argc, char **argv) { (void)argc; fprintf(stderr, "bench: %s: not built yet\n", argv[0]); return 1; }
