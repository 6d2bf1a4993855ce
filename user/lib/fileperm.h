/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Whether a file floodgated trusts (its config, its pins) could have been
 * written by someone else. */
#ifndef FG_FILEPERM_H
#define FG_FILEPERM_H

#include <stdbool.h>
#include <sys/stat.h>

/* NULL when st is owned by this process's uid (or by root, if root_ok)
 * and writable by no group or others; else what is wrong, as a phrase
 * ("is writable by group or others"). */
const char *fg_perm_problem(const struct stat *st, bool root_ok);

#endif /* FG_FILEPERM_H */
