/* fuzz_dbc.c - libFuzzer target: the DBC parser and, on what parses, the
 * codec (decode every signal of every message from the input bytes, then
 * encode the decoded value back). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "can/dbc.h"
#include "common/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* errors are expected here: keep the fuzzer fast and its log readable */
static void drop_log(void *ctx, enum log_level lvl, const char *prefix,
		     const char *msg)
{
	(void)ctx;
	(void)lvl;
	(void)prefix;
	(void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dbc_opts o = {.quiet = true};
	uint8_t payload[CANFRAME_MAX_LEN];
	struct dbc *db = NULL;

	log_set_sink(drop_log, NULL);
	o.strict = size > 0 && (data[0] & 1);
	if (dbc_parse((const char *)data, size, "fuzz.dbc", &o, &db) < 0)
		return 0;
	memset(payload, 0xA5, sizeof(payload));
	for (size_t i = 0; i < db->n_msgs; i++) {
		const struct dbc_msg *m = &db->msgs[i];

		if (dbc_msg_by_id(db, m->id) == NULL)
			__builtin_trap(); /* every message must be findable */
		for (size_t k = 0; k < m->n_sigs; k++) {
			const struct dbc_sig *s = &m->sigs[k];
			uint64_t raw;
			double v;

			if (!cansig_active(m, s, payload, m->size))
				continue;
			raw = cansig_get_raw(s, payload, m->size);
			v = cansig_decode(s, payload, m->size);
			cansig_encode(s, payload, m->size, v);
			if (cansig_put_raw(s, payload, m->size, raw) == 0 &&
			    cansig_get_raw(s, payload, m->size) != raw)
				__builtin_trap(); /* raw round trip is exact */
		}
	}
	dbc_free(db);
	return 0;
}
