// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileperm.h"

static const char *kind_of(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "a device";
	return "not a file";
}

/* Whoever owns or can write a directory can rename another file in
 * under the name: root or us only, and no group or others, unless the
 * sticky bit keeps them from renaming entries they do not own (the file
 * itself is then checked for its owner). */
static int dir_trusted(const char *path, const char *dir, const struct stat *st,
		       char *err, size_t errlen)
{
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		snprintf(err, errlen,
			 "%s: its directory %s is owned by another user (uid "
			 "%u): refusing it, whoever owns %s can swap the "
			 "file; fix: chown root %s",
			 path, dir, (unsigned int)st->st_uid, dir, dir);
		return -EPERM;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) && !(st->st_mode & S_ISVTX)) {
		snprintf(err, errlen,
			 "%s: its directory %s is writable by group or others "
			 "(mode %04o): refusing it, whoever can write %s can "
			 "swap the file; fix: chmod go-w %s",
			 path, dir, (unsigned int)(st->st_mode & 07777), dir,
			 dir);
		return -EPERM;
	}
	return 0;
}

/*
 * The directory holding path's last component, opened: its canonical
 * name is walked from / one component at a time, each opened below the
 * one checked before with O_NOFOLLOW, so no name checked can be swapped
 * for another before the next step. *base: the last component.
 */
static int open_parent(const char *path, const char **base, char *err,
		       size_t errlen)
{
	const char *slash = strrchr(path, '/');
	char *dir, *real = NULL;
	struct stat st;
	int fd, rc = 0;

	*base = slash ? slash + 1 : path;
	if (!slash)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (dir)
		real = realpath(dir, NULL);
	if (!real) {
		rc = dir ? -errno : -ENOMEM;
		free(dir);
		snprintf(err, errlen, "%s: cannot read: %s", path,
			 strerror(-rc));
		return rc;
	}
	free(dir);
	fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot read: /: %s", path,
			 strerror(errno));
		goto out;
	}
	rc = dir_trusted(path, "/", &st, err, errlen);
	for (char *p = real + 1; !rc && *p;) {
		char *end = strchrnul(p, '/'), keep = *end;
		int next;

		/* real is cut after p for the messages: the path so far. */
		*end = '\0';
		next = openat(fd, p,
			      O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 || fstat(next, &st)) {
			rc = -errno;
			snprintf(err, errlen,
				 "%s: cannot read: %s: %s (changed while "
				 "being opened?)",
				 path, real, strerror(-rc));
			if (next >= 0)
				close(next);
			break;
		}
		close(fd);
		fd = next;
		rc = dir_trusted(path, real, &st, err, errlen);
		*end = keep;
		p = keep ? end + 1 : end;
	}
out:
	free(real);
	if (rc && fd >= 0)
		close(fd);
	return rc ? rc : fd;
}

/* The open file as floodgate trusts it, checked on the descriptor. */
static int file_trusted(const char *path, const struct stat *st,
			unsigned int flags, char *err, size_t errlen)
{
	const char *why;

	if (!S_ISREG(st->st_mode)) {
		snprintf(err, errlen, "%s: not a regular file (%s)", path,
			 kind_of(st->st_mode));
		return S_ISDIR(st->st_mode) ? -EISDIR : -EINVAL;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(err, errlen,
			 "%s is writable by group or others (mode %04o): "
			 "refusing it, whoever can write it decides what "
			 "floodgate does; fix: chmod go-w %s",
			 path, (unsigned int)(st->st_mode & 07777), path);
		return -EPERM;
	}
	why = fg_perm_problem(st, true);
	if (why) {
		snprintf(err, errlen,
			 "%s %s (uid %u): refusing it, whoever owns it "
			 "decides what floodgate does; fix: chown root %s",
			 path, why, (unsigned int)st->st_uid, path);
		return -EPERM;
	}
	if ((flags & FG_SAFE_PRIVATE) == FG_SAFE_PRIVATE &&
	    (st->st_mode & (S_IRGRP | S_IROTH))) {
		snprintf(err, errlen,
			 "%s is readable by group or others (mode %04o): "
			 "refusing it, it holds a secret; fix: chmod 600 %s",
			 path, (unsigned int)(st->st_mode & 07777), path);
		return -EPERM;
	}
	if ((flags & FG_SAFE_SECRET) && (st->st_mode & S_IROTH)) {
		snprintf(err, errlen,
			 "%s is readable by others (mode %04o): refusing it, "
			 "it holds a private key; fix: chmod o-r %s",
			 path, (unsigned int)(st->st_mode & 07777), path);
		return -EPERM;
	}
	return 0;
}

static int read_all(int fd, size_t max, char **text, size_t *len)
{
	size_t cap = max < 16384 ? max : 16384;

	*text = malloc(cap + 1);
	if (!*text)
		return -ENOMEM;
	for (;;) {
		size_t room = cap - *len;
		char probe;
		ssize_t n;

		if (!room && cap < max) {
			char *bigger;

			cap = cap > max / 2 ? max : cap * 2;
			bigger = realloc(*text, cap + 1);
			if (!bigger)
				return -ENOMEM;
			*text = bigger;
			continue;
		}
		/* Full at max: one more byte tells its end from a larger
		 * file. */
		n = read(fd, room ? *text + *len : &probe, room ? room : 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		if (!room)
			return -EFBIG;
		*len += (size_t)n;
	}
	(*text)[*len] = '\0';
	return 0;
}

int fg_safe_read(const char *path, size_t max, unsigned int flags, char **text,
		 size_t *len, char *err, size_t errlen)
{
	const char *base;
	struct stat st;
	int dir, fd, rc;

	*text = NULL;
	*len = 0;
	dir = open_parent(path, &base, err, errlen);
	if (dir < 0)
		return dir;
	/* O_NONBLOCK: a FIFO's open would wait for a writer. */
	fd = openat(dir, base,
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		close(dir);
		if (rc == -ELOOP)
			snprintf(err, errlen,
				 "%s: a symbolic link: refusing it, whoever "
				 "can change the link chooses the file; name "
				 "the file itself",
				 path);
		else
			snprintf(err, errlen, "%s: cannot read: %s", path,
				 strerror(-rc));
		return rc;
	}
	close(dir);
	rc = 0;
	if (fstat(fd, &st)) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot read: %s", path,
			 strerror(-rc));
	}
	if (!rc)
		rc = file_trusted(path, &st, flags, err, errlen);
	if (!rc) {
		rc = read_all(fd, max, text, len);
		if (rc == -EFBIG)
			snprintf(err, errlen, "%s: larger than %zu MiB", path,
				 max >> 20);
		else if (rc)
			snprintf(err, errlen, "%s: cannot read: %s", path,
				 strerror(-rc));
	}
	close(fd);
	if (rc) {
		if (*text && (flags & FG_SAFE_SECRET))
			explicit_bzero(*text, *len);
		free(*text);
		*text = NULL;
		*len = 0;
	}
	return rc;
}
