/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Under systemd, stderr is a stream into the journal: each line lands as
 * one entry, its key=value pairs buried in MESSAGE. When JOURNAL_STREAM
 * names our stderr (systemd sets it so), lines go to the journal through
 * sd_journal_sendv instead, each logfmt key as a field of its own
 * (iface=eth0 -> IFACE=eth0; a name the journal defines gets FG_), so
 * `journalctl -u floodgated IFACE=eth0` finds them. MESSAGE keeps the
 * whole line; PRIORITY carries the level.
 */
#ifndef FG_JOURNAL_H
#define FG_JOURNAL_H

#include <stdbool.h>

/* JOURNAL_STREAM's "DEV:INODE" is the file on fd 2. */
bool fg_journal_stream_is_stderr(const char *journal_stream);
/* Sends log lines to the journal when stderr is it; true if so. */
bool fg_journal_log_auto(void);

#endif /* FG_JOURNAL_H */
