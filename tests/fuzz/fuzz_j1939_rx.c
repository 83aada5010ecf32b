/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_j1939_rx.c - libFuzzer target: J1939 transport reception at the
 * charger's address 0x56. The input is a frame stream: per frame one byte
 * (bits 0-3 length 0..8, bit 4 from the BMS 0xF4 to us, else bit 5 picks
 * broadcast; bit 6 TP.CM, bit 7 TP.DT, neither = a single frame with PF
 * from the next byte; a 100 ms time step before every frame with bits
 * 4..7 all set), then the frame's bytes. Every delivered group stays
 * within J1939_MAX_LEN and every frame we send is a classic frame. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "can/j1939_engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int emit(void *ctx, const struct canframe *f)
{
	(void)ctx;
	if (f->len > 8 || !(f->id & CANFRAME_EFF))
		__builtin_trap();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct j1939_engine e;
	static struct j1939_msg m;
	int64_t t = 0;
	size_t i = 0;

	j1939_engine_init(&e, 0x56, emit, NULL);
	while (i < size) {
		uint8_t h = data[i++];
		uint8_t dst = (h & 0x10) ? 0x56 : (h & 0x20) ? 0xFF : 0x57;
		uint32_t pf = (h & 0x40) ? 0xEC : (h & 0x80) ? 0xEB : 0x10;
		struct canframe f = {0};
		unsigned len = h & 0x0F;
		int n;

		if ((h & 0xF0) == 0xF0)
			t += 100000;
		if (!(h & 0xC0) && i < size)
			pf = data[i++];
		if (len > 8)
			len = 8;
		if (len > size - i)
			len = (unsigned)(size - i);
		f.id = CANFRAME_EFF | 0x1C000000u | pf << 16 |
		       (uint32_t)dst << 8 | 0xF4;
		f.len = (uint8_t)len;
		memcpy(f.data, data + i, len);
		i += len;
		j1939_engine_on_frame(&e, &f, t);
		j1939_engine_tick(&e, t);
		while ((n = j1939_engine_take(&e, &m)) != 0)
			if (n > 0 && m.len > J1939_MAX_LEN)
				__builtin_trap();
	}
	return 0;
}
