/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* A secret kept in a file (fleet.password_file): read only when nobody
 * else could have read or written it. */
#ifndef FG_SECRETFILE_H
#define FG_SECRETFILE_H

#include <stddef.h>

#define FG_SECRET_MAX 512

/* Reads path's first line (without its newline) into buf, the whole
 * file being at most len bytes and the line shorter than len (a secret
 * of len - 1 bytes and its newline fit), through fg_safe_read: never
 * through a symbolic link, nor from a FIFO, nor from a directory others
 * could swap it in. Returns 0, or -errno with err saying why: missing,
 * unreadable, readable or writable by group or others, owned by another
 * user, not a regular file, empty or too long. The secret itself never
 * goes into err, nor stays in buf after a refusal. */
int fg_secret_read(const char *path, char *buf, size_t len, char *err,
		   size_t errlen);

#endif /* FG_SECRETFILE_H */
