/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Notices changes to files the config reads (list files), so the daemon
 * reloads as on SIGHUP. inotify watches each file's directory, not the
 * file: an editor that writes a temporary file and renames it, or a
 * `mv new old`, replaces the inode a file watch would follow. Changes
 * are debounced: a file written in pieces gives one reload.
 */
#ifndef FG_WATCH_H
#define FG_WATCH_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#define FG_WATCH_DEBOUNCE_NS 200000000ULL   /* quiet time before a reload */
#define FG_WATCH_DELAY_MAX_NS 2000000000ULL /* however busy the writer */
#define FG_WATCH_FILES_MAX 64

struct fg_watch;

/* NULL on error (errno set). */
struct fg_watch *fg_watch_open(void);
void fg_watch_close(struct fg_watch *w);
/* The inotify descriptor to poll for input. */
int fg_watch_fd(const struct fg_watch *w);
/* Watches these files from now on, instead of the previous ones (at most
 * FG_WATCH_FILES_MAX). Returns how many could not be watched (their
 * directory is missing or unreadable; logged). */
int fg_watch_set(struct fg_watch *w, const char *const *paths, size_t n);
/* Reads pending events; a change to a watched file becomes due once
 * FG_WATCH_DEBOUNCE_NS pass without another (at most
 * FG_WATCH_DELAY_MAX_NS after the first). now: fg_monotonic_ns(). */
void fg_watch_process(struct fg_watch *w, __u64 now);
/* Milliseconds until a change is due (0: now), or -1 when none waits. */
int fg_watch_wait_ms(const struct fg_watch *w, __u64 now);
/* True once for each due change, with the first file that changed. */
bool fg_watch_due(struct fg_watch *w, __u64 now, char *path, size_t len);

#endif /* FG_WATCH_H */
