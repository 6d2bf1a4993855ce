/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Rule matching (DESIGN.md §2, step 6): the first rule in config order
 * whose protocol and destination port match, else the default limits. */
#ifndef FG_RULES_H
#define FG_RULES_H

#include "maps.h"
#include "parse.h"

/* First rule, in config order, matching protocol and destination port.
 * User space precomputed the answer per port in fg_ports. */
static __always_inline __u32 fg_rule_slot(const struct fg_config *cfg,
					  __u32 cfg_slot,
					  const struct fg_pkt *pkt)
{
	__u32 slot = FG_RULE_DEFAULT;

	if (pkt->has_port && pkt->pclass < FG_PORT_CLASSES) {
		__u32 k = (cfg_slot << 16) | pkt->dport;
		struct fg_port_rules *pr = bpf_map_lookup_elem(&fg_ports, &k);

		if (pr)
			slot = pr->rule[pkt->pclass];
	} else {
		slot = cfg->portless_rule[pkt->pclass & (FG_PCLASS_COUNT - 1)];
	}
	return slot < FG_RULE_SLOTS ? slot : FG_RULE_DEFAULT;
}

#endif /* FG_RULES_H */
