/* SPDX-License-Identifier: Apache-2.0 */
/* lab.h - `bench lab`: every bench of a lab, from the MQTT broker its runs
 * publish to (docs/telemetry.md), as one table like `top`. */
#ifndef BENCH_APP_LAB_H
#define BENCH_APP_LAB_H

#include <stdbool.h>

/* once: collect the retained messages for a second, print one table and
 * return 0; else redraw every second until killed. 1 when the broker
 * cannot be reached (once) or the URL is bad. */
int lab_main(const char *url, bool once);

struct mq;
/* Connect and subscribe to bench/+/status, online, event and grade;
 * wait for the CONNACK at most 5 s. Errors are logged. */
int lab_connect(struct mq *m, const char *url);

#endif
