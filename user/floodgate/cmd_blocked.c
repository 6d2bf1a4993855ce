// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* floodgate blocked | unblock ADDR [--rule NAME]: the penalty box, and
 * the fleet's blocks beside it (listed; the fleet owns them). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ruleset.h"
#include "units.h"

struct blocked_ctx {
	const char *by; /* "penalty" or "fleet": which map */
	__u64 now;
	const struct fg_meta *meta;
	json_object *arr;
};

static void format_key(const struct fg_src_key *k, const struct fg_meta *meta,
		       char *buf, size_t len)
{
	fg_format_source((const __u8 *)k->addr, meta->ipv4_prefix,
			 meta->ipv6_prefix, buf, len);
}

/* The rule that put the entry there (its slot when it did). */
static const char *block_rule(const struct fg_block *b,
			      const struct fg_meta *meta)
{
	return b->rule_slot < FG_RULE_SLOTS ? meta->rule_names[b->rule_slot]
					    : "?";
}

/* What the boxed source is dropped for: that rule's traffic, or all. */
static const char *block_scope(const struct fg_src_key *k)
{
	return k->rule_id == FG_RULE_ID_ANY ? "source" : "rule";
}

static int print_blocked(const struct fg_src_key *k, const struct fg_block *b,
			 void *arg)
{
	struct blocked_ctx *x = arg;
	double left =
	    b->until_ns > x->now ? (double)(b->until_ns - x->now) / 1e9 : 0.0;
	const char *rule = block_rule(b, x->meta);
	char src[80];

	if (b->until_ns <= x->now)
		return 0; /* time up (kept for its window, or not yet removed) */
	format_key(k, x->meta, src, sizeof(src));
	if (x->arr) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "source",
				       json_object_new_string(src));
		json_object_object_add(o, "seconds_left",
				       json_object_new_double(left));
		json_object_object_add(o, "rule", json_object_new_string(rule));
		json_object_object_add(o, "scope",
				       json_object_new_string(block_scope(k)));
		json_object_object_add(o, "by", json_object_new_string(x->by));
		json_object_object_add(o, "strikes",
				       json_object_new_int64(b->strikes));
		json_object_array_add(x->arr, o);
	} else {
		printf("%-44s %10.1f  %-6s  %-8s %7u  %s\n", src, left,
		       block_scope(k), x->by, b->strikes, rule);
	}
	return 0;
}

int cmd_blocked(struct cli *c, const struct fg_cmdline *a)
{
	struct blocked_ctx x = {0};
	struct fg_meta meta;
	int rc;

	(void)a;
	rc = cli_open(c);
	if (rc)
		return rc;
	rc = fg_maps_read_meta(&c->maps, &meta);
	if (rc)
		return cli_err(c, 1, "reading the config: %s", strerror(-rc));
	x.now = fg_monotonic_ns();
	x.meta = &meta;
	if (c->json)
		x.arr = json_object_new_array();
	else
		printf("%-44s %10s  %-6s  %-8s %7s  %s\n", "SOURCE", "SECONDS",
		       "SCOPE", "BY", "STRIKES", "RULE");
	x.by = "penalty";
	fg_blocked_walk(&c->maps, print_blocked, &x);
	x.by = "fleet";
	fg_fleet_blocked_walk(&c->maps, print_blocked, &x);
	if (c->json)
		cli_json_print(x.arr);
	return 0;
}

/* The penalty box keys sources like the source table: masked. */
static void mask_key(const struct fg_cidr *cidr, const struct fg_meta *meta,
		     struct fg_src_key *key)
{
	__u32 mask[4];

	/* The mapped IPv4 address: its prefix counts from bit 96. */
	fg_mask6(cidr->is_v4 ? 96u + meta->ipv4_prefix : meta->ipv6_prefix,
		 mask);
	memcpy(key->addr, cidr->addr, sizeof(key->addr));
	for (int i = 0; i < 4; i++)
		key->addr[i] &= mask[i];
}

/* A source may sit in the box once per rule, and once for everything:
 * unblock collects its entries (those of one rule with --rule), then
 * frees them. */
#define UNBLOCK_MAX 256

struct unblock_ctx {
	const struct fg_src_key *want; /* addr only */
	const char *rule;	       /* NULL: every rule */
	const struct fg_meta *meta;
	struct fg_src_key found[UNBLOCK_MAX];
	int n;
};

static int collect_entry(const struct fg_src_key *k, const struct fg_block *b,
			 void *arg)
{
	struct unblock_ctx *u = arg;

	if (memcmp(k->addr, u->want->addr, sizeof(k->addr)))
		return 0;
	if (u->rule && strcmp(block_rule(b, u->meta), u->rule))
		return 0;
	u->found[u->n++] = *k;
	return u->n == UNBLOCK_MAX;
}

int cmd_unblock(struct cli *c, const struct fg_cmdline *a)
{
	static struct unblock_ctx u;
	struct fg_src_key key = {0};
	struct fg_meta meta;
	char shown[80];
	int rc, freed = 0;

	memset(&u, 0, sizeof(u));
	u.rule = a->rule;
	rc = cli_open(c);
	if (rc)
		return rc;
	rc = fg_maps_read_meta(&c->maps, &meta);
	if (rc)
		return cli_err(c, 1, "reading the config: %s", strerror(-rc));
	mask_key(&a->cidr, &meta, &key);
	format_key(&key, &meta, shown, sizeof(shown));
	u.want = &key;
	u.meta = &meta;
	fg_blocked_walk(&c->maps, collect_entry, &u);
	for (int i = 0; i < u.n; i++) {
		rc = fg_blocked_del(&c->maps, &u.found[i]);
		if (rc && rc != -ENOENT)
			return cli_err(c, 1, "unblocking %s: %s", shown,
				       strerror(-rc));
		freed += !rc;
	}
	if (!freed)
		return cli_err(c, 1, "%s is not in the penalty box%s%s", shown,
			       u.rule ? " for rule " : "",
			       u.rule ? u.rule : "");
	if (c->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "unblocked",
				       json_object_new_string(shown));
		json_object_object_add(o, "entries",
				       json_object_new_int(freed));
		cli_json_print(o);
	} else {
		printf("%s unblocked\n", shown);
	}
	return 0;
}
