// SPDX-License-Identifier: GPL-2.0
/* nowms: print CLOCK_REALTIME in milliseconds (busybox date has only s). */
#include "common.h"

int main(void)
{
	printf("%lld\n", (long long)(clock_ns(CLOCK_REALTIME) / 1000000));
	return 0;
}
