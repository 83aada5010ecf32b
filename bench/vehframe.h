/* SPDX-License-Identifier: Apache-2.0 */
/* vehframe.h - the frames the bench sends while it impersonates the car
 * (docs/vehframe.md). Pure: time is passed in, frames come out; the caller
 * puts them on the bus.
 *
 * A pack model is data: a table of cyclic frames (template payload, alive
 * counter, checksum) and two sequences of steps with delays, one run by
 * vehframe_start (close the contactors) and one by vehframe_stop (open
 * them). Nothing is sent before vehframe_start.
 */
#ifndef BENCH_VEHFRAME_H
#define BENCH_VEHFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "can/canframe.h"

#define VEHFRAME_MAX_LEN 8

/* Alive counter: width bits whose lowest is payload bit `bit` (byte * 8 +
 * bit in the byte, little-endian bit order as in a DBC @1 signal). The
 * first frame carries `start`, each next one adds `step` modulo `modulus`
 * (0 = 2^width). width 0 = no counter. */
struct vehframe_counter {
	uint8_t bit;
	uint8_t width;
	uint16_t modulus;
	uint16_t step;
	uint16_t start;
};

/* Checksum row by name (can/checksum.h), NULL = none; first/last/store
 * bytes, -1 = the row's default. Computed after the counter is written. */
struct vehframe_csum {
	const char *alg;
	int8_t first, last, store;
};

/* What the car measures and echoes (VEHFRAME_IN_*), set by the caller with
 * vehframe_set_input. */
enum vehframe_input {
	VEHFRAME_IN_NONE = 0,
	VEHFRAME_IN_PACK_V, /* pack voltage, V */
	VEHFRAME_IN_N,
};

/* A live value in the payload: raw = (input - add) / scale, rounded and
 * clamped to `bytes` unsigned bytes from `byte`, written before the
 * counter and the checksum. Until the input is known the template bytes
 * go out. input VEHFRAME_IN_NONE = none. */
struct vehframe_value {
	enum vehframe_input input;
	uint8_t byte, bytes;
	bool big_endian;
	double scale, add;
};

struct vehframe_def {
	const char *name;   /* for messages: "0x12D close request" */
	uint32_t id;	    /* CANFRAME_EFF set for a 29-bit id */
	uint8_t dlc;	    /* 0..8 */
	uint32_t period_ms; /* 0 = only sent by a VEHFRAME_ONCE step */
	uint32_t phase_ms;  /* first send this long after it is enabled */
	bool off_at_start;  /* cyclic only once a step enables it */
	uint8_t payload[VEHFRAME_MAX_LEN];
	struct vehframe_counter counter;
	struct vehframe_csum csum;
	struct vehframe_value value;
};

enum vehframe_act {
	VEHFRAME_SET, /* payload bytes where mask is set, frame keeps cycling */
	VEHFRAME_ENABLE,  /* start cycling the frame (first send now + phase) */
	VEHFRAME_DISABLE, /* stop cycling the frame */
	VEHFRAME_ONCE,	  /* send the frame once now, with data under mask */
	VEHFRAME_SILENCE, /* stop every frame */
};

/* One step: act on frame `frame` (index into the table), then wait
 * hold_ms before the next step. */
struct vehframe_step {
	enum vehframe_act act;
	uint16_t frame;
	uint8_t data[VEHFRAME_MAX_LEN];
	uint8_t mask[VEHFRAME_MAX_LEN];
	uint32_t hold_ms;
};

struct vehframe_seq {
	const struct vehframe_step *steps;
	size_t n;
};

struct vehframe_model {
	const struct vehframe_def *frames;
	size_t n_frames;
	struct vehframe_seq start, stop;
};

struct vehframe;

/* Check the model (checksum names, counter and checksum positions inside
 * the frame, step frame indexes) and make its state. The model must outlive
 * the state. Problems are logged naming the frame or step. */
int vehframe_new(const struct vehframe_model *m, struct vehframe **out);
void vehframe_free(struct vehframe *v);

/* Enable the frames not marked off_at_start (first sends at t_us + phase)
 * and run the start sequence from t_us. */
void vehframe_start(struct vehframe *v, int64_t t_us);
/* The two halves of vehframe_start, for a caller that keeps the car
 * present long before it closes the contactors: enable the frames not
 * marked off_at_start; run the start sequence alone. */
void vehframe_enable(struct vehframe *v, int64_t t_us);
void vehframe_start_seq(struct vehframe *v, int64_t t_us);
/* Run the stop sequence from t_us (frames keep cycling as its steps leave
 * them). */
void vehframe_stop(struct vehframe *v, int64_t t_us);
/* True while a start or stop sequence still has steps to run. */
bool vehframe_seq_running(const struct vehframe *v);

/* The car's measurement that live values echo; valid false = unknown
 * (the template bytes go out). */
void vehframe_set_input(struct vehframe *v, enum vehframe_input in,
			double value, bool valid);
/* The name of an input ("pack_voltage"), and the input of a name
 * (VEHFRAME_IN_NONE if unknown). */
const char *vehframe_input_name(enum vehframe_input in);
enum vehframe_input vehframe_input_of(const char *name);
/* raw of a value for input x (rounded, clamped to its bytes) and where it
 * goes; the inverse is vehframe_value_read. */
void vehframe_value_put(const struct vehframe_value *val, double x,
			uint8_t *payload);
double vehframe_value_read(const struct vehframe_value *val,
			   const uint8_t *payload);

/* Run the sequence steps due by t_us, then write up to max frames due now
 * into out (counter written, checksum filled, counter advanced); returns
 * how many. Frames that did not fit stay due for the next call. A cyclic
 * frame that fell more than a period behind is sent once, not in a burst. */
size_t vehframe_due(struct vehframe *v, int64_t t_us, struct canframe *out,
		    size_t max);

#endif
