/* SPDX-License-Identifier: Apache-2.0 */
/* dbc.h - DBC database: parser, lookup, and the signal codec.
 *
 * Parser is lenient by default (unknown statements skipped with a warning,
 * 29-bit ids without bit 31 accepted with a warning); strict mode also
 * reports overlapping and out-of-frame signals. Errors are logged as
 * "FILE:LINE:COL: problem".
 *
 * Codec: physical = raw * factor + offset. Decoding never allocates.
 */
#ifndef BENCH_CAN_DBC_H
#define BENCH_CAN_DBC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "canframe.h"

enum dbc_valtype { DBC_INT = 0, DBC_FLOAT32 = 1, DBC_FLOAT64 = 2 };

enum dbc_mux {
	DBC_MUX_NONE = 0,
	DBC_MUX_SWITCH, /* M: a multiplexor */
	DBC_MUX_VALUE,	/* mN: present when its multiplexor selects it */
	DBC_MUX_BOTH,	/* mNM: muxed and itself a multiplexor */
};

struct dbc_range {
	uint64_t lo, hi;
};

struct dbc_val {
	int64_t raw;
	char *text;
};

struct dbc_sig {
	char *name;
	uint16_t start;	 /* as written in the file (Motorola: MSB) */
	uint16_t len;	 /* 1..64 */
	bool big_endian; /* @0 Motorola */
	bool is_signed;	 /* - */
	enum dbc_valtype valtype;
	double factor, offset, min, max;
	char *unit;
	char *comment;
	enum dbc_mux mux;
	int mux_parent; /* index of the selecting multiplexor, -1 none */
	struct dbc_range *mux_ranges; /* selecting values (mN or SG_MUL_VAL_) */
	size_t n_mux_ranges;
	struct dbc_val *vals; /* VAL_ table */
	size_t n_vals;
	/* private precomputed codec fields may follow */
	uint16_t bitpos_;   /* network bit number of the first bit */
	uint16_t need_len_; /* payload bytes the signal reaches into */
};

struct dbc_msg {
	uint32_t id; /* CANFRAME_EFF set for extended ids */
	char *name;
	uint8_t size; /* bytes, up to 64 */
	bool fd;      /* VFrameFormat *_FD */
	int cycle_ms; /* GenMsgCycleTime, 0 if none */
	char *sender;
	char *comment;
	struct dbc_sig *sigs;
	size_t n_sigs;
};

struct dbc {
	char *path;
	struct dbc_msg *msgs;
	size_t n_msgs;
	unsigned n_warnings;
	/* private lookup structures may follow */
	void *index_;
};

struct dbc_opts {
	bool strict; /* overlap / out-of-frame become errors */
	bool quiet;  /* suppress warnings */
};

/* Returns BENCH_OK or a negative rc; on error logs FILE:LINE:COL. */
int dbc_load_file(const char *path, const struct dbc_opts *opts,
		  struct dbc **out);
int dbc_parse(const char *text, size_t len, const char *name,
	      const struct dbc_opts *opts, struct dbc **out);
void dbc_free(struct dbc *db);

/* O(1)-ish lookups; id includes CANFRAME_EFF. */
const struct dbc_msg *dbc_msg_by_id(const struct dbc *db, uint32_t id);
const struct dbc_msg *dbc_msg_by_name(const struct dbc *db, const char *name);
const struct dbc_sig *dbc_sig_by_name(const struct dbc_msg *m,
				      const char *name);

/* Is the signal present in this payload (multiplexing honoured)? */
bool cansig_active(const struct dbc_msg *m, const struct dbc_sig *s,
		   const uint8_t *data, size_t len);
uint64_t cansig_get_raw(const struct dbc_sig *s, const uint8_t *data,
			size_t len);
double cansig_decode(const struct dbc_sig *s, const uint8_t *data, size_t len);
/* Writes the signal's bits; BENCH_ERR_ARG (and writes the clamped value) if
 * phys is outside the raw range or [min|max]. */
int cansig_encode(const struct dbc_sig *s, uint8_t *data, size_t len,
		  double phys);
int cansig_put_raw(const struct dbc_sig *s, uint8_t *data, size_t len,
		   uint64_t raw);

#endif
