/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fg_advise, the pinned ring of per-(window, rule) histograms that the
 * daemon's sampler writes and `floodgate advise` reads, and the live
 * rules both need (id, name, packet limit). Functions return >= 0 or
 * -errno.
 */
#ifndef FG_ADVISESTORE_H
#define FG_ADVISESTORE_H

#include "mapio.h"

/* Every used entry (start_s != 0) into out[FG_ADVISE_ENTRIES], with its
 * ring index in idx[] when idx is not NULL; returns how many. */
long fg_advise_read(struct fg_maps *m, struct fg_advise_hist *out, __u32 *idx);
int fg_advise_write(struct fg_maps *m, __u32 idx,
		    const struct fg_advise_hist *h);

struct fg_advise_rule {
	__u32 id;
	char name[FG_RULE_NAME_LEN];
	struct fg_limit packets; /* interval_fp 0: unlimited */
};

/* The live config's rules, the default limits first (as "default");
 * returns how many. */
long fg_advise_live_rules(struct fg_maps *m,
			  struct fg_advise_rule out[FG_RULE_SLOTS]);

/* A packet limit as packets per second and burst; 0, 0 when unlimited. */
void fg_advise_limit_rate(const struct fg_limit *l, double *pps, double *burst);

#endif /* FG_ADVISESTORE_H */
