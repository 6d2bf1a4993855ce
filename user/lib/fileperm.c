// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "fileperm.h"

#include <unistd.h>

const char *fg_perm_problem(const struct stat *st, bool root_ok)
{
	if (st->st_uid != geteuid() && !(root_ok && st->st_uid == 0))
		return "is owned by another user";
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return "is writable by group or others";
	return NULL;
}
