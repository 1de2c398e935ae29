/*
 * util/log.h - the node's log: one line per message on stderr,
 *   2026-11-21T04:33:00.123Z INFO  [consensus] block 12 connected
 * Thread-safe; lines from different threads never interleave.
 */
#ifndef MN_LOG_H
#define MN_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include <minima/host.h>

/* Messages above this level are dropped.  Default MN_LOG_INFO. */
void mn__log_set_level(mn_log_level_t level);
mn_log_level_t mn__log_get_level(void);
/* Parses "error", "warn", "info", "debug", "trace".  0 or MN_EINVAL. */
int mn__log_parse_level(const char *text, mn_log_level_t *out);
/* Redirects the log (default stderr); NULL restores stderr. */
void mn__log_set_stream(FILE *f);

bool mn__log_enabled(mn_log_level_t level);
void mn__logv(const char *who, mn_log_level_t level, const char *fmt,
              va_list ap);
void mn__log(const char *who, mn_log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
