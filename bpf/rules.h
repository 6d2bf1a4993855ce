/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Rule matching (DESIGN.md §2 step 6, §9): the first rule in config
 * order whose protocol, destination port, source class and destination
 * match, else the default limits (scaled for the source's class). User
 * space precomputed the answer: the port gives a port group, and
 * fg_rule_table the rule for (group, class, destination set). */
#ifndef FG_RULES_H
#define FG_RULES_H

#include "maps.h"
#include "parse.h"

static __always_inline __u32 fg_rule_slot(const struct fg_config *cfg,
					  __u32 cfg_slot,
					  const struct fg_pkt *pkt,
					  __u32 class_id, __u32 dest_set)
{
	const struct fg_rule_table *t;
	__u32 group = 0, slot;

	if (pkt->has_port && pkt->pclass < FG_PORT_CLASSES) {
		__u32 k = (cfg_slot << 16) | pkt->dport;
		struct fg_port_groups *pg = bpf_map_lookup_elem(&fg_ports, &k);

		if (pg)
			group = pg->group[pkt->pclass];
	} else {
		group =
		    cfg->portless_group[pkt->pclass & (FG_PCLASS_COUNT - 1)];
	}
	t = bpf_map_lookup_elem(&fg_rule_table, &cfg_slot);
	if (!t)
		return FG_RULE_DEFAULT;
	slot = t->slot[group & (FG_PORT_GROUPS - 1)]
		      [class_id & (FG_CLASS_SLOTS - 1)]
		      [dest_set & (FG_DEST_SLOTS - 1)];
	return slot < FG_RULE_SLOTS ? slot : FG_RULE_DEFAULT;
}

#endif /* FG_RULES_H */
