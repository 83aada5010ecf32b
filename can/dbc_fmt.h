/* SPDX-License-Identifier: Apache-2.0 */
/* dbc_fmt.h - decoded frames as text: JSON lines and a readable form.
 *
 * JSON (read by tools outside the project, keep it stable):
 *   {"t":1700000000.123456,"bus":"can0","id":475,"name":"x1DB",
 *    "signals":{"LB_Current":-3.0,"LB_Total_Voltage":401.0}}
 * "t" as logged, "id" without the extended flag, only the signals present
 * in the frame (multiplexing honoured), numbers that read back exactly.
 * Text:
 *   (1700000000.123456) can0 x1DB LB_Current=-3.0 A Mode=2 "Run"
 */
#ifndef BENCH_CAN_DBC_FMT_H
#define BENCH_CAN_DBC_FMT_H

#include <stddef.h>

#include "canlog.h"
#include "dbc.h"

/* Growable output buffer; callers write o->p[0..len) out and reset len. */
struct dbc_outbuf {
	char *p;
	size_t len, cap;
};

int dbc_outbuf_reserve(struct dbc_outbuf *o, size_t n);
void dbc_outbuf_free(struct dbc_outbuf *o);

#define DBC_FMT_DOUBLE_MAX 32
/* Shortest-ish decimal that strtod() reads back as exactly v ("null" for
 * NaN and infinities, which JSON lacks). Writes no NUL; returns length. */
size_t dbc_fmt_double(char *out, double v);

/* Append one line for frame rec->frame of message m (from db). */
int dbc_fmt_json(struct dbc_outbuf *o, const struct dbc *db,
		 const struct canlog_rec *rec, const struct dbc_msg *m);
int dbc_fmt_text(struct dbc_outbuf *o, const struct dbc *db,
		 const struct canlog_rec *rec, const struct dbc_msg *m);

#endif
