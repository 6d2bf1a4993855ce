// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "log.h"

#include <bpf/libbpf.h>
#include <stdio.h>
#include <string.h>

static enum fg_log_level min_level = FG_LOG_INFO;
static const char *const level_names[] = {"debug", "info", "warn", "error"};

void fg_log_set_level(enum fg_log_level level)
{
	min_level = level;
}

const char *fg_q(const char *s)
{
	static __thread char ring[8][512];
	static __thread unsigned int next;
	char *out = ring[next++ % 8];
	size_t o = 0, cap = sizeof(ring[0]);

	out[o++] = '"';
	for (; *s && o + 3 < cap; s++) {
		if (*s == '"' || *s == '\\') {
			out[o++] = '\\';
			out[o++] = *s;
		} else if (*s == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else {
			out[o++] = *s;
		}
	}
	out[o++] = '"';
	out[o] = '\0';
	return out;
}

void fg_log(enum fg_log_level level, const char *msg, const char *kvfmt, ...)
{
	char kv[1024] = "";
	va_list ap;

	if (level < min_level)
		return;
	if (kvfmt && *kvfmt) {
		va_start(ap, kvfmt);
		vsnprintf(kv, sizeof(kv), kvfmt, ap);
		va_end(ap);
	}
	fprintf(stderr, "level=%s msg=%s%s%s\n", level_names[level], fg_q(msg),
		*kv ? " " : "", kv);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	enum fg_log_level l = level == LIBBPF_WARN ? FG_LOG_WARN : FG_LOG_DEBUG;
	char line[1024];
	size_t n;

	if (l < min_level)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	fg_log(l, "libbpf", "detail=%s", fg_q(line));
	return 0;
}

void fg_log_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
