// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* inotify on the directories of the files the config reads. */
#include "watch.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "log.h"

#define PATH_MAX_LEN 256
/* What replaces, rewrites, removes or re-permits a file in a directory. */
#define DIR_EVENTS                                                  \
	(IN_CLOSE_WRITE | IN_MODIFY | IN_MOVED_TO | IN_MOVED_FROM | \
	 IN_CREATE | IN_DELETE | IN_ATTRIB)

struct watched {
	char path[PATH_MAX_LEN];
	const char *base; /* within path */
	int wd;		  /* of its directory; -1: not watched */
};

struct fg_watch {
	int fd;
	size_t n;
	struct watched files[FG_WATCH_FILES_MAX];
	__u64 first_ns, last_ns; /* of the changes not yet due; 0: none */
	char changed[PATH_MAX_LEN];
};

struct fg_watch *fg_watch_open(void)
{
	struct fg_watch *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0) {
		free(w);
		return NULL;
	}
	return w;
}

void fg_watch_close(struct fg_watch *w)
{
	if (!w)
		return;
	close(w->fd);
	free(w);
}

int fg_watch_fd(const struct fg_watch *w)
{
	return w ? w->fd : -1;
}

static bool wd_in(int wd, const struct watched *files, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (files[i].wd == wd)
			return true;
	return false;
}

int fg_watch_set(struct fg_watch *w, const char *const *paths, size_t n)
{
	struct watched old[FG_WATCH_FILES_MAX];
	size_t nold = w->n;
	int failed = 0;

	/* The new watches go on before the old come off, so a directory
	 * in both sets is never unwatched (inotify gives it the same wd). */
	memcpy(old, w->files, sizeof(old));
	w->n = 0;
	for (size_t i = 0; i < n && w->n < FG_WATCH_FILES_MAX; i++) {
		struct watched *f = &w->files[w->n];
		char dir[PATH_MAX_LEN];
		char *slash;

		snprintf(f->path, sizeof(f->path), "%s", paths[i]);
		snprintf(dir, sizeof(dir), "%s", paths[i]);
		slash = strrchr(dir, '/');
		if (!slash) {
			dir[0] = '.';
			dir[1] = '\0';
			f->base = f->path;
		} else {
			f->base = f->path + (slash - dir) + 1;
			slash[slash == dir] = '\0'; /* "/x": the root */
		}
		f->wd = inotify_add_watch(w->fd, dir, DIR_EVENTS | IN_ONLYDIR);
		if (f->wd < 0) {
			log_warn("cannot watch a list file's directory; "
				 "changes to it need a SIGHUP",
				 "path=%s error=%s", fg_q(f->path),
				 fg_q(strerror(errno)));
			failed++;
		}
		w->n++;
	}
	for (size_t i = 0; i < nold; i++)
		if (old[i].wd >= 0 && !wd_in(old[i].wd, w->files, w->n) &&
		    !wd_in(old[i].wd, old, i))
			inotify_rm_watch(w->fd, old[i].wd);
	return failed + (int)(n - w->n);
}

/* The watched file an event names, or NULL. */
static const struct watched *event_file(const struct fg_watch *w,
					const struct inotify_event *ev)
{
	if (!ev->len)
		return NULL;
	for (size_t i = 0; i < w->n; i++)
		if (w->files[i].wd == ev->wd &&
		    !strcmp(w->files[i].base, ev->name))
			return &w->files[i];
	return NULL;
}

void fg_watch_process(struct fg_watch *w, __u64 now)
{
	char buf[4096]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t len;

	while ((len = read(w->fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + len;) {
			const struct inotify_event *ev = (const void *)p;
			const struct watched *f = event_file(w, ev);

			p += sizeof(*ev) + ev->len;
			if (ev->mask & IN_Q_OVERFLOW)
				f = &w->files[0]; /* events lost: assume one */
			if (!f || !w->n)
				continue;
			if (!w->first_ns) {
				w->first_ns = now;
				snprintf(w->changed, sizeof(w->changed), "%s",
					 f->path);
			}
			w->last_ns = now;
		}
	}
}

static __u64 due_ns(const struct fg_watch *w)
{
	__u64 quiet = w->last_ns + FG_WATCH_DEBOUNCE_NS;
	__u64 latest = w->first_ns + FG_WATCH_DELAY_MAX_NS;

	return quiet < latest ? quiet : latest;
}

int fg_watch_wait_ms(const struct fg_watch *w, __u64 now)
{
	__u64 due;

	if (!w || !w->first_ns)
		return -1;
	due = due_ns(w);
	return due <= now ? 0 : (int)((due - now + 999999) / 1000000);
}

bool fg_watch_due(struct fg_watch *w, __u64 now, char *path, size_t len)
{
	if (!w || !w->first_ns || due_ns(w) > now)
		return false;
	snprintf(path, len, "%s", w->changed);
	w->first_ns = 0;
	w->last_ns = 0;
	return true;
}
