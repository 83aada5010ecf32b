/* SPDX-License-Identifier: Apache-2.0 */
/* test_frame.h - a CAN frame for bus tests: id, len bytes all set to fill,
 * everything else zero. Header-only (static inline): shared by the
 * in-process bus test and the SocketCAN hardware test. */
#ifndef BENCH_TESTS_TEST_FRAME_H
#define BENCH_TESTS_TEST_FRAME_H

#include <stdint.h>
#include <string.h>

#include "can/canframe.h"

static inline struct canframe test_frame(uint32_t id, uint8_t len, uint8_t fill)
{
	struct canframe f;

	memset(&f, 0, sizeof(f));
	f.id = id;
	f.len = len;
	memset(f.data, fill, len);
	return f;
}

#endif
