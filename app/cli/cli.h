/* SPDX-License-Identifier: Apache-2.0 */
/* cli.h - subcommands of the bench binary. Each returns the process exit
 * status (0 ok, 1 failure, 2 usage error) and handles its own --help. */
#ifndef BENCH_CLI_CLI_H
#define BENCH_CLI_CLI_H

int cli_can(int argc, char **argv);    /* can decode | can dump */
int cli_dbc(int argc, char **argv);    /* dbc check */
int cli_recipe(int argc, char **argv); /* recipe check */
int cli_run(int argc, char **argv);
int cli_resume(int argc, char **argv);
int cli_watch(int argc, char **argv);
int cli_stop(int argc, char **argv);
int cli_recover(int argc, char **argv);
int cli_sim(int argc, char **argv);
int cli_grade(int argc, char **argv);
int cli_report(int argc, char **argv);
int cli_export(int argc, char **argv);
int cli_import(int argc, char **argv);
int cli_cycles(int argc, char **argv);
/* bench cycles --fast-windows (app/cli/cycles_fast.c) */
int cli_cycles_fast(const char *path, const char *chemistry,
		    const char *curve_path, double rest_max_s, int json);
int cli_lab(int argc, char **argv);  /* every bench from the MQTT broker */
int cli_pack(int argc, char **argv); /* pack decode */

#endif
