/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Reading a file floodgated trusts (its config, list files, web config,
 * TLS certificate and key) without a window between checking it and
 * reading it. */
#ifndef FG_SAFEFILE_H
#define FG_SAFEFILE_H

#include <stddef.h>

/* The file holds a secret: others must not be able to read it (its
 * group may: Debian's ssl-cert group reads keys so). */
#define FG_SAFE_SECRET 0x1
/* Its group must not read it either (a password only the daemon uses);
 * implies FG_SAFE_SECRET. */
#define FG_SAFE_PRIVATE (FG_SAFE_SECRET | 0x2)

/*
 * Reads a whole file of at most max bytes into *text (malloc'd and
 * NUL-ended, an empty file too; NULL after a failure) through one
 * descriptor, opened with
 * O_NOFOLLOW | O_NONBLOCK. Refused, with err saying which file and why:
 * a symbolic link; anything but a regular file (a FIFO would block);
 * a file owned by another user than root or this process's, or writable
 * by group or others; a directory on the way from / that is, unless it
 * is sticky (as /tmp: others cannot rename what they do not own).
 * Returns 0 or -errno (-EPERM for a refusal, -EINVAL not a regular file,
 * -EISDIR a directory, -ELOOP a symbolic link, -EFBIG too large).
 */
int fg_safe_read(const char *path, size_t max, unsigned int flags, char **text,
		 size_t *len, char *err, size_t errlen);

#endif /* FG_SAFEFILE_H */
