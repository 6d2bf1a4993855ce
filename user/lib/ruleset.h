/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A validated config turned into what the XDP program reads: the
 * fg_config struct and the port-to-rule table. Pure: no BPF calls.
 */
#ifndef FG_RULESET_H
#define FG_RULESET_H

#include "config.h"
#include "fg_abi.h"

#define FG_PORTS 65536

/* Stable id of a rule: state keyed by it survives reordering rules. */
__u32 fg_rule_id(const char *name);

void fg_limit_compile(const struct fg_dim_limit *d, struct fg_limit *out);
__u32 fg_mask4(unsigned int prefix);
void fg_mask6(unsigned int prefix, __u32 out[4]);

/* Fills cfg and ports[FG_PORTS]. Returns 0, or -EINVAL with err set
 * (two rule names hashing to one id). */
int fg_ruleset_compile(const struct fg_settings *s, struct fg_config *cfg,
		       struct fg_port_rules *ports, char *err, size_t errlen);

#endif /* FG_RULESET_H */
