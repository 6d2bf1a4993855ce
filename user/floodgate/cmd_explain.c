// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* floodgate explain ADDR: what the datapath would do now with a packet
 * from ADDR, and why (DESIGN.md §9). The maps read here; the steps in
 * user/lib/explain.c. */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "explain.h"
#include "snapshot.h"
#include "units.h"

struct reader {
	struct fg_maps *m;
	__u32 cfg_slot;
};

struct best_entry {
	const struct fg_cidr *host;
	struct fg_cidr prefix;
	__u32 value;
	bool found;
};

static int keep_covering(const struct fg_cidr *c, __u32 value, void *arg)
{
	struct best_entry *b = arg;

	if (fg_cidr_covers(c, b->host) &&
	    (!b->found || c->prefixlen > b->prefix.prefixlen)) {
		b->prefix = *c;
		b->value = value;
		b->found = true;
	}
	return 0;
}

/* The kernel's LPM lookup gives the value the datapath acts on but not
 * the prefix it belongs to: the walk finds that. */
static int read_list(void *arg, const struct fg_cidr *host,
		     struct fg_cidr *prefix, __u32 *value)
{
	struct reader *r = arg;
	struct best_entry b = {.host = host};

	if (fg_list_walk(r->m, keep_covering, &b) || !b.found)
		return -ENOENT;
	*prefix = b.prefix;
	*value = b.value;
	return 0;
}

static __u32 read_dest_set(void *arg, const __u8 addr[16])
{
	struct reader *r = arg;
	struct fg_dest_key k = {.prefixlen = 8 + 128,
				.cfg_slot = (__u8)r->cfg_slot};
	__u32 v;

	memcpy(k.addr, addr, sizeof(k.addr));
	return bpf_map_lookup_elem(r->m->dests, &k, &v) ? 0 : v & 0x7u;
}

static int read_source(void *arg, const struct fg_src_key *k,
		       struct fg_src_state *out)
{
	return bpf_map_lookup_elem(((struct reader *)arg)->m->sources, k, out)
		   ? -ENOENT
		   : 0;
}

static int read_aggregate(void *arg, const struct fg_src_key *k,
			  struct fg_src_state *out)
{
	return bpf_map_lookup_elem(((struct reader *)arg)->m->aggregates, k,
				   out)
		   ? -ENOENT
		   : 0;
}

static int read_blocked(void *arg, const struct fg_src_key *k,
			struct fg_block *out)
{
	return bpf_map_lookup_elem(((struct reader *)arg)->m->blocked, k, out)
		   ? -ENOENT
		   : 0;
}

static int read_fleet_blocked(void *arg, const struct fg_src_key *k,
			      struct fg_block *out)
{
	return bpf_map_lookup_elem(((struct reader *)arg)->m->fleet_blocked, k,
				   out)
		   ? -ENOENT
		   : 0;
}

static int read_admit(void *arg, __u64 *tat)
{
	struct fg_admit_state a;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(((struct reader *)arg)->m->admit, &zero, &a))
		return -ENOENT;
	*tat = a.tat;
	return 0;
}

/* bpf_ktime_get_coarse_ns() reads this clock (bpf/clock.h). */
static __u64 coarse_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static const char *const dim_names[FG_DIM_COUNT] = {
    [FG_DIM_PACKETS] = "packets",
    [FG_DIM_BYTES] = "bytes",
    [FG_DIM_CONNECTIONS] = "connections",
};

static const char *list_action_name(__u32 a)
{
	return a == FG_LIST_DENY ? "deny" : a == FG_LIST_ALLOW ? "allow" : NULL;
}

static const char *class_name(const struct fg_meta *meta, __u32 id)
{
	return id && id < FG_CLASS_SLOTS && meta->class_names[id][0]
		   ? meta->class_names[id]
		   : NULL;
}

static const char *proto_name(unsigned int pclass)
{
	return pclass == FG_PCLASS_UDP	  ? "udp"
	       : pclass == FG_PCLASS_ICMP ? "icmp"
					  : "tcp";
}

static json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static json_object *dims_json(const struct fg_explain_dim *dim)
{
	json_object *arr = json_object_new_array();

	for (int d = 0; d < FG_DIM_COUNT; d++) {
		json_object *o;

		if (!dim[d].limited)
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "dimension",
				       json_object_new_string(dim_names[d]));
		json_object_object_add(o, "tokens",
				       json_object_new_uint64(dim[d].tokens));
		json_object_object_add(o, "burst",
				       json_object_new_uint64(dim[d].burst));
		json_object_object_add(o, "applies",
				       json_object_new_boolean(dim[d].applies));
		json_object_object_add(
		    o, "conforms",
		    json_object_new_boolean(dim[d].applies && dim[d].conforms));
		json_object_object_add(
		    o, "wait_seconds",
		    json_object_new_double((double)dim[d].wait_ns / 1e9));
		json_object_array_add(arr, o);
	}
	return arr;
}

static json_object *block_json(const struct fg_explain_block *b,
			       const struct fg_meta *meta)
{
	json_object *o;

	if (!b->found)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(
	    o, "seconds_left",
	    json_object_new_double((double)b->left_ns / 1e9));
	json_object_object_add(
	    o, "rule",
	    json_object_new_string(b->rule_slot < FG_RULE_SLOTS
				       ? meta->rule_names[b->rule_slot]
				       : "?"));
	json_object_object_add(o, "in_force",
			       json_object_new_boolean(b->checked));
	return o;
}

struct shown {
	const struct fg_cmdline *a;
	const struct fg_ctl *ctl;
	const struct fg_meta *meta;
	const struct fg_explain *e;
	char src[80], key[80], dst[64], prefix[64];
};

static void print_json(const struct shown *x)
{
	const struct fg_explain *e = x->e;
	json_object *o = json_object_new_object(), *sw, *v, *part;

	json_object_object_add(o, "address", json_object_new_string(x->src));
	json_object_object_add(
	    o, "protocol",
	    json_object_new_string(proto_name(x->a->explain_pclass)));
	json_object_object_add(o, "port",
			       x->a->explain_pclass == FG_PCLASS_ICMP
				   ? NULL
				   : json_object_new_int(x->a->explain_port));
	json_object_object_add(
	    o, "destination",
	    x->a->explain_has_dst ? json_object_new_string(x->dst) : NULL);
	sw = json_object_new_object();
	json_object_object_add(sw, "enabled",
			       json_object_new_boolean(x->ctl->enabled));
	json_object_object_add(
	    sw, "mode",
	    json_object_new_string(x->ctl->dry_run ? "dry-run" : "enforce"));
	json_object_object_add(o, "switch", sw);
	part = NULL;
	if (e->listed) {
		__u32 own = e->list_value & FG_LIST_ACTION_MASK;
		__u32 own_class =
		    e->list_value >> FG_LIST_CLASS_SHIFT & FG_LIST_CLASS_MASK;

		part = json_object_new_object();
		json_object_object_add(part, "prefix",
				       json_object_new_string(x->prefix));
		json_object_object_add(
		    part, "from",
		    json_object_new_string(
			e->list_value & FG_LIST_FROM_CLI ? "cli" : "config"));
		json_object_object_add(part, "action",
				       str_or_null(list_action_name(own)));
		json_object_object_add(
		    part, "class", str_or_null(class_name(x->meta, own_class)));
		json_object_object_add(
		    part, "effective_action",
		    str_or_null(list_action_name(e->eff_action)));
		json_object_object_add(
		    part, "effective_class",
		    str_or_null(class_name(x->meta, e->eff_class)));
	}
	json_object_object_add(o, "list", part);
	if (e->stop != FG_EXPLAIN_STOP_NONE)
		goto verdict;
	json_object_object_add(o, "class",
			       str_or_null(class_name(x->meta, e->class_id)));
	json_object_object_add(o, "destination_set",
			       e->dest_used ? json_object_new_int64(e->dest_set)
					    : NULL);
	part = json_object_new_object();
	json_object_object_add(
	    part, "name",
	    json_object_new_string(x->meta->rule_names[e->rule_slot]));
	json_object_object_add(part, "slot",
			       json_object_new_int64(e->rule_slot));
	json_object_object_add(
	    part, "mode",
	    json_object_new_string(e->rule_dry_run ? "dry-run" : "enforce"));
	json_object_object_add(o, "rule", part);
	json_object_object_add(o, "key", json_object_new_string(x->key));
	json_object_object_add(o, "known", json_object_new_boolean(e->known));
	json_object_object_add(o, "dimensions", dims_json(e->dim));
	json_object_object_add(o, "aggregate",
			       e->has_agg ? dims_json(e->agg) : NULL);
	json_object_object_add(o, "admission_refuses",
			       json_object_new_boolean(e->admit_refuses));
	part = json_object_new_object();
	json_object_object_add(part, "rule", block_json(&e->box_rule, x->meta));
	json_object_object_add(part, "source",
			       block_json(&e->box_source, x->meta));
	json_object_object_add(o, "penalty_box", part);
	json_object_object_add(o, "fleet_block",
			       block_json(&e->fleet, x->meta));
verdict:
	v = json_object_new_object();
	json_object_object_add(
	    v, "action", json_object_new_string(fg_action_label(e->action)));
	json_object_object_add(
	    v, "reason", json_object_new_string(fg_reason_label(e->reason)));
	json_object_object_add(
	    v, "boxes_for_seconds",
	    e->would_box ? json_object_new_double((double)e->box_ns / 1e9)
			 : NULL);
	json_object_object_add(v, "reset",
			       json_object_new_boolean(e->would_rst));
	json_object_object_add(o, "verdict", v);
	cli_json_print(o);
}

static void print_block(const char *what, const struct fg_explain_block *b,
			const struct fg_meta *meta)
{
	if (!b->found) {
		printf("%-13s none\n", what);
		return;
	}
	printf(
	    "%-13s %.1f s left (rule %s)%s\n", what, (double)b->left_ns / 1e9,
	    b->rule_slot < FG_RULE_SLOTS ? meta->rule_names[b->rule_slot] : "?",
	    b->checked ? "" : ", not checked by the datapath now");
}

static void print_dims(const char *prefix, const struct fg_explain_dim *dim)
{
	for (int d = 0; d < FG_DIM_COUNT; d++) {
		if (!dim[d].limited)
			continue;
		printf("%s%-*s %llu of %llu left", prefix,
		       (int)(13 - strlen(prefix)), dim_names[d],
		       (unsigned long long)dim[d].tokens,
		       (unsigned long long)dim[d].burst);
		if (!dim[d].applies)
			printf(", not charged for this packet\n");
		else if (dim[d].wait_ns)
			printf(", next conforms in %.3f s\n",
			       (double)dim[d].wait_ns / 1e9);
		else
			printf(", conforms now\n");
	}
}

static void print_text(const struct shown *x)
{
	const struct fg_explain *e = x->e;

	printf("%-13s %s, %s", "packet", x->src,
	       proto_name(x->a->explain_pclass));
	if (x->a->explain_pclass != FG_PCLASS_ICMP)
		printf(" port %u", x->a->explain_port);
	if (x->a->explain_has_dst)
		printf(" to %s", x->dst);
	printf("\n%-13s %s, mode %s\n", "switch",
	       x->ctl->enabled ? "enabled" : "disabled (passes everything)",
	       x->ctl->dry_run ? "dry-run" : "enforce");
	if (e->listed) {
		const char *own =
		    list_action_name(e->list_value & FG_LIST_ACTION_MASK);
		const char *cls =
		    class_name(x->meta, e->list_value >> FG_LIST_CLASS_SHIFT &
					    FG_LIST_CLASS_MASK);

		printf("%-13s %s %s%s%s (%s)", "list entry", x->prefix,
		       own ? own : "", own && cls ? ", class " : "",
		       cls ? cls : "",
		       e->list_value & FG_LIST_FROM_CLI ? "from the CLI"
							: "from the config");
		if (e->eff_action &&
		    e->eff_action != (e->list_value & FG_LIST_ACTION_MASK))
			printf(", inside a %s prefix",
			       list_action_name(e->eff_action));
		printf("\n");
	} else if (e->stop != FG_EXPLAIN_STOP_DISABLED) {
		printf("%-13s none\n", "list entry");
	}
	if (e->stop == FG_EXPLAIN_STOP_NONE) {
		const char *cls = class_name(x->meta, e->class_id);

		printf("%-13s %s\n", "class", cls ? cls : "none");
		if (e->dest_used)
			printf("%-13s %u%s\n", "destinations", e->dest_set,
			       x->a->explain_has_dst
				   ? ""
				   : " (no --dst: rules with destinations "
				     "not matched)");
		printf("%-13s %s (slot %u, %s)\n", "rule",
		       x->meta->rule_names[e->rule_slot], e->rule_slot,
		       e->rule_dry_run ? "dry-run" : "enforce");
		printf("%-13s %s%s\n", "key", x->key,
		       e->known ? ""
				: " (new source: admission applies; a fresh "
				  "bucket holds a full burst)");
		print_dims("", e->dim);
		if (e->has_agg)
			print_dims("aggregate ", e->agg);
		if (e->admit_refuses)
			printf("%-13s refuses new sources now\n", "admission");
		print_block("box (rule)", &e->box_rule, x->meta);
		print_block("box (source)", &e->box_source, x->meta);
		print_block("fleet block", &e->fleet, x->meta);
	}
	printf("%-13s %s (%s)", "verdict", fg_action_label(e->action),
	       fg_reason_label(e->reason));
	if (e->would_rst)
		printf(", answered with a RST");
	if (e->would_box)
		printf(", boxes the source for %.1f s",
		       (double)e->box_ns / 1e9);
	printf("\n");
}

int cmd_explain(struct cli *c, const struct fg_cmdline *a)
{
	struct fg_explain_query q = {.src = a->cidr,
				     .has_dst = a->explain_has_dst,
				     .pclass = a->explain_pclass,
				     .port = a->explain_port,
				     .len = FG_EXPLAIN_LEN_DEFAULT};
	struct fg_rule_match *match;
	struct fg_config cfg;
	struct fg_meta meta;
	struct fg_ctl ctl;
	struct fg_explain e;
	struct reader r;
	struct shown x = {.a = a, .ctl = &ctl, .meta = &meta, .e = &e};
	__u32 port_key;
	int rc;

	rc = cli_open(c);
	if (rc)
		return rc;
	ctl = *c->maps.ctl_mem;
	r.m = &c->maps;
	r.cfg_slot = ctl.cfg_slot;
	match = calloc(1, sizeof(*match));
	if (!match)
		return cli_err(c, 1, "out of memory");
	port_key = r.cfg_slot << 16 | a->explain_port;
	if (bpf_map_lookup_elem(c->maps.cfg, &r.cfg_slot, &cfg) ||
	    bpf_map_lookup_elem(c->maps.meta, &r.cfg_slot, &meta) ||
	    bpf_map_lookup_elem(c->maps.rule_table, &r.cfg_slot,
				&match->table) ||
	    bpf_map_lookup_elem(c->maps.ports, &port_key,
				&match->ports[a->explain_port])) {
		rc = errno;
		free(match);
		return cli_err(c, 1, "reading the live config: %s",
			       strerror(rc));
	}
	memcpy(q.dst, a->explain_dst.addr, sizeof(q.dst));
	{
		const struct fg_explain_state s = {
		    .ctl = &ctl,
		    .cfg = &cfg,
		    .meta = &meta,
		    .match = match,
		    .now = coarse_now_ns(),
		    .rd = {.arg = &r,
			   .list = read_list,
			   .dest_set = read_dest_set,
			   .source = read_source,
			   .aggregate = read_aggregate,
			   .blocked = read_blocked,
			   .fleet_blocked = read_fleet_blocked,
			   .admit = read_admit},
		};

		fg_explain_run(&s, &q, &e);
	}
	free(match);
	fg_format_addr(a->cidr.addr, x.src, sizeof(x.src));
	fg_format_addr(a->explain_dst.addr, x.dst, sizeof(x.dst));
	fg_format_cidr(&e.list_prefix, x.prefix, sizeof(x.prefix));
	fg_format_source((const __u8 *)e.key.addr, meta.ipv4_prefix,
			 meta.ipv6_prefix, x.key, sizeof(x.key));
	if (c->json)
		print_json(&x);
	else
		print_text(&x);
	return 0;
}
