/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The busiest sources in the source table, merged over rules. */
#ifndef FG_TOP_H
#define FG_TOP_H

#include <stddef.h>

#include "mapio.h"

enum fg_top_by { FG_TOP_BY_DROPS, FG_TOP_BY_PACKETS };

struct fg_top_entry {
	__u8 addr[16]; /* the masked source key */
	__u64 passed;
	__u64 dropped;
	unsigned int rules; /* how many rules hold state for it */
};

/* Fills up to n entries, best first; returns how many, or -errno.
 * *total gets the number of distinct sources seen. */
long fg_top_sources(struct fg_maps *m, enum fg_top_by by, size_t n,
		    struct fg_top_entry *out, size_t *total);

#endif /* FG_TOP_H */
