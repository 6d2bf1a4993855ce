// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* floodgate blocked | unblock ADDR [--rule NAME] [--config FILE]: the
 * penalty box, and the fleet's blocks beside it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fleetpub.h"
#include "fleetredis.h"
#include "ruleset.h"
#include "secretfile.h"
#include "units.h"

/* Redis calls of `unblock --config` wait this long at most. */
#define FLEET_TIMEOUT_NS 2000000000ULL

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
 * frees them; the same for its fleet blocks. */
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

/* Frees what the walk collects with del; how many, or -errno. */
static int free_entries(struct cli *c, struct unblock_ctx *u,
			long (*walk)(struct fg_maps *, fg_blocked_cb, void *),
			int (*del)(struct fg_maps *, const struct fg_src_key *))
{
	int freed = 0;

	u->n = 0;
	walk(&c->maps, collect_entry, u);
	for (int i = 0; i < u->n; i++) {
		int rc = del(&c->maps, &u->found[i]);

		if (rc && rc != -ENOENT)
			return rc;
		freed += !rc;
	}
	return freed;
}

/*
 * --config FILE: the source's blocks in the fleet's Redis (the config's
 * fleet section; every fleet rule, or --rule's) become unblocks that
 * every host applies at its next sync, and its debt there goes. Returns
 * how many were blocked, or -1 with the error printed. When no rule (or
 * not --rule) has a fleet limit there is nothing to unblock in Redis:
 * 0, with note saying so (this host's entries are still freed).
 */
static int unblock_fleet(struct cli *c, const struct fg_cmdline *a,
			 const struct fg_src_key *addr, const char *shown,
			 char *note, size_t notelen)
{
	static struct fg_settings s;
	static struct fg_fleet_rules rules;
	struct fg_src_key keys[FG_MAX_RULES];
	char err[FG_ERR_MAX] = "", pass[FG_SECRET_MAX];
	struct fg_fleet_conn *conn = NULL;
	enum fg_fleet_op op;
	size_t n = 0;
	int rc = -EINVAL;

	if (fg_config_load_file(a->config, &s, err, sizeof(err))) {
		cli_err(c, 1, "%s", err);
		return -1;
	}
	/* Ids only: the slots are the running daemon's business. */
	fg_fleet_rules_build(&s, NULL, &rules);
	for (unsigned int i = 0; i < rules.n; i++) {
		if (a->rule && rules.rule[i].id != fg_rule_id(a->rule))
			continue;
		keys[n] = *addr;
		keys[n++].rule_id = rules.rule[i].id;
	}
	if (!s.fleet.redis[0]) {
		snprintf(err, sizeof(err), "no fleet (fleet.redis is not set)");
	} else if (!n) {
		if (a->rule)
			snprintf(note, notelen,
				 "rule %s has no fleet limit in %s: nothing "
				 "to unblock in the fleet's Redis",
				 a->rule, a->config);
		else
			snprintf(note, notelen,
				 "no rule has a fleet limit in %s: nothing to "
				 "unblock in the fleet's Redis",
				 a->config);
		rc = 0;
	} else if (!s.fleet.password_file[0] ||
		   !fg_secret_read(s.fleet.password_file, pass, sizeof(pass),
				   err, sizeof(err))) {
		conn = fg_fleet_connect(
		    &s.fleet.addr, s.fleet.password_file[0] ? pass : NULL,
		    FLEET_TIMEOUT_NS, &op, err, sizeof(err));
	}
	if (conn)
		rc = fg_fleet_unblock(conn, s.fleet.name, keys, n, err,
				      sizeof(err));
	explicit_bzero(pass, sizeof(pass));
	fg_fleet_disconnect(conn);
	if (rc < 0)
		cli_err(c, 1,
			"unblocking %s in the fleet of %s: %s; nothing changed "
			"(without --config: this host only)",
			shown, a->config, err);
	fg_config_free(&s);
	return rc < 0 ? -1 : rc;
}

int cmd_unblock(struct cli *c, const struct fg_cmdline *a)
{
	static struct unblock_ctx u;
	struct fg_src_key key = {0};
	struct fg_meta meta;
	char shown[80], note[FG_ERR_MAX] = "";
	int rc, boxed, fleet_here, fleet = 0;

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
	/* The fleet's first: a failure there changes nothing here. */
	if (a->config) {
		fleet = unblock_fleet(c, a, &key, shown, note, sizeof(note));
		if (fleet < 0)
			return 1;
	}
	u.want = &key;
	u.meta = &meta;
	boxed = free_entries(c, &u, fg_blocked_walk, fg_blocked_del);
	fleet_here = boxed < 0 ? 0
			       : free_entries(c, &u, fg_fleet_blocked_walk,
					      fg_fleet_block_del);
	if (boxed < 0 || fleet_here < 0)
		return cli_err(c, 1, "unblocking %s: %s", shown,
			       strerror(boxed < 0 ? -boxed : -fleet_here));
	if (!boxed && !fleet_here && !fleet)
		return cli_err(c, 1,
			       "%s is not in the penalty box nor fleet-blocked"
			       "%s%s%s%s",
			       shown, u.rule ? " for rule " : "",
			       u.rule ? u.rule : "", note[0] ? "; " : "", note);
	if (c->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "unblocked",
				       json_object_new_string(shown));
		json_object_object_add(o, "entries",
				       json_object_new_int(boxed));
		json_object_object_add(o, "fleet_entries",
				       json_object_new_int(fleet_here));
		if (a->config)
			json_object_object_add(o, "fleet_redis_entries",
					       json_object_new_int(fleet));
		if (note[0])
			json_object_object_add(o, "fleet_note",
					       json_object_new_string(note));
		cli_json_print(o);
	} else if (!fleet_here && !a->config) {
		printf("%s unblocked\n", shown);
	} else {
		printf("%s unblocked (fleet blocks: %d here", shown,
		       fleet_here);
		if (note[0])
			printf("; %s", note);
		else if (a->config)
			printf(", %d in the fleet's Redis", fleet);
		printf(")\n");
	}
	return 0;
}
