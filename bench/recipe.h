/* SPDX-License-Identifier: Apache-2.0 */
/* recipe.h - the recipe language (docs/recipes.md, PyBaMM experiment wording).
 *
 * One step per line, plus blocks, limits and tags:
 *
 *   limit cell voltage 2.45 V to 4.25 V        hard limits (tighter wins)
 *   limit cell temperature -10 C to 55 C
 *   limit current -1C to 1C                    (also A / mA)
 *   limit pack voltage 300 V to 410 V
 *   log every 1 s                              default sample interval
 *   Discharge at C/3 until 2.5 V               CC; A, mA, 1C, C/3, 0.5C, W, kW
 *   Charge at 10 A for 90 minutes or until max cell
 *   Hold at 4.2 V until C/20                   CV on the highest cell (own
 * loop) Hold at max cell until C/20                same, at the profile's limit
 *   Hold at pack 403 V until 5 A               CV through the cycler
 *   Rest for 1 hour                            [tag ocv] [log every 100 ms]
 *   Repeat 2 times ... End                     nested
 *   Start charge session / End charge session  a GB/T pack's session
 *                                              (docs/gbt27930.md)
 *
 * Ends: `for T`, `until X`, `for T or until X`, `until X or Y`.
 * X: a bare voltage (cell: highest on charge, lowest on discharge),
 * `min cell` / `max cell` (the profile's operating limits), `pack 380 V`,
 * a current (`C/20`, `5 A`: |I| below, holds only), `2 Ah`, `50 Wh`,
 * `temperature 45 C` (rises to it on charge/discharge, falls to it on rest).
 * Step flags: `[tag NAME]`, `[log every T]`, `[restart]` (on resume the
 * interrupted step restarts instead of continuing, see step.h).
 *
 * Errors are logged once and kept in recipe.error as
 * "FILE:LINE:COL: expected ..., found '...'".
 */
#ifndef BENCH_RECIPE_H
#define BENCH_RECIPE_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#define RECIPE_TAG_LEN 32
#define RECIPE_MAX_DEPTH 8 /* nested Repeat blocks */
#define RECIPE_MAX_ENDS 4  /* end conditions per step */
#define RECIPE_ERR_LEN 256

/* A current written in A/mA or as a C-rate of the rated capacity. */
struct recipe_current {
	bool is_c_rate;
	double c_rate;	    /* when is_c_rate: 1C = rated capacity per hour */
	int32_t current_mA; /* otherwise, magnitude */
};

enum recipe_op_kind {
	RECIPE_OP_STEP = 0,
	RECIPE_OP_REPEAT, /* count, end_op: index of its END */
	RECIPE_OP_END,	  /* repeat_op: index of its REPEAT */
};

enum recipe_step_kind {
	RECIPE_CHARGE = 0, /* CC (or constant power) charge */
	RECIPE_DISCHARGE,
	RECIPE_REST,
	RECIPE_HOLD_CELL,     /* CV on the highest cell, own PI loop */
	RECIPE_HOLD_PACK,     /* CV on the pack through the cycler */
	RECIPE_SESSION_START, /* GB/T: start the charge session, output off
				 until the BMS asks for current */
	RECIPE_SESSION_END,   /* GB/T: end it (CST), output off */
};

enum recipe_setpoint_kind {
	RECIPE_SET_NONE = 0, /* rest, holds */
	RECIPE_SET_CURRENT,  /* setpoint.current */
	RECIPE_SET_POWER,    /* power_mW magnitude */
};

enum recipe_end_kind {
	RECIPE_END_TIME = 0, /* value: ms */
	RECIPE_END_CELL_V, /* value: mV; charge: max cell >=, discharge: min <=
			    */
	RECIPE_END_CELL_MIN, /* profile operating low (discharge only) */
	RECIPE_END_CELL_MAX, /* profile operating high (charge only) */
	RECIPE_END_PACK_V,   /* value: mV; direction as CELL_V */
	RECIPE_END_CURRENT,  /* current: |I| below (holds only) */
	RECIPE_END_AH,	     /* value: mAh of this step, in its direction */
	RECIPE_END_WH,	     /* value: mWh of this step */
	RECIPE_END_TEMP,     /* value: ddegC; max temp >= (rest: <=) */
};

struct recipe_end {
	enum recipe_end_kind kind;
	int64_t value;		       /* unit per kind, see above */
	struct recipe_current current; /* RECIPE_END_CURRENT */
};

struct recipe_step {
	enum recipe_step_kind kind;
	enum recipe_setpoint_kind set_kind;
	struct recipe_current current; /* RECIPE_SET_CURRENT (magnitude) */
	int32_t power_mW;	       /* RECIPE_SET_POWER (magnitude) */
	int32_t hold_mV;	       /* holds: cell or pack voltage; 0 on
					  a cell hold: `max cell` */
	struct recipe_end ends[RECIPE_MAX_ENDS];
	unsigned n_ends;	  /* any one reached ends the step */
	char tag[RECIPE_TAG_LEN]; /* "" when untagged */
	uint32_t log_interval_ms; /* 0: the recipe's global interval */
	bool restart_on_resume;	  /* [restart] */
};

struct recipe_op {
	enum recipe_op_kind kind;
	uint32_t line, col;	 /* source position; line = step_index */
	struct recipe_step step; /* RECIPE_OP_STEP */
	uint32_t count;		 /* RECIPE_OP_REPEAT: iterations >= 1 */
	uint32_t match;		 /* REPEAT: its END; END: its REPEAT */
};

/* Hard limits from `limit` lines (recipe) or a bench file's [limits]. */
struct recipe_limits {
	bool has_cell_mV;
	int32_t cell_low_mV, cell_high_mV;
	bool has_temp;
	int32_t temp_low_ddegC, temp_high_ddegC;
	bool has_current;
	struct recipe_current discharge_max, charge_max; /* magnitudes */
	bool has_pack_mV;
	int32_t pack_low_mV, pack_high_mV;
};

struct recipe {
	char name[256];	       /* file name as given, for messages */
	char *text;	       /* owned copy of the source text */
	struct recipe_op *ops; /* owned */
	uint32_t n_ops;
	uint32_t n_steps;	  /* RECIPE_OP_STEP ops */
	uint32_t log_interval_ms; /* global `log every`, default 1000 */
	struct recipe_limits limits;
	char error[RECIPE_ERR_LEN]; /* set when parsing fails */
};

/* Parse text (NUL-terminated); name is used in messages. On failure returns
 * BENCH_ERR_PARSE, logs the error once and leaves it in r->error; r owns
 * nothing then. On success release r with recipe_release(). */
int recipe_parse(const char *text, const char *name, struct recipe *r);

/* Read and parse a file. BENCH_ERR_IO if it cannot be read (r->error set). */
int recipe_load_file(const char *path, struct recipe *r);

void recipe_release(struct recipe *r);

/* Resolve a current against the rated capacity, in mA (magnitude). */
int32_t recipe_current_mA(const struct recipe_current *c,
			  uint32_t rated_capacity_mAh);

/* "charge", "discharge", "rest", "hold", "hold_pack" (the /steps kind). */
const char *recipe_step_kind_name(enum recipe_step_kind k);
/* Source line `line` (1-based) of a recipe text, without indentation, tags
 * and comments, for people (status line, watch). Empty if out of range. */
void recipe_line_text(const char *text, unsigned line, char *buf, size_t len);

#endif
