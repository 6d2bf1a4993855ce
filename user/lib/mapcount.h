/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Entry counts of hash maps from the kernel's own counters (a bpf_map
 * iterator, bpf/mapcount.bpf.c), instead of walking every key. Needs a
 * 6.6+ kernel; callers fall back to walking when it is unavailable.
 */
#ifndef FG_MAPCOUNT_H
#define FG_MAPCOUNT_H

/* The number of entries in the map behind map_fd, or -errno (-ENOTSUP
 * when the kernel cannot tell). Loads the iterator on first use. */
long fg_map_count(int map_fd);

#endif /* FG_MAPCOUNT_H */
