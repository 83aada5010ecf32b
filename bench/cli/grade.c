/* PLACEHOLDER: replaced by the owner of bench/cli/grade.c */
#include <stdio.h>
#include "cli.h"
int cli_grade(int argc, char **argv) { (void)argc; fprintf(stderr, "bench: %s: not built yet\n", argv[0]); return 1; }
int cli_report(int argc, char **argv) { (void)argc; fprintf(stderr, "bench: %s: not built yet\n", argv[0]); return 1; }
int cli_export(int argc, char **argv) { (void)argc; fprintf(stderr, "bench: %s: not built yet\n", argv[0]); return 1; }
