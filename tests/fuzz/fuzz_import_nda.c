/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_import_nda.c - libFuzzer target for the Neware .nda and .ndax readers:
 * detection and both parsers on the same bytes, through the step logic of
 * bench import without writing a run file. */
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
	static const char *const names[] = {"neware_nda", "neware_ndax"};
	struct import_result r;

	log_set_sink(quiet, NULL);
	if (fd < 0)
		fd = memfd_create("fuzz_import_nda", 0);
	if (fd < 0 || ftruncate(fd, 0) < 0 ||
	    pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	import_detect(path);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct import_opts o = {.fmt = import_format_by_name(names[i])};

		/* What the writer relies on after a successful read. */
		if (import_dry(path, &o, &r) == 0 &&
		    (r.rows == 0 || r.steps == 0 || r.steps > r.rows ||
		     isnan(r.counter_max_dev)))
			abort();
	}
	return 0;
}
