/* PLACEHOLDER: replaced by the owner of bench/cli/recover.c */
#include <stdio.h>
#include "cli.h"
int cli_recover(int argc, char **argv) { (void)argc; fprintf(stderr, "bench: %s: not built yet\n", argv[0]); return 1; }
