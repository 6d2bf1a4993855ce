// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Config loading and validation (user/lib/config.c). Runs from the repo
 * root: it loads user/floodgated/floodgate.example.yaml. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

#define MS 1000000ULL
#define S 1000000000ULL
#define M (60 * S)
#define H (3600 * S)
#define EXAMPLE "user/floodgated/floodgate.example.yaml"

static int load(const char *yaml, struct fg_settings *s, char *err)
{
	return fg_config_load_string(yaml, strlen(yaml), "t.yaml", s, err,
				     FG_ERR_MAX);
}

/* Loads yaml, which must be valid; the caller frees s. */
static void load_ok(const char *yaml, struct fg_settings *s)
{
	char err[FG_ERR_MAX] = "";

	if (load(yaml, s, err))
		fail_msg("unexpected error: %s", err);
	assert_string_equal(err, "");
}

static void assert_rate(const struct fg_dim_limit *d, __u64 amount,
			__u64 per_ns, __u64 burst)
{
	assert_int_equal(d->rate.amount, amount);
	if (amount)
		assert_int_equal(d->rate.per_ns, per_ns);
	assert_int_equal(d->burst, burst);
}

static void assert_cidr(const struct fg_cidr *c, const char *text)
{
	char buf[64];

	fg_format_cidr(c, buf, sizeof(buf));
	assert_string_equal(buf, text);
}

/* Everything fg_config_defaults() promises. */
static void assert_defaults(const struct fg_settings *s)
{
	assert_int_equal(s->nifaces, 0);
	assert_int_equal(s->xdp_mode, FG_XDP_AUTO);
	assert_true(s->enabled);
	assert_false(s->dry_run);
	assert_false(s->malformed_drop);
	assert_false(s->detach_on_exit);
	assert_string_equal(s->metrics_listen, "127.0.0.1:9470");
	assert_int_equal(s->top_sources, 0);
	assert_int_equal(s->max_sources, 262144);
	assert_int_equal(s->ipv4_prefix, 32);
	assert_int_equal(s->ipv6_prefix, 64);
	assert_rate(&s->defaults[FG_DIM_PACKETS], 1000, S, 2000);
	assert_rate(&s->defaults[FG_DIM_BYTES], 0, 0, 0);
	assert_rate(&s->defaults[FG_DIM_CONNECTIONS], 0, 0, 0);
	assert_int_equal(s->nrules, 0);
	assert_int_equal(s->nallow, 2);
	assert_cidr(&s->allow[0], "127.0.0.0/8");
	assert_true(s->allow[0].is_v4);
	assert_int_equal(s->allow[0].prefixlen, 104);
	assert_cidr(&s->allow[1], "::1/128");
	assert_false(s->allow[1].is_v4);
	assert_int_equal(s->ndeny, 0);
	assert_null(s->deny);
}

static void test_defaults(void **state)
{
	struct fg_settings s;

	(void)state;
	fg_config_defaults(&s);
	assert_defaults(&s);
	fg_config_free(&s);
	assert_null(s.allow);
	assert_int_equal(s.nallow, 0);
	fg_config_free(&s); /* twice is harmless */
}

static void test_empty_documents(void **state)
{
	static const char *const docs[] = {
	    "",
	    "{}",
	    "# only a comment\n",
	    "---\n",
	    "~\n",
	    "---\n{}\n...\n",
	    "metrics:\ntable: {}\nlimits:\nrules:\nlists: {}\n",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		struct fg_settings s;

		load_ok(docs[i], &s);
		assert_defaults(&s);
		fg_config_free(&s);
	}
}

static void test_example_file(void **state)
{
	char err[FG_ERR_MAX] = "x";
	const struct fg_rule_spec *r;
	struct fg_settings s;

	(void)state;
	if (fg_config_load_file(EXAMPLE, &s, err, sizeof(err)))
		fail_msg("%s", err);
	assert_string_equal(err, "");
	assert_int_equal(s.nifaces, 1);
	assert_string_equal(s.ifaces[0], "eth0");
	assert_int_equal(s.xdp_mode, FG_XDP_AUTO);
	assert_true(s.enabled);
	assert_false(s.dry_run);
	assert_false(s.malformed_drop);
	assert_false(s.detach_on_exit);
	assert_string_equal(s.metrics_listen, "127.0.0.1:9470");
	assert_int_equal(s.top_sources, 0);
	assert_int_equal(s.max_sources, 262144);
	assert_int_equal(s.ipv4_prefix, 32);
	assert_int_equal(s.ipv6_prefix, 64);
	assert_rate(&s.defaults[FG_DIM_PACKETS], 1000, S, 2000);
	assert_rate(&s.defaults[FG_DIM_BYTES], 0, 0, 0);
	assert_rate(&s.defaults[FG_DIM_CONNECTIONS], 0, 0, 0);

	assert_int_equal(s.nrules, 3);
	r = &s.rules[0];
	assert_string_equal(r->name, "http");
	assert_int_equal(r->protocol, FG_PROTO_TCP);
	assert_int_equal(r->nports, 3);
	assert_int_equal(r->ports[0].first, 80);
	assert_int_equal(r->ports[0].last, 80);
	assert_int_equal(r->ports[1].first, 443);
	assert_int_equal(r->ports[2].first, 8000);
	assert_int_equal(r->ports[2].last, 8099);
	assert_rate(&r->dim[FG_DIM_PACKETS], 200, S, 400);
	assert_rate(&r->dim[FG_DIM_BYTES], 0, 0, 0);
	assert_rate(&r->dim[FG_DIM_CONNECTIONS], 20, S, 40);
	assert_int_equal(r->block_ns, 30 * S);
	assert_int_equal(r->action, FG_RULE_ACTION_DROP);
	assert_true(r->aggregate.enabled);
	assert_int_equal(r->aggregate.ipv4_prefix, 24);
	assert_int_equal(r->aggregate.ipv6_prefix, 48);
	assert_rate(&r->aggregate.dim[FG_DIM_PACKETS], 5000, S, 5000);

	r = &s.rules[1];
	assert_string_equal(r->name, "dns");
	assert_int_equal(r->protocol, FG_PROTO_UDP);
	assert_int_equal(r->nports, 1);
	assert_int_equal(r->ports[0].first, 53);
	assert_rate(&r->dim[FG_DIM_PACKETS], 50, S, 50);
	assert_rate(&r->dim[FG_DIM_BYTES], 64000, S, 128000);
	assert_false(r->aggregate.enabled);

	r = &s.rules[2];
	assert_string_equal(r->name, "ping");
	assert_int_equal(r->protocol, FG_PROTO_ICMP);
	assert_int_equal(r->nports, 0);
	assert_rate(&r->dim[FG_DIM_PACKETS], 10, S, 10);

	assert_int_equal(s.nallow, 2);
	assert_cidr(&s.allow[0], "127.0.0.0/8");
	assert_cidr(&s.allow[1], "::1/128");
	assert_int_equal(s.ndeny, 0);
	fg_config_free(&s);
}

static const char full_doc[] = "interfaces: [eth0, \"veth-fg.1\"]\n"
			       "xdp_mode: native\n"
			       "enabled: false\n"
			       "mode: dry-run\n"
			       "malformed: drop\n"
			       "detach_on_exit: true\n"
			       "metrics:\n"
			       "  listen: \"[::1]:9100\"\n"
			       "  top_sources: 10\n"
			       "table:\n"
			       "  max_sources: 1024\n"
			       "  ipv4_prefix: 24\n"
			       "  ipv6_prefix: 56\n"
			       "limits:\n"
			       "  packets: 12000/m\n"
			       "  burst_packets: 300\n"
			       "  bytes: 80Mbit/s\n"
			       "  burst_bytes: 1MB\n"
			       "  new_connections: 5/s\n"
			       "  burst_connections: 10\n"
			       "rules:\n"
			       "  - name: http\n"
			       "    protocol: tcp\n"
			       "    ports: [80, 443, \"8000-8099\"]\n"
			       "    packets: 200/s\n"
			       "    burst_packets: 400\n"
			       "    bytes: 10MB/s\n"
			       "    burst_bytes: 64KB\n"
			       "    new_connections: 20/s\n"
			       "    burst_connections: 40\n"
			       "    block: 30s\n"
			       "    action: reset\n"
			       "    aggregate:\n"
			       "      ipv4_prefix: 16\n"
			       "      ipv6_prefix: 40\n"
			       "      packets: 5000/s\n"
			       "      burst_packets: 6000\n"
			       "      bytes: 1GB/h\n"
			       "      burst_bytes: 2MB\n"
			       "      new_connections: 100/s\n"
			       "      burst_connections: 150\n"
			       "  - name: dns.udp_53\n"
			       "    protocol: udp\n"
			       "    ports:\n"
			       "      - 53\n"
			       "      - 5353-5354\n"
			       "    packets: 1/h\n"
			       "    block: 500ms\n"
			       "  - name: Ping-1\n"
			       "    protocol: icmp\n"
			       "    bytes: 512KB/s\n"
			       "    aggregate: {packets: 10/s}\n"
			       "  - name: rest\n"
			       "lists:\n"
			       "  allow: [198.51.100.7, \"2001:db8::/32\"]\n"
			       "  deny:\n"
			       "    - 203.0.113.0/24\n"
			       "    - \"2001:db8:1::1\"\n"
			       "    - 0.0.0.0/0\n";

static void test_full_document(void **state)
{
	const struct fg_rule_spec *r;
	struct fg_settings s;

	(void)state;
	load_ok(full_doc, &s);
	assert_int_equal(s.nifaces, 2);
	assert_string_equal(s.ifaces[0], "eth0");
	assert_string_equal(s.ifaces[1], "veth-fg.1");
	assert_int_equal(s.xdp_mode, FG_XDP_NATIVE);
	assert_false(s.enabled);
	assert_true(s.dry_run);
	assert_true(s.malformed_drop);
	assert_true(s.detach_on_exit);
	assert_string_equal(s.metrics_listen, "[::1]:9100");
	assert_int_equal(s.top_sources, 10);
	assert_int_equal(s.max_sources, 1024);
	assert_int_equal(s.ipv4_prefix, 24);
	assert_int_equal(s.ipv6_prefix, 56);
	assert_rate(&s.defaults[FG_DIM_PACKETS], 12000, M, 300);
	assert_rate(&s.defaults[FG_DIM_BYTES], 10000000, S, 1000000);
	assert_rate(&s.defaults[FG_DIM_CONNECTIONS], 5, S, 10);

	assert_int_equal(s.nrules, 4);
	r = &s.rules[0];
	assert_string_equal(r->name, "http");
	assert_int_equal(r->protocol, FG_PROTO_TCP);
	assert_int_equal(r->nports, 3);
	assert_int_equal(r->ports[0].first, 80);
	assert_int_equal(r->ports[0].last, 80);
	assert_int_equal(r->ports[1].first, 443);
	assert_int_equal(r->ports[1].last, 443);
	assert_int_equal(r->ports[2].first, 8000);
	assert_int_equal(r->ports[2].last, 8099);
	assert_rate(&r->dim[FG_DIM_PACKETS], 200, S, 400);
	assert_rate(&r->dim[FG_DIM_BYTES], 10000000, S, 64000);
	assert_rate(&r->dim[FG_DIM_CONNECTIONS], 20, S, 40);
	assert_int_equal(r->block_ns, 30 * S);
	assert_int_equal(r->action, FG_RULE_ACTION_RESET);
	assert_true(r->aggregate.enabled);
	assert_int_equal(r->aggregate.ipv4_prefix, 16);
	assert_int_equal(r->aggregate.ipv6_prefix, 40);
	assert_rate(&r->aggregate.dim[FG_DIM_PACKETS], 5000, S, 6000);
	assert_rate(&r->aggregate.dim[FG_DIM_BYTES], 1000000000, H, 2000000);
	assert_rate(&r->aggregate.dim[FG_DIM_CONNECTIONS], 100, S, 150);

	r = &s.rules[1];
	assert_string_equal(r->name, "dns.udp_53");
	assert_int_equal(r->protocol, FG_PROTO_UDP);
	assert_int_equal(r->nports, 2);
	assert_int_equal(r->ports[0].first, 53);
	assert_int_equal(r->ports[0].last, 53);
	assert_int_equal(r->ports[1].first, 5353);
	assert_int_equal(r->ports[1].last, 5354);
	/* one second of 1/h, rounded up */
	assert_rate(&r->dim[FG_DIM_PACKETS], 1, H, 1);
	assert_rate(&r->dim[FG_DIM_BYTES], 0, 0, 0);
	assert_rate(&r->dim[FG_DIM_CONNECTIONS], 0, 0, 0);
	assert_int_equal(r->block_ns, 500000000ULL);
	assert_int_equal(r->action, FG_RULE_ACTION_DROP);
	assert_false(r->aggregate.enabled);

	r = &s.rules[2];
	assert_string_equal(r->name, "Ping-1");
	assert_int_equal(r->protocol, FG_PROTO_ICMP);
	assert_int_equal(r->nports, 0);
	assert_rate(&r->dim[FG_DIM_PACKETS], 0, 0, 0);
	assert_rate(&r->dim[FG_DIM_BYTES], 512000, S, 512000);
	assert_int_equal(r->block_ns, 0);
	assert_true(r->aggregate.enabled);
	assert_int_equal(r->aggregate.ipv4_prefix, 24);
	assert_int_equal(r->aggregate.ipv6_prefix, 48);
	assert_rate(&r->aggregate.dim[FG_DIM_PACKETS], 10, S, 10);
	assert_rate(&r->aggregate.dim[FG_DIM_BYTES], 0, 0, 0);

	r = &s.rules[3];
	assert_string_equal(r->name, "rest");
	assert_int_equal(r->protocol, FG_PROTO_ANY);
	assert_int_equal(r->nports, 0);
	for (int d = 0; d < FG_DIM_COUNT; d++)
		assert_rate(&r->dim[d], 0, 0, 0);
	assert_false(r->aggregate.enabled);

	/* lists.allow replaces the default list */
	assert_int_equal(s.nallow, 2);
	assert_cidr(&s.allow[0], "198.51.100.7/32");
	assert_true(s.allow[0].is_v4);
	assert_int_equal(s.allow[0].prefixlen, 128);
	assert_cidr(&s.allow[1], "2001:db8::/32");
	assert_int_equal(s.allow[1].prefixlen, 32);
	assert_int_equal(s.ndeny, 3);
	assert_cidr(&s.deny[0], "203.0.113.0/24");
	assert_int_equal(s.deny[0].prefixlen, 120);
	assert_cidr(&s.deny[1], "2001:db8:1::1/128");
	assert_cidr(&s.deny[2], "0.0.0.0/0");
	assert_int_equal(s.deny[2].prefixlen, 96);
	fg_config_free(&s);
}

/* A document only overrides what it names. */
/* Classes may come after the rules that name them; limits_scale in
 * thousandths; a rule's mode and destinations. */
static void test_classes(void **state)
{
	struct fg_settings s;

	(void)state;
	load_ok("rules:\n  - name: a\n    sources: [y, x]\n    mode: dry-run\n"
		"    destinations: [192.0.2.1, \"2001:db8::1\"]\n"
		"classes:\n  x: {cidrs: [192.0.2.0/24, \"2001:db8:1::/48\"]}\n"
		"  y: {limits_scale: 0.5}\n",
		&s);
	assert_int_equal(s.nclasses, 2);
	assert_string_equal(s.classes[0].name, "x");
	assert_int_equal(s.classes[0].limits_scale, FG_SCALE_ONE);
	assert_int_equal(s.classes[1].limits_scale, 500);
	assert_int_equal(s.rules[0].sources, (1u << 1) | (1u << 2));
	assert_true(s.rules[0].dry_run);
	assert_int_equal(s.rules[0].ndests, 2);
	assert_int_equal(s.rules[0].dests[0].prefixlen, 128);
	assert_int_equal(s.nclass_entries, 2);
	assert_int_equal(s.class_entries[0].class_id, 1);
	fg_config_free(&s);
	load_ok("classes:\n  big: {limits_scale: 1000}\n", &s);
	assert_int_equal(s.classes[0].limits_scale, 1000 * FG_SCALE_ONE);
	fg_config_free(&s);
}

/* A class's files: read with the lists' parser, entries of that class,
 * the paths kept for the watcher; a bad line names file:line. */
static void test_class_files(void **state)
{
	char dir[] = "/tmp/fg-cfgclass.XXXXXX", path[64], doc[256];
	char err[FG_ERR_MAX] = "";
	struct fg_settings s;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/office.txt", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("# office egress\n198.51.100.0/28\n2001:db8:100::/48 ; v6\n", f);
	fclose(f);
	snprintf(doc, sizeof(doc),
		 "classes:\n  office: {cidrs: [192.0.2.0/28], files: [%s]}\n",
		 path);
	load_ok(doc, &s);
	assert_int_equal(s.nclass_entries, 3);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(s.class_entries[i].class_id, 1);
	assert_int_equal(s.class_files.n, 1);
	assert_string_equal(s.class_files.path[0], path);
	fg_config_free(&s);

	f = fopen(path, "a");
	assert_non_null(f);
	fputs("198.51.100.999\n", f);
	fclose(f);
	assert_int_equal(load(doc, &s, err), -EINVAL);
	if (!strstr(err, "classes.office.files[0]: ") ||
	    !strstr(err, "office.txt:4: \"198.51.100.999\""))
		fail_msg("got: %s", err);
	unlink(path);
	rmdir(dir);
}

static void test_partial_overrides(void **state)
{
	struct fg_settings s;

	(void)state;
	load_ok("limits: {burst_packets: 500}\n", &s);
	assert_rate(&s.defaults[FG_DIM_PACKETS], 1000, S, 500);
	assert_int_equal(s.nallow, 2);
	fg_config_free(&s);

	/* A new rate brings its own default burst: one second's worth. */
	load_ok("limits: {packets: 300/s}\n", &s);
	assert_rate(&s.defaults[FG_DIM_PACKETS], 300, S, 300);
	fg_config_free(&s);

	load_ok("limits:\n  packets: 0\n  burst_packets: 9\n", &s);
	assert_rate(&s.defaults[FG_DIM_PACKETS], 0, 0, 0);
	fg_config_free(&s);

	/* Byte bursts default to at least 64 KiB; rounding is upward. */
	load_ok("limits: {bytes: 1KB/s, new_connections: 7/m}\n", &s);
	assert_rate(&s.defaults[FG_DIM_BYTES], 1000, S, 65536);
	assert_rate(&s.defaults[FG_DIM_CONNECTIONS], 7, M, 1);
	assert_rate(&s.defaults[FG_DIM_PACKETS], 1000, S, 2000);
	fg_config_free(&s);

	load_ok("limits: {bytes: 100bit/s, packets: 90/m}\n", &s);
	assert_rate(&s.defaults[FG_DIM_BYTES], 25, 2 * S, 65536);
	assert_rate(&s.defaults[FG_DIM_PACKETS], 90, M, 2);
	fg_config_free(&s);

	load_ok("metrics: {listen: \"\"}\nlists: {allow: []}\n", &s);
	assert_string_equal(s.metrics_listen, "");
	assert_int_equal(s.nallow, 0);
	assert_string_equal(s.ifaces[0], "");
	fg_config_free(&s);

	load_ok("metrics: {listen: \"localhost:1\"}\nlists: {deny: "
		"[192.0.2.0/24]}\n",
		&s);
	assert_string_equal(s.metrics_listen, "localhost:1");
	assert_int_equal(s.nallow, 2); /* deny alone keeps the allow list */
	assert_int_equal(s.ndeny, 1);
	fg_config_free(&s);

	/* Booleans take YAML 1.2 spellings; quoted scalars are read too. */
	load_ok("enabled: FALSE\ndetach_on_exit: \"True\"\n", &s);
	assert_false(s.enabled);
	assert_true(s.detach_on_exit);
	fg_config_free(&s);
}

struct bad_doc {
	const char *yaml;
	const char *want; /* substring of the error */
};

/* Each names LINE:COL and the key path the error must carry. */
static const struct bad_doc bad_docs[] = {
    /* DESIGN.md §9: classes, sources, destinations, a rule's mode */
    {"classes:\n  office: {cidrs: [198.51.100.0/24], limits_scale: 10}\n"
     "rules:\n  - name: a\n    sources: [offce]\n",
     "t.yaml:5:15: rules[0].sources[0]: \"offce\": no such class"},
    {"classes:\n  office: {cidrs: [198.51.100.0/24], limits_scale: 0}\n",
     "t.yaml:2:52: classes.office.limits_scale: \"0\": expected a number "
     "from 0.001 to 1000"},
    {"classes:\n  o: {limits_scale: 1.2345}\n",
     "t.yaml:2:21: classes.o.limits_scale: \"1.2345\": expected a number"},
    /* a scaled default is a limit like any other: checked in 128 bits
     * (this one wrapped to 0.05 B/s in 64), where limits_scale is */
    {"limits: {bytes: 18446744073711bit/h}\n"
     "classes:\n  big: {limits_scale: 1000}\n",
     "t.yaml:3:23: classes.big.limits_scale: 1000.000 times limits.bytes "
     "(18446744073711bit/h) is "},
    {"limits: {bytes: 18446744073711bit/h}\n"
     "classes:\n  big: {limits_scale: 1000}\n",
     "too fast, at most 1GB/s"},
    {"limits: {packets: 20000/s}\nclasses:\n  big: {limits_scale: 1000}\n",
     "t.yaml:3:23: classes.big.limits_scale: 1000.000 times limits.packets "
     "(20000/s) is 20000000/s: too fast, at most 10000000/s"},
    {"limits: {bytes: 28799999999999bit/h}\n"
     "classes:\n  big: {limits_scale: 999.997}\n",
     "t.yaml:3:23: classes.big.limits_scale: 999.997 times limits.bytes "
     "(28799999999999bit/h) does not fit 64 bits"},
    {"classes:\n  a: {cidrs: [198.51.100.0/24]}\n  b: {cidrs: "
     "[198.51.100.0/24]}\n",
     "classes: 198.51.100.0/24 is in classes a and b; a prefix belongs to "
     "one class"},
    {"classes:\n  a: {cidrz: [198.51.100.0/24]}\n",
     "t.yaml:2:7: classes.a.cidrz: unknown key; allowed: cidrs, files, "
     "limits_scale"},
    {"rules:\n  - name: a\n    mode: shadow\n",
     "t.yaml:3:11: rules[0].mode: \"shadow\": expected enforce or dry-run"},
    {"rules:\n  - name: a\n    destinations: [300.1.1.1]\n",
     "t.yaml:3:20: rules[0].destinations[0]: \"300.1.1.1\": expected an "
     "address or CIDR"},
    {"rules:\n  - name: a\n    sources: []\n",
     "t.yaml:3:5: rules[0].sources: an empty list; leave sources out"},
    /* keys and types */
    {"foo: 1\n",
     "t.yaml:1:1: foo: unknown key; allowed: interfaces, xdp_mode, "
     "enabled, mode, malformed, detach_on_exit, metrics, table, limits, "
     "rules, lists"},
    {"limits: {pakets: 1}\n",
     "t.yaml:1:10: limits.pakets: unknown key; allowed: packets, "
     "burst_packets, bytes"},
    {"hello\n", "t.yaml:1:1: document: expected a mapping of keys, not "
		"a value"},
    {"- a\n", "document: expected a mapping of keys, not a list"},
    {"table: [1]\n",
     "t.yaml:1:9: table: expected a mapping of keys, not a list"},
    {"xdp_mode: [native]\n",
     "t.yaml:1:12: xdp_mode: expected a single value, not a list"},
    {"limits:\n  packets: {a: 1}\n",
     "t.yaml:2:13: limits.packets: expected a single value, not a "
     "mapping"},
    {"limits:\n  packets:\n", "t.yaml:2:3: limits.packets: missing "
			      "value"},
    {"detach_on_exit: &t true\nenabled: *t\n",
     "t.yaml:2:10: enabled: aliases are not supported"},
    {"? [a]\n: 1\n", "t.yaml:1:4: document: keys must be plain names"},
    /* top-level values */
    {"xdp_mode: fast\n",
     "t.yaml:1:11: xdp_mode: \"fast\": expected auto, native, generic or "
     "multiprog"},
    {"enabled: yes\n", "t.yaml:1:10: enabled: \"yes\": expected true or false"},
    {"mode: dryrun\n",
     "t.yaml:1:7: mode: \"dryrun\": expected enforce or dry-run"},
    {"malformed: reject\n",
     "t.yaml:1:12: malformed: \"reject\": expected pass or drop"},
    {"detach_on_exit: 1\n",
     "t.yaml:1:17: detach_on_exit: \"1\": expected true or false"},
    /* interfaces */
    {"interfaces: eth0\n", "t.yaml:1:13: interfaces: expected a list "
			   "like [eth0, eth1], not a value"},
    {"interfaces: [eth0, eth0]\n",
     "t.yaml:1:20: interfaces[1]: \"eth0\": listed twice"},
    {"interfaces:\n  - eth0\n  - averyveryverylongname\n",
     "t.yaml:3:5: interfaces[1]: \"averyveryverylongname\": an interface "
     "name is 1 to 15 characters"},
    {"interfaces: [\"eth 0\"]\n",
     "t.yaml:1:14: interfaces[0]: \"eth 0\": an interface name"},
    {"interfaces: [e0, e1, e2, e3, e4, e5, e6, e7, e8, e9, e10, e11, "
     "e12, e13, e14, e15, e16, e17, e18, e19, e20, e21, e22, e23, e24, "
     "e25, e26, e27, e28, e29, e30, e31, e32]\n",
     "t.yaml:1:164: interfaces[32]: at most 32 interfaces"},
    /* metrics and table */
    {"metrics: {listen: \"localhost\"}\n",
     "t.yaml:1:19: metrics.listen: \"localhost\": expected host:port "
     "like 127.0.0.1:9470 or [::1]:9470"},
    {"metrics:\n  listen: example.com:80\n",
     "t.yaml:2:11: metrics.listen: \"example.com:80\": expected "
     "host:port"},
    {"metrics:\n  listen: \"[::1]:0\"\n",
     "t.yaml:2:11: metrics.listen: \"[::1]:0\": the port is 1 to 65535"},
    {"metrics:\n  listen: \"::1:9470\"\n",
     "t.yaml:2:11: metrics.listen: \"::1:9470\": expected host:port"},
    {"metrics:\n  listen: \"[::1]:\"\n",
     "t.yaml:2:11: metrics.listen: \"[::1]:\": the port is 1 to 65535"},
    {"metrics:\n  listen: \"127.0.0.1:\"\n",
     "t.yaml:2:11: metrics.listen: \"127.0.0.1:\": the port is 1 to 65535"},
    {"metrics:\n  listen: \"[::1]:65536\"\n",
     "t.yaml:2:11: metrics.listen: \"[::1]:65536\": the port is 1 to "
     "65535"},
    {"metrics:\n  listen: \"[]:9470\"\n",
     "t.yaml:2:11: metrics.listen: \"[]:9470\": expected host:port"},
    {"metrics:\n  listen: \":9470\"\n",
     "t.yaml:2:11: metrics.listen: \":9470\": expected host:port"},
    {"metrics:\n  listen: \"[::1]9470\"\n",
     "t.yaml:2:11: metrics.listen: \"[::1]9470\": expected host:port"},
    {"metrics:\n  listen: \"[127.0.0.1]:80\"\n",
     "t.yaml:2:11: metrics.listen: \"[127.0.0.1]:80\": expected "
     "host:port"},
    {"metrics:\n  top_sources: 1001\n",
     "t.yaml:2:16: metrics.top_sources: \"1001\": expected a whole "
     "number from 0 to 1000"},
    {"table:\n  max_sources: 63\n",
     "t.yaml:2:16: table.max_sources: \"63\": expected a whole number "
     "from 64 to 16777216"},
    {"table:\n  max_sources: 16777217\n",
     "t.yaml:2:16: table.max_sources: \"16777217\""},
    {"table:\n  ipv4_prefix: 33\n",
     "t.yaml:2:16: table.ipv4_prefix: \"33\": expected a whole number "
     "from 0 to 32"},
    {"table:\n  ipv6_prefix: -1\n",
     "t.yaml:2:16: table.ipv6_prefix: \"-1\": expected a whole number"},
    /* limits */
    {"limits:\n  packets: 200\n",
     "t.yaml:2:12: limits.packets: \"200\": missing a period: expected "
     "a rate like 200/s, 12000/m or 1/h"},
    {"limits:\n  packets: 10MB/s\n",
     "t.yaml:2:12: limits.packets: \"10MB/s\": packet and connection "
     "rates take no size unit"},
    {"limits:\n  bytes: 10MB/d\n",
     "t.yaml:2:10: limits.bytes: \"10MB/d\": a rate's period is /s, /m "
     "or /h"},
    {"limits:\n  bytes: 10 MB/s\n",
     "t.yaml:2:10: limits.bytes: \"10 MB/s\": expected a rate like "
     "100/s, 10MB/s or 80Mbit/s"},
    {"limits:\n  burst_bytes: 100000\n",
     "t.yaml:2:16: limits.burst_bytes: burst_bytes needs bytes"},
    {"limits:\n  burst_connections: 5\n",
     "t.yaml:2:22: limits.burst_connections: burst_connections needs "
     "new_connections"},
    {"limits:\n  bytes: 10MB/s\n  burst_bytes: 1000\n",
     "t.yaml:3:16: limits.burst_bytes: \"1000\": at least 1518 bytes, or "
     "a full-size frame could never pass"},
    {"limits:\n  burst_packets: 0\n",
     "t.yaml:2:18: limits.burst_packets: \"0\": a burst is at least 1"},
    {"limits:\n  burst_packets: 1.5\n",
     "t.yaml:2:18: limits.burst_packets: \"1.5\": expected a whole "
     "number"},
    {"limits:\n  packets: 1/h\n  burst_packets: 18446744073709551615\n",
     "t.yaml:3:18: limits.burst_packets: 18446744073709551615: burst too "
     "large for this rate"},
    {"limits:\n  bytes: 1bit/h\n  burst_bytes: 1GB\n",
     "t.yaml:3:16: limits.burst_bytes: 1000000000: burst too large"},
    /* every rate and burst compiles to what it says, or is refused */
    {"limits:\n  packets: 10000001/s\n",
     "t.yaml:2:12: limits.packets: \"10000001/s\": too fast: at most "
     "10000000/s (600000000/m, 36000000000/h), as the datapath counts "
     "whole nanoseconds; 0 is no limit"},
    {"limits:\n  new_connections: 600000001/m\n",
     "t.yaml:2:20: limits.new_connections: \"600000001/m\": too fast: at "
     "most 10000000/s"},
    {"limits:\n  packets: 18446744073709551615/s\n",
     "t.yaml:2:12: limits.packets: \"18446744073709551615/s\": too fast"},
    {"limits:\n  bytes: 8000000001bit/s\n",
     "t.yaml:2:10: limits.bytes: \"8000000001bit/s\": too fast: at most "
     "1GB/s (8Gbit/s, 60GB/m), as the datapath counts whole nanoseconds; "
     "0 is no limit"},
    {"limits:\n  bytes: 10Gbit/s\n",
     "t.yaml:2:10: limits.bytes: \"10Gbit/s\": too fast"},
    {"limits:\n  packets: 1/h\n  burst_packets: 1281024\n",
     "t.yaml:3:18: limits.burst_packets: 1281024: burst too large for "
     "this rate (1/h): at most 1281023, 146 years' worth"},
    {"limits:\n  bytes: 1bit/h\n  burst_bytes: 160128\n",
     "t.yaml:3:16: limits.burst_bytes: 160128: burst too large for this "
     "rate (1bit/h): at most 160127, 146 years' worth"},
    {"table:\n  new_sources: 1/h\n  burst_new_sources: 5124096\n",
     "t.yaml:3:22: table.burst_new_sources: 5124096: burst too large for "
     "this rate (1/h): at most 1281023, 146 years' worth"},
    {"table:\n  burst_new_sources: 5124096\n  new_sources: 1/h\n",
     "t.yaml:2:22: table.burst_new_sources: 5124096: burst too large for "
     "this rate (1/h)"},
    {"table:\n  new_sources: 10000001/s\n",
     "t.yaml:2:16: table.new_sources: \"10000001/s\": too fast: at most "
     "10000000/s"},
    {"rules:\n  - name: a\n    bytes: 2GB/s\n",
     "t.yaml:3:12: rules[0].bytes: \"2GB/s\": too fast: at most 1GB/s"},
    {"rules:\n  - name: a\n    packets: 1/s\n    aggregate:\n"
     "      ipv4_prefix: 24\n      packets: 1/h\n"
     "      burst_packets: 1281024\n",
     "t.yaml:7:22: rules[0].aggregate.burst_packets: 1281024: burst too "
     "large for this rate (1/h): at most 1281023"},
    {"rules:\n  - name: a\n    packets: 1/s\n    aggregate:\n"
     "      ipv4_prefix: 24\n      new_connections: 20000000/s\n",
     "t.yaml:6:24: rules[0].aggregate.new_connections: \"20000000/s\": "
     "too fast"},
    /* rules */
    {"rules: {name: a}\n",
     "t.yaml:1:9: rules: expected a list like [{name: http, packets: "
     "200/s}], not a mapping"},
    {"rules:\n  - http\n",
     "t.yaml:2:5: rules[0]: expected a mapping of keys, not a value"},
    {"rules:\n  -\n", "t.yaml:1:1: rules[0]: an empty rule"},
    {"rules:\n  - name: a\n  - protocol: tcp\n    packets: 1/s\n",
     "t.yaml:3:5: rules[1]: a rule needs a name"},
    {"rules:\n  - name: default\n",
     "t.yaml:2:11: rules[0].name: \"default\": reserved for the default "
     "limits"},
    {"rules:\n  - name: a\n  - name: b\n  - name: a\n",
     "t.yaml:4:11: rules[2].name: \"a\": already used by rules[0]"},
    {"rules:\n  - name: web server\n",
     "t.yaml:2:11: rules[0].name: \"web server\": a rule name is 1 to 47 "
     "characters from A-Z a-z 0-9 _ . -"},
    {"rules:\n  - name: "
     "abcdefghijabcdefghijabcdefghijabcdefghijabcdefgh\n",
     "t.yaml:2:11: rules[0].name: "
     "\"abcdefghijabcdefghijabcdefghijabcdefghijabcdefgh\": a rule name "
     "is 1 to 47"},
    {"rules:\n  - name: a\n    protocl: tcp\n",
     "t.yaml:3:5: rules[0].protocl: unknown key; allowed: name, "
     "protocol, ports, packets"},
    {"rules:\n  - name: a\n    protocol: sctp\n",
     "t.yaml:3:15: rules[0].protocol: \"sctp\": expected tcp, udp, icmp "
     "or any"},
    {"rules:\n  - name: a\n    protocol: tcp\n    ports: [80, \"80-70\"]\n",
     "t.yaml:4:17: rules[0].ports: \"80-70\": range start above end"},
    {"rules:\n  - name: a\n  - name: b\n    ports:\n      - 0\n",
     "t.yaml:5:9: rules[1].ports: \"0\": a port is 1 to 65535"},
    {"rules:\n  - name: a\n    ports: [http]\n",
     "t.yaml:3:13: rules[0].ports: \"http\": expected a port like 80 or "
     "a range like 8000-8099"},
    {"rules:\n  - name: a\n    ports: 80\n",
     "t.yaml:3:12: rules[0].ports: expected a list like [80, 443, "
     "\"8000-8099\"], not a value"},
    {"rules:\n  - name: a\n    ports: []\n",
     "t.yaml:3:5: rules[0].ports: an empty list; leave ports out to "
     "match any port"},
    {"rules:\n  - name: a\n    ports: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, "
     "11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, "
     "28, 29, 30, 31, 32, 33]\n",
     "t.yaml:3:132: rules[0].ports: at most 32 port ranges per rule"},
    {"rules:\n  - name: p\n    ports: [80]\n    protocol: icmp\n",
     "t.yaml:3:13: rules[0].ports: ports need protocol tcp, udp or any "
     "(this rule is icmp)"},
    {"rules:\n  - name: d\n    protocol: udp\n    new_connections: 5/s\n",
     "t.yaml:4:22: rules[0].new_connections: new connections are TCP "
     "SYNs: needs protocol tcp or any (this rule is udp)"},
    {"rules:\n  - name: d\n    protocol: icmp\n"
     "    aggregate: {new_connections: 5/s}\n",
     "t.yaml:4:34: rules[0].aggregate.new_connections: new connections "
     "are TCP SYNs"},
    {"rules:\n  - name: d\n    action: reset\n",
     "t.yaml:3:13: rules[0].action: reset answers TCP SYNs: needs "
     "protocol tcp (this rule is any)"},
    {"rules:\n  - name: d\n    protocol: tcp\n    action: block\n",
     "t.yaml:4:13: rules[0].action: \"block\": expected drop or reset"},
    {"rules:\n  - name: d\n    block: 25h\n",
     "t.yaml:3:12: rules[0].block: \"25h\": at most 24h"},
    {"rules:\n  - name: d\n    block: 30\n",
     "t.yaml:3:12: rules[0].block: \"30\": expected a duration like "
     "500ms, 30s, 5m or 1h"},
    /* escalating block */
    {"rules:\n  - name: d\n    block: {first: 30s, repeat_factor: 17, "
     "max: 1h}\n",
     "t.yaml:3:40: rules[0].block.repeat_factor: \"17\": expected a whole "
     "number from 1 to 16"},
    {"rules:\n  - name: d\n    block: {first: 30s, repeat_factor: 0, "
     "max: 1h}\n",
     "t.yaml:3:40: rules[0].block.repeat_factor: \"0\": expected a whole "
     "number from 1 to 16"},
    {"rules:\n  - name: d\n    block: {first: 30s, repeat_factor: 1.5, "
     "max: 1h}\n",
     "t.yaml:3:40: rules[0].block.repeat_factor: \"1.5\": expected a whole "
     "number"},
    {"rules:\n  - name: d\n    block:\n      first: 2h\n      max: 1h\n",
     "t.yaml:5:12: rules[0].block.max: shorter than first"},
    {"rules:\n  - name: d\n    block: {first: 1s, max: 1m, widnow: 1h}\n",
     "t.yaml:3:33: rules[0].block.widnow: unknown key; allowed: first, "
     "repeat_factor, max, window"},
    {"rules:\n  - name: d\n    block: {first: 30s}\n",
     "t.yaml:3:13: rules[0].block: an escalating block needs first (the "
     "first box) and max (the longest)"},
    {"rules:\n  - name: d\n    block: {max: 1h}\n",
     "t.yaml:3:13: rules[0].block: an escalating block needs first"},
    {"rules:\n  - name: d\n    block: {}\n",
     "t.yaml:3:5: rules[0].block: an escalating block needs first"},
    {"rules:\n  - name: d\n    block: {first: 0, max: 1h}\n",
     "t.yaml:3:20: rules[0].block.first: 0 boxes nobody; for no box, write "
     "block: 0"},
    {"rules:\n  - name: d\n    block: {first: 1s, max: 25h}\n",
     "t.yaml:3:29: rules[0].block.max: \"25h\": at most 24h"},
    {"rules:\n  - name: d\n    block: {first: 1s, max: 1h, window: 2d}\n",
     "t.yaml:3:41: rules[0].block.window: \"2d\": expected a duration"},
    {"rules:\n  - name: d\n    block: [30s]\n",
     "t.yaml:3:13: rules[0].block: expected a single value, not a list"},
    {"rules:\n  - name: d\n    burst_packets: 10\n",
     "t.yaml:3:20: rules[0].burst_packets: burst_packets needs packets"},
    {"rules:\n  - name: d\n    aggregate:\n      ipv4_prefix: 24\n",
     "t.yaml:4:7: rules[0].aggregate: needs a rate: packets, bytes or "
     "new_connections"},
    {"rules:\n  - name: d\n    aggregate:\n      packets: 0\n",
     "t.yaml:4:7: rules[0].aggregate: needs a rate"},
    {"rules:\n  - name: d\n    aggregate:\n",
     "t.yaml:3:5: rules[0].aggregate: an empty aggregate"},
    {"rules:\n  - name: d\n    aggregate:\n      packets: 1/s\n"
     "      ipv4_prefix: 33\n",
     "t.yaml:5:20: rules[0].aggregate.ipv4_prefix: \"33\": expected a "
     "whole number from 0 to 32"},
    {"rules:\n  - name: d\n    aggregate:\n      packets: 1/s\n"
     "      ipv6_prefix: 129\n",
     "t.yaml:5:20: rules[0].aggregate.ipv6_prefix: \"129\""},
    {"rules:\n  - name: d\n    aggregate:\n      packets: 1/s\n"
     "      burst_bytes: 5000\n",
     "t.yaml:5:20: rules[0].aggregate.burst_bytes: burst_bytes needs "
     "bytes"},
    {"rules:\n  - name: d\n    aggregate: {packets: 1/s, prefix: 8}\n",
     "t.yaml:3:31: rules[0].aggregate.prefix: unknown key; allowed: "
     "ipv4_prefix, ipv6_prefix, packets"},
    /* lists */
    {"lists:\n  allow: 127.0.0.1\n",
     "t.yaml:2:10: lists.allow: expected a list like [192.0.2.0/24, "
     "\"2001:db8::/32\"], not a value"},
    {"lists:\n  allow:\n    - 192.0.2.0/24\n    - 10.0.0.0/8\n"
     "    - 2001:db8::/32\n    - 192.0.2.1/24\n",
     "t.yaml:6:7: lists.allow[3]: \"192.0.2.1/24\": host bits set; did "
     "you mean 192.0.2.0/24?"},
    {"lists:\n  deny: [\"2001:db8::1/32\"]\n",
     "t.yaml:2:10: lists.deny[0]: \"2001:db8::1/32\": host bits set; did "
     "you mean 2001:db8::/32?"},
    {"lists:\n  deny: [not-an-ip]\n",
     "t.yaml:2:10: lists.deny[0]: \"not-an-ip\": expected an address or "
     "CIDR like 192.0.2.0/24"},
    {"lists:\n  deny: [192.0.2.0/33]\n",
     "t.yaml:2:10: lists.deny[0]: \"192.0.2.0/33\": an IPv4 prefix "
     "length is 0 to 32"},
    {"lists:\n  deny: [[192.0.2.0/24]]\n",
     "t.yaml:2:11: lists.deny[0]: expected a single value, not a list"},
    {"lists:\n  deny: [198.51.100.0/24, \"::1\"]\n",
     "t.yaml:2:27: lists.deny[1]: \"::1\": also in lists.allow[1]; a "
     "prefix is either allowed or denied"},
    {"lists:\n  deny: [198.51.100.0/24, \"::ffff:192.0.2.0/120\"]\n"
     "  allow: [203.0.113.0/24, 192.0.2.0/24]\n",
     "t.yaml:2:27: lists.deny[1]: \"::ffff:192.0.2.0/120\": also in "
     "lists.allow[1]"},
    {"lists:\n  block: []\n",
     "t.yaml:2:3: lists.block: unknown key; allowed: allow, deny"},
    /* log */
    {"log:\n  source_prefix: {ipv4: 33}\n",
     "t.yaml:2:25: log.source_prefix.ipv4: \"33\": expected a whole "
     "number from 0 to 32"},
    {"log:\n  source_prefix: {ipv6: -1}\n",
     "t.yaml:2:25: log.source_prefix.ipv6: \"-1\": expected a whole number"},
    {"log:\n  source_prefix: 24\n",
     "t.yaml:2:18: log.source_prefix: expected a mapping"},
    {"log:\n  prefix: 24\n",
     "t.yaml:2:3: log.prefix: unknown key; allowed: source_prefix"},
    /* fleet */
    {"fleet:\n  redis: redis://user:secret@192.0.2.1:6379\n",
     "t.yaml:2:10: fleet.redis: no credentials in the URL: put the "
     "password in fleet.password_file"},
    {"fleet:\n  redis: redis://:secret@192.0.2.1\n",
     "t.yaml:2:10: fleet.redis: no credentials in the URL"},
    {"fleet:\n  redis: redis://192.0.2.1:0\n",
     "t.yaml:2:10: fleet.redis: \"redis://192.0.2.1:0\": port: expected "
     "1..65535"},
    {"fleet:\n  redis: redis://192.0.2.1:65536\n",
     "t.yaml:2:10: fleet.redis: \"redis://192.0.2.1:65536\": port: "
     "expected 1..65535"},
    {"fleet: {redis: \"redis://[2001:db8::1]:x\"}\n",
     "t.yaml:1:16: fleet.redis: \"redis://[2001:db8::1]:x\": port: "
     "expected 1..65535"},
    {"fleet: {redis: \"redis://[2001:db8::1\"}\n",
     "t.yaml:1:16: fleet.redis: \"redis://[2001:db8::1\": unclosed [ in "
     "an IPv6 address"},
    {"fleet:\n  redis: redis://192.0.2.1/1024\n",
     "t.yaml:2:10: fleet.redis: \"redis://192.0.2.1/1024\": database: "
     "expected /N, N at most 1023"},
    {"fleet:\n  redis: redis://192.0.2.1:6379/db1\n",
     "t.yaml:2:10: fleet.redis: \"redis://192.0.2.1:6379/db1\": database: "
     "expected /N"},
    {"fleet:\n  redis: unix:///run/r.sock?db=x\n",
     "t.yaml:2:10: fleet.redis: \"unix:///run/r.sock?db=x\": expected "
     "?db=N after the socket path (N at most 1023)"},
    {"fleet:\n  redis: unix://run/r.sock\n",
     "t.yaml:2:10: fleet.redis: \"unix://run/r.sock\": expected "
     "unix:///path/to/redis.sock (an absolute path)"},
    {"fleet:\n  redis: http://192.0.2.1:6379\n",
     "t.yaml:2:10: fleet.redis: \"http://192.0.2.1:6379\": expected "
     "redis://HOST[:PORT][/DB] or unix:///PATH[?db=N]"},
    {"fleet:\n  redis: rediss://192.0.2.1:6380\n",
     "t.yaml:2:10: fleet.redis: \"rediss://192.0.2.1:6380\": expected "
     "redis://HOST[:PORT][/DB] or unix:///PATH[?db=N] (rediss:// is not "
     "supported: use a local TLS proxy)"},
    {"fleet:\n  sync: 9ms\n",
     "t.yaml:2:9: fleet.sync: \"9ms\": expected 10ms to 60s"},
    {"fleet:\n  sync: 61s\n",
     "t.yaml:2:9: fleet.sync: \"61s\": expected 10ms to 60s"},
    {"fleet:\n  sync: fast\n",
     "t.yaml:2:9: fleet.sync: \"fast\": expected a duration"},
    {"fleet:\n  name: \"{web}\"\n",
     "t.yaml:2:9: fleet.name: \"{web}\": expected 1 to 63 letters, "
     "digits, '-', '_' or '.'"},
    {"fleet:\n  name: \"web fleet\"\n",
     "t.yaml:2:9: fleet.name: \"web fleet\": expected 1 to 63"},
    {"fleet:\n  name: \"\"\n",
     "t.yaml:2:9: fleet.name: \"\": expected 1 to 63"},
    {"fleet:\n  host: \"a:b\"\n",
     "t.yaml:2:9: fleet.host: \"a:b\": expected 1 to 63"},
    {"fleet:\n  password_file: redis.pass\n",
     "t.yaml:2:18: fleet.password_file: \"redis.pass\": expected an "
     "absolute path"},
    {"fleet:\n  redis: \"\"\n  passwd: /etc/p\n",
     "t.yaml:3:3: fleet.passwd: unknown key; allowed: redis, "
     "password_file, name, sync, host"},
    {"fleet: [redis://192.0.2.1]\n",
     "t.yaml:1:9: fleet: expected a mapping of keys, not a list"},
    {"rules:\n  - name: a\n    fleet:\n",
     "t.yaml:3:5: rules[0].fleet: an empty fleet limit; give it packets, "
     "bytes or new_connections"},
    {"rules:\n  - name: a\n    fleet: {}\n",
     "t.yaml:3:5: rules[0].fleet: needs a rate: packets, bytes or "
     "new_connections"},
    {"rules:\n  - name: a\n    fleet: {packets: 0}\n",
     "t.yaml:3:13: rules[0].fleet: needs a rate"},
    {"rules:\n  - name: a\n    fleet:\n      burst_packets: 10\n",
     "t.yaml:4:7: rules[0].fleet: needs a rate"},
    {"rules:\n  - name: a\n    fleet:\n      packets: 1/s\n"
     "      burst_bytes: 5000\n",
     "t.yaml:5:20: rules[0].fleet.burst_bytes: burst_bytes needs bytes"},
    {"rules:\n  - name: d\n    protocol: udp\n"
     "    fleet: {packets: 10/s, new_connections: 5/s}\n",
     "t.yaml:4:45: rules[0].fleet.new_connections: new connections are "
     "TCP SYNs: needs protocol tcp or any (this rule is udp)"},
    {"rules:\n  - name: d\n    fleet: {packets: 20000000/s}\n",
     "t.yaml:3:22: rules[0].fleet.packets: \"20000000/s\": too fast"},
    {"rules:\n  - name: d\n    fleet: {packets: 1/s, pkts: 2/s}\n",
     "t.yaml:3:27: rules[0].fleet.pkts: unknown key; allowed: packets, "
     "burst_packets, bytes"},
    /* YAML itself */
    {"enabled: true\nenabled: false\n", "t.yaml:2:1: yaml: duplicate key"},
    {"a: [1\nb: 2\n",
     "t.yaml:3:1: yaml: flow sequence without a closing bracket"},
    {"limits:\n\tpackets: 1/s\n", "t.yaml:2:1: yaml: tab character"},
    {"enabled: \"\\q\"\n", "t.yaml:1:11: yaml: invalid escape"},
    {"enabled: true\n---\nenabled: false\n",
     "t.yaml:2:1: yaml: a second document"},
};

static void test_bad_doc(void **state)
{
	const struct bad_doc *b = *state;
	struct fg_settings s, before;
	char err[FG_ERR_MAX] = "";
	int ret;

	memset(&s, 0x5a, sizeof(s));
	before = s;
	ret = load(b->yaml, &s, err);
	if (ret != -EINVAL)
		fail_msg("returned %d for:\n%s", ret, b->yaml);
	if (!strstr(err, b->want))
		fail_msg("got:  %s\nwant: %s", err, b->want);
	/* one line, and the caller's struct untouched */
	assert_null(strchr(err, '\n'));
	assert_memory_equal(&s, &before, sizeof(s));
}

static void test_missing_file(void **state)
{
	char err[FG_ERR_MAX];
	struct fg_settings s;

	(void)state;
	assert_int_equal(fg_config_load_file("tests/unit/no-such.yaml", &s, err,
					     sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "tests/unit/no-such.yaml: cannot read: No "
				 "such file or directory");
	assert_int_equal(
	    fg_config_load_file("tests/unit", &s, err, sizeof(err)), -EISDIR);
	assert_string_equal(err,
			    "tests/unit: not a regular file (a directory)");
}

/* Errors in a file carry its name; messages fit a short buffer. */
static void test_file_error_and_truncation(void **state)
{
	char path[] = "/tmp/fg-test-config-XXXXXX";
	const char text[] = "# a comment\nlimits:\n  packets: 5/x\n";
	char err[FG_ERR_MAX], small[16];
	struct fg_settings s;
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, sizeof(text) - 1, f),
			 sizeof(text) - 1);
	assert_int_equal(fclose(f), 0);

	assert_int_equal(fg_config_load_file(path, &s, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, ":3:12: limits.packets: \"5/x\": a "
				    "rate's period is /s, /m or /h"));
	assert_memory_equal(err, path, strlen(path));

	assert_int_equal(fg_config_load_file(path, &s, small, sizeof(small)),
			 -EINVAL);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_int_equal(fg_config_load_file(path, &s, NULL, 0), -EINVAL);
	unlink(path);
}

/* A YAML syntax error names its line and column. */
static void test_yaml_syntax_error(void **state)
{
	const char text[] = "limits:\n  packets: 1/s\n   bytes: 0\n";
	char err[FG_ERR_MAX];
	struct fg_settings s;

	(void)state;
	assert_int_equal(fg_config_load_string(text, sizeof(text) - 1,
					       "fg.yaml", &s, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "fg.yaml:2:12: yaml: invalid multiline plain "
				 "key");
}

/* The text need not be NUL-terminated: len bounds it. */
static void test_length_bounds_text(void **state)
{
	const char text[] = "enabled: false\nbogus: 1\n";
	struct fg_settings s;
	char err[FG_ERR_MAX];

	(void)state;
	assert_int_equal(
	    fg_config_load_string(text, 15, "t", &s, err, sizeof(err)), 0);
	assert_false(s.enabled);
	fg_config_free(&s);
}

static char *rules_doc(unsigned int n)
{
	size_t cap = 64 + (size_t)n * 32, o;
	char *doc = malloc(cap);

	assert_non_null(doc);
	o = (size_t)snprintf(doc, cap, "rules:\n");
	for (unsigned int i = 0; i < n; i++)
		o += (size_t)snprintf(doc + o, cap - o,
				      "  - {name: r%u, packets: %u/s}\n", i,
				      i + 1);
	return doc;
}

static void test_rule_count(void **state)
{
	char err[FG_ERR_MAX];
	struct fg_settings s;
	char *doc;

	(void)state;
	doc = rules_doc(FG_MAX_RULES);
	load_ok(doc, &s);
	assert_int_equal(s.nrules, FG_MAX_RULES);
	assert_string_equal(s.rules[FG_MAX_RULES - 1].name, "r63");
	assert_rate(&s.rules[FG_MAX_RULES - 1].dim[FG_DIM_PACKETS], 64, S, 64);
	fg_config_free(&s);
	free(doc);

	doc = rules_doc(FG_MAX_RULES + 1);
	assert_int_equal(load(doc, &s, err), -EINVAL);
	assert_string_equal(err, "t.yaml:66:6: rules[64]: at most 64 rules");
	free(doc);
}

static char *list_doc(size_t nallow, size_t ndeny)
{
	size_t cap = 64 + (nallow + ndeny) * 32, o;
	char *doc = malloc(cap);

	assert_non_null(doc);
	o = (size_t)snprintf(doc, cap, "lists:\n  allow:\n");
	for (size_t i = 0; i < nallow; i++)
		o += (size_t)snprintf(doc + o, cap - o,
				      "  - \"2001:db8:%zx::\"\n", i);
	o += (size_t)snprintf(doc + o, cap - o, "  deny:\n");
	for (size_t i = 0; i < ndeny; i++)
		o += (size_t)snprintf(doc + o, cap - o, "  - 10.%zu.%zu.%zu\n",
				      i >> 16, (i >> 8) & 255, i & 255);
	return doc;
}

static void test_list_limit(void **state)
{
	const size_t half = FG_MAX_INLINE_LIST_ENTRIES / 2;
	char err[FG_ERR_MAX];
	struct fg_settings s;
	char *doc;

	(void)state;
	doc = list_doc(half, FG_MAX_INLINE_LIST_ENTRIES - half);
	load_ok(doc, &s);
	assert_int_equal(s.nallow, half);
	assert_int_equal(s.ndeny, FG_MAX_INLINE_LIST_ENTRIES - half);
	assert_cidr(&s.allow[half - 1], "2001:db8:ffff::/128");
	assert_cidr(&s.deny[0], "10.0.0.0/32");
	assert_cidr(&s.deny[s.ndeny - 1], "10.0.255.255/32");
	fg_config_free(&s);
	free(doc);

	doc = list_doc(half, FG_MAX_INLINE_LIST_ENTRIES - half + 1);
	assert_int_equal(load(doc, &s, err), -EINVAL);
	assert_string_equal(err, "t.yaml:65540:5: lists: 131073 entries; "
				 "allow and deny together hold at most "
				 "131072 (more go in allow_files, "
				 "deny_files)");
	free(doc);
}

/* lists.allow_files, deny_files: their entries after the inline ones;
 * a bad line, a missing file, a prefix both allowed and denied fail the
 * load with the file and line. */
static void test_list_files(void **state)
{
	char dir[] = "/tmp/fg-cfglists.XXXXXX", allow[64], deny[64];
	char doc[512], want[FG_ERR_MAX], err[FG_ERR_MAX];
	struct fg_settings s;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(allow, sizeof(allow), "%s/allow.txt", dir);
	snprintf(deny, sizeof(deny), "%s/deny.txt", dir);
	f = fopen(allow, "w");
	assert_non_null(f);
	fputs("# partners\n198.51.100.0/24\n", f);
	fclose(f);
	f = fopen(deny, "w");
	assert_non_null(f);
	fputs("; DROP\r\n203.0.113.0/24 ; SBL1\r\n2001:db8:66::/48\r\n", f);
	fclose(f);

	snprintf(doc, sizeof(doc),
		 "lists:\n  deny: [192.0.2.9]\n  allow_files: [%s]\n"
		 "  deny_files:\n    - %s\n",
		 allow, deny);
	load_ok(doc, &s);
	/* No inline allow: the default loopback entries stay. */
	assert_int_equal(s.nallow, 3);
	assert_cidr(&s.allow[2], "198.51.100.0/24");
	assert_int_equal(s.ndeny, 3);
	assert_cidr(&s.deny[0], "192.0.2.9/32");
	assert_cidr(&s.deny[1], "203.0.113.0/24");
	assert_cidr(&s.deny[2], "2001:db8:66::/48");
	assert_int_equal(s.deny_files.n, 1);
	assert_string_equal(s.deny_files.path[0], deny);
	assert_int_equal(s.deny_files.first[0], 1);
	assert_int_equal(s.deny_files.count[0], 2);
	fg_config_free(&s);

	/* An inline deny entry also in an allow file. */
	snprintf(doc, sizeof(doc),
		 "lists:\n  deny: [198.51.100.0/24]\n  allow_files: [%s]\n",
		 allow);
	assert_int_equal(load(doc, &s, err), -EINVAL);
	snprintf(want, sizeof(want),
		 "t.yaml:2:10: lists.deny[0]: \"198.51.100.0/24\": also in "
		 "%s:2 (lists.allow_files[0]); a prefix is either allowed or "
		 "denied",
		 allow);
	assert_string_equal(err, want);

	/* A deny file's entry also allowed inline. */
	snprintf(doc, sizeof(doc),
		 "lists:\n  allow: [\"2001:db8:66::/48\"]\n"
		 "  deny_files: [%s]\n",
		 deny);
	assert_int_equal(load(doc, &s, err), -EINVAL);
	snprintf(want, sizeof(want),
		 "t.yaml:3:16: lists.deny_files[0]: %s:3: 2001:db8:66::/48: "
		 "also in lists.allow[0]; a prefix is either allowed or denied",
		 deny);
	assert_string_equal(err, want);

	/* A bad line. */
	f = fopen(deny, "w");
	assert_non_null(f);
	fputs("203.0.113.0/24\n\n203.0.113.7/24 ; SBL2\n", f);
	fclose(f);
	snprintf(doc, sizeof(doc), "lists:\n  deny_files: [%s]\n", deny);
	assert_int_equal(load(doc, &s, err), -EINVAL);
	snprintf(want, sizeof(want),
		 "t.yaml:2:16: lists.deny_files[0]: %s:3: \"203.0.113.7/24\": "
		 "host bits set; did you mean 203.0.113.0/24?",
		 deny);
	assert_string_equal(err, want);

	/* Missing; relative. */
	unlink(deny);
	assert_int_equal(load(doc, &s, err), -ENOENT);
	snprintf(want, sizeof(want),
		 "t.yaml:2:16: lists.deny_files[0]: %s: cannot read: No such "
		 "file or directory",
		 deny);
	assert_string_equal(err, want);
	assert_int_equal(load("lists:\n  deny_files: [drop.txt]\n", &s, err),
			 -EINVAL);
	assert_non_null(strstr(err, "t.yaml:2:16: lists.deny_files[0]: "));

	unlink(allow);
	rmdir(dir);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(fg_xdp_mode_name(FG_XDP_AUTO), "auto");
	assert_string_equal(fg_xdp_mode_name(FG_XDP_NATIVE), "native");
	assert_string_equal(fg_xdp_mode_name(FG_XDP_GENERIC), "generic");
	assert_string_equal(fg_protocol_name(FG_PROTO_ANY), "any");
	assert_string_equal(fg_protocol_name(FG_PROTO_TCP), "tcp");
	assert_string_equal(fg_protocol_name(FG_PROTO_UDP), "udp");
	assert_string_equal(fg_protocol_name(FG_PROTO_ICMP), "icmp");
	assert_string_equal(fg_protocol_name((enum fg_protocol)99), "unknown");
	assert_string_equal(fg_xdp_mode_name((enum fg_xdp_mode)99), "unknown");
}

/* What the printers show, the parser reads back as the same value: both
 * use one name table per enum. */
static void test_names_round_trip(void **state)
{
	char yaml[128];
	struct fg_settings s;

	(void)state;
	for (int p = 0; p < FG_PROTOCOL_COUNT; p++) {
		snprintf(yaml, sizeof(yaml),
			 "rules:\n  - name: a\n    protocol: %s\n",
			 fg_protocol_name((enum fg_protocol)p));
		load_ok(yaml, &s);
		assert_int_equal(s.rules[0].protocol, p);
		fg_config_free(&s);
	}
	for (int m = 0; m < FG_XDP_MODE_COUNT; m++) {
		enum fg_xdp_mode parsed = FG_XDP_MODE_COUNT;

		snprintf(yaml, sizeof(yaml), "xdp_mode: %s\n",
			 fg_xdp_mode_name((enum fg_xdp_mode)m));
		load_ok(yaml, &s);
		assert_int_equal(s.xdp_mode, m);
		fg_config_free(&s);
		assert_int_equal(
		    fg_xdp_mode_parse(fg_xdp_mode_name((enum fg_xdp_mode)m),
				      &parsed),
		    0);
		assert_int_equal(parsed, m);
	}
}

static void assert_fleet_defaults(const struct fg_fleet_spec *f)
{
	assert_string_equal(f->redis, "");
	assert_string_equal(f->password_file, "");
	assert_string_equal(f->name, "floodgate");
	assert_string_equal(f->host, "");
	assert_int_equal(f->sync_ns, 250 * MS);
}

/* No fleet unless asked: redis "" is off, the other keys keep their
 * defaults, and a rule without fleet: has none. */
static void test_fleet_defaults(void **state)
{
	struct fg_settings s;

	(void)state;
	fg_config_defaults(&s);
	assert_fleet_defaults(&s.fleet);
	fg_config_free(&s);

	load_ok("rules:\n  - name: a\n    packets: 1/s\n", &s);
	assert_fleet_defaults(&s.fleet);
	assert_false(s.rules[0].has_fleet);
	for (int d = 0; d < FG_DIM_COUNT; d++)
		assert_rate(&s.rules[0].fleet[d], 0, 0, 0);
	fg_config_free(&s);

	load_ok("fleet:\n", &s);
	assert_fleet_defaults(&s.fleet);
	fg_config_free(&s);

	load_ok("fleet: {redis: \"\", name: web}\n", &s);
	assert_string_equal(s.fleet.redis, "");
	assert_string_equal(s.fleet.name, "web");
	fg_config_free(&s);
}

static void test_log_section(void **state)
{
	struct fg_settings s;

	(void)state;
	fg_config_defaults(&s);
	assert_int_equal(s.log_ipv4_prefix, 32);
	assert_int_equal(s.log_ipv6_prefix, 128);
	fg_config_free(&s);

	load_ok("log:\n  source_prefix: {ipv4: 24, ipv6: 48}\n", &s);
	assert_int_equal(s.log_ipv4_prefix, 24);
	assert_int_equal(s.log_ipv6_prefix, 48);
	fg_config_free(&s);

	/* One family cut, the other whole. */
	load_ok("log: {source_prefix: {ipv6: 0}}\n", &s);
	assert_int_equal(s.log_ipv4_prefix, 32);
	assert_int_equal(s.log_ipv6_prefix, 0);
	fg_config_free(&s);
}

static void test_fleet_urls(void **state)
{
	static const struct {
		const char *url;
		bool is_unix;
		const char *host_or_path;
		int port, db;
	} good[] = {
	    {"redis://h", false, "h", 6379, 0},
	    {"redis://h:1234/2", false, "h", 1234, 2},
	    {"redis://h/", false, "h", 6379, 0},
	    {"redis://192.0.2.1:65535/1023", false, "192.0.2.1", 65535, 1023},
	    {"redis://[2001:db8::1]:6379", false, "2001:db8::1", 6379, 0},
	    {"redis://[2001:db8::1]", false, "2001:db8::1", 6379, 0},
	    {"unix:///run/r.sock?db=3", true, "/run/r.sock", 0, 3},
	    {"unix:///run/redis/redis.sock", true, "/run/redis/redis.sock", 0,
	     0},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char yaml[256];
		struct fg_settings s;

		snprintf(yaml, sizeof(yaml), "fleet:\n  redis: \"%s\"\n",
			 good[i].url);
		load_ok(yaml, &s);
		assert_string_equal(s.fleet.redis, good[i].url);
		assert_int_equal(s.fleet.addr.is_unix, good[i].is_unix);
		assert_string_equal(good[i].is_unix ? s.fleet.addr.path
						    : s.fleet.addr.host,
				    good[i].host_or_path);
		assert_int_equal(s.fleet.addr.port, good[i].port);
		assert_int_equal(s.fleet.addr.db, good[i].db);
		fg_config_free(&s);
	}
}

static void test_fleet_section(void **state)
{
	struct fg_settings s;

	(void)state;
	load_ok("fleet:\n  redis: redis://127.0.0.1:6379/0\n"
		"  password_file: /etc/floodgate/redis.pass\n"
		"  name: web-1.eu_west\n  host: fg-a.example\n"
		"  sync: 1s\n",
		&s);
	assert_string_equal(s.fleet.redis, "redis://127.0.0.1:6379/0");
	assert_string_equal(s.fleet.password_file, "/etc/floodgate/redis.pass");
	assert_string_equal(s.fleet.name, "web-1.eu_west");
	assert_string_equal(s.fleet.host, "fg-a.example");
	assert_int_equal(s.fleet.sync_ns, S);
	fg_config_free(&s);

	/* sync's bounds are inclusive */
	load_ok("fleet: {sync: 10ms}\n", &s);
	assert_int_equal(s.fleet.sync_ns, 10 * MS);
	fg_config_free(&s);
	load_ok("fleet: {sync: 60s}\n", &s);
	assert_int_equal(s.fleet.sync_ns, 60 * S);
	fg_config_free(&s);

	/* a name of 63 characters fits, 64 does not */
	load_ok(
	    "fleet: {name: "
	    "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabc}"
	    "\n",
	    &s);
	assert_int_equal(strlen(s.fleet.name), 63);
	fg_config_free(&s);
	{
		char err[FG_ERR_MAX] = "";
		const char *yaml =
		    "fleet: {name: "
		    "abcdefghijabcdefghijabcdefghijabcdefghijabcde"
		    "fghijabcdefghijabcd}\n";

		assert_int_equal(load(yaml, &s, err), -EINVAL);
		assert_non_null(strstr(err, "t.yaml:1:15: fleet.name: "));
	}
}

/* The URL is echoed in errors to say what is wrong, except when it
 * holds a password: that must not reach a log. */
static void test_fleet_url_credentials_not_echoed(void **state)
{
	static const char *const docs[] = {
	    "fleet:\n  redis: redis://user:s3cr3t-pw@192.0.2.1:6379/0\n",
	    "fleet:\n  redis: redis://:s3cr3t-pw@192.0.2.1\n",
	    "fleet:\n  redis: \"redis://[2001:db8::1]:s3cr3t-pw@h\"\n",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		char err[FG_ERR_MAX] = "";
		struct fg_settings s;

		assert_int_equal(load(docs[i], &s, err), -EINVAL);
		assert_non_null(strstr(err, "t.yaml:2:10: fleet.redis: no "
					    "credentials in the URL"));
		if (strstr(err, "s3cr3t"))
			fail_msg("the password is in the error: %s", err);
	}
}

static void test_rule_fleet(void **state)
{
	const struct fg_rule_spec *r;
	struct fg_settings s;

	(void)state;
	load_ok("fleet: {redis: redis://192.0.2.1}\nrules:\n"
		"  - name: http\n    protocol: tcp\n    packets: 500/s\n"
		"    fleet: {packets: 2000/s, new_connections: 100/s}\n"
		"  - name: dns\n    protocol: udp\n"
		"    fleet:\n      bytes: 1MB/s\n      burst_bytes: 3000\n"
		"      packets: 10/m\n      burst_packets: 7\n"
		"  - name: rest\n",
		&s);
	assert_int_equal(s.nrules, 3);
	r = &s.rules[0];
	assert_true(r->has_fleet);
	assert_rate(&r->dim[FG_DIM_PACKETS], 500, S, 500);
	/* the same default bursts as a local limit: a second's worth */
	assert_rate(&r->fleet[FG_DIM_PACKETS], 2000, S, 2000);
	assert_rate(&r->fleet[FG_DIM_BYTES], 0, 0, 0);
	assert_rate(&r->fleet[FG_DIM_CONNECTIONS], 100, S, 100);
	r = &s.rules[1];
	assert_true(r->has_fleet);
	assert_rate(&r->fleet[FG_DIM_PACKETS], 10, M, 7);
	assert_rate(&r->fleet[FG_DIM_BYTES], 1000000, S, 3000);
	assert_rate(&r->fleet[FG_DIM_CONNECTIONS], 0, 0, 0);
	/* a fleet limit does not make a local one */
	for (int d = 0; d < FG_DIM_COUNT; d++)
		assert_rate(&r->dim[d], 0, 0, 0);
	assert_false(s.rules[2].has_fleet);
	fg_config_free(&s);

	/* a rule's fleet limit is valid without a fleet section: --check
	 * passes it, and the daemon has nothing to publish to */
	load_ok("rules:\n  - name: a\n    fleet: {packets: 1/s}\n", &s);
	assert_true(s.rules[0].has_fleet);
	assert_string_equal(s.fleet.redis, "");
	fg_config_free(&s);
}

/* block: a duration (factor 1, max = it, no window), or escalating
 * with repeat_factor 2 and window = max by default. */
static void test_rule_block_escalating(void **state)
{
	const struct fg_rule_spec *r;
	struct fg_settings s;

	(void)state;
	load_ok("rules:\n"
		"  - name: plain\n    block: 30s\n"
		"  - name: esc\n"
		"    block: {first: 30s, repeat_factor: 4, max: 1h, window: "
		"2h}\n"
		"  - name: defaults\n"
		"    block:\n      max: 10m\n      first: 1s\n"
		"  - name: flat\n"
		"    block: {first: 5s, repeat_factor: 1, max: 5s, window: 0}\n"
		"  - name: none\n",
		&s);
	assert_int_equal(s.nrules, 5);
	r = &s.rules[0];
	assert_int_equal(r->block_ns, 30 * S);
	assert_int_equal(r->block_factor, 1);
	assert_int_equal(r->block_max_ns, 30 * S);
	assert_int_equal(r->block_window_ns, 0);
	r = &s.rules[1];
	assert_int_equal(r->block_ns, 30 * S);
	assert_int_equal(r->block_factor, 4);
	assert_int_equal(r->block_max_ns, H);
	assert_int_equal(r->block_window_ns, 2 * H);
	r = &s.rules[2];
	assert_int_equal(r->block_ns, S);
	assert_int_equal(r->block_factor, 2);
	assert_int_equal(r->block_max_ns, 10 * M);
	assert_int_equal(r->block_window_ns, 10 * M);
	r = &s.rules[3];
	assert_int_equal(r->block_ns, 5 * S);
	assert_int_equal(r->block_factor, 1);
	assert_int_equal(r->block_max_ns, 5 * S);
	assert_int_equal(r->block_window_ns, 0);
	r = &s.rules[4];
	assert_int_equal(r->block_ns, 0);
	assert_int_equal(r->block_max_ns, 0);
	assert_int_equal(r->block_window_ns, 0);
	fg_config_free(&s);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_rule_block_escalating),
	    cmocka_unit_test(test_empty_documents),
	    cmocka_unit_test(test_example_file),
	    cmocka_unit_test(test_full_document),
	    cmocka_unit_test(test_partial_overrides),
	    cmocka_unit_test(test_classes),
	    cmocka_unit_test(test_class_files),
	    cmocka_unit_test(test_missing_file),
	    cmocka_unit_test(test_file_error_and_truncation),
	    cmocka_unit_test(test_yaml_syntax_error),
	    cmocka_unit_test(test_length_bounds_text),
	    cmocka_unit_test(test_rule_count),
	    cmocka_unit_test(test_list_limit),
	    cmocka_unit_test(test_list_files),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_names_round_trip),
	    cmocka_unit_test(test_fleet_defaults),
	    cmocka_unit_test(test_log_section),
	    cmocka_unit_test(test_fleet_urls),
	    cmocka_unit_test(test_fleet_section),
	    cmocka_unit_test(test_fleet_url_credentials_not_echoed),
	    cmocka_unit_test(test_rule_fleet),
	};
	const size_t nfixed = sizeof(fixed) / sizeof(fixed[0]);
	const size_t nbad = sizeof(bad_docs) / sizeof(bad_docs[0]);
	struct CMUnitTest *tests = calloc(nfixed + nbad, sizeof(*tests));
	char(*names)[96] = calloc(nbad, sizeof(*names));
	int ret;

	if (!tests || !names) {
		free(tests);
		free(names);
		return 1;
	}
	memcpy(tests, fixed, sizeof(fixed));
	for (size_t i = 0; i < nbad; i++) {
		/* The test's name: the expected message, up to 80 chars. */
		snprintf(names[i], sizeof(names[i]), "bad_doc[%zu] %.80s", i,
			 bad_docs[i].want);
		tests[nfixed + i] = (struct CMUnitTest){
		    .name = names[i],
		    .test_func = test_bad_doc,
		    .initial_state = (void *)&bad_docs[i],
		};
	}
	ret =
	    _cmocka_run_group_tests("config", tests, nfixed + nbad, NULL, NULL);
	free(names);
	free(tests);
	return ret;
}
