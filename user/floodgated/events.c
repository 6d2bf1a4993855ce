// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The event log's summaries: what would be one line per source or per
 * setting is said in one line (a reload's changes, the sources that
 * entered the penalty box in the last second). */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "daemon_priv.h"
#include "log.h"
#include "mapio.h"
#include "units.h"

/* sizeof(struct fg_rule_spec) when rule_same was last brought up to date
 * (x86-64). */
#define FG_RULE_SPEC_SIZE_COMPARED 760

/* Names joined with ',' into buf, cut short with "..." when long. */
struct name_list {
	char buf[160];
	size_t len;
	unsigned int n;
};

static void name_add(struct name_list *l, const char *name)
{
	size_t room = sizeof(l->buf) - l->len;
	int w;

	l->n++;
	if (room < 4)
		return;
	w = snprintf(l->buf + l->len, room, "%s%s", l->len ? "," : "", name);
	if (w < 0 || (size_t)w >= room) {
		memcpy(l->buf + sizeof(l->buf) - 4, "...", 4);
		l->len = sizeof(l->buf) - 1;
		return;
	}
	l->len += (size_t)w;
}

static const struct fg_rule_spec *rule_named(const struct fg_settings *s,
					     const char *name)
{
	for (unsigned int i = 0; i < s->nrules; i++)
		if (!strcmp(s->rules[i].name, name))
			return &s->rules[i];
	return NULL;
}

static bool dims_same(const struct fg_dim_limit *a,
		      const struct fg_dim_limit *b)
{
	for (int d = 0; d < FG_DIM_COUNT; d++)
		if (a[d].rate.amount != b[d].rate.amount ||
		    a[d].rate.per_ns != b[d].rate.per_ns ||
		    a[d].burst != b[d].burst)
			return false;
	return true;
}

/* Member by member (the struct has padding). A new member of
 * fg_rule_spec changes its size and stops the build here until it is
 * compared too. */
_Static_assert(sizeof(struct fg_rule_spec) == FG_RULE_SPEC_SIZE_COMPARED,
	       "rule_same compares every member of fg_rule_spec");
static bool rule_same(const struct fg_rule_spec *a,
		      const struct fg_rule_spec *b)
{
	const struct fg_aggregate_spec *ga = &a->aggregate, *gb = &b->aggregate;

	if (strcmp(a->name, b->name) || a->protocol != b->protocol ||
	    a->nports != b->nports || a->block_ns != b->block_ns ||
	    a->block_scope != b->block_scope || a->action != b->action ||
	    a->block_factor != b->block_factor ||
	    a->block_max_ns != b->block_max_ns ||
	    a->block_window_ns != b->block_window_ns ||
	    a->has_fleet != b->has_fleet || ga->enabled != gb->enabled ||
	    ga->ipv4_prefix != gb->ipv4_prefix ||
	    ga->ipv6_prefix != gb->ipv6_prefix || a->sources != b->sources ||
	    a->ndests != b->ndests || a->dry_run != b->dry_run)
		return false;
	for (unsigned int i = 0; i < a->ndests; i++)
		if (a->dests[i].prefixlen != b->dests[i].prefixlen ||
		    memcmp(a->dests[i].addr, b->dests[i].addr,
			   sizeof(a->dests[i].addr)))
			return false;
	for (unsigned int i = 0; i < a->nports; i++)
		if (a->ports[i].first != b->ports[i].first ||
		    a->ports[i].last != b->ports[i].last)
			return false;
	return dims_same(a->dim, b->dim) && dims_same(ga->dim, gb->dim) &&
	       dims_same(a->fleet, b->fleet);
}

static bool defaults_same(const struct fg_settings *a,
			  const struct fg_settings *b)
{
	return dims_same(a->defaults, b->defaults);
}

void daemon_log_reload(const struct fg_settings *old,
		       const struct fg_settings *now,
		       struct fg_list_sync_counts lists)
{
	struct name_list added = {0}, removed = {0}, changed = {0};

	for (unsigned int i = 0; i < now->nrules; i++) {
		const struct fg_rule_spec *was =
		    rule_named(old, now->rules[i].name);

		if (!was)
			name_add(&added, now->rules[i].name);
		else if (!rule_same(was, &now->rules[i]))
			name_add(&changed, now->rules[i].name);
	}
	for (unsigned int i = 0; i < old->nrules; i++)
		if (!rule_named(now, old->rules[i].name))
			name_add(&removed, old->rules[i].name);

	log_info("reloaded",
		 "rules=%u rules_added=%u rules_removed=%u rules_changed=%u "
		 "added=%s removed=%s changed=%s defaults_changed=%s "
		 "list_entries_added=%zu list_entries_removed=%zu "
		 "list_entries_changed=%zu allow=%zu deny=%zu",
		 now->nrules, added.n, removed.n, changed.n, fg_q(added.buf),
		 fg_q(removed.buf), fg_q(changed.buf),
		 defaults_same(old, now) ? "no" : "yes", lists.added,
		 lists.removed, lists.changed, now->nallow, now->ndeny);
}

/* The newest few entries of the penalty box: the latest until_ns. */
#define BOX_SAMPLES 3

struct box_sample {
	struct fg_src_key key[BOX_SAMPLES];
	struct fg_block block[BOX_SAMPLES];
	unsigned int n;
	__u64 now;
};

static int keep_newest(const struct fg_src_key *k, const struct fg_block *b,
		       void *arg)
{
	struct box_sample *s = arg;
	unsigned int at;

	if (b->until_ns <= s->now)
		return 0;
	if (s->n < BOX_SAMPLES)
		at = s->n++;
	else if (b->until_ns > s->block[BOX_SAMPLES - 1].until_ns)
		at = BOX_SAMPLES - 1;
	else
		return 0;
	/* Insertion into the short sorted list, newest first. */
	while (at > 0 && s->block[at - 1].until_ns < b->until_ns) {
		s->key[at] = s->key[at - 1];
		s->block[at] = s->block[at - 1];
		at--;
	}
	s->key[at] = *k;
	s->block[at] = *b;
	return 0;
}

static void describe_samples(struct fg_daemon *d, const struct box_sample *s,
			     char *buf, size_t len)
{
	struct fg_meta meta;
	bool named = !fg_maps_read_meta(&d->loader.maps, &meta);
	size_t used = 0;
	int w;

	char item[BOX_SAMPLES][INET6_ADDRSTRLEN + FG_RULE_NAME_LEN + 16];
	unsigned int nitems = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < s->n; i++) {
		char src[INET6_ADDRSTRLEN + 8];
		__u32 slot = s->block[i].rule_slot;
		bool seen = false;

		fg_format_source_cut((const __u8 *)s->key[i].addr,
				     d->cfg.ipv4_prefix, d->cfg.ipv6_prefix,
				     d->cfg.log_ipv4_prefix,
				     d->cfg.log_ipv6_prefix, src, sizeof(src));
		if (named && slot < FG_RULE_SLOTS)
			snprintf(item[nitems], sizeof(item[0]), "%s@%.*s", src,
				 (int)FG_RULE_NAME_LEN, meta.rule_names[slot]);
		else
			snprintf(item[nitems], sizeof(item[0]), "%s@rule%u",
				 src, slot);
		/* Cut to a prefix, several sources may read the same. */
		for (unsigned int j = 0; j < nitems && !seen; j++)
			seen = !strcmp(item[j], item[nitems]);
		if (seen)
			continue;
		w = snprintf(buf + used, len - used, "%s%s", nitems ? "," : "",
			     item[nitems]);
		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
		nitems++;
	}
}

void daemon_log_box_entries(struct fg_daemon *d, __u64 now)
{
	__u64 events[FG_TABLE_EVENTS], entered;
	struct box_sample sample = {.now = now};
	double secs;
	char newest[BOX_SAMPLES * (INET6_ADDRSTRLEN + FG_RULE_NAME_LEN + 12)];

	if (now - d->box_log_ns < 1000000000ULL ||
	    fg_read_table_stats(&d->loader.maps, events))
		return;
	entered = events[FG_TABLE_BLOCKED] - d->box_entered_seen;
	d->box_entered_seen = events[FG_TABLE_BLOCKED];
	if (!d->box_log_ns) {
		/* The first look only sets the baseline: entries counted
		 * before this daemon started are not news. */
		d->box_log_ns = now;
		return;
	}
	secs = (double)(now - d->box_log_ns) / 1e9;
	d->box_log_ns = now;
	if (!entered)
		return;
	fg_blocked_walk(&d->loader.maps, keep_newest, &sample);
	describe_samples(d, &sample, newest, sizeof(newest));
	log_info("penalty box entries", "count=%llu interval_s=%.2f newest=%s",
		 (unsigned long long)entered, secs, fg_q(newest));
}
