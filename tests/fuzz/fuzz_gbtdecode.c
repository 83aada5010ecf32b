/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_gbtdecode.c - libFuzzer target: a GB/T 27930 session read from a
 * capture (bench/gbtdecode.h: the passive J1939-21 reassembly, then the
 * codec). The input is a frame stream: per frame one byte (bits 0-3
 * length 0..8; bit 4 from the charger 0x56, else from the BMS 0xF4; bit 5
 * another address; bit 6 TP.CM, bit 7 TP.DT, neither = a single frame with
 * PF from the next byte; a 100 ms time step before every frame with bits
 * 4..7 all set), then the frame's bytes. Every event is a known kind and
 * the snapshot stays within its arrays. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bench/gbtdecode.h"
#include "common/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_ev(void *ctx, enum gbtdecode_ev kind, const char *msg,
		  int64_t t_us)
{
	(void)ctx;
	(void)t_us;
	if (kind >= GBTDECODE_EV_N || !msg[0])
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[64 * 1024];
	struct gbtdecode *d;
	const struct pack_snap *s;
	struct json j;
	int64_t t = 0;
	size_t i = 0;

	if (gbtdecode_new(on_ev, NULL, &d) < 0)
		return 0;
	while (i < size) {
		uint8_t h = data[i++];
		uint8_t src = (h & 0x10) ? 0x56 : 0xF4;
		uint8_t dst = (h & 0x20) ? 0x57 : src == 0x56 ? 0xF4 : 0x56;
		uint32_t pf = (h & 0x40) ? 0xEC : (h & 0x80) ? 0xEB : 0x11;
		struct canframe f = {0};
		unsigned len = h & 0x0F;

		if ((h & 0xF0) == 0xF0)
			t += 100000;
		if (!(h & 0xC0) && i < size)
			pf = data[i++];
		if (len > 8)
			len = 8;
		if (len > size - i)
			len = (unsigned)(size - i);
		f.id = CANFRAME_EFF | 0x1C000000u | pf << 16 |
		       (uint32_t)dst << 8 | src;
		f.len = (uint8_t)len;
		memcpy(f.data, data + i, len);
		i += len;
		gbtdecode_frame(d, &f, t);
	}
	gbtdecode_end(d, t);
	s = gbtdecode_snap(d);
	if (s->series > GBT_BMV_MAX || s->n_probes > GBT_BMT_MAX ||
	    s->cells_seen > s->series || s->probes_seen > s->n_probes ||
	    gbtdecode_facts(d)->n_phases > GBTDECODE_PHASES_MAX)
		__builtin_trap();
	json_init_buf(&j, buf, sizeof(buf));
	json_obj(&j);
	gbtdecode_json_members(d, &j);
	json_end(&j);
	if (json_finish(&j) < 0)
		__builtin_trap();
	gbtdecode_free(d);
	return 0;
}
