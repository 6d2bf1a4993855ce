/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The source key (DESIGN.md §2, step 3): the source masked to the table
 * prefix, per rule. */
#ifndef FG_KEY_H
#define FG_KEY_H

#include "maps.h"
#include "parse.h"

/* The source masked to a prefix (IPv4 mapped: its mask applies to the
 * last word), plus a rule id: the key of fg_sources and fg_aggregates. */
static __always_inline void fg_mask_key(struct fg_src_key *key,
					const struct fg_pkt *pkt,
					const __u32 mask6[4], __u32 mask4,
					__u32 rule_id)
{
	if (pkt->is_v6) {
		key->addr[0] = pkt->saddr[0] & mask6[0];
		key->addr[1] = pkt->saddr[1] & mask6[1];
		key->addr[2] = pkt->saddr[2] & mask6[2];
		key->addr[3] = pkt->saddr[3] & mask6[3];
	} else {
		key->addr[0] = pkt->saddr[0];
		key->addr[1] = pkt->saddr[1];
		key->addr[2] = pkt->saddr[2];
		key->addr[3] = pkt->saddr[3] & mask4;
	}
	key->rule_id = rule_id;
}

/* The source key at the configured prefix: one host owns a whole IPv6
 * /64, so that is the default unit there. */
static __always_inline void fg_make_key(struct fg_src_key *key,
					const struct fg_pkt *pkt,
					const struct fg_config *cfg,
					__u32 rule_id)
{
	fg_mask_key(key, pkt, cfg->mask6, cfg->mask4, rule_id);
}

/* The source key is the whole address (prefix /32 or /128): what the
 * lists said of it holds for every packet with that key. */
static __always_inline int fg_key_is_address(const struct fg_config *cfg,
					     const struct fg_pkt *pkt)
{
	return pkt->is_v6 ? cfg->mask6[3] == 0xffffffffu
			  : cfg->mask4 == 0xffffffffu;
}

#endif /* FG_KEY_H */
