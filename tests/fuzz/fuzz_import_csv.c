/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_import_csv.c - libFuzzer target for the text importers: detection
 * and every format's parser (forced, as --format does) on the same bytes,
 * through the step logic of bench import without writing a run file.
 * Not arbin_res: past its magic bytes it is mdbtools' libmdb that parses,
 * a third-party reader this target cannot hold to our rules. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/log.h"
#include "import/import.h"
#include "import/import_write.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quiet(void *ctx, enum log_level lvl, const char *prefix,
		  const char *msg)
{
	(void)ctx;
	(void)lvl;
	(void)prefix;
	(void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	char path[64];
	size_t n;
	const struct import_format *fmts = import_formats(&n);
	const struct import_format *res = import_format_by_name("arbin_res");

	log_set_sink(quiet, NULL);
	if (fd < 0)
		fd = memfd_create("fuzz_import", 0);
	if (fd < 0 || ftruncate(fd, 0) < 0 ||
	    pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	for (size_t i = 0; i <= n; i++) {
		struct import_opts o = {.fmt = i < n ? &fmts[i]
						     : import_detect(path)};
		struct import_result r;

		if (!o.fmt || o.fmt == res)
			continue;

		/* What the writer relies on after a successful read. */
		if (import_dry(path, &o, &r) == 0 &&
		    (r.rows == 0 || r.steps == 0 || r.steps > r.rows ||
		     isnan(r.counter_max_dev)))
			abort();
	}
	return 0;
}
