/* PLACEHOLDER: replaced by the owner of bench/cli/run.c */
#include <stdio.h>
#include "cli.h"
int cli_run(int argc, char **argv) { (void)argc; fprintf(stderr, "bench: %s: not built yet\n", argv[0]); return 1; }
int cli_resume(int argc, char **argv) { (void)argc; fprintf(stderr, "bench: %s: not built yet\n", argv[0]); return 1; }
int cli_watch(int argc, char **argv) { (void)argc; fprintf(stderr, "bench: %s: not built yet\n", argv[0]); return 1; }
int cli_stop(int argc, char **argv) { (void)argc; fprintf(stderr, "bench: %s: not built yet\n", argv[0]); return 1; }
