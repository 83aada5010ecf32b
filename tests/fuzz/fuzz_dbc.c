/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_dbc.c - libFuzzer target: the DBC parser and, on what parses, the
 * codec (decode every signal of every message, encode the decoded value
 * back) and the JSON line of each message, whose signals must be exactly
 * the ones cansig_active() reports. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "can/dbc.h"
#include "can/dbc_fmt.h"
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

static struct dbc_outbuf out;

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
		struct canlog_rec rec = {.t_digits = 6, .iface = "f"};
		size_t n_active = 0, n_colons = 0;
		bool plain =
		    !strchr(m->name, ':'); /* long names may hold ':' */

		rec.frame.id = m->id;
		rec.frame.len = m->size;
		memcpy(rec.frame.data, payload, sizeof(payload));
		out.len = 0;
		if (dbc_fmt_json(&out, db, &rec, m) != 0)
			__builtin_trap();
		for (size_t k = 0; k < m->n_sigs; k++) {
			n_active +=
			    cansig_active(m, &m->sigs[k], payload, m->size);
			plain = plain && !strchr(m->sigs[k].name, ':');
		}
		for (size_t c = 0; c < out.len; c++)
			n_colons += out.p[c] == ':';
		if (plain && n_colons != n_active + 5)
			__builtin_trap(); /* "t","bus","id","name","signals" +
					     one per signal */
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
