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

enum fg_log_level { FG_LOG_DEBUG, FG_LOG_INFO, FG_LOG_WARN, FG_LOG_ERROR };

void fg_log_set_level(enum fg_log_level level);
void fg_log(enum fg_log_level level, const char *msg, const char *kvfmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A logfmt-quoted copy of s, valid until the 8th next call. */
const char *fg_q(const char *s);

/* Routes libbpf's own messages through fg_log: warnings stay warnings,
 * the rest is debug. */
void fg_log_libbpf(void);

#define log_debug(msg, ...) fg_log(FG_LOG_DEBUG, msg, __VA_ARGS__)
#define log_info(msg, ...) fg_log(FG_LOG_INFO, msg, __VA_ARGS__)
#define log_warn(msg, ...) fg_log(FG_LOG_WARN, msg, __VA_ARGS__)
#define log_error(msg, ...) fg_log(FG_LOG_ERROR, msg, __VA_ARGS__)

#endif /* FG_LOG_H */
