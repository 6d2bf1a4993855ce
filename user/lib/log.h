/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * One line per event, logfmt, to stderr:
 *   level=info msg="attached" iface=eth0 mode=native
 * fg_log() takes the message and then printf-style key=value pairs; wrap
 * free-form values in fg_q() so spaces and quotes stay parseable.
 */
#ifndef FG_LOG_H
#define FG_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

enum fg_log_level { FG_LOG_DEBUG, FG_LOG_INFO, FG_LOG_WARN, FG_LOG_ERROR };

void fg_log_set_level(enum fg_log_level level);
void fg_log(enum fg_log_level level, const char *msg, const char *kvfmt, ...)
    __attribute__((format(printf, 3, 4)));

/* At most `burst` lines per `interval_s` seconds through one limit (one
 * per call site or event kind): a flood of identical warnings (e.g. one
 * per refused connection) must not become a flood of log lines. The
 * rest are counted, and the next line let through is preceded by
 *   msg="similar messages suppressed" count=N about=MSG
 * Initialise with FG_LOG_LIMIT(interval_s, burst). */
struct fg_log_limit {
	unsigned int interval_s, burst;
	unsigned long long window_start_ns;
	unsigned int used;
	unsigned long suppressed;
};
#define FG_LOG_LIMIT(interval, n)                      \
	{                                              \
		.interval_s = (interval), .burst = (n) \
	}

/* The decision alone, at now_ns (any monotonic clock): true when a line
 * may go out; then *suppressed is how many were held back since the last
 * one that went out (and the count restarts). Not thread-safe. */
bool fg_log_limit_pass(struct fg_log_limit *l, unsigned long long now_ns,
		       unsigned long *suppressed);

/* fg_log through a limit (thread-safe: one lock for all limits). */
void fg_log_limited(struct fg_log_limit *l, enum fg_log_level level,
		    const char *msg, const char *kvfmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A logfmt-quoted copy of s, valid until the 8th next call. */
const char *fg_q(const char *s);

/* Where lines go instead of stderr (NULL: back to stderr): kv is the
 * formatted key=value part, possibly "". */
typedef void (*fg_log_sink)(enum fg_log_level level, const char *msg,
			    const char *kv);
void fg_log_set_sink(fg_log_sink sink);
/* The stderr line, for a sink that falls back to it. */
void fg_log_stderr(enum fg_log_level level, const char *msg, const char *kv);

/*
 * Splits a logfmt key=value string (as fg_log's kvfmt makes it, values
 * quoted by fg_q or bare) and calls cb for each pair, the value
 * unquoted. Stops at the first malformed token; returns the pairs seen.
 */
typedef void (*fg_logfmt_cb)(const char *key, size_t keylen,
			     const char *value, size_t valuelen, void *arg);
int fg_logfmt_pairs(const char *kv, fg_logfmt_cb cb, void *arg);

/* Routes libbpf's own messages through fg_log: warnings stay warnings,
 * the rest is debug. */
void fg_log_libbpf(void);

#define log_debug(msg, ...) fg_log(FG_LOG_DEBUG, msg, __VA_ARGS__)
#define log_info(msg, ...) fg_log(FG_LOG_INFO, msg, __VA_ARGS__)
#define log_warn(msg, ...) fg_log(FG_LOG_WARN, msg, __VA_ARGS__)
#define log_error(msg, ...) fg_log(FG_LOG_ERROR, msg, __VA_ARGS__)

#endif /* FG_LOG_H */
