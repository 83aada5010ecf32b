/* SPDX-License-Identifier: Apache-2.0 */
/* bms_tx.h - what the bench sends to the BMS: the profile's [bench_tx]
 * message (e.g. BENCH_Command) every period_ms with an alive counter and
 * the contactor request. A BMS that hears nothing opens its contactors, so
 * this frame is the bench's heartbeat.
 */
#ifndef BENCH_BMS_TX_H
#define BENCH_BMS_TX_H

#include <stdbool.h>
#include <stdint.h>

struct canbus;
struct dbc;
struct profile;
struct bms_tx;

/* NULL *out (and BENCH_OK) when the profile names no tx message. An
 * unknown message or signal is an error naming it and the DBC. */
int bms_tx_new(const struct dbc *db, const struct profile *p,
	       struct canbus *bus, struct bms_tx **out);
void bms_tx_free(struct bms_tx *tx);

/* Request the contactors closed (true) or open; sent at once. */
int bms_tx_set_contactor(struct bms_tx *tx, bool close, int64_t t_us);
bool bms_tx_contactor_requested(const struct bms_tx *tx);
/* Send when the period is due (call every tick). */
int bms_tx_poll(struct bms_tx *tx, int64_t t_us);

#endif
