// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Log lines as journal entries with fields, when stderr is the journal. */
#include "journal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <syslog.h>
#define SD_JOURNAL_SUPPRESS_LOCATION /* the call site is always here */
#include <systemd/sd-journal.h>

#include "log.h"

#define MAX_FIELDS 24
#define FIELD_MAX 1100

/* Fields the journal itself defines: a key that upper-cases to one of
 * them gets the FG_ prefix instead of overriding it. */
static bool reserved(const char *name)
{
	static const char *const names[] = {
	    "MESSAGE",
	    "MESSAGE_ID",
	    "PRIORITY",
	    "CODE_FILE",
	    "CODE_LINE",
	    "CODE_FUNC",
	    "ERRNO",
	    "SYSLOG_FACILITY",
	    "SYSLOG_IDENTIFIER",
	    "SYSLOG_PID",
	    "SYSLOG_TIMESTAMP",
	    "SYSLOG_RAW",
	    "DOCUMENTATION",
	    "INVOCATION_ID",
	    "USER_INVOCATION_ID",
	    "TID",
	    "UNIT",
	    "USER_UNIT",
	    "OBJECT_PID",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

struct entry {
	struct iovec iov[MAX_FIELDS];
	char text[MAX_FIELDS][FIELD_MAX];
	int n;
};

static void add(struct entry *e, const char *name, const char *value,
		size_t vlen)
{
	int w;

	if (e->n == MAX_FIELDS)
		return;
	w = snprintf(e->text[e->n], FIELD_MAX, "%s=%.*s", name, (int)vlen,
		     value);
	if (w < 0)
		return;
	e->iov[e->n].iov_base = e->text[e->n];
	e->iov[e->n].iov_len =
	    (size_t)w < FIELD_MAX ? (size_t)w : FIELD_MAX - 1;
	e->n++;
}

static void add_pair(const char *key, size_t keylen, const char *value,
		     size_t vlen, void *arg)
{
	char name[64 + 4];
	size_t o = 0;

	for (size_t i = 0; i < keylen && o < 64; i++)
		name[o++] = isalnum((unsigned char)key[i])
				? (char)toupper((unsigned char)key[i])
				: '_';
	name[o] = '\0';
	if (name[0] == '_' || isdigit((unsigned char)name[0]) ||
	    reserved(name)) {
		memmove(name + 3, name, o + 1);
		memcpy(name, "FG_", 3);
		name[64] = '\0';
	}
	add(arg, name, value, vlen);
}

static void journal_sink(enum fg_log_level level, const char *msg,
			 const char *kv)
{
	static const char *const priority[] = {[FG_LOG_DEBUG] = "7",
					       [FG_LOG_INFO] = "6",
					       [FG_LOG_WARN] = "4",
					       [FG_LOG_ERROR] = "3"};
	struct entry *e = calloc(1, sizeof(*e));
	char line[FIELD_MAX];
	int w;

	if (!e) {
		fg_log_stderr(level, msg, kv);
		return;
	}
	/* The message reads as the stderr line does, without the level
	 * (that is PRIORITY). */
	w = snprintf(line, sizeof(line), "%s%s%s", msg, *kv ? " " : "", kv);
	add(e, "MESSAGE", line, w < 0 ? 0 : strlen(line));
	add(e, "PRIORITY", priority[level], 1);
	add(e, "SYSLOG_IDENTIFIER", "floodgated", strlen("floodgated"));
	add(e, "FG_MSG", msg, strlen(msg));
	fg_logfmt_pairs(kv, add_pair, e);
	if (sd_journal_sendv(e->iov, e->n) < 0)
		fg_log_stderr(level, msg, kv);
	free(e);
}

bool fg_journal_stream_is_stderr(const char *journal_stream)
{
	unsigned long long dev, ino;
	struct stat st;
	char tail;

	if (!journal_stream ||
	    sscanf(journal_stream, "%llu:%llu%c", &dev, &ino, &tail) != 2)
		return false;
	return !fstat(2, &st) && (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

bool fg_journal_log_auto(void)
{
	if (!fg_journal_stream_is_stderr(getenv("JOURNAL_STREAM")))
		return false;
	fg_log_set_sink(journal_sink);
	return true;
}
