/* SPDX-License-Identifier: Apache-2.0 */
/* log.h - leveled logging with a per-file prefix and a pluggable sink.
 *
 * Each .c file defines LOG_PREFIX before including this header:
 *     #define LOG_PREFIX "dbc"
 * Messages follow git style: lowercase, no full stop, subject quoted
 * ("cannot open '%s': %s"). No printf outside main/CLI/report code.
 */
#ifndef BENCH_COMMON_LOG_H
#define BENCH_COMMON_LOG_H

#include <stdarg.h>

enum log_level { LOG_ERR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DBG = 3 };

typedef void (*log_sink_fn)(void *ctx, enum log_level lvl, const char *prefix,
			    const char *msg);

/* Replace the sink (NULL restores stderr). Tests install a capture sink. */
void log_set_sink(log_sink_fn fn, void *ctx);
void log_set_level(enum log_level max);
enum log_level log_get_level(void);

void log_msg(enum log_level lvl, const char *prefix, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#ifndef LOG_PREFIX
#define LOG_PREFIX "bench"
#endif

#define log_err(...) log_msg(LOG_ERR, LOG_PREFIX, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, LOG_PREFIX, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, LOG_PREFIX, __VA_ARGS__)
#define log_dbg(...) log_msg(LOG_DBG, LOG_PREFIX, __VA_ARGS__)

#endif
