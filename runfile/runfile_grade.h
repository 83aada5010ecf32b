/* SPDX-License-Identifier: Apache-2.0 */
/* runfile_grade.h - store a grade in its run file as the /grade group.
 *
 * /grade attrs: json (the `bench grade --json` object), grade, rules_sha256,
 * graded_utc. A run file being written (SWMR) cannot take new groups: the
 * run must be finished (or recovered) first. Rewrites an existing /grade.
 */
#ifndef BENCH_ANALYSIS_RUNFILE_GRADE_H
#define BENCH_ANALYSIS_RUNFILE_GRADE_H

int runfile_write_grade(const char *path, const char *json, const char *grade,
			const char *rules_sha256);

#endif
