/* SPDX-License-Identifier: Apache-2.0 */
/* telemetry_json.h - the telemetry payloads (docs/telemetry.md), made
 * with the one JSON writer. Each returns the payload's length, or
 * BENCH_ERR_ARG when it does not fit len. */
#ifndef BENCH_APP_TELEMETRY_JSON_H
#define BENCH_APP_TELEMETRY_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "bench/run_status.h"
#include "runfile/runschema.h"

/* the payloads' "schema" field; a change to a field's meaning bumps it */
#define TELEMETRY_SCHEMA "bench-telemetry/1"

struct telemetry_json_ctx {
	const char *bench_id, *lab;
	uint64_t dropped;	/* messages not published so far */
	const char *last_alarm; /* "code: message" of the last warning or
				   worse, "" none */
};

int telemetry_json_status(const struct telemetry_json_ctx *x,
			  const struct run_status *st, char *buf, size_t len);
int telemetry_json_event(const struct telemetry_json_ctx *x,
			 const char *pack_id, const struct run_event *ev,
			 char *buf, size_t len);
int telemetry_json_online(const struct telemetry_json_ctx *x, bool online,
			  char *buf, size_t len);

#endif
