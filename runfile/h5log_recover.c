/* SPDX-License-Identifier: Apache-2.0 */
/* h5log_recover.c - `bench recover`: make a killed run's file an ordinary
 * closed file (see h5log.h). */
#define LOG_PREFIX "h5log"
#include "h5log_priv.h"

#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/rc.h"
#include "runfile/h5attr.h"

/* Open a closed run file normally and, if it says running, set
 * status/end_reason (bench recover). */
static int set_final_status(const char *path, const char *status,
			    const char *end_reason)
{
	hid_t fapl = h5log_fapl(1), f = -1;
	char cur[16] = "";
	int rc = BENCH_ERR_IO;

	if (fapl < 0)
		goto out;
	f = H5Fopen(path, H5F_ACC_RDWR, fapl);
	if (f < 0) {
		log_err("cannot reopen '%s' to set its status", path);
		goto out;
	}
	if (h5attr_get_str(f, "status", cur, sizeof(cur), NULL) < 0)
		goto out;
	if (strcmp(cur, "running") == 0 &&
	    h5attr_set_status(f, status, end_reason) < 0)
		goto out;
	rc = BENCH_OK;
out:
	if (f >= 0 && H5Fclose(f) < 0 && rc == BENCH_OK) {
		log_err("cannot close '%s'", path);
		rc = BENCH_ERR_IO;
	}
	if (fapl >= 0)
		H5Pclose(fapl);
	return rc;
}

int h5log_recover(const char *path, const char *new_status)
{
	struct h5log *l = NULL;
	struct run_meta meta;
	char reason[160];
	hsize_t rows;
	int rc;

	TRY(h5log_open_existing(path, NULL, 0, &meta, &l));
	rows = h5log_rows(l);
	h5log_free(l); /* closing it clears the consistency flags */
	if (rows == (hsize_t)-1) {
		run_meta_release(&meta);
		return BENCH_ERR_IO;
	}
	snprintf(reason, sizeof(reason), "%s",
		 meta.end_reason[0]
		     ? meta.end_reason
		     : "writer stopped without closing the file");
	run_meta_release(&meta);
	rc = set_final_status(path, new_status, reason);
	if (rc == BENCH_OK)
		log_info("'%s': %llu rows, consistency flags cleared", path,
			 (unsigned long long)rows);
	return rc;
}
