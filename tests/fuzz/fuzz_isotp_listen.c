/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_isotp_listen.c - libFuzzer target: passive ISO-TP reassembly of
 * both directions (can/isotp_listen.h). The input is a frame stream: per
 * frame one byte (bits 0-3 length 0..8, bit 4 the reply id instead of the
 * request id, bit 5 a 10 ms time step, bit 6 a 2 s step) and the frame's
 * bytes. Every result is a PDU within ISOTP_MAX_LEN or an error, and
 * the follow-up calls always drain. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "can/isotp_listen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct isotp_listen l;
	static struct isotp_listen_pdu pdu;
	struct isotp_opts o = {.tx_pad = true, .timeout_ms = 50};
	int64_t t = 0;
	size_t i = 0;

	isotp_listen_init(&l, 0x79B, 0x7BB, &o);
	while (i < size) {
		struct canframe f = {.id = data[i] & 0x10 ? 0x7BB : 0x79B};
		const struct canframe *in = &f;
		unsigned len = data[i] & 0x0F, rounds = 0;

		if (len > 8)
			len = 8;
		if (data[i] & 0x20)
			t += 10000;
		if (data[i] & 0x40)
			t += 2000000;
		i++;
		if (len > size - i)
			len = (unsigned)(size - i);
		f.len = (uint8_t)len;
		memcpy(f.data, data + i, len);
		i += len;
		while (isotp_listen_frame(&l, in, t, &pdu)) {
			in = NULL;
			if (pdu.rc > ISOTP_MAX_LEN || pdu.rc == 0 ||
			    ++rounds > 4)
				__builtin_trap();
		}
	}
	return 0;
}
