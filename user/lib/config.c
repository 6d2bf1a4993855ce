// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The config file (DESIGN.md §3): its schema, read through yamlwalk.c
 * into a struct fg_settings. The document only overrides what it names;
 * every error is one line "FILE:LINE:COL: KEY: message".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "hostport.h"
#include "listfile.h"
#include "safefile.h"
#include "yamlwalk.h"

#define FILE_MAX (16u << 20) /* 131072 inline list entries fit twice */
#define NS_PER_S 1000000000ULL
#define MIN_FRAME_BURST 1518 /* bytes in a full-size Ethernet frame */
#define MIN_DEFAULT_BYTE_BURST 65536

/* What the walker fills: the settings, or a web config when reading one
 * (yw_ctx.user). */
static struct fg_settings *settings(const struct yw_ctx *c)
{
	return c->user;
}

static struct fg_web_config *web_of(const struct yw_ctx *c)
{
	return c->user;
}

/* The rate keys of one dimension and what its values count. */
static const struct {
	const char *rate, *burst;
	enum fg_rate_kind kind;
} dim_keys[FG_DIM_COUNT] = {
    [FG_DIM_PACKETS] = {"packets", "burst_packets", FG_RATE_COUNT},
    [FG_DIM_BYTES] = {"bytes", "burst_bytes", FG_RATE_BYTES},
    [FG_DIM_CONNECTIONS] = {"new_connections", "burst_connections",
			    FG_RATE_COUNT},
};

/* What a section said about its rates, kept for the checks at its end. */
struct dims_in {
	struct fg_dim_limit *dim;
	bool rate_set[FG_DIM_COUNT], burst_set[FG_DIM_COUNT];
	struct yw_loc rate_loc[FG_DIM_COUNT], burst_loc[FG_DIM_COUNT];
};

/* The six rate keys, in dim_keys order, as they appear in key tables. */
#define DIM_KEY_NAMES                                                          \
	"packets", "burst_packets", "bytes", "burst_bytes", "new_connections", \
	    "burst_connections"
#define DIM_KEYS 6

static const char *const root_keys[] = {
    "interfaces",     "xdp_mode", "enabled", "mode",	"malformed",
    "detach_on_exit", "metrics",  "table",   "limits",	"rules",
    "lists",	      "fleet",	  "log",     "classes", NULL,
};
enum {
	K_INTERFACES,
	K_XDP_MODE,
	K_ENABLED,
	K_MODE,
	K_MALFORMED,
	K_DETACH,
	K_METRICS,
	K_TABLE,
	K_LIMITS,
	K_RULES,
	K_LISTS,
	K_FLEET,
	K_LOG,
	K_CLASSES,
};

static const char *const metrics_keys[] = {"listen", "top_sources",
					   "web_config", NULL};
enum { M_LISTEN, M_TOP_SOURCES, M_WEB_CONFIG };
static const char *const table_keys[] = {"max_sources",	      "ipv4_prefix",
					 "ipv6_prefix",	      "new_sources",
					 "burst_new_sources", NULL};
static const char *const limits_keys[] = {DIM_KEY_NAMES, NULL};
static const char *const lists_keys[] = {"allow", "deny", "allow_files",
					 "deny_files", NULL};
static const char *const log_keys[] = {"source_prefix", NULL};
static const char *const log_prefix_keys[] = {"ipv4", "ipv6", NULL};

static const char *const rule_keys[] = {
    "name",	    "protocol",	 "ports",	DIM_KEY_NAMES, "block",
    "action",	    "aggregate", "block_scope", "fleet",       "sources",
    "destinations", "mode",	 NULL,
};
enum {
	R_NAME,
	R_PROTOCOL,
	R_PORTS,
	R_DIMS,
	R_BLOCK = R_DIMS + DIM_KEYS,
	R_ACTION,
	R_AGGREGATE,
	R_BLOCK_SCOPE,
	R_FLEET,
	R_SOURCES,
	R_DESTINATIONS,
	R_MODE,
};
static const char *const class_keys[] = {"cidrs", "files", "limits_scale",
					 NULL};
enum { C_CIDRS, C_FILES, C_LIMITS_SCALE };

static const char *const block_keys[] = {"first", "repeat_factor", "max",
					 "window", NULL};
enum { B_FIRST, B_FACTOR, B_MAX, B_WINDOW };
static const char *const fleet_keys[] = {
    "redis", "password_file", "name", "sync", "host", NULL,
};
enum { F_REDIS, F_PASSWORD_FILE, F_NAME, F_SYNC, F_HOST };
static const char *const rule_fleet_keys[] = {DIM_KEY_NAMES, NULL};

static const char *const agg_keys[] = {"ipv4_prefix", "ipv6_prefix",
				       DIM_KEY_NAMES, NULL};
enum { A_IPV4, A_IPV6, A_DIMS };

#define NKEYS(a) (sizeof(a) / sizeof((a)[0]) - 1)
_Static_assert(NKEYS(root_keys) == K_CLASSES + 1, "root_keys and K_*");
_Static_assert(NKEYS(rule_keys) == R_MODE + 1, "rule_keys and R_*");
_Static_assert(NKEYS(class_keys) == C_LIMITS_SCALE + 1, "class_keys and C_*");
_Static_assert(NKEYS(fleet_keys) == F_HOST + 1, "fleet_keys and F_*");
_Static_assert(NKEYS(block_keys) == B_WINDOW + 1, "block_keys and B_*");
_Static_assert(NKEYS(agg_keys) == A_DIMS + DIM_KEYS, "agg_keys and A_*");

/* --- Rates and bursts --- */

/* A rate faster than the datapath's whole-nanosecond costs hold to the
 * rounding config.h states. */
static bool rate_too_fast(const struct fg_rate *r, enum fg_rate_kind kind)
{
	__u64 ns_min = kind == FG_RATE_BYTES ? FG_BYTE_NS_MIN : FG_COUNT_NS_MIN;

	return r->amount && (unsigned __int128)r->amount * ns_min > r->per_ns;
}

static const char *rate_most(enum fg_rate_kind kind)
{
	return kind == FG_RATE_BYTES
		   ? "1GB/s (8Gbit/s, 60GB/m)"
		   : "10000000/s (600000000/m, 36000000000/h)";
}

static int check_rate(struct yw_ctx *c, struct fy_node *n, const char *v,
		      const struct fg_rate *r, enum fg_rate_kind kind)
{
	if (!rate_too_fast(r, kind))
		return 0;
	return yw_fail(c, n,
		       "%s: too fast: at most %s, as the datapath counts whole "
		       "nanoseconds; 0 is no limit",
		       yw_shown(v), rate_most(kind));
}

/* How long a burst lasts at its rate, in ns: at most FG_BURST_NS_MAX, or
 * the tolerance would not fit the datapath's 64 bits. */
static unsigned __int128 burst_span(const struct fg_dim_limit *dl)
{
	return (unsigned __int128)dl->burst * dl->rate.per_ns / dl->rate.amount;
}

static unsigned __int128 gcd128(unsigned __int128 a, unsigned __int128 b)
{
	while (b) {
		unsigned __int128 t = a % b;

		a = b;
		b = t;
	}
	return a;
}

int fg_scale_limit(const struct fg_dim_limit *in, __u32 scale,
		   struct fg_dim_limit *out)
{
	unsigned __int128 amount, per, burst, g;

	*out = *in;
	if (!in->rate.amount)
		return 0;
	/* 128 bits: a 64-bit amount times up to 10^6 thousandths wraps. */
	amount = (unsigned __int128)in->rate.amount * scale;
	per = (unsigned __int128)in->rate.per_ns * FG_SCALE_ONE;
	g = gcd128(amount, per);
	amount /= g;
	per /= g;
	burst = ((unsigned __int128)in->burst * scale + FG_SCALE_ONE - 1) /
		FG_SCALE_ONE;
	if (!burst)
		burst = 1;
	if (amount > UINT64_MAX || per > UINT64_MAX || burst > UINT64_MAX)
		return -ERANGE;
	out->rate.amount = (__u64)amount;
	out->rate.per_ns = (__u64)per;
	out->burst = (__u64)burst;
	return 0;
}

/* Where a rate and its burst were written, for the span check. */
struct pair_keys {
	const char *rate, *burst;
	const struct yw_loc *rate_loc, *burst_loc;
	bool burst_set;
	enum fg_rate_kind kind;
};

/* A burst that lasts longer than FG_BURST_NS_MAX at its rate: its
 * tolerance would not fit the datapath's 64 bits. */
static int check_span(struct yw_ctx *c, const struct fg_dim_limit *dl,
		      const struct pair_keys *k)
{
	unsigned __int128 span = burst_span(dl);
	unsigned __int128 most = (unsigned __int128)FG_BURST_NS_MAX *
				 dl->rate.amount / dl->rate.per_ns;
	char rate[64];
	struct yw_frame f;
	int ret;

	if (span <= FG_BURST_NS_MAX)
		return 0;
	fg_format_rate(&dl->rate, k->kind, rate, sizeof(rate));
	if (k->burst_set) {
		f = yw_push_key(c, k->burst, NULL);
		ret = yw_fail_at(c, k->burst_loc,
				 "%llu: burst too large for this rate (%s): at "
				 "most %llu, 146 years' worth",
				 (unsigned long long)dl->burst, rate,
				 (unsigned long long)most);
	} else {
		f = yw_push_key(c, k->rate, NULL);
		ret = yw_fail_at(
		    c, k->rate_loc,
		    "burst too large for this rate (%s): its "
		    "default burst %llu lasts over 146 years; set %s "
		    "(at most %llu)",
		    rate, (unsigned long long)dl->burst, k->burst,
		    (unsigned long long)most);
	}
	yw_pop(c, f);
	return ret;
}

static int dim_value(struct yw_ctx *c, struct dims_in *in, int k,
		     struct fy_node *n)
{
	enum fg_dim d = (enum fg_dim)(k / 2);
	char v[YW_VALUE_MAX];
	struct yw_loc l = {0, 0};
	const char *why;
	__u64 burst;

	if (yw_scalar(c, n, v))
		return -EINVAL;
	yw_node_loc(n, &l);
	if (k % 2 == 0) {
		if (fg_parse_rate(v, dim_keys[d].kind, &in->dim[d].rate, &why))
			return yw_fail(c, n, "%s: %s", yw_shown(v), why);
		if (check_rate(c, n, v, &in->dim[d].rate, dim_keys[d].kind))
			return -EINVAL;
		in->rate_set[d] = true;
		in->rate_loc[d] = l;
		return 0;
	}
	if (d == FG_DIM_BYTES) {
		if (fg_parse_size(v, &burst, &why))
			return yw_fail(c, n, "%s: %s", yw_shown(v), why);
		if (burst < MIN_FRAME_BURST)
			return yw_fail(c, n,
				       "%s: at least %d bytes, or a full-size "
				       "frame could never pass",
				       yw_shown(v), MIN_FRAME_BURST);
	} else {
		if (fg_parse_uint(v, 0, UINT64_MAX, &burst, &why))
			return yw_fail(c, n, "%s: %s", yw_shown(v), why);
		if (burst < 1)
			return yw_fail(c, n, "%s: a burst is at least 1",
				       yw_shown(v));
	}
	in->dim[d].burst = burst;
	in->burst_set[d] = true;
	in->burst_loc[d] = l;
	return 0;
}

/* One second's worth of the rate, rounded up. */
static __u64 default_burst(const struct fg_rate *r, enum fg_dim d)
{
	unsigned __int128 b =
	    ((unsigned __int128)r->amount * NS_PER_S + r->per_ns - 1) /
	    r->per_ns;
	__u64 min = d == FG_DIM_BYTES ? MIN_DEFAULT_BYTE_BURST : 1;

	if (b > UINT64_MAX)
		b = UINT64_MAX;
	return b < min ? min : (__u64)b;
}

/* The checks once a section's keys are all read. */
static int finish_dims(struct yw_ctx *c, struct dims_in *in)
{
	for (int d = 0; d < FG_DIM_COUNT; d++) {
		struct fg_dim_limit *dl = &in->dim[d];
		const struct pair_keys keys = {
		    .rate = dim_keys[d].rate,
		    .burst = dim_keys[d].burst,
		    .rate_loc = &in->rate_loc[d],
		    .burst_loc = &in->burst_loc[d],
		    .burst_set = in->burst_set[d],
		    .kind = dim_keys[d].kind,
		};
		struct yw_frame f;
		int ret = 0;

		if (!dl->rate.amount) {
			if (in->burst_set[d] && !in->rate_set[d]) {
				f = yw_push_key(c, dim_keys[d].burst, NULL);
				ret = yw_fail_at(
				    c, &in->burst_loc[d], "%s needs %s",
				    dim_keys[d].burst, dim_keys[d].rate);
				yw_pop(c, f);
				return ret;
			}
			dl->burst = 0;
			continue;
		}
		if (in->rate_set[d] && !in->burst_set[d])
			dl->burst = default_burst(&dl->rate, (enum fg_dim)d);
		if (check_span(c, dl, &keys))
			return -EINVAL;
	}
	return 0;
}

/* --- Sections --- */

static int log_prefix_key(struct yw_ctx *c, int key, struct fy_node *v,
			  void *arg)
{
	(void)arg;
	if (key == 0)
		return yw_get_prefix(c, v, 32, &settings(c)->log_ipv4_prefix);
	return yw_get_prefix(c, v, 128, &settings(c)->log_ipv6_prefix);
}

static int log_key(struct yw_ctx *c, int key, struct fy_node *v, void *arg)
{
	int ret = yw_mapping(c, v);

	(void)key;
	(void)arg;
	return ret <= 0
		   ? ret
		   : yw_walk_map(c, v, log_prefix_keys, log_prefix_key, NULL);
}

static int limits_key(struct yw_ctx *c, int key, struct fy_node *v, void *arg)
{
	return dim_value(c, arg, key, v);
}

static int metrics_key(struct yw_ctx *c, int key, struct fy_node *v, void *arg)
{
	static const char *const want =
	    "expected host:port like 127.0.0.1:9470 or [::1]:9470 (the "
	    "host an IP address or localhost), or \"\" to turn metrics off";
	char s[YW_VALUE_MAX], host[YW_VALUE_MAX];
	struct fg_hostport hp;
	unsigned char a[16];
	const char *why;
	__u64 n;

	(void)arg;
	if (key == M_TOP_SOURCES) {
		if (yw_get_uint(c, v, 0, 1000, &n))
			return -EINVAL;
		settings(c)->top_sources = (unsigned int)n;
		return 0;
	}
	if (key == M_WEB_CONFIG)
		return yw_get_path(c, v, true, settings(c)->metrics_web_config,
				   sizeof(settings(c)->metrics_web_config));
	if (yw_scalar(c, v, s))
		return -EINVAL;
	if (!*s) {
		settings(c)->metrics_listen[0] = '\0';
		return 0;
	}
	if (strlen(s) >= FG_LISTEN_MAX)
		return yw_fail(c, v, "%s: too long; %s", yw_shown(s), want);
	if (fg_hostport_split(s, &hp))
		return yw_fail(c, v, "%s: %s", yw_shown(s), want);
	/* s is shorter than FG_LISTEN_MAX, so its host fits */
	memcpy(host, hp.host, hp.host_len);
	host[hp.host_len] = '\0';
	if (hp.bracketed ? inet_pton(AF_INET6, host, a) != 1
			 : strcmp(host, "localhost") != 0 &&
			       inet_pton(AF_INET, host, a) != 1)
		return yw_fail(c, v, "%s: %s", yw_shown(s), want);
	if (fg_parse_uint(hp.port, 1, 65535, &n, &why))
		return yw_fail(c, v, "%s: the port is 1 to 65535", yw_shown(s));
	memcpy(settings(c)->metrics_listen, s, strlen(s) + 1);
	return 0;
}

/* What the table section said about admission, for its end check. */
struct table_in {
	bool burst_set;
	struct yw_loc rate_loc, burst_loc;
};

static int table_key(struct yw_ctx *c, int key, struct fy_node *v, void *arg)
{
	struct table_in *in = arg;
	__u64 n;

	switch (key) {
	case 0:
		if (yw_get_uint(c, v, 64, 16777216, &n))
			return -EINVAL;
		settings(c)->max_sources = (__u32)n;
		return 0;
	case 1:
		return yw_get_prefix(c, v, 32, &settings(c)->ipv4_prefix);
	case 2:
		return yw_get_prefix(c, v, 128, &settings(c)->ipv6_prefix);
	case 3: {
		struct fg_rate *r = &settings(c)->admit.rate;
		char s[YW_VALUE_MAX];
		const char *why;

		if (yw_scalar(c, v, s))
			return -EINVAL;
		if (fg_parse_rate(s, FG_RATE_COUNT, r, &why))
			return yw_fail(c, v, "%s: %s", yw_shown(s), why);
		if (check_rate(c, v, s, r, FG_RATE_COUNT))
			return -EINVAL;
		if (!r->per_ns)
			r->per_ns = NS_PER_S; /* configured: "0" is off */
		yw_node_loc(v, &in->rate_loc);
		return 0;
	}
	default:
		if (yw_get_uint(c, v, 1, UINT32_MAX, &n))
			return -EINVAL;
		settings(c)->admit.burst = n;
		in->burst_set = true;
		yw_node_loc(v, &in->burst_loc);
		return 0;
	}
}

/* burst_new_sources against the admission rate it applies to: the one
 * configured or the default. */
static int finish_table(struct yw_ctx *c, const struct table_in *in)
{
	struct fg_dim_limit a = fg_admit_limit(settings(c));
	const struct pair_keys keys = {
	    .rate = "new_sources",
	    .burst = "burst_new_sources",
	    .rate_loc = &in->rate_loc,
	    .burst_loc = &in->burst_loc,
	    .burst_set = in->burst_set,
	    .kind = FG_RATE_COUNT,
	};

	if (!in->burst_set || !a.rate.amount)
		return 0;
	return check_span(c, &a, &keys);
}

struct fg_dim_limit fg_admit_limit(const struct fg_settings *s)
{
	struct fg_dim_limit a = s->admit;

	if (!a.rate.per_ns) {
		a.rate.amount = s->max_sources / 16 ? s->max_sources / 16 : 1;
		a.rate.per_ns = NS_PER_S;
	}
	if (!a.rate.amount)
		return a;
	if (!a.burst) {
		unsigned __int128 b =
		    (unsigned __int128)a.rate.amount * NS_PER_S / a.rate.per_ns;

		a.burst = b ? (__u64)b : 1;
	}
	return a;
}

static bool valid_ifname(const char *s)
{
	size_t len = strlen(s);

	if (len < 1 || len >= IF_NAMESIZE || !strcmp(s, ".") ||
	    !strcmp(s, ".."))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] <= ' ' || s[i] == '/' || s[i] == ':' || s[i] >= 0x7f)
			return false;
	}
	return true;
}

static int read_interfaces(struct yw_ctx *c, struct fy_node *seq)
{
	struct fg_settings *s = settings(c);
	struct fy_node *item;
	void *it = NULL;
	size_t i = 0;
	int ret;

	ret = yw_sequence(c, seq, "[eth0, eth1]");
	s->nifaces = 0;
	if (ret <= 0)
		return ret;
	while ((item = fy_node_sequence_iterate(seq, &it))) {
		char v[YW_VALUE_MAX];
		struct yw_frame f = yw_push_index(c, i++);

		ret = yw_scalar(c, item, v);
		if (!ret && !valid_ifname(v))
			ret = yw_fail(c, item,
				      "%s: an interface name is 1 to %d "
				      "characters, without spaces, '/' or ':'",
				      yw_shown(v), IF_NAMESIZE - 1);
		if (!ret && s->nifaces == FG_MAX_IFACES)
			ret = yw_fail(c, item, "at most %d interfaces",
				      FG_MAX_IFACES);
		for (unsigned int j = 0; !ret && j < s->nifaces; j++) {
			if (!strcmp(s->ifaces[j], v))
				ret = yw_fail(c, item, "%s: listed twice",
					      yw_shown(v));
		}
		yw_pop(c, f);
		if (ret)
			return ret;
		memcpy(s->ifaces[s->nifaces++], v, strlen(v) + 1);
	}
	return 0;
}

/* --- Rules --- */

/* lists_keys in order: the inline lists, then their files. */
enum { L_ALLOW, L_DENY, L_ALLOW_FILES, L_DENY_FILES };
static const char *const list_names[2] = {"allow", "deny"};
static const char *const list_file_keys[2] = {"allow_files", "deny_files"};

struct lists_in {
	struct fy_node *seq[2]; /* allow, deny, as given */
	struct yw_loc loc[2];
	size_t ninline[2]; /* entries before the files' */
	struct yw_loc file_loc[2][FG_MAX_LIST_FILES];
};

/* What the document's sections leave for the checks across them. */
struct root_in {
	struct dims_in limits;
	struct lists_in lists;
	/* Each rule's `sources` node and where it sits, resolved against
	 * the classes after the walk. */
	struct fy_node *sources[FG_MAX_RULES];
	struct yw_loc sources_loc[FG_MAX_RULES];
	struct fy_node *classes;
	struct yw_loc scale_loc[FG_MAX_CLASSES]; /* each limits_scale */
};

struct rule_in {
	struct fg_rule_spec *r;
	unsigned int index;
	bool named;
	struct dims_in dims, agg, fleet;
	struct yw_loc ports_loc, action_loc, agg_loc, fleet_loc;
	struct root_in *root;
};

static bool valid_rule_name(const char *s)
{
	size_t len = strlen(s);

	if (len < 1 || len >= FG_RULE_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' ||
		      ch == '-'))
			return false;
	}
	return true;
}

static int rule_name(struct yw_ctx *c, struct rule_in *in, struct fy_node *v)
{
	char s[YW_VALUE_MAX];

	if (yw_scalar(c, v, s))
		return -EINVAL;
	if (!valid_rule_name(s))
		return yw_fail(c, v,
			       "%s: a rule name is 1 to %d characters from "
			       "A-Z a-z 0-9 _ . -",
			       yw_shown(s), FG_RULE_NAME_MAX - 1);
	if (!strcmp(s, "default"))
		return yw_fail(c, v,
			       "%s: reserved for the default limits; pick "
			       "another name",
			       yw_shown(s));
	for (unsigned int i = 0; i < in->index; i++) {
		if (!strcmp(settings(c)->rules[i].name, s))
			return yw_fail(c, v, "%s: already used by rules[%u]",
				       yw_shown(s), i);
	}
	memcpy(in->r->name, s, strlen(s) + 1);
	in->named = true;
	return 0;
}

static int rule_ports(struct yw_ctx *c, struct rule_in *in, struct fy_node *v)
{
	struct fg_rule_spec *r = in->r;
	struct fy_node *item;
	void *it = NULL;
	int ret;

	ret = yw_sequence(c, v, "[80, 443, \"8000-8099\"]");
	if (ret < 0)
		return ret;
	if (ret == 0 || !fy_node_sequence_item_count(v))
		return yw_fail(c, v,
			       "an empty list; leave ports out to match any "
			       "port");
	yw_node_loc(v, &in->ports_loc);
	while ((item = fy_node_sequence_iterate(v, &it))) {
		char s[YW_VALUE_MAX];
		const char *why;

		if (yw_scalar(c, item, s))
			return -EINVAL;
		if (r->nports == FG_MAX_PORT_RANGES)
			return yw_fail(c, item,
				       "at most %d port ranges per rule",
				       FG_MAX_PORT_RANGES);
		if (fg_parse_port_range(s, &r->ports[r->nports], &why))
			return yw_fail(c, item, "%s: %s", yw_shown(s), why);
		r->nports++;
	}
	return 0;
}

static int agg_key(struct yw_ctx *c, int key, struct fy_node *v, void *arg)
{
	struct rule_in *in = arg;

	if (key == A_IPV4)
		return yw_get_prefix(c, v, 32, &in->r->aggregate.ipv4_prefix);
	if (key == A_IPV6)
		return yw_get_prefix(c, v, 128, &in->r->aggregate.ipv6_prefix);
	return dim_value(c, &in->agg, key - A_DIMS, v);
}

static int rule_fleet_key(struct yw_ctx *c, int key, struct fy_node *v,
			  void *arg)
{
	return dim_value(c, &((struct rule_in *)arg)->fleet, key, v);
}

/* A rule's section of rates (aggregate, fleet): a mapping with keys.
 * Returns 0 to read them, or -EINVAL; *loc is where the section's own
 * errors point ({} has no mark of its own: its key's). */
static int rule_section(struct yw_ctx *c, struct fy_node *v, const char *what,
			struct yw_loc *loc)
{
	int ret = yw_mapping(c, v);

	if (ret == 0)
		return yw_fail(c, v,
			       "an empty %s; give it packets, bytes or "
			       "new_connections",
			       what);
	if (ret < 0)
		return ret;
	if (!yw_node_loc(v, loc))
		*loc = c->fb;
	return 0;
}

/* `sources: [CLASS, ...]`: remembered by node, resolved once the
 * classes are read (they may come later in the file). */
static int rule_sources(struct yw_ctx *c, struct rule_in *in,
			struct fy_node *v);
static int rule_dests(struct yw_ctx *c, struct rule_in *in, struct fy_node *v)
{
	struct fg_rule_spec *r = in->r;
	struct fy_node *item;
	void *it = NULL;
	int ret = yw_sequence(c, v, "[192.0.2.10, \"2001:db8::10/128\"]");

	if (ret < 0)
		return ret;
	if (ret == 0 || !fy_node_sequence_item_count(v))
		return yw_fail(c, v,
			       "an empty list; leave destinations out to match "
			       "any");
	while ((item = fy_node_sequence_iterate(v, &it))) {
		char str[YW_VALUE_MAX];
		const char *why;
		struct yw_frame f = yw_push_index(c, r->ndests);

		ret = yw_scalar(c, item, str);
		if (!ret && r->ndests == FG_MAX_RULE_DESTS)
			ret =
			    yw_fail(c, item, "at most %d destinations per rule",
				    FG_MAX_RULE_DESTS);
		if (!ret && fg_parse_cidr(str, &r->dests[r->ndests], &why))
			ret = yw_fail(c, item, "%s: %s", yw_shown(str), why);
		yw_pop(c, f);
		if (ret)
			return ret;
		r->ndests++;
	}
	return 0;
}

/* A box time: a duration up to 24h. */
static int block_duration(struct yw_ctx *c, struct fy_node *v, __u64 *ns)
{
	char s[YW_VALUE_MAX];
	const char *why;

	if (yw_scalar(c, v, s))
		return -EINVAL;
	if (fg_parse_duration(s, ns, &why))
		return yw_fail(c, v, "%s: %s", yw_shown(s), why);
	if (*ns > FG_BLOCK_NS_MAX)
		return yw_fail(c, v, "%s: at most 24h", yw_shown(s));
	return 0;
}

/* An escalating block, as its keys are read. */
struct block_in {
	struct fg_rule_spec *r;
	bool first_set, max_set, window_set;
	struct yw_loc max_loc;
};

static int block_key(struct yw_ctx *c, int key, struct fy_node *v, void *arg)
{
	struct block_in *in = arg;
	__u64 factor;

	switch (key) {
	case B_FIRST:
		in->first_set = true;
		if (block_duration(c, v, &in->r->block_ns))
			return -EINVAL;
		if (!in->r->block_ns)
			return yw_fail(c, v,
				       "0 boxes nobody; for no box, write "
				       "block: 0");
		return 0;
	case B_FACTOR:
		if (yw_get_uint(c, v, 1, FG_BLOCK_FACTOR_MAX, &factor))
			return -EINVAL;
		in->r->block_factor = (unsigned int)factor;
		return 0;
	case B_MAX:
		in->max_set = true;
		yw_node_loc(v, &in->max_loc);
		return block_duration(c, v, &in->r->block_max_ns);
	default:
		in->window_set = true;
		return block_duration(c, v, &in->r->block_window_ns);
	}
}

/* block: a duration (the same box every time), or {first, repeat_factor,
 * max, window}: each repeat within window after the last box ended lasts
 * repeat_factor (default 2) times longer, up to max; window defaults to
 * max. */
static int rule_block(struct yw_ctx *c, struct fg_rule_spec *r,
		      struct fy_node *v)
{
	struct block_in in = {.r = r};
	struct yw_frame f;
	int ret;

	r->block_factor = 1;
	r->block_max_ns = 0;
	r->block_window_ns = 0;
	if (!v || !fy_node_is_mapping(v)) {
		if (block_duration(c, v, &r->block_ns))
			return -EINVAL;
		r->block_max_ns = r->block_ns;
		return 0;
	}
	ret = yw_mapping(c, v);
	if (ret < 0)
		return ret;
	r->block_factor = 2;
	if (ret > 0 && yw_walk_map(c, v, block_keys, block_key, &in))
		return -EINVAL;
	if (!in.first_set || !in.max_set)
		return yw_fail(c, v,
			       "an escalating block needs first (the first "
			       "box) and max (the longest), e.g. {first: "
			       "30s, repeat_factor: 2, max: 1h}");
	if (r->block_ns > r->block_max_ns) {
		f = yw_push_key(c, "max", NULL);
		ret = yw_fail_at(c, &in.max_loc,
				 "shorter than first: max caps the box times, "
				 "from first up");
		yw_pop(c, f);
		return ret;
	}
	if (!in.window_set)
		r->block_window_ns = r->block_max_ns;
	return 0;
}

static int rule_key(struct yw_ctx *c, int key, struct fy_node *v, void *arg)
{
	static const char *const actions[] = {
	    [FG_RULE_ACTION_DROP] = "drop",
	    [FG_RULE_ACTION_RESET] = "reset",
	    NULL,
	};
	static const char *const scopes[] = {
	    [FG_BLOCK_SCOPE_RULE] = "rule",
	    [FG_BLOCK_SCOPE_SOURCE] = "source",
	    NULL,
	};
	struct rule_in *in = arg;
	struct fg_rule_spec *r = in->r;
	int e = 0, ret;

	switch (key) {
	case R_NAME:
		return rule_name(c, in, v);
	case R_PROTOCOL:
		if (yw_get_enum(c, v, fg_protocol_names, FG_PROTOCOLS_ALLOWED,
				&e))
			return -EINVAL;
		r->protocol = (enum fg_protocol)e;
		return 0;
	case R_PORTS:
		return rule_ports(c, in, v);
	case R_BLOCK:
		return rule_block(c, r, v);
	case R_ACTION:
		if (yw_get_enum(c, v, actions, "drop or reset", &e))
			return -EINVAL;
		r->action = (enum fg_rule_action)e;
		yw_node_loc(v, &in->action_loc);
		return 0;
	case R_BLOCK_SCOPE:
		if (yw_get_enum(c, v, scopes, "rule or source", &e))
			return -EINVAL;
		r->block_scope = (enum fg_block_scope)e;
		return 0;
	case R_AGGREGATE:
		ret = rule_section(c, v, "aggregate", &in->agg_loc);
		if (ret < 0)
			return ret;
		r->aggregate.enabled = true;
		return yw_walk_map(c, v, agg_keys, agg_key, in);
	case R_FLEET:
		ret = rule_section(c, v, "fleet limit", &in->fleet_loc);
		if (ret < 0)
			return ret;
		r->has_fleet = true;
		return yw_walk_map(c, v, rule_fleet_keys, rule_fleet_key, in);
	case R_SOURCES:
		return rule_sources(c, in, v);
	case R_DESTINATIONS:
		return rule_dests(c, in, v);
	case R_MODE:
		if (yw_get_enum(c, v, fg_mode_names, FG_MODES_ALLOWED, &e))
			return -EINVAL;
		r->dry_run = e == FG_MODE_DRY_RUN;
		return 0;
	default:
		return dim_value(c, &in->dims, key - R_DIMS, v);
	}
}

/* new_connections and its burst count TCP SYNs: refused on a udp or icmp
 * rule, in its own limits and in its sections (prefix "aggregate."). */
static int conns_need_tcp(struct yw_ctx *c, const struct dims_in *in,
			  const char *prefix, const char *proto)
{
	bool rate = in->rate_set[FG_DIM_CONNECTIONS];
	char key[64];
	struct yw_frame f;
	int ret;

	if (!rate && !in->burst_set[FG_DIM_CONNECTIONS])
		return 0;
	snprintf(key, sizeof(key), "%s%s", prefix,
		 rate ? "new_connections" : "burst_connections");
	f = yw_push_key(c, key, NULL);
	ret = yw_fail_at(c,
			 rate ? &in->rate_loc[FG_DIM_CONNECTIONS]
			      : &in->burst_loc[FG_DIM_CONNECTIONS],
			 "new connections are TCP SYNs: needs protocol tcp or "
			 "any (this rule is %s)",
			 proto);
	yw_pop(c, f);
	return ret;
}

/* A section of rates (aggregate, fleet), once its keys are read: at
 * least one rate, and bursts that fit. */
static int section_checks(struct yw_ctx *c, const char *key, struct dims_in *in,
			  const struct yw_loc *loc)
{
	bool any_rate = false;
	struct yw_frame f = yw_push_key(c, key, NULL);
	int ret;

	for (int d = 0; d < FG_DIM_COUNT; d++)
		any_rate |= in->dim[d].rate.amount != 0;
	if (any_rate)
		ret = finish_dims(c, in);
	else
		ret = yw_fail_at(c, loc,
				 "needs a rate: packets, bytes or "
				 "new_connections");
	yw_pop(c, f);
	return ret;
}

/* What the protocol allows; checked once every key is read, so that
 * key order does not matter. */
static int rule_checks(struct yw_ctx *c, struct rule_in *in,
		       struct fy_node *map)
{
	struct fg_rule_spec *r = in->r;
	const char *proto = fg_protocol_name(r->protocol);
	struct yw_frame f;
	int ret;

	if (!in->named)
		return yw_fail(c, map, "a rule needs a name");
	if (r->nports && r->protocol == FG_PROTO_ICMP) {
		f = yw_push_key(c, "ports", NULL);
		ret = yw_fail_at(c, &in->ports_loc,
				 "ports need protocol tcp, udp or any (this "
				 "rule is %s)",
				 proto);
		yw_pop(c, f);
		return ret;
	}
	if ((r->protocol == FG_PROTO_UDP || r->protocol == FG_PROTO_ICMP) &&
	    (conns_need_tcp(c, &in->dims, "", proto) ||
	     conns_need_tcp(c, &in->agg, "aggregate.", proto) ||
	     conns_need_tcp(c, &in->fleet, "fleet.", proto)))
		return -EINVAL;
	if (r->action == FG_RULE_ACTION_RESET && r->protocol != FG_PROTO_TCP) {
		f = yw_push_key(c, "action", NULL);
		ret = yw_fail_at(c, &in->action_loc,
				 "reset answers TCP SYNs: needs protocol tcp "
				 "(this rule is %s)",
				 proto);
		yw_pop(c, f);
		return ret;
	}
	if (finish_dims(c, &in->dims))
		return -EINVAL;
	if (r->has_fleet &&
	    section_checks(c, "fleet", &in->fleet, &in->fleet_loc))
		return -EINVAL;
	if (r->aggregate.enabled)
		return section_checks(c, "aggregate", &in->agg, &in->agg_loc);
	return 0;
}

static int read_rule(struct yw_ctx *c, struct fy_node *map, unsigned int index,
		     struct root_in *root)
{
	struct fg_rule_spec *r = &settings(c)->rules[index];
	struct rule_in in = {
	    .r = r,
	    .index = index,
	    .root = root,
	    .dims.dim = r->dim,
	    .agg.dim = r->aggregate.dim,
	    .fleet.dim = r->fleet,
	};
	int ret;

	memset(r, 0, sizeof(*r));
	r->protocol = FG_PROTO_ANY;
	r->action = FG_RULE_ACTION_DROP;
	r->aggregate.ipv4_prefix = 24;
	r->aggregate.ipv6_prefix = 48;
	ret = yw_mapping(c, map);
	if (ret == 0)
		return yw_fail(c, map, "an empty rule; a rule needs a name");
	if (ret < 0)
		return ret;
	if (yw_walk_map(c, map, rule_keys, rule_key, &in))
		return -EINVAL;
	if (rule_checks(c, &in, map))
		return -EINVAL;
	if (!r->aggregate.enabled) {
		r->aggregate.ipv4_prefix = 0;
		r->aggregate.ipv6_prefix = 0;
	}
	return 0;
}

static int read_rules(struct yw_ctx *c, struct fy_node *seq,
		      struct root_in *root)
{
	struct fy_node *item;
	void *it = NULL;
	int ret;

	ret = yw_sequence(c, seq, "[{name: http, packets: 200/s}]");
	settings(c)->nrules = 0;
	if (ret <= 0)
		return ret;
	while ((item = fy_node_sequence_iterate(seq, &it))) {
		struct yw_frame f = yw_push_index(c, settings(c)->nrules);

		if (settings(c)->nrules == FG_MAX_RULES)
			ret =
			    yw_fail(c, item, "at most %d rules", FG_MAX_RULES);
		else
			ret = read_rule(c, item, settings(c)->nrules, root);
		yw_pop(c, f);
		if (ret)
			return ret;
		settings(c)->nrules++;
	}
	return 0;
}

/* --- Lists --- */

static int read_list(struct yw_ctx *c, struct fy_node *seq,
		     struct fg_cidr **out, size_t *n)
{
	struct fy_node *item;
	struct fg_cidr *a;
	void *it = NULL;
	int ret, count;

	ret = yw_sequence(c, seq, "[192.0.2.0/24, \"2001:db8::/32\"]");
	if (ret < 0)
		return ret;
	count = ret ? fy_node_sequence_item_count(seq) : 0;
	free(*out);
	*out = NULL;
	*n = 0;
	if (count <= 0)
		return 0;
	a = calloc((size_t)count, sizeof(*a));
	if (!a)
		return yw_no_memory(c);
	*out = a;
	while ((item = fy_node_sequence_iterate(seq, &it))) {
		char s[YW_VALUE_MAX];
		struct yw_frame f = yw_push_index(c, *n);
		const char *why;

		ret = yw_scalar(c, item, s);
		if (!ret && fg_parse_cidr(s, &a[*n], &why))
			ret = yw_fail(c, item, "%s: %s", yw_shown(s), why);
		yw_pop(c, f);
		if (ret)
			return ret;
		(*n)++;
	}
	return 0;
}

/* A list's files: absolute paths, read once every key is (lists_checks). */
static int read_list_files(struct yw_ctx *c, struct fy_node *seq,
			   struct fg_list_files *files, struct yw_loc *locs)
{
	struct fy_node *item;
	void *it = NULL;
	int ret;

	ret = yw_sequence(c, seq, "[/etc/floodgate/drop.txt]");
	files->n = 0;
	if (ret <= 0)
		return ret;
	while ((item = fy_node_sequence_iterate(seq, &it))) {
		struct yw_frame f = yw_push_index(c, files->n);

		if (files->n >= FG_MAX_LIST_FILES)
			ret = yw_fail(c, item, "at most %d files a list",
				      FG_MAX_LIST_FILES);
		else
			ret = yw_get_path(c, item, false, files->path[files->n],
					  sizeof(files->path[0]));
		yw_node_loc(item, &locs[files->n]);
		yw_pop(c, f);
		if (ret)
			return ret;
		files->n++;
	}
	return 0;
}

static int lists_key(struct yw_ctx *c, int key, struct fy_node *v, void *arg)
{
	struct fg_settings *s = settings(c);
	struct lists_in *in = arg;

	switch (key) {
	case L_ALLOW_FILES:
		return read_list_files(c, v, &s->allow_files, in->file_loc[0]);
	case L_DENY_FILES:
		return read_list_files(c, v, &s->deny_files, in->file_loc[1]);
	default:
		break;
	}
	in->seq[key] = v;
	yw_node_loc(v, &in->loc[key]);
	if (key == L_ALLOW)
		return read_list(c, v, &s->allow, &s->nallow);
	return read_list(c, v, &s->deny, &s->ndeny);
}

/* Appends each file's entries to its list, after the inline ones. */
static int load_list_files(struct yw_ctx *c, struct lists_in *in)
{
	struct fg_settings *s = settings(c);
	struct fg_list_files *files[2] = {&s->allow_files, &s->deny_files};
	struct fg_cidr **arr[2] = {&s->allow, &s->deny};
	size_t *n[2] = {&s->nallow, &s->ndeny};

	for (int l = 0; l < 2; l++) {
		size_t cap = *n[l];

		in->ninline[l] = *n[l];
		for (unsigned int j = 0; j < files[l]->n; j++) {
			char why[FG_ERR_MAX];
			struct yw_frame f;
			int ret;

			files[l]->first[j] = *n[l];
			ret = fg_listfile_load(files[l]->path[j], arr[l], n[l],
					       &cap, FG_MAX_LIST_ENTRIES, why,
					       sizeof(why));
			if (ret == -ENOMEM)
				return yw_no_memory(c);
			if (ret) {
				f = yw_push_key(c, "lists", NULL);
				yw_push_key(c, list_file_keys[l], NULL);
				yw_push_index(c, j);
				yw_fail_at(c, &in->file_loc[l][j], "%s", why);
				yw_pop(c, f);
				return ret;
			}
			files[l]->count[j] = *n[l] - files[l]->first[j];
		}
	}
	return 0;
}

/* Where entry i of list l came from: "lists.allow[3]" or
 * "FILE:LINE (lists.allow_files[0])"; *file the file's index or -1. */
static void entry_origin(const struct fg_settings *s, const struct lists_in *in,
			 int l, size_t i, char *buf, size_t len, int *file)
{
	const struct fg_list_files *files =
	    l ? &s->deny_files : &s->allow_files;
	const struct fg_cidr *e = l ? &s->deny[i] : &s->allow[i];

	*file = -1;
	if (i < in->ninline[l]) {
		snprintf(buf, len, "lists.%s[%zu]", list_names[l], i);
		return;
	}
	for (unsigned int j = 0; j < files->n; j++) {
		if (i < files->first[j] ||
		    i - files->first[j] >= files->count[j])
			continue;
		*file = (int)j;
		snprintf(buf, len, "%s:%lu (lists.%s[%u])", files->path[j],
			 fg_listfile_line_of(files->path[j], e),
			 list_file_keys[l], j);
		return;
	}
	snprintf(buf, len, "lists.%s", list_names[l]);
}

struct list_ref {
	const struct fg_cidr *cidr;
	unsigned int list; /* 0 allow, 1 deny */
	unsigned int index;
};

static int cmp_ref(const void *pa, const void *pb)
{
	const struct list_ref *a = pa, *b = pb;
	int r = memcmp(a->cidr->addr, b->cidr->addr, sizeof(a->cidr->addr));

	if (r)
		return r;
	if (a->cidr->prefixlen != b->cidr->prefixlen)
		return a->cidr->prefixlen < b->cidr->prefixlen ? -1 : 1;
	if (a->list != b->list)
		return a->list < b->list ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

static bool same_prefix(const struct list_ref *a, const struct list_ref *b)
{
	return a->cidr->prefixlen == b->cidr->prefixlen &&
	       !memcmp(a->cidr->addr, b->cidr->addr, sizeof(a->cidr->addr));
}

/* The first deny entry (by index) whose prefix is also allowed: 0 with
 * *deny, *allow set, 1 when there is none, or -ENOMEM. */
static int find_conflict(const struct fg_settings *s, size_t *deny,
			 size_t *allow)
{
	size_t n = s->nallow + s->ndeny, o = 0;
	struct list_ref *refs;

	*deny = SIZE_MAX;
	if (!s->nallow || !s->ndeny)
		return 1;
	refs = calloc(n, sizeof(*refs));
	if (!refs)
		return -ENOMEM;
	for (size_t i = 0; i < s->nallow; i++)
		refs[o++] = (struct list_ref){&s->allow[i], 0, (unsigned int)i};
	for (size_t i = 0; i < s->ndeny; i++)
		refs[o++] = (struct list_ref){&s->deny[i], 1, (unsigned int)i};
	qsort(refs, n, sizeof(*refs), cmp_ref);
	/* Sorted, an allow entry comes first in a run of one prefix. */
	for (size_t i = 0, run = 0; i < n; i++) {
		if (i && !same_prefix(&refs[i], &refs[i - 1]))
			run = i;
		if (refs[i].list == 1 && refs[run].list == 0 &&
		    refs[i].index < *deny) {
			*deny = refs[i].index;
			*allow = refs[run].index;
		}
	}
	free(refs);
	return *deny == SIZE_MAX;
}

/* A prefix both allowed and denied: the error names both places. */
static int conflict_error(struct yw_ctx *c, struct lists_in *in, size_t deny,
			  size_t allow)
{
	struct fg_settings *s = settings(c);
	char v[YW_VALUE_MAX], where[FG_ERR_MAX / 2], shown[64];
	struct fy_node *item;
	struct yw_frame f;
	int file, ret;

	entry_origin(s, in, 0, allow, where, sizeof(where), &file);
	f = yw_push_key(c, "lists", NULL);
	if (deny < in->ninline[1]) {
		item = fy_node_sequence_get_by_index(in->seq[1], (int)deny);
		yw_push_key(c, "deny", NULL);
		yw_push_index(c, deny);
		ret = yw_scalar(c, item, v);
		if (!ret)
			ret = yw_fail(c, item,
				      "%s: also in %s; a prefix is either "
				      "allowed or denied",
				      yw_shown(v), where);
		yw_pop(c, f);
		return ret;
	}
	entry_origin(s, in, 1, deny, v, sizeof(v), &file);
	fg_format_cidr(&s->deny[deny], shown, sizeof(shown));
	yw_push_key(c, "deny_files", NULL);
	yw_push_index(c, (size_t)(file < 0 ? 0 : file));
	/* v is "FILE:LINE (lists.deny_files[J])": the key path says the
	 * second part already. */
	if (strchr(v, ' '))
		*strchr(v, ' ') = '\0';
	ret = yw_fail_at(c, &in->file_loc[1][file < 0 ? 0 : file],
			 "%s: %s: also in %s; a prefix is either allowed or "
			 "denied",
			 v, shown, where);
	yw_pop(c, f);
	return ret;
}

/* The lists' files read, their totals, and no prefix both allowed and
 * denied. */
static int lists_checks(struct yw_ctx *c, struct lists_in *in)
{
	struct fg_settings *s = settings(c);
	size_t n = s->nallow + s->ndeny, deny = 0, allow = 0;
	struct yw_frame f;
	int ret;

	if (n > FG_MAX_INLINE_LIST_ENTRIES) {
		f = yw_push_key(c, "lists", NULL);
		ret = yw_fail_at(c, &in->loc[in->seq[1] ? 1 : 0],
				 "%zu entries; allow and deny together hold at "
				 "most %d (more go in allow_files, deny_files)",
				 n, FG_MAX_INLINE_LIST_ENTRIES);
		yw_pop(c, f);
		return ret;
	}
	ret = load_list_files(c, in);
	if (ret)
		return ret;
	n = s->nallow + s->ndeny;
	if (n > FG_MAX_LIST_ENTRIES) {
		f = yw_push_key(c, "lists", NULL);
		ret = yw_fail_at(c,
				 s->deny_files.n
				     ? &in->file_loc[1][s->deny_files.n - 1]
				     : &in->file_loc[0][s->allow_files.n - 1],
				 "%zu entries with the files'; allow and deny "
				 "together hold at most %d",
				 n, FG_MAX_LIST_ENTRIES);
		yw_pop(c, f);
		return ret;
	}
	ret = find_conflict(s, &deny, &allow);
	if (ret < 0)
		return yw_no_memory(c);
	return ret ? 0 : conflict_error(c, in, deny, allow);
}

static int read_lists(struct yw_ctx *c, struct fy_node *map,
		      struct lists_in *in)
{
	int ret = yw_mapping(c, map);

	if (ret <= 0)
		return ret;
	return yw_walk_map(c, map, lists_keys, lists_key, in);
}

/* --- Source classes (DESIGN.md §9) --- */

static int rule_sources(struct yw_ctx *c, struct rule_in *in, struct fy_node *v)
{
	int ret = yw_sequence(c, v, "[office, partners]");

	if (ret < 0)
		return ret;
	if (ret == 0 || !fy_node_sequence_item_count(v))
		return yw_fail(c, v,
			       "an empty list; leave sources out to match any "
			       "source");
	in->root->sources[in->index] = v;
	yw_node_loc(v, &in->root->sources_loc[in->index]);
	return 0;
}

/* A rule's `sources`, once every class is known: the class ids. */
static int resolve_sources(struct yw_ctx *c, struct root_in *in,
			   unsigned int rule)
{
	struct fg_settings *s = settings(c);
	struct fy_node *seq = in->sources[rule], *item;
	struct yw_frame f = yw_push_key(c, "rules", NULL);
	size_t i = 0;
	void *it = NULL;
	int ret = 0;

	yw_push_index(c, rule);
	yw_push_key(c, "sources", NULL);
	while (!ret && (item = fy_node_sequence_iterate(seq, &it))) {
		char name[YW_VALUE_MAX];
		unsigned int id = 0;

		struct yw_frame fi = yw_push_index(c, i++);

		ret = yw_scalar(c, item, name);
		for (unsigned int k = 0; !ret && k < s->nclasses; k++)
			if (!strcmp(s->classes[k].name, name))
				id = k + 1;
		if (!ret && !id)
			ret = yw_fail(c, item,
				      "%s: no such class; classes are named "
				      "under `classes:`",
				      yw_shown(name));
		s->rules[rule].sources |= 1u << id;
		yw_pop(c, fi);
	}
	yw_pop(c, f);
	return ret;
}

/* limits_scale: a positive number with up to three decimals, in
 * thousandths (10 -> 10000, 0.5 -> 500). */
static int parse_scale(const char *str, __u32 *out)
{
	__u64 whole = 0, frac = 0;
	int fdigits = 0;
	const char *p = str;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((whole = whole * 10 + (__u64)(*p - '0')) > 1000)
			return -ERANGE;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, fdigits++) {
			if (fdigits == 3)
				return -EINVAL;
			frac = frac * 10 + (__u64)(*p - '0');
		}
		if (!fdigits)
			return -EINVAL;
	}
	if (*p)
		return -EINVAL;
	for (; fdigits < 3; fdigits++)
		frac *= 10;
	*out = (__u32)(whole * FG_SCALE_ONE + frac);
	return *out && *out <= 1000u * FG_SCALE_ONE ? 0 : -ERANGE;
}

struct class_in {
	unsigned int id;
	struct root_in *root;
};

/* Appends n entries of class id to the class entries. */
static int add_class_entries(struct yw_ctx *c, unsigned int id,
			     const struct fg_cidr *cidrs, size_t n)
{
	struct fg_settings *s = settings(c);
	struct fg_class_entry *grown = realloc(
	    s->class_entries, (s->nclass_entries + n + 1) * sizeof(*grown));

	if (!grown)
		return yw_no_memory(c);
	s->class_entries = grown;
	for (size_t i = 0; i < n; i++) {
		grown[s->nclass_entries].cidr = cidrs[i];
		grown[s->nclass_entries++].class_id = id;
	}
	return 0;
}

static int class_cidrs(struct yw_ctx *c, unsigned int id, struct fy_node *v)
{
	struct fy_node *item;
	void *it = NULL;
	size_t i = 0;
	int ret = yw_sequence(c, v, "[198.51.100.0/24, \"2001:db8:1::/48\"]");

	while (ret > 0 && (item = fy_node_sequence_iterate(v, &it))) {
		struct yw_frame f = yw_push_index(c, i++);
		char str[YW_VALUE_MAX];
		struct fg_cidr cidr;
		const char *why;

		ret = yw_scalar(c, item, str);
		if (!ret && fg_parse_cidr(str, &cidr, &why))
			ret = yw_fail(c, item, "%s: %s", yw_shown(str), why);
		if (!ret)
			ret = add_class_entries(c, id, &cidr, 1);
		yw_pop(c, f);
		if (!ret)
			ret = 1;
	}
	return ret < 0 ? ret : 0;
}

/* A class's files: the list-file format, read now, watched by the
 * daemon like the lists' files (fg_settings.class_files). */
static int class_files(struct yw_ctx *c, unsigned int id, struct fy_node *v)
{
	struct fg_list_files *files = &settings(c)->class_files;
	struct fy_node *item;
	void *it = NULL;
	size_t i = 0;
	int ret = yw_sequence(c, v, "[/etc/floodgate/office.txt]");

	while (ret > 0 && (item = fy_node_sequence_iterate(v, &it))) {
		struct yw_frame f = yw_push_index(c, i++);
		struct fg_cidr *arr = NULL;
		size_t n = 0, cap = 0;
		char why[FG_ERR_MAX];
		char *path = NULL;

		if (files->n >= FG_MAX_LIST_FILES) {
			ret = yw_fail(c, item, "at most %d class files in all",
				      FG_MAX_LIST_FILES);
		} else {
			path = files->path[files->n];
			ret = yw_get_path(c, item, false, path,
					  sizeof(files->path[0]));
		}
		if (!ret) {
			ret = fg_listfile_load(path, &arr, &n, &cap,
					       FG_MAX_LIST_ENTRIES, why,
					       sizeof(why));
			if (ret == -ENOMEM)
				ret = yw_no_memory(c);
			else if (ret)
				ret = yw_fail(c, item, "%s", why);
		}
		if (!ret)
			ret = add_class_entries(c, id, arr, n);
		free(arr);
		yw_pop(c, f);
		if (ret)
			return ret;
		files->count[files->n] = n;
		files->n++;
		ret = 1;
	}
	return ret < 0 ? ret : 0;
}

static int class_key(struct yw_ctx *c, int key, struct fy_node *v, void *arg)
{
	struct class_in *in = arg;
	struct fg_class_spec *cl = &settings(c)->classes[in->id - 1];
	char str[YW_VALUE_MAX];

	if (key == C_CIDRS)
		return class_cidrs(c, in->id, v);
	if (key == C_FILES)
		return class_files(c, in->id, v);
	if (yw_scalar(c, v, str))
		return -EINVAL;
	yw_node_loc(v, &in->root->scale_loc[in->id - 1]);
	if (parse_scale(str, &cl->limits_scale))
		return yw_fail(c, v,
			       "%s: expected a number from 0.001 to 1000 (the "
			       "default limits times this)",
			       yw_shown(str));
	return 0;
}

static int read_classes(struct yw_ctx *c, struct fy_node *map,
			struct root_in *root)
{
	struct fg_settings *s = settings(c);
	struct fy_node_pair *pair;
	void *it = NULL;
	int ret = yw_mapping(c, map);

	s->nclasses = 0;
	s->class_files.n = 0;
	if (ret <= 0)
		return ret;
	while ((pair = fy_node_mapping_iterate(map, &it))) {
		struct fy_node *kn = fy_node_pair_key(pair);
		struct fy_node *vn = fy_node_pair_value(pair);
		struct class_in in = {.root = root};
		char name[YW_VALUE_MAX];
		struct yw_frame f;

		if (yw_scalar(c, kn, name))
			return -EINVAL;
		f = yw_push_key(c, name, kn);
		if (s->nclasses == FG_MAX_CLASSES)
			ret = yw_fail(c, kn, "at most %d classes",
				      FG_MAX_CLASSES);
		else if (!valid_rule_name(name) ||
			 strlen(name) >= FG_CLASS_NAME_MAX)
			ret = yw_fail(c, kn,
				      "%s: a class name is 1 to %d characters "
				      "from A-Z a-z 0-9 _ . -",
				      yw_shown(name), FG_CLASS_NAME_MAX - 1);
		else
			ret = yw_mapping(c, vn);
		if (ret == 0)
			ret = yw_fail(c, vn,
				      "an empty class; give it cidrs "
				      "and/or limits_scale");
		if (ret > 0) {
			in.id = ++s->nclasses;
			memcpy(s->classes[in.id - 1].name, name,
			       strlen(name) + 1);
			s->classes[in.id - 1].limits_scale = FG_SCALE_ONE;
			ret = yw_walk_map(c, vn, class_keys, class_key, &in);
		}
		yw_pop(c, f);
		if (ret)
			return -EINVAL;
	}
	return 0;
}

static int cmp_class_entry(const void *pa, const void *pb)
{
	const struct fg_class_entry *a = pa, *b = pb;
	int r = memcmp(a->cidr.addr, b->cidr.addr, sizeof(a->cidr.addr));

	if (r)
		return r;
	return (int)a->cidr.prefixlen - (int)b->cidr.prefixlen;
}

/* No prefix in two classes (the table holds one class per prefix), and
 * lists and classes together fit the table. */
/* A class's scaled default limits are limits like any other: within
 * 64 bits, no faster than the datapath counts, a burst within its span.
 * Checked once both sections are read, at the class's limits_scale. */
static int scale_check(struct yw_ctx *c, const struct root_in *in,
		       unsigned int k)
{
	const struct fg_class_spec *cl = &settings(c)->classes[k];
	struct yw_frame f = yw_push_key(c, "classes", NULL);
	int ret = 0;

	yw_push_key(c, cl->name, NULL);
	yw_push_key(c, "limits_scale", NULL);
	for (int d = 0; d < FG_DIM_COUNT && !ret; d++) {
		const struct fg_dim_limit *dl = &settings(c)->defaults[d];
		enum fg_rate_kind kind = dim_keys[d].kind;
		struct fg_dim_limit out;
		char was[64], now[64];

		if (!dl->rate.amount)
			continue;
		fg_format_rate(&dl->rate, kind, was, sizeof(was));
		if (fg_scale_limit(dl, cl->limits_scale, &out)) {
			ret = yw_fail_at(c, &in->scale_loc[k],
					 "%u.%03u times limits.%s (%s) does "
					 "not fit 64 bits; lower one of them",
					 cl->limits_scale / FG_SCALE_ONE,
					 cl->limits_scale % FG_SCALE_ONE,
					 dim_keys[d].rate, was);
			break;
		}
		fg_format_rate(&out.rate, kind, now, sizeof(now));
		if (rate_too_fast(&out.rate, kind))
			ret = yw_fail_at(c, &in->scale_loc[k],
					 "%u.%03u times limits.%s (%s) is %s: "
					 "too fast, at most %s",
					 cl->limits_scale / FG_SCALE_ONE,
					 cl->limits_scale % FG_SCALE_ONE,
					 dim_keys[d].rate, was, now,
					 rate_most(kind));
		else if (burst_span(&out) > FG_BURST_NS_MAX)
			ret = yw_fail_at(c, &in->scale_loc[k],
					 "%u.%03u times limits.%s: a burst of "
					 "%llu at %s lasts over 146 years",
					 cl->limits_scale / FG_SCALE_ONE,
					 cl->limits_scale % FG_SCALE_ONE,
					 dim_keys[d].burst,
					 (unsigned long long)out.burst, now);
	}
	yw_pop(c, f);
	return ret;
}

static int classes_checks(struct yw_ctx *c, struct root_in *in)
{
	struct fg_settings *s = settings(c);
	size_t n = s->nclass_entries;
	struct yw_frame f;
	int ret = 0;

	if (!n)
		return 0;
	if (n + s->nallow + s->ndeny > FG_MAX_LIST_ENTRIES) {
		f = yw_push_key(c, "classes", NULL);
		ret = yw_fail(c, in->classes,
			      "%zu class entries and %zu list entries; "
			      "together at most %d",
			      n, s->nallow + s->ndeny, FG_MAX_LIST_ENTRIES);
		yw_pop(c, f);
		return ret;
	}
	qsort(s->class_entries, n, sizeof(*s->class_entries), cmp_class_entry);
	for (size_t i = 1; i < n; i++) {
		const struct fg_class_entry *a = &s->class_entries[i - 1];
		const struct fg_class_entry *b = &s->class_entries[i];
		char buf[64];

		if (cmp_class_entry(a, b))
			continue;
		if (a->class_id == b->class_id)
			continue; /* listed twice in one class: harmless */
		fg_format_cidr(&b->cidr, buf, sizeof(buf));
		f = yw_push_key(c, "classes", NULL);
		ret = yw_fail(c, in->classes,
			      "%s is in classes %s and %s; a prefix belongs "
			      "to one class",
			      buf, s->classes[a->class_id - 1].name,
			      s->classes[b->class_id - 1].name);
		yw_pop(c, f);
		return ret;
	}
	return 0;
}

/* --- The fleet section --- */

/* A fleet or host name goes into Redis keys: keep it to a plain word,
 * and without the braces of a Cluster hash tag. */
static bool valid_fleet_name(const char *s)
{
	size_t len = strlen(s);

	if (len < 1 || len >= FG_FLEET_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];

		if (!(ch >= 'a' && ch <= 'z') && !(ch >= 'A' && ch <= 'Z') &&
		    !(ch >= '0' && ch <= '9') && ch != '-' && ch != '_' &&
		    ch != '.')
			return false;
	}
	return true;
}

static int fleet_name(struct yw_ctx *c, struct fy_node *v, char *out)
{
	char s[YW_VALUE_MAX] = "";

	if (yw_scalar(c, v, s))
		return -EINVAL;
	if (!valid_fleet_name(s))
		return yw_fail(c, v,
			       "%s: expected 1 to %d letters, digits, '-', '_' "
			       "or '.'",
			       yw_shown(s), FG_FLEET_NAME_MAX - 1);
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

static int fleet_key(struct yw_ctx *c, int key, struct fy_node *v, void *arg)
{
	struct fg_fleet_spec *f = &settings(c)->fleet;
	char s[YW_VALUE_MAX] = "";
	const char *why;

	(void)arg;
	switch (key) {
	case F_REDIS:
		if (yw_scalar(c, v, s))
			return -EINVAL;
		if (strlen(s) >= sizeof(f->redis))
			return yw_fail(c, v, "too long (at most %zu bytes)",
				       sizeof(f->redis) - 1);
		/* A URL with '@' may hold a password: never echo it. */
		if (*s && fg_redis_url_parse(s, &f->addr, &why))
			return strchr(s, '@')
				   ? yw_fail(c, v, "%s", why)
				   : yw_fail(c, v, "%s: %s", yw_shown(s), why);
		memcpy(f->redis, s, strlen(s) + 1);
		return 0;
	case F_PASSWORD_FILE:
		if (yw_scalar(c, v, s))
			return -EINVAL;
		if (*s != '/' || strlen(s) >= sizeof(f->password_file))
			return yw_fail(c, v,
				       "%s: expected an absolute path (at most "
				       "%zu bytes)",
				       yw_shown(s),
				       sizeof(f->password_file) - 1);
		memcpy(f->password_file, s, strlen(s) + 1);
		return 0;
	case F_NAME:
		return fleet_name(c, v, f->name);
	case F_HOST:
		return fleet_name(c, v, f->host);
	default:
		if (yw_scalar(c, v, s))
			return -EINVAL;
		if (fg_parse_duration(s, &f->sync_ns, &why))
			return yw_fail(c, v, "%s: %s", yw_shown(s), why);
		if (f->sync_ns < FG_FLEET_SYNC_NS_MIN ||
		    f->sync_ns > FG_FLEET_SYNC_NS_MAX)
			return yw_fail(c, v, "%s: expected 10ms to 60s",
				       yw_shown(s));
		return 0;
	}
}

static int root_key(struct yw_ctx *c, int key, struct fy_node *v, void *arg)
{
	static const char *const malformed[] = {"pass", "drop", NULL};
	struct fg_settings *s = settings(c);
	struct root_in *in = arg;
	int e = 0, ret;

	switch (key) {
	case K_INTERFACES:
		return read_interfaces(c, v);
	case K_XDP_MODE:
		if (yw_get_enum(c, v, fg_xdp_mode_names, FG_XDP_MODES_ALLOWED,
				&e))
			return -EINVAL;
		s->xdp_mode = (enum fg_xdp_mode)e;
		return 0;
	case K_ENABLED:
		return yw_get_bool(c, v, &s->enabled);
	case K_MODE:
		if (yw_get_enum(c, v, fg_mode_names, FG_MODES_ALLOWED, &e))
			return -EINVAL;
		s->dry_run = e == FG_MODE_DRY_RUN;
		return 0;
	case K_MALFORMED:
		if (yw_get_enum(c, v, malformed, "pass or drop", &e))
			return -EINVAL;
		s->malformed_drop = e == 1;
		return 0;
	case K_DETACH:
		return yw_get_bool(c, v, &s->detach_on_exit);
	case K_METRICS:
		ret = yw_mapping(c, v);
		return ret <= 0
			   ? ret
			   : yw_walk_map(c, v, metrics_keys, metrics_key, NULL);
	case K_TABLE: {
		struct table_in tin = {0};

		ret = yw_mapping(c, v);
		if (ret <= 0)
			return ret;
		if (yw_walk_map(c, v, table_keys, table_key, &tin))
			return -EINVAL;
		return finish_table(c, &tin);
	}
	case K_LIMITS:
		ret = yw_mapping(c, v);
		if (ret <= 0)
			return ret;
		if (yw_walk_map(c, v, limits_keys, limits_key, &in->limits))
			return -EINVAL;
		return finish_dims(c, &in->limits);
	case K_RULES:
		return read_rules(c, v, in);
	case K_CLASSES:
		in->classes = v;
		return read_classes(c, v, in);
	case K_FLEET:
		ret = yw_mapping(c, v);
		return ret <= 0
			   ? ret
			   : yw_walk_map(c, v, fleet_keys, fleet_key, NULL);
	case K_LOG:
		ret = yw_mapping(c, v);
		return ret <= 0 ? ret
				: yw_walk_map(c, v, log_keys, log_key, NULL);
	default:
		return read_lists(c, v, &in->lists);
	}
}

static int read_root(struct yw_ctx *c, struct fy_node *root)
{
	struct root_in in = {.limits.dim = settings(c)->defaults};
	int ret = yw_mapping(c, root);

	if (ret < 0)
		return ret;
	if (ret > 0 && yw_walk_map(c, root, root_keys, root_key, &in))
		return -EINVAL;
	for (unsigned int i = 0; i < settings(c)->nrules; i++)
		if (in.sources[i] && resolve_sources(c, &in, i))
			return -EINVAL;
	for (unsigned int k = 0; k < settings(c)->nclasses; k++)
		if (settings(c)->classes[k].limits_scale != FG_SCALE_ONE &&
		    scale_check(c, &in, k))
			return -EINVAL;
	if (classes_checks(c, &in))
		return -EINVAL;
	return lists_checks(c, &in.lists);
}

/* --- API --- */

void fg_config_defaults(struct fg_settings *s)
{
	static const char *const allow[] = {"127.0.0.0/8", "::1/128"};
	const char *why;

	memset(s, 0, sizeof(*s));
	s->enabled = true;
	s->xdp_mode = FG_XDP_AUTO;
	memcpy(s->metrics_listen, "127.0.0.1:9470", sizeof("127.0.0.1:9470"));
	s->max_sources = FG_MAX_SOURCES_DEFAULT;
	s->ipv4_prefix = 32;
	s->ipv6_prefix = 64;
	s->log_ipv4_prefix = 32;
	s->log_ipv6_prefix = 128;
	s->defaults[FG_DIM_PACKETS].rate.amount = 1000;
	s->defaults[FG_DIM_PACKETS].rate.per_ns = NS_PER_S;
	s->defaults[FG_DIM_PACKETS].burst = 2000;
	for (int d = FG_DIM_BYTES; d < FG_DIM_COUNT; d++)
		s->defaults[d].rate.per_ns = NS_PER_S;
	s->allow = calloc(2, sizeof(*s->allow));
	if (!s->allow)
		abort();
	for (size_t i = 0; i < 2; i++) {
		if (fg_parse_cidr(allow[i], &s->allow[i], &why))
			abort();
	}
	s->nallow = 2;
	memcpy(s->fleet.name, "floodgate", sizeof("floodgate"));
	s->fleet.sync_ns = FG_FLEET_SYNC_NS_DEFAULT;
}

int fg_config_load_string(const char *text, size_t len, const char *name,
			  struct fg_settings *out, char *err, size_t errlen)
{
	struct fg_settings *s = malloc(sizeof(*s));
	struct yw_ctx c = {
	    .name = name ? name : "<config>",
	    .err = err,
	    .errlen = errlen,
	};
	int ret;

	if (err && errlen)
		err[0] = '\0';
	if (!s)
		return yw_no_memory(&c);
	/* Into a copy: on error the caller's struct is not touched. */
	fg_config_defaults(s);
	c.user = s;
	ret = yw_parse(&c, text ? text : "", text ? len : 0, read_root);
	if (ret)
		fg_config_free(s);
	else
		*out = *s;
	free(s);
	return ret;
}

/* A file's text for a loader, or -errno with err saying so (err may be
 * NULL). */
static int read_text(const char *path, char **text, size_t *len, char *err,
		     size_t errlen)
{
	char why[FG_ERR_MAX];
	int ret = fg_safe_read(path, FILE_MAX, 0, text, len, why, sizeof(why));

	if (ret && err && errlen)
		snprintf(err, errlen, "%s", why);
	return ret;
}

int fg_config_load_file(const char *path, struct fg_settings *out, char *err,
			size_t errlen)
{
	char *text;
	size_t len;
	int ret = read_text(path, &text, &len, err, errlen);

	if (ret)
		return ret;
	ret = fg_config_load_string(text ? text : "", len, path, out, err,
				    errlen);
	free(text);
	return ret;
}

void fg_config_free(struct fg_settings *s)
{
	if (!s)
		return;
	free(s->allow);
	free(s->deny);
	free(s->class_entries);
	s->class_entries = NULL;
	s->nclass_entries = 0;
	fg_web_config_free(s->web);
	s->allow = NULL;
	s->deny = NULL;
	s->web = NULL;
	s->nallow = 0;
	s->ndeny = 0;
}

#define FG_MODE_NAME(e, name) [e] = (name),
const char *const fg_mode_names[FG_MODE_COUNT + 1] = {FG_MODE_LIST(FG_MODE_NAME)
							  NULL};
#undef FG_MODE_NAME

const char *fg_mode_name(bool dry_run)
{
	return fg_mode_names[dry_run ? FG_MODE_DRY_RUN : FG_MODE_ENFORCE];
}

#define FG_XDP_MODE_NAME(e, name) [e] = (name),
const char *const fg_xdp_mode_names[FG_XDP_MODE_COUNT + 1] = {
    FG_XDP_MODE_LIST(FG_XDP_MODE_NAME) NULL};
#undef FG_XDP_MODE_NAME

const char *fg_xdp_mode_name(enum fg_xdp_mode m)
{
	return (unsigned int)m < FG_XDP_MODE_COUNT ? fg_xdp_mode_names[m]
						   : "unknown";
}

int fg_xdp_mode_parse(const char *name, enum fg_xdp_mode *out)
{
	for (int i = 0; i < FG_XDP_MODE_COUNT; i++) {
		if (!strcmp(name, fg_xdp_mode_names[i])) {
			*out = (enum fg_xdp_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

#define FG_PROTOCOL_NAME(e, name) [e] = (name),
const char *const fg_protocol_names[FG_PROTOCOL_COUNT + 1] = {
    FG_PROTOCOL_LIST(FG_PROTOCOL_NAME) NULL};
#undef FG_PROTOCOL_NAME

const char *fg_protocol_name(enum fg_protocol p)
{
	return (unsigned int)p < FG_PROTOCOL_COUNT ? fg_protocol_names[p]
						   : "unknown";
}

/* --- The web config file (metrics.web_config) --- */

/* The exporter-toolkit's web.config.file, the part floodgate serves:
 * other keys of its format (client certificates, TLS versions, HTTP
 * headers) are refused by name, not ignored. */
static const char *const web_keys[] = {"tls_server_config", "basic_auth_users",
				       NULL};
enum { W_TLS, W_USERS };
static const char *const tls_keys[] = {"cert_file", "key_file", NULL};
enum { T_CERT, T_KEY };
#define PEM_MAX (1u << 20)

struct tls_in {
	bool cert, key;
};

/* A PEM file named by key: its text, checked for the block it holds. */
static int read_pem(struct yw_ctx *c, struct fy_node *v, const char *block,
		    unsigned int flags, char **pem, size_t *len)
{
	char path[YW_VALUE_MAX], why[FG_ERR_MAX];
	int ret;

	if (yw_get_path(c, v, false, path, sizeof(path)))
		return -EINVAL;
	if (*pem && (flags & FG_SAFE_SECRET))
		explicit_bzero(*pem, *len);
	free(*pem);
	ret = fg_safe_read(path, PEM_MAX, flags, pem, len, why, sizeof(why));
	if (ret)
		return yw_fail(c, v, "%s", why);
	if (!*pem || !strstr(*pem, "-----BEGIN ") || !strstr(*pem, block))
		return yw_fail(c, v, "%s: expected PEM text with %s",
			       yw_shown(path), block);
	return 0;
}

static int tls_key(struct yw_ctx *c, int key, struct fy_node *v, void *arg)
{
	struct fg_web_config *w = web_of(c);
	struct tls_in *in = arg;

	if (key == T_CERT) {
		in->cert = true;
		return read_pem(c, v, "CERTIFICATE-----", 0, &w->cert_pem,
				&w->cert_len);
	}
	in->key = true;
	return read_pem(c, v, "PRIVATE KEY-----", FG_SAFE_SECRET, &w->key_pem,
			&w->key_len);
}

/* "$2y$10$" + 53 characters of bcrypt's base64 ([./A-Za-z0-9]); *cost
 * its cost. */
static bool bcrypt_hash_ok(const char *h, int *cost)
{
	static const char b64[] = "./ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789";

	if (strlen(h) != FG_BCRYPT_LEN || h[0] != '$' || h[1] != '2' ||
	    !strchr("aby", h[2]) || h[2] == '\0' || h[3] != '$' || h[4] < '0' ||
	    h[4] > '9' || h[5] < '0' || h[5] > '9' || h[6] != '$')
		return false;
	*cost = (h[4] - '0') * 10 + (h[5] - '0');
	return *cost >= 4 && *cost <= 31 && strspn(h + 7, b64) == 53;
}

static bool valid_user_name(const char *s)
{
	size_t len = strlen(s);

	if (len < 1 || len >= FG_WEB_USER_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		/* RFC 7617: the user-id cannot contain ':' */
		if (s[i] < 0x20 || s[i] >= 0x7f || s[i] == ':')
			return false;
	}
	return true;
}

static int read_users(struct yw_ctx *c, struct fy_node *map)
{
	struct fg_web_config *w = web_of(c);
	struct fy_node_pair *p;
	void *it = NULL;
	int ret = yw_mapping(c, map);

	if (ret <= 0)
		return ret;
	while ((p = fy_node_mapping_iterate(map, &it))) {
		struct fy_node *k = fy_node_pair_key(p);
		struct fy_node *v = fy_node_pair_value(p);
		char name[YW_VALUE_MAX], hash[YW_VALUE_MAX];
		struct fg_web_user *u;
		struct yw_frame f;
		int cost = 0;

		if (!k || yw_scalar(c, k, name))
			return yw_fail(c, k ? k : map,
				       "keys must be user names");
		if (!valid_user_name(name))
			return yw_fail(c, k,
				       "%s: a user name is 1 to %d printable "
				       "characters, no ':'",
				       yw_shown(name), FG_WEB_USER_MAX - 1);
		f = yw_push_key(c, name, k);
		ret = yw_scalar(c, v, hash);
		/* The value may be a password typed in by mistake: it is
		 * never shown. */
		if (!ret && !bcrypt_hash_ok(hash, &cost))
			ret = yw_fail(
			    c, v,
			    "expected a bcrypt hash like $2y$10$ and 53 "
			    "more characters (htpasswd -nBC 10 \"\" | "
			    "tr -d ':\\n'), never a plain password");
		/* Each check of a password not seen before costs 2^cost
		 * rounds of the daemon's CPU: 12 is about 0.2 s on a
		 * current core. */
		if (!ret && cost > FG_BCRYPT_COST_MAX)
			ret = yw_fail(c, v,
				      "bcrypt cost %d is above %d, the most "
				      "floodgate accepts; make the hash with "
				      "htpasswd -nBC 10",
				      cost, FG_BCRYPT_COST_MAX);
		for (unsigned int i = 0; !ret && i < w->nusers; i++) {
			if (!strcmp(w->users[i].name, name))
				ret = yw_fail(c, k, "user listed twice");
		}
		if (!ret && w->nusers == FG_WEB_USERS_MAX)
			ret = yw_fail(c, k, "more than %d users",
				      FG_WEB_USERS_MAX);
		yw_pop(c, f);
		if (ret)
			return ret;
		u = &w->users[w->nusers++];
		memcpy(u->name, name, strlen(name) + 1);
		memcpy(u->hash, hash, FG_BCRYPT_LEN + 1);
	}
	return 0;
}

static int web_key(struct yw_ctx *c, int key, struct fy_node *v, void *arg)
{
	struct tls_in in = {0};
	int ret;

	(void)arg;
	if (key == W_USERS)
		return read_users(c, v);
	ret = yw_mapping(c, v);
	if (ret <= 0)
		return ret;
	if (yw_walk_map(c, v, tls_keys, tls_key, &in))
		return -EINVAL;
	if (!in.cert || !in.key)
		return yw_fail(c, v,
			       "cert_file and key_file go together: %s is "
			       "missing",
			       in.cert ? "key_file" : "cert_file");
	return 0;
}

static int read_web_root(struct yw_ctx *c, struct fy_node *root)
{
	int ret = yw_mapping(c, root);

	return ret <= 0 ? ret : yw_walk_map(c, root, web_keys, web_key, NULL);
}

void fg_web_config_free(struct fg_web_config *w)
{
	if (!w)
		return;
	if (w->key_pem)
		explicit_bzero(w->key_pem, w->key_len);
	free(w->key_pem);
	free(w->cert_pem);
	explicit_bzero(w, sizeof(*w));
	free(w);
}

int fg_web_config_load_string(const char *text, size_t len, const char *name,
			      struct fg_web_config **out, char *err,
			      size_t errlen)
{
	struct fg_web_config *w = calloc(1, sizeof(*w));
	struct yw_ctx c = {
	    .name = name ? name : "<web config>",
	    .err = err,
	    .errlen = errlen,
	    .user = w,
	};
	int ret;

	if (err && errlen)
		err[0] = '\0';
	if (!w)
		return yw_no_memory(&c);
	snprintf(w->path, sizeof(w->path), "%s", c.name);
	ret = yw_parse(&c, text ? text : "", text ? len : 0, read_web_root);
	if (ret) {
		fg_web_config_free(w);
		return ret;
	}
	*out = w;
	return 0;
}

int fg_web_config_load_file(const char *path, struct fg_web_config **out,
			    char *err, size_t errlen)
{
	char *text;
	size_t len;
	int ret = read_text(path, &text, &len, err, errlen);

	if (ret)
		return ret;
	ret = fg_web_config_load_string(text ? text : "", len, path, out, err,
					errlen);
	free(text);
	return ret;
}

static char *dup_mem(const char *p, size_t len, bool *failed)
{
	char *d;

	if (!p)
		return NULL;
	d = malloc(len + 1);
	if (!d) {
		*failed = true;
		return NULL;
	}
	memcpy(d, p, len);
	d[len] = '\0';
	return d;
}

struct fg_web_config *fg_web_config_dup(const struct fg_web_config *w)
{
	struct fg_web_config *d;
	bool failed = false;

	if (!w)
		return NULL;
	d = malloc(sizeof(*d));
	if (!d)
		return NULL;
	*d = *w;
	d->cert_pem = dup_mem(w->cert_pem, w->cert_len, &failed);
	d->key_pem = dup_mem(w->key_pem, w->key_len, &failed);
	if (failed) {
		fg_web_config_free(d);
		return NULL;
	}
	return d;
}

static bool same_mem(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && (!alen || !memcmp(a, b, alen));
}

bool fg_web_config_equal(const struct fg_web_config *a,
			 const struct fg_web_config *b)
{
	static const struct fg_web_config none;

	a = a ? a : &none;
	b = b ? b : &none;
	if (!same_mem(a->cert_pem, a->cert_len, b->cert_pem, b->cert_len) ||
	    !same_mem(a->key_pem, a->key_len, b->key_pem, b->key_len) ||
	    a->nusers != b->nusers)
		return false;
	for (unsigned int i = 0; i < a->nusers; i++) {
		if (strcmp(a->users[i].name, b->users[i].name) ||
		    strcmp(a->users[i].hash, b->users[i].hash))
			return false;
	}
	return true;
}
