// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "log.h"

#include <bpf/libbpf.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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

static fg_log_sink sink;

void fg_log_set_sink(fg_log_sink s)
{
	sink = s;
}

void fg_log_stderr(enum fg_log_level level, const char *msg, const char *kv)
{
	fprintf(stderr, "level=%s msg=%s%s%s\n", level_names[level], fg_q(msg),
		*kv ? " " : "", kv);
}

static void vlog(enum fg_log_level level, const char *msg, const char *kvfmt,
		 va_list ap)
{
	char kv[1024] = "";

	if (level < min_level)
		return;
	if (kvfmt && *kvfmt)
		vsnprintf(kv, sizeof(kv), kvfmt, ap);
	if (sink)
		sink(level, msg, kv);
	else
		fg_log_stderr(level, msg, kv);
}

/* A quoted value's end: the closing quote, skipping escapes; NULL when
 * unclosed. */
static const char *quoted_end(const char *p)
{
	for (p++; *p && *p != '"'; p++)
		if (*p == '\\' && p[1])
			p++;
	return *p ? p : NULL;
}

int fg_logfmt_pairs(const char *kv, fg_logfmt_cb cb, void *arg)
{
	char value[1024];
	int n = 0;

	while (*kv) {
		const char *key = kv, *eq, *end;
		size_t vlen = 0;

		while (*key == ' ')
			key++;
		if (!*key)
			break;
		eq = strchr(key, '=');
		if (!eq || eq == key || memchr(key, ' ', (size_t)(eq - key)))
			break;
		if (eq[1] == '"') {
			end = quoted_end(eq + 1);
			if (!end)
				break;
			for (const char *p = eq + 2;
			     p < end && vlen + 1 < sizeof(value); p++) {
				if (*p == '\\') {
					p++;
					value[vlen++] = *p == 'n' ? '\n' : *p;
				} else {
					value[vlen++] = *p;
				}
			}
			end++;
		} else {
			end = eq + 1 + strcspn(eq + 1, " ");
			vlen = (size_t)(end - eq - 1);
			if (vlen >= sizeof(value))
				vlen = sizeof(value) - 1;
			memcpy(value, eq + 1, vlen);
		}
		value[vlen] = '\0';
		cb(key, (size_t)(eq - key), value, vlen, arg);
		n++;
		kv = end;
	}
	return n;
}

void fg_log(enum fg_log_level level, const char *msg, const char *kvfmt, ...)
{
	va_list ap;

	va_start(ap, kvfmt);
	vlog(level, msg, kvfmt, ap);
	va_end(ap);
}

bool fg_log_limit_pass(struct fg_log_limit *l, unsigned long long now_ns,
		       unsigned long *suppressed)
{
	unsigned long long window =
	    (unsigned long long)l->interval_s * 1000000000ull;

	if (!l->window_start_ns || now_ns - l->window_start_ns >= window) {
		l->window_start_ns = now_ns ? now_ns : 1;
		l->used = 0;
	}
	if (l->used >= l->burst) {
		l->suppressed++;
		return false;
	}
	l->used++;
	*suppressed = l->suppressed;
	l->suppressed = 0;
	return true;
}

void fg_log_limited(struct fg_log_limit *l, enum fg_log_level level,
		    const char *msg, const char *kvfmt, ...)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct timespec ts;
	unsigned long suppressed = 0;
	va_list ap;
	bool pass;

	if (level < min_level)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	pthread_mutex_lock(&lock);
	pass = fg_log_limit_pass(l,
				 (unsigned long long)ts.tv_sec * 1000000000ull +
				     (unsigned long long)ts.tv_nsec,
				 &suppressed);
	pthread_mutex_unlock(&lock);
	if (!pass)
		return;
	if (suppressed)
		fg_log(level, "similar messages suppressed",
		       "count=%lu about=%s", suppressed, fg_q(msg));
	va_start(ap, kvfmt);
	vlog(level, msg, kvfmt, ap);
	va_end(ap);
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
