/* SPDX-License-Identifier: Apache-2.0 */
/* rc.c - text for enum bench_rc. */
#include "rc.h"

const char *bench_strerror(int rc)
{
	switch (rc) {
	case BENCH_OK:
		return "ok";
	case BENCH_ERR_ARG:
		return "invalid argument";
	case BENCH_ERR_IO:
		return "i/o error";
	case BENCH_ERR_TIMEOUT:
		return "timed out";
	case BENCH_ERR_PROTO:
		return "protocol error";
	case BENCH_ERR_SAFETY:
		return "safety abort";
	case BENCH_ERR_MEM:
		return "out of memory";
	case BENCH_ERR_SUPP:
		return "not supported";
	case BENCH_ERR_PARSE:
		return "parse error";
	case BENCH_ERR_STATE:
		return "invalid state";
	}
	return rc > 0 ? "ok" : "unknown error";
}
