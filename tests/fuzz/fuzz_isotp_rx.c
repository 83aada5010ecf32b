/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_isotp_rx.c - libFuzzer target: ISO-TP reassembly. The input is a
 * frame stream: per frame one byte (bits 0-3 length 0..8, bit 4 extended
 * addressing on the first frame's engine, bit 5 a 10 ms time step) and the
 * frame's bytes. A delivered PDU never exceeds the first frame's length
 * and every length stays within ISOTP_MAX_LEN. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "can/isotp_engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int emit(void *ctx, const struct canframe *f)
{
	(void)ctx;
	if (f->len > 8)
		__builtin_trap();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct isotp_engine e;
	static uint8_t out[ISOTP_MAX_LEN];
	struct isotp_opts o = {.bs = 2, .timeout_ms = 50};
	int64_t t = 0;
	size_t i = 0;

	if (size == 0)
		return 0;
	o.ext_addr = data[0] & 0x10;
	o.rx_ext_addr = 0xF1;
	isotp_engine_init(&e, 0x7E4, 0x7EC, &o, emit, NULL);
	while (i < size) {
		struct canframe f = {.id = 0x7EC};
		unsigned len = data[i] & 0x0F;
		int n;

		if (len > 8)
			len = 8;
		if (data[i] & 0x20)
			t += 10000;
		i++;
		if (len > size - i)
			len = (unsigned)(size - i);
		f.len = (uint8_t)len;
		memcpy(f.data, data + i, len);
		i += len;
		isotp_engine_on_frame(&e, &f, t);
		isotp_engine_tick(&e, t);
		n = isotp_engine_take(&e, out, sizeof(out));
		if (n > ISOTP_MAX_LEN)
			__builtin_trap();
	}
	return 0;
}
