/* SPDX-License-Identifier: Apache-2.0 */
/* Which bus names get bench:CAN_STATUS events: SocketCAN
 * interfaces only, never the simulator's in-process buses. */
#include <criterion/criterion.h>

#include "bench/ctl.h"

/* a test that hangs fails instead of blocking the run */
TestSuite(ctl_canstat, .timeout = 60);

Test(ctl_canstat, only_socketcan_interfaces_are_queried)
{
	cr_expect(ctl_is_socketcan("can0"));
	cr_expect(ctl_is_socketcan("vcan0"));
	cr_expect_not(ctl_is_socketcan("sim"));
	cr_expect_not(ctl_is_socketcan("mem:bms-42"));
	cr_expect_not(ctl_is_socketcan(""));
	cr_expect_not(ctl_is_socketcan(NULL));
}
