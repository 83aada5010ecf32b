/* SPDX-License-Identifier: Apache-2.0 */
/* rc.h - the one return-code enum shared by every module.
 *
 * Functions return BENCH_OK (0), a positive count, or a negative code below.
 * The failure is logged once where it happens (log_err); callers pass the
 * code up silently.
 */
#ifndef BENCH_COMMON_RC_H
#define BENCH_COMMON_RC_H

enum bench_rc {
	BENCH_OK = 0,
	BENCH_ERR_ARG = -1,	/* bad argument or bad input file */
	BENCH_ERR_IO = -2,	/* OS error, errno kept */
	BENCH_ERR_TIMEOUT = -3, /* peer did not answer in time */
	BENCH_ERR_PROTO = -4,	/* peer answered garbage */
	BENCH_ERR_SAFETY = -5,	/* safety abort */
	BENCH_ERR_MEM = -6,	/* allocation failed */
	BENCH_ERR_SUPP = -7,	/* not supported by this backend */
	BENCH_ERR_PARSE = -8,	/* syntax error in a text file */
	BENCH_ERR_STATE = -9,	/* operation not allowed in this state */
};

const char *bench_strerror(int rc);

/* Evaluate once; return the code if negative. */
#define TRY(expr)                                                              \
	do {                                                                   \
		int try_rc_ = (expr);                                          \
		if (try_rc_ < 0)                                               \
			return try_rc_;                                        \
	} while (0)

#endif
