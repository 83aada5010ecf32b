/* SPDX-License-Identifier: Apache-2.0 */
/* canbus_bench.c - throughput of the in-process bus ("mem:NAME"), the bus
 * every simulated run uses: one sender (the simulated BMS) and two
 * receivers (controller, CAN cycler), in bursts of 40 frames (one BMS
 * burst of a 96-cell pack) drained after each burst, as a control tick does.
 * Prints frames/s sent and events/s delivered. Never fails on speed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "can/canbus.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	long frames = argc > 1 ? atol(argv[1]) : 2000000;
	struct canbus_opts o = {.err_frames = true};
	struct canbus *tx, *rx1, *rx2;
	struct canbus_ev ev;
	struct canframe f;
	long sent = 0, got = 0;
	uint32_t ids[] = {0x3C0, 0x3A0, 0x3A1, 0x3A2, 0x3D0};
	double t0, dt;

	if (canbus_open("mem:bench", &o, &tx) < 0 ||
	    canbus_open("mem:bench", &o, &rx1) < 0 ||
	    canbus_open("mem:bench", &o, &rx2) < 0)
		return 1;
	/* the cycler listens to its own ids only: a kernel-style filter */
	canbus_set_filter(rx2, ids + 1, 4);
	memset(&f, 0, sizeof(f));
	f.len = 8;
	t0 = now_s();
	while (sent < frames) {
		for (int i = 0; i < 40; i++, sent++) {
			f.id = ids[sent % 5];
			f.data[0] = (uint8_t)sent;
			canbus_send(tx, &f);
		}
		while (canbus_recv(rx1, &ev, 0) == 1)
			got++;
		while (canbus_recv(rx2, &ev, 0) == 1)
			got++;
	}
	dt = now_s() - t0;
	printf("mem bus: %ld frames sent, %ld events delivered to 2 "
	       "endpoints in %.3f s\n",
	       sent, got, dt);
	printf("mem bus: %.2f Mframes/s sent, %.2f Mevents/s delivered, "
	       "%.0f ns per frame (send + deliver + receive)\n",
	       sent / dt / 1e6, got / dt / 1e6, dt / sent * 1e9);
	canbus_close(tx);
	canbus_close(rx1);
	canbus_close(rx2);
	return 0;
}
