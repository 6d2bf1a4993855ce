/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * List files (DESIGN.md §9): one CIDR or bare address a line, for
 * lists.allow_files, lists.deny_files and class files. `#` and `;` start
 * a comment (whole line or after the CIDR: Spamhaus DROP writes
 * "192.0.2.0/24 ; SBL123"); blank lines, surrounding whitespace and CRLF
 * are fine. Appends to one growing heap array, no allocation per line.
 */
#ifndef FG_LISTFILE_H
#define FG_LISTFILE_H

#include <stddef.h>

#include "units.h"

/* Largest list file read: 1 000 000 IPv6 /128s with comments fit. */
#define FG_LISTFILE_MAX_BYTES (256u << 20)

/*
 * Appends the entries of the file at path to *arr (realloc'd as needed;
 * *n used, *cap allocated), at most max entries in *arr in all. Returns
 * 0; or -EINVAL with err "PATH:LINE: "TEXT": what is wrong", -EPERM when
 * group or others could write the file, -EINVAL "PATH: not a regular
 * file" (a directory, FIFO or device), -EFBIG, -ENOSPC (more than max)
 * or -errno "PATH: cannot read: ...". On error *n is as it was.
 */
int fg_listfile_load(const char *path, struct fg_cidr **arr, size_t *n,
		     size_t *cap, size_t max, char *err, size_t errlen);

/* fg_listfile_load on text already read; name is what errors call it. */
int fg_listfile_parse(const char *text, size_t len, const char *name,
		      struct fg_cidr **arr, size_t *n, size_t *cap, size_t max,
		      char *err, size_t errlen);

/* The line of path where c first appears, or 0 (not there, unreadable):
 * for messages about an entry loaded from it. */
unsigned long fg_listfile_line_of(const char *path, const struct fg_cidr *c);

#endif /* FG_LISTFILE_H */
