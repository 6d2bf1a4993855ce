/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The pin directory: whatever is pinned there, floodgated adopts (its
 * maps' state, its XDP links). So before reading anything from it the
 * daemon checks that it is on a bpffs, that it is a directory owned by
 * the daemon's uid and writable by no one else, and that it holds only
 * what floodgated pins (its maps by name, FG_PIN_PROG, link_<ifname>),
 * each owned by that uid and writable by no one else. Anything else is
 * refused, never adopted nor deleted: the operator decides.
 */
#ifndef FG_PINDIR_H
#define FG_PINDIR_H

#include <stddef.h>

/* 0 when dir (or, while it does not exist, its parent) is on a bpffs,
 * else -ENOTSUP. */
int fg_pin_dir_on_bpffs(const char *dir);

/* Makes dir (0700) when it does not exist, else checks it and its
 * entries as above. Returns 0, or -errno with err saying what is wrong
 * and how to fix it. */
int fg_pin_dir_prepare(const char *dir, char *err, size_t errlen);

#endif /* FG_PINDIR_H */
