// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "advisestore.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long fg_advise_read(struct fg_maps *m, struct fg_advise_hist *out, __u32 *idx)
{
	long n = 0;

	for (__u32 i = 0; i < FG_ADVISE_ENTRIES; i++) {
		if (bpf_map_lookup_elem(m->advise, &i, &out[n]))
			return -errno;
		if (!out[n].start_s)
			continue;
		if (idx)
			idx[n] = i;
		n++;
	}
	return n;
}

int fg_advise_write(struct fg_maps *m, __u32 idx,
		    const struct fg_advise_hist *h)
{
	if (bpf_map_update_elem(m->advise, &idx, h, BPF_ANY))
		return -errno;
	return 0;
}

long fg_advise_live_rules(struct fg_maps *m,
			  struct fg_advise_rule out[FG_RULE_SLOTS])
{
	__u32 slot = __atomic_load_n(&m->ctl_mem->cfg_slot, __ATOMIC_ACQUIRE);
	struct fg_config *cfg = malloc(sizeof(*cfg));
	struct fg_meta meta;
	long n = 0;
	int err;

	if (!cfg)
		return -ENOMEM;
	if (bpf_map_lookup_elem(m->cfg, &slot, cfg)) {
		err = -errno;
		free(cfg);
		return err;
	}
	err = fg_maps_read_meta(m, &meta);
	if (err) {
		free(cfg);
		return err;
	}
	for (__u32 s = 0; s <= cfg->nrules && s < FG_RULE_SLOTS; s++) {
		if (!fg_meta_slot_used(&meta, s))
			continue;
		out[n].id = cfg->rules[s].id;
		out[n].packets = cfg->rules[s].limit[FG_DIM_PACKETS];
		snprintf(out[n].name, sizeof(out[n].name), "%s",
			 s == FG_RULE_DEFAULT ? "default" : meta.rule_names[s]);
		n++;
	}
	free(cfg);
	return n;
}

void fg_advise_limit_rate(const struct fg_limit *l, double *pps, double *burst)
{
	double interval_ns;

	*pps = *burst = 0;
	if (!l->interval_fp)
		return;
	interval_ns = (double)l->interval_fp / (double)(1ull << FG_FP_SHIFT);
	*pps = 1e9 / interval_ns;
	/* The compiler's tolerance is burst intervals (ruleset.c). */
	*burst = (double)l->tolerance_ns / interval_ns;
}
