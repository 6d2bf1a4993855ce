/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Settings to what the XDP program and the CLI read, in one step used by
 * the daemon, its --check, the BPF test fixture and the benchmarks:
 * fg_compile turns validated settings into the ABI structs (fg_config,
 * the port table, fg_meta), fg_publish_stage writes them into the idle
 * config slot. Functions return 0 or -errno.
 */
#ifndef FG_PUBLISH_H
#define FG_PUBLISH_H

#include <stddef.h>

#include "config.h"
#include "fg_abi.h"
#include "mapio.h"
#include "ruleset.h"

struct fg_compiled {
	struct fg_config *cfg;	     /* heap: FG_RULE_SLOTS rules */
	struct fg_rule_match *match; /* heap */
	struct fg_meta meta;
};

/* Allocates the big parts; -ENOMEM (nothing left allocated) or 0. */
int fg_compiled_init(struct fg_compiled *c);
void fg_compiled_free(struct fg_compiled *c);

/* Fills out from s. tick_ns: the datapath clock's tick (0 for an exact
 * clock, as in tests). prev: the running config's meta (its rules keep
 * their slots, fg_ruleset_compile), NULL when none runs. -EINVAL with
 * err set when s cannot be compiled. */
int fg_compile(const struct fg_settings *s, __u64 tick_ns,
	       const struct fg_meta *prev, struct fg_compiled *out, char *err,
	       size_t errlen);

/* Writes c into the idle slot; the datapath does not see it until
 * fg_maps_commit_config, once what goes with it is in place too. */
int fg_publish_stage(struct fg_maps *m, const struct fg_compiled *c);
/* Stage and commit at once: for callers with nothing to add between. */
int fg_publish(struct fg_maps *m, const struct fg_compiled *c);

#endif /* FG_PUBLISH_H */
