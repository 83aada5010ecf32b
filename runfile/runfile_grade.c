/* SPDX-License-Identifier: Apache-2.0 */
/* runfile_grade.c - the /grade group (attributes through h5attr.c). */
#define LOG_PREFIX "runfile"
#include "runfile_grade.h"

#include <hdf5.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/rc.h"
#include "runfile/h5attr.h"

int runfile_write_grade(const char *path, const char *json, const char *grade,
			const char *rules_sha256)
{
	hid_t f, g = -1;
	int rc = BENCH_ERR_IO;
	char now[32];
	time_t t = time(NULL);
	struct tm tm;

	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
	f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
	if (f < 0) {
		log_err("cannot open '%s' for writing /grade (still running, "
			"or crashed: 'bench recover' it first)",
			path);
		return BENCH_ERR_IO;
	}
	if (H5Lexists(f, "grade", H5P_DEFAULT) > 0 &&
	    H5Ldelete(f, "grade", H5P_DEFAULT) < 0) {
		log_err("'%s': cannot replace the old /grade group", path);
		goto out;
	}
	g = H5Gcreate2(f, "grade", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	if (g < 0) {
		log_err("'%s': cannot create /grade", path);
		goto out;
	}
	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (h5attr_put_str(g, "json", json, 0) < 0 ||
	    h5attr_put_str(g, "grade", grade, 0) < 0 ||
	    h5attr_put_str(g, "rules_sha256", rules_sha256, 0) < 0 ||
	    h5attr_put_str(g, "graded_utc", now, 0) < 0) {
		log_err("'%s': cannot write the /grade attributes", path);
		goto out;
	}
	rc = BENCH_OK;
out:
	if (g >= 0)
		H5Gclose(g);
	H5Fclose(f);
	return rc;
}
