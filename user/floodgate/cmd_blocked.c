// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* floodgate blocked | unblock ADDR: the penalty box. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ruleset.h"
#include "units.h"

struct blocked_ctx {
	__u64 now;
	const struct fg_meta *meta;
	json_object *arr;
};

static void format_key(const struct fg_addr *a, const struct fg_meta *meta,
		       char *buf, size_t len)
{
	fg_format_source((const __u8 *)a->addr, meta->ipv4_prefix,
			 meta->ipv6_prefix, buf, len);
}

static int print_blocked(const struct fg_addr *a, const struct fg_block *b,
			 void *arg)
{
	struct blocked_ctx *x = arg;
	double left =
	    b->until_ns > x->now ? (double)(b->until_ns - x->now) / 1e9 : 0.0;
	const char *rule = b->rule_slot < FG_RULE_SLOTS
			       ? x->meta->rule_names[b->rule_slot]
			       : "?";
	char src[80];

	if (b->until_ns <= x->now)
		return 0; /* expired; the daemon removes it */
	format_key(a, x->meta, src, sizeof(src));
	if (x->arr) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "source",
				       json_object_new_string(src));
		json_object_object_add(o, "seconds_left",
				       json_object_new_double(left));
		json_object_object_add(o, "rule", json_object_new_string(rule));
		json_object_array_add(x->arr, o);
	} else {
		printf("%-44s %10.1f  %s\n", src, left, rule);
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
		printf("%-44s %10s  %s\n", "SOURCE", "SECONDS", "RULE");
	fg_blocked_walk(&c->maps, print_blocked, &x);
	if (c->json)
		cli_json_print(x.arr);
	return 0;
}

/* The penalty box keys sources like the source table: masked. */
static void mask_key(const struct fg_cidr *cidr, const struct fg_meta *meta,
		     struct fg_addr *key)
{
	__u32 mask[4];

	/* The mapped IPv4 address: its prefix counts from bit 96. */
	fg_mask6(cidr->is_v4 ? 96u + meta->ipv4_prefix : meta->ipv6_prefix,
		 mask);
	memcpy(key->addr, cidr->addr, sizeof(key->addr));
	for (int i = 0; i < 4; i++)
		key->addr[i] &= mask[i];
}

int cmd_unblock(struct cli *c, const struct fg_cmdline *a)
{
	struct fg_addr key;
	struct fg_meta meta;
	char shown[80];
	int rc;

	rc = cli_open(c);
	if (rc)
		return rc;
	rc = fg_maps_read_meta(&c->maps, &meta);
	if (rc)
		return cli_err(c, 1, "reading the config: %s", strerror(-rc));
	mask_key(&a->cidr, &meta, &key);
	format_key(&key, &meta, shown, sizeof(shown));
	rc = fg_blocked_del(&c->maps, &key);
	if (rc == -ENOENT)
		return cli_err(c, 1, "%s is not in the penalty box", shown);
	if (rc)
		return cli_err(c, 1, "unblocking %s: %s", shown, strerror(-rc));
	if (c->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "unblocked",
				       json_object_new_string(shown));
		cli_json_print(o);
	} else {
		printf("%s unblocked\n", shown);
	}
	return 0;
}
