// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The datapath cases. Sources default to 198.51.100.10 and
 * 2001:db8:1::10 (pkt.h). Limits are per hour unless the case moves the
 * test clock: in real time nothing refills between two steps, so those
 * cases run on the production object too.
 */
#include "cases.h"

#include <linux/if_ether.h>
#include <netinet/in.h>

/* Packets. Extra designated fields go after the port. */
#define TCP4(port, ...)                                             \
	{                                                           \
		.l3 = PKT_IPV4, .l4 = IPPROTO_TCP, .dport = (port), \
		__VA_ARGS__                                         \
	}
#define UDP4(port, ...)                                             \
	{                                                           \
		.l3 = PKT_IPV4, .l4 = IPPROTO_UDP, .dport = (port), \
		__VA_ARGS__                                         \
	}
#define TCP6(port, ...)                                             \
	{                                                           \
		.l3 = PKT_IPV6, .l4 = IPPROTO_TCP, .dport = (port), \
		__VA_ARGS__                                         \
	}
#define UDP6(port, ...)                                             \
	{                                                           \
		.l3 = PKT_IPV6, .l4 = IPPROTO_UDP, .dport = (port), \
		__VA_ARGS__                                         \
	}
#define ICMP4(...)                                              \
	{                                                       \
		.l3 = PKT_IPV4, .l4 = IPPROTO_ICMP, __VA_ARGS__ \
	}
#define ICMP6(...)                                                \
	{                                                         \
		.l3 = PKT_IPV6, .l4 = IPPROTO_ICMPV6, __VA_ARGS__ \
	}
#define ARP(...)                           \
	{                                  \
		.l3 = PKT_ARP, __VA_ARGS__ \
	}

#define QINQ .vlan = {ETH_P_8021AD, ETH_P_8021Q}
#define SYN .tcp_flags = PKT_TCP_SYN
#define ACK .tcp_flags = PKT_TCP_ACK

/* ---- configs ---------------------------------------------------------- */

/* One rule per class, each 2 packets back-to-back then 1 per hour. */
#define WEB_RULES                             \
	.rules = {                            \
	    {.name = "web",                   \
	     .proto = FG_PROTO_TCP,           \
	     .ports = {{80, 80}, {443, 443}}, \
	     .packets = PER_HOUR(1, 2)},      \
	    {.name = "dns",                   \
	     .proto = FG_PROTO_UDP,           \
	     .ports = {{53, 53}},             \
	     .packets = PER_HOUR(1, 2)},      \
	    {.name = "ping",                  \
	     .proto = FG_PROTO_ICMP,          \
	     .packets = PER_HOUR(1, 2)},      \
	}
static const struct cfg_def cfg_web = {WEB_RULES};
static const struct cfg_def cfg_web_maldrop = {WEB_RULES,
					       .malformed_drop = true};

/* A TCP rule with a port, then TCP without ports: where fragments go. */
static const struct cfg_def cfg_frag = {
    .rules =
	{
	    {.name = "web",
	     .proto = FG_PROTO_TCP,
	     .ports = {{80, 80}},
	     .packets = PER_HOUR(1, 5)},
	    {.name = "tcp-any",
	     .proto = FG_PROTO_TCP,
	     .packets = PER_HOUR(1, 5)},
	    {.name = "dns",
	     .proto = FG_PROTO_UDP,
	     .ports = {{53, 53}},
	     .packets = PER_HOUR(1, 5)},
	},
};

/* Overlapping port ranges: the first rule in config order wins. */
static const struct cfg_def cfg_ranges = {
    .rules =
	{
	    {.name = "range-a", .proto = FG_PROTO_TCP, .ports = {{8000, 8099}}},
	    {.name = "range-b",
	     .proto = FG_PROTO_TCP,
	     .ports = {{8050, 8199}, {9000, 9000}}},
	    {.name = "udp-range",
	     .proto = FG_PROTO_UDP,
	     .ports = {{8000, 8199}}},
	    {.name = "top", .proto = FG_PROTO_TCP, .ports = {{65000, 65535}}},
	},
};

static const struct cfg_def cfg_lists = {
    .packets = PER_HOUR(1, 1),
    .deny = {"203.0.113.0/24", "2001:db8:bad::/48"},
    .allow = {"203.0.113.7", "2001:db8:bad:7::/64"},
};

static const struct cfg_def cfg_allow = {
    WEB_RULES,
    .packets = PER_HOUR(1, 1),
    .allow = {"198.51.100.10"},
};

static const struct cfg_def cfg_allow24 = {
    .packets = PER_HOUR(1, 1),
    .allow = {"198.51.100.0/24"},
    .deny = {"198.51.100.66"},
};

/* Classes (DESIGN.md §9): 198.51.100.0/28 is "office", 10x the default
 * 2 back-to-back; "partners" (198.51.100.32/28) has a rule of its own
 * for port 80, placed before a port-only rule for 80; a deny /32
 * inside office, and office nested in a deny /16 of 203.0.113.0/24's
 * neighbour is not used (documentation ranges are /24s). */
static const struct cfg_def cfg_classes = {
    .packets = PER_HOUR(2, 2),
    .classes = {{.name = "office",
		 .cidrs = {"198.51.100.0/28"},
		 .scale = 10000},
		{.name = "partners", .cidrs = {"198.51.100.32/28"}}},
    .rules = {{.name = "partners80",
	       .proto = FG_PROTO_TCP,
	       .ports = {{80, 80}},
	       .sources = {"partners"},
	       .packets = PER_HOUR(5, 5)},
	      {.name = "web",
	       .proto = FG_PROTO_TCP,
	       .ports = {{80, 80}},
	       .packets = PER_HOUR(1, 1)}},
    .deny = {"198.51.100.7"},
};

/* A class inside a deny prefix stays denied; an allow /32 inside a
 * class is allowed. */
static const struct cfg_def cfg_class_nested = {
    .packets = PER_HOUR(1, 1),
    .classes = {{.name = "office",
		 .cidrs = {"198.51.100.16/28"},
		 .scale = 10000}},
    .deny = {"198.51.100.0/26"},
    .allow = {"198.51.100.20"},
};

/* Shadow mode: "http" (port 80) in dry-run, "api" (port 81) enforces. */
static const struct cfg_def cfg_shadow = {
    .packets = PER_HOUR(100, 100),
    .rules = {{.name = "http",
	       .proto = FG_PROTO_TCP,
	       .ports = {{80, 80}},
	       .packets = PER_HOUR(1, 1),
	       .dry_run = true},
	      {.name = "api",
	       .proto = FG_PROTO_TCP,
	       .ports = {{81, 81}},
	       .packets = PER_HOUR(1, 1)}},
};

/* Destinations: "vip1" limits 192.0.2.1 only; 192.0.2.2 takes the
 * default limits. */
static const struct cfg_def cfg_dests = {
    .packets = PER_HOUR(3, 3),
    .rules = {{.name = "vip1",
	       .proto = FG_PROTO_TCP,
	       .dests = {"192.0.2.1/32", "2001:db8::1/128"},
	       .packets = PER_HOUR(1, 1)}},
};

static const struct cfg_def cfg_prefix24 = {
    .packets = PER_HOUR(1, 1),
    .ipv4_prefix = 24,
    .allow = {"198.51.100.10"},
};

/* Malformed tails from known sources: the defaults and a TCP rule
 * without ports (where a TCP packet without its header goes) take 2
 * packets back-to-back, then 1 per hour. */
#define TAIL_CFG                                         \
	.packets = PER_HOUR(1, 2),                       \
	.rules = {{.name = "web",                        \
		   .proto = FG_PROTO_TCP,                \
		   .ports = {{80, 80}},                  \
		   .packets = PER_HOUR(1, 2)},           \
		  {.name = "tcp-any",                    \
		   .proto = FG_PROTO_TCP,                \
		   .packets = PER_HOUR(1, 2)},           \
		  {.name = "dns",                        \
		   .proto = FG_PROTO_UDP,                \
		   .ports = {{53, 53}},                  \
		   .packets = PER_HOUR(1, 2)}},          \
	.deny = {"203.0.113.0/24", "2001:db8:bad::/48"}, \
	.allow = {"203.0.113.7", "2001:db8:bad:7::/64"}
static const struct cfg_def cfg_tail = {TAIL_CFG};
static const struct cfg_def cfg_tail_maldrop = {TAIL_CFG,
						.malformed_drop = true};
static const struct cfg_def cfg_tail_dry = {TAIL_CFG, .dry_run = true};
/* A rule for every protocol, no ports, boxing: what a packet whose L4
 * protocol hides behind a broken header chain matches. */
static const struct cfg_def cfg_tail_block = {
    .rules = {{.name = "all",
	       .packets = PER_HOUR(1, 2),
	       .block_ns = 30 * NSEC_PER_SEC}},
};

static const struct cfg_def cfg_prefix24_deny = {
    .packets = PER_HOUR(1, 1),
    .ipv4_prefix = 24,
    .deny = {"198.51.100.66", "2001:db8:1::bad/128"},
};

static const struct cfg_def cfg_default2 = {.packets = PER_HOUR(1, 2)};
static const struct cfg_def cfg_default3 = {.packets = PER_HOUR(1, 3)};
static const struct cfg_def cfg_host128 = {.packets = PER_HOUR(1, 1),
					   .ipv6_prefix = 128};

static const struct cfg_def cfg_two_rules = {
    .rules =
	{
	    {.name = "web",
	     .proto = FG_PROTO_TCP,
	     .ports = {{80, 80}},
	     .packets = PER_HOUR(1, 2)},
	    {.name = "ssh",
	     .proto = FG_PROTO_TCP,
	     .ports = {{22, 22}},
	     .packets = PER_HOUR(1, 2)},
	},
};

static const struct cfg_def cfg_conns = {
    .rules =
	{
	    {.name = "web",
	     .proto = FG_PROTO_TCP,
	     .ports = {{80, 80}},
	     .conns = PER_HOUR(1, 2)},
	},
};

/* 1000 bytes per hour, 3000 back-to-back. */
static const struct cfg_def cfg_bytes = {.bytes = PER_HOUR(1000, 3000)};
static const struct cfg_def cfg_packets_bytes = {
    .packets = PER_HOUR(1, 2),
    .bytes = PER_HOUR(1000, 3000),
};

static const struct cfg_def cfg_disabled = {
    WEB_RULES,
    .packets = PER_HOUR(1, 1),
    .deny = {"203.0.113.0/24"},
    .disabled = true,
};

static const struct cfg_def cfg_dry_run = {
    WEB_RULES,
    .deny = {"203.0.113.0/24"},
    .dry_run = true,
};

/* Clock-driven: per second. */
static const struct cfg_def cfg_100pps = {.packets = PER_SEC(100, 5)};
static const struct cfg_def cfg_100pps_burst1 = {.packets = PER_SEC(100, 1)};
static const struct cfg_def cfg_1000bps = {.bytes = PER_SEC(1000, 3000)};
static const struct cfg_def cfg_conns_10ps = {
    .rules =
	{
	    {.name = "web",
	     .proto = FG_PROTO_TCP,
	     .ports = {{80, 80}},
	     .conns = PER_SEC(10, 2)},
	},
};

/* Penalty box: web blocks for 30 s, dns does not. */
#define BLOCK_RULES                          \
	.rules = {                           \
	    {.name = "web",                  \
	     .proto = FG_PROTO_TCP,          \
	     .ports = {{80, 80}},            \
	     .packets = PER_SEC(10, 2),      \
	     .block_ns = 30 * NSEC_PER_SEC}, \
	    {.name = "dns",                  \
	     .proto = FG_PROTO_UDP,          \
	     .ports = {{53, 53}},            \
	     .packets = PER_SEC(10, 2)},     \
	}
static const struct cfg_def cfg_block = {BLOCK_RULES};
/* The same web rule boxing for all traffic. */
static const struct cfg_def cfg_block_source = {
    .rules =
	{
	    {.name = "web",
	     .proto = FG_PROTO_TCP,
	     .ports = {{80, 80}},
	     .packets = PER_SEC(10, 2),
	     .block_ns = 30 * NSEC_PER_SEC,
	     .block_scope = FG_BLOCK_SCOPE_SOURCE},
	    {.name = "dns",
	     .proto = FG_PROTO_UDP,
	     .ports = {{53, 53}},
	     .packets = PER_SEC(10, 2)},
	},
};
static const struct cfg_def cfg_block_dry = {BLOCK_RULES, .dry_run = true};
/* The web rule in shadow mode (dry-run), dns enforcing. */
static const struct cfg_def cfg_block_shadow = {
    .rules =
	{
	    {.name = "web",
	     .proto = FG_PROTO_TCP,
	     .ports = {{80, 80}},
	     .packets = PER_SEC(10, 2),
	     .block_ns = 30 * NSEC_PER_SEC,
	     .dry_run = true},
	    {.name = "dns",
	     .proto = FG_PROTO_UDP,
	     .ports = {{53, 53}},
	     .packets = PER_SEC(10, 2)},
	},
};
/* Escalating block: web boxes 10 s, then 20 s, then 35 s at most, for
 * repeats within 60 s after the last box ended; ssh boxes 10 s every
 * time (a plain block). */
#define ESCALATE_WEB(scope, max)                                            \
	{                                                                   \
		.name = "web", .proto = FG_PROTO_TCP, .ports = {{80, 80}},  \
		.packets = PER_SEC(10, 2), .block_ns = 10 * NSEC_PER_SEC,   \
		.block_scope = (scope), .block_factor = 2,                  \
		.block_max_ns = (max), .block_window_ns = 60 * NSEC_PER_SEC \
	}
static const struct cfg_def cfg_escalate = {
    .rules = {ESCALATE_WEB(FG_BLOCK_SCOPE_RULE, 35 * NSEC_PER_SEC),
	      {.name = "ssh",
	       .proto = FG_PROTO_TCP,
	       .ports = {{22, 22}},
	       .packets = PER_SEC(10, 2),
	       .block_ns = 10 * NSEC_PER_SEC}},
};
/* The same web rule boxing for all traffic, at most an hour. */
static const struct cfg_def cfg_escalate_source = {
    .rules = {ESCALATE_WEB(FG_BLOCK_SCOPE_SOURCE, NSEC_PER_HOUR),
	      {.name = "dns",
	       .proto = FG_PROTO_UDP,
	       .ports = {{53, 53}},
	       .packets = PER_SEC(10, 2)}},
};

/* 2 new sources per second, 2 at once: the third is refused. */
static const struct cfg_def cfg_block_admit = {BLOCK_RULES,
					       .admit = PER_SEC(2, 2)};

/* Each source 3 back-to-back then 1 per hour; each /24 (IPv6 /48) 4
 * back-to-back then 10 per second. */
#define AGG_RULES                                                  \
	.rules = {                                                 \
	    {.name = "web",                                        \
	     .proto = FG_PROTO_TCP,                                \
	     .ports = {{80, 80}},                                  \
	     .packets = PER_HOUR(1, 3),                            \
	     .agg = {.enabled = true,                              \
		     .ipv4_prefix = 24,                            \
		     .ipv6_prefix = 48,                            \
		     .dim = {[FG_DIM_PACKETS] = PER_SEC(10, 4)}}}, \
	}
static const struct cfg_def cfg_agg = {AGG_RULES};
/* Two rules with aggregates over the same prefixes. */
#define AGG_RULE(n, port)                                               \
	{                                                               \
		.name = (n), .proto = FG_PROTO_TCP,                     \
		.ports = {{(port), (port)}}, .packets = PER_HOUR(1, 3), \
		.agg = {.enabled = true,                                \
			.ipv4_prefix = 24,                              \
			.ipv6_prefix = 48,                              \
			.dim = {[FG_DIM_PACKETS] = PER_SEC(10, 4)} }    \
	}
static const struct cfg_def cfg_agg2 = {
    .rules = {AGG_RULE("web", 80), AGG_RULE("ssh", 22)}};
static const struct cfg_def cfg_agg_admit = {AGG_RULES,
					     .admit = PER_SEC(10, 10)};

/* Admission 10/s burst 10; each source 5 back-to-back, then 10/s. */
static const struct cfg_def cfg_admit10 = {.packets = PER_SEC(10, 5),
					   .admit = PER_SEC(10, 10)};
static const struct cfg_def cfg_admit10_dry = {
    .packets = PER_SEC(10, 5), .admit = PER_SEC(10, 10), .dry_run = true};
static const struct cfg_def cfg_admit_off = {.packets = PER_SEC(10, 5),
					     .admit = ADMIT_OFF};

/* action reset: 2 SYNs and 4 packets back-to-back, then 1 per hour. */
#define RESET_RULES                           \
	.rules = {                            \
	    {.name = "web",                   \
	     .proto = FG_PROTO_TCP,           \
	     .ports = {{80, 80}},             \
	     .packets = PER_HOUR(1, 4),       \
	     .conns = PER_HOUR(1, 2),         \
	     .action = FG_RULE_ACTION_RESET}, \
	}
static const struct cfg_def cfg_reset = {RESET_RULES};
static const struct cfg_def cfg_reset_admit = {RESET_RULES,
					       .admit = PER_SEC(2, 2)};
static const struct cfg_def cfg_reset_block = {
    .rules =
	{
	    {.name = "web",
	     .proto = FG_PROTO_TCP,
	     .ports = {{80, 80}},
	     .conns = PER_HOUR(1, 1),
	     .block_ns = 30 * NSEC_PER_SEC,
	     .action = FG_RULE_ACTION_RESET},
	},
};

/* A SYN flood against 10 new connections per second, burst 5. */
static const struct cfg_def cfg_syn_flood = {
    .rules =
	{
	    {.name = "web",
	     .proto = FG_PROTO_TCP,
	     .ports = {{80, 80}},
	     .conns = PER_SEC(10, 5)},
	},
};

/* Fleet-wide limits (DESIGN.md 8): web and ssh have `fleet:`, dns has
 * not; each takes 3 packets back-to-back, then 1 per hour. */
#define FLEET_RULES                          \
	.rules =                             \
	    {                                \
		{.name = "web",              \
		 .proto = FG_PROTO_TCP,      \
		 .ports = {{80, 80}},        \
		 .packets = PER_HOUR(1, 3),  \
		 .fleet = true},             \
		{.name = "ssh",              \
		 .proto = FG_PROTO_TCP,      \
		 .ports = {{22, 22}},        \
		 .packets = PER_HOUR(1, 3),  \
		 .fleet = true},             \
		{.name = "dns",              \
		 .proto = FG_PROTO_UDP,      \
		 .ports = {{53, 53}},        \
		 .packets = PER_HOUR(1, 3)}, \
	},                                   \
	.deny = {"203.0.113.0/24"}
#define REDIS "redis://192.0.2.50:6379"
static const struct cfg_def cfg_fleet = {FLEET_RULES, .redis = REDIS};
/* The same rules, but the fleet section's redis is "": no fleet. */
static const struct cfg_def cfg_fleet_no_redis = {FLEET_RULES};
static const struct cfg_def cfg_fleet_dry = {FLEET_RULES, .redis = REDIS,
					     .dry_run = true};
static const struct cfg_def cfg_fleet_disabled = {FLEET_RULES, .redis = REDIS,
						  .disabled = true};
/* action reset with a penalty box, and a fleet limit. */
static const struct cfg_def cfg_fleet_reset_block = {
    .rules =
	{
	    {.name = "web",
	     .proto = FG_PROTO_TCP,
	     .ports = {{80, 80}},
	     .conns = PER_HOUR(1, 1),
	     .block_ns = 30 * NSEC_PER_SEC,
	     .action = FG_RULE_ACTION_RESET,
	     .fleet = true},
	},
    .redis = REDIS,
};
/* A TCP rule without ports (where a TCP header with a bad data offset
 * goes) with a fleet limit, `malformed` pass and drop. */
#define FLEET_TAIL_RULES                      \
	.rules = {{.name = "tcp-any",         \
		   .proto = FG_PROTO_TCP,     \
		   .packets = PER_HOUR(1, 3), \
		   .fleet = true}},           \
	.redis = REDIS
static const struct cfg_def cfg_fleet_tail = {FLEET_TAIL_RULES};
static const struct cfg_def cfg_fleet_tail_maldrop = {FLEET_TAIL_RULES,
						      .malformed_drop = true};
static const struct cfg_def cfg_fleet_tail_dry = {
    FLEET_TAIL_RULES, .malformed_drop = true, .dry_run = true};

/* ---- cases ------------------------------------------------------------ */

/* A frame cut short: malformed, passed by default, dropped with
 * `malformed: drop`. No rule is reached. */
#define TRUNCATED(desc, ...)                                                \
	{.name = "truncated, " desc ": pass, malformed",                    \
	 .cfg = &cfg_web,                                                   \
	 .steps = {{.pkt = __VA_ARGS__,                                     \
		    EXPECT_PASS(MALFORMED, NO_RULE),                        \
		    SOURCES(0)}}},                                          \
	{                                                                   \
		.name =                                                     \
		    "truncated, " desc ", malformed drop: drop, malformed", \
		.cfg = &cfg_web_maldrop,                                    \
		.steps = {                                                  \
		    {.pkt = __VA_ARGS__, EXPECT_DROP(MALFORMED, NO_RULE)}}, \
	}

/* The same for frames that are whole but invalid. */
#define INVALID(desc, ...)                                                  \
	{.name = desc ": pass, malformed",                                  \
	 .cfg = &cfg_web,                                                   \
	 .steps = {{.pkt = __VA_ARGS__,                                     \
		    EXPECT_PASS(MALFORMED, NO_RULE),                        \
		    SOURCES(0)}}},                                          \
	{                                                                   \
		.name = desc ", malformed drop: drop, malformed",           \
		.cfg = &cfg_web_maldrop,                                    \
		.steps = {                                                  \
		    {.pkt = __VA_ARGS__, EXPECT_DROP(MALFORMED, NO_RULE)}}, \
	}

/* A valid IP header, then a malformed tail: the source is known, so the
 * packet meets the lists, the box and the limits of its protocol's rule
 * without ports (none in cfg_web: the defaults, slot 0, unlimited, so no
 * state), or the defaults when the header chain hides the protocol.
 * Then `malformed` decides. */
#define BAD_TAIL(desc, ...)                                                 \
	{.name = desc ": rule reached, pass, malformed",                    \
	 .cfg = &cfg_web,                                                   \
	 .steps = {                                                         \
	     {.pkt = __VA_ARGS__, EXPECT_PASS(MALFORMED, 0), SOURCES(0)}}}, \
	{                                                                   \
		.name = desc ", malformed drop: rule reached, drop, "       \
			     "malformed",                                   \
		.cfg = &cfg_web_maldrop,                                    \
		.steps = {{.pkt = __VA_ARGS__, EXPECT_DROP(MALFORMED, 0)}}, \
	}

/* A SYN with 12 bytes of TCP options and a payload: the RST drops both. */
#define SYN_OPTS                                                        \
	.tcp_flags = PKT_TCP_SYN, .tcp_doff = 8, .tcp_seq = 0x12345678, \
	.frame_len = 200
#define A4 "198.51.100.10" /* the default IPv4 source, as blocked */
#define A6 "2001:db8:1::"  /* the default IPv6 source's /64 */
#define F100 .frame_len = 100

/* n empty destination-options headers (8 bytes on the wire each in the
 * review's frames; 16 here), then the L4 header. */
#define DEST9                                             \
	.ext = {PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST, \
		PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST, \
		PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST}
#define DEST12                                                          \
	.ext = {PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST, \
		PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST, \
		PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST}
#define BAD6 "2001:db8:bad::1"	  /* in cfg_tail's deny /48 */
#define BAD4 "203.0.113.9"	  /* in cfg_tail's deny /24 */
#define GOOD4 "203.0.113.7"	  /* allowed inside it */
#define GOOD6 "2001:db8:bad:7::1" /* allowed /64 inside the /48 */

#define CUT(layer, keep) .cut = {(layer), (keep), false}
#define CUT_FIXLEN(layer, keep) .cut = {(layer), (keep), true}

const struct fg_case fg_cases[] = {
    /* Rule selection by class and port. */
    {
	.name = "IPv4 TCP to port 80: rule web",
	.cfg = &cfg_web,
	.steps = {{.pkt = TCP4(80), EXPECT_PASS(UNDER_LIMIT, 1), SOURCES(1)}},
    },
    {
	.name = "IPv4 TCP with DF set to port 80: not a fragment, rule web",
	.cfg = &cfg_web,
	.steps = {{.pkt = TCP4(80, .dont_frag = true),
		   EXPECT_PASS(UNDER_LIMIT, 1)}},
    },
    {
	.name = "IPv4 TCP to a port no rule names: default limits",
	.cfg = &cfg_web,
	.steps = {{.pkt = TCP4(22), EXPECT_PASS(UNDER_LIMIT, 0)}},
    },
    {
	.name = "IPv4 UDP to port 53: rule dns",
	.cfg = &cfg_web,
	.steps = {{.pkt = UDP4(53), EXPECT_PASS(UNDER_LIMIT, 2)}},
    },
    {
	.name = "IPv4 UDP to port 80: a TCP rule does not match UDP",
	.cfg = &cfg_web,
	.steps = {{.pkt = UDP4(80), EXPECT_PASS(UNDER_LIMIT, 0)}},
    },
    {
	.name = "IPv4 ICMP echo: rule ping (no ports)",
	.cfg = &cfg_web,
	.steps = {{.pkt = ICMP4(), EXPECT_PASS(UNDER_LIMIT, 3)}},
    },
    {
	.name = "IPv4 ICMP without an ICMP header: not read, rule ping",
	.cfg = &cfg_web,
	.steps = {{.pkt = ICMP4(CUT_FIXLEN(PKT_L_L4, 0)),
		   EXPECT_PASS(UNDER_LIMIT, 3)}},
    },
    {
	.name = "IPv6 ICMPv6 echo: rule ping",
	.cfg = &cfg_web,
	.steps = {{.pkt = ICMP6(), EXPECT_PASS(UNDER_LIMIT, 3)}},
    },
    {
	.name = "IPv4 GRE: no ports, no rule for it: default limits",
	.cfg = &cfg_web,
	.steps = {{.pkt = {.l3 = PKT_IPV4, .l4 = IPPROTO_GRE, .frame_len = 80},
		   EXPECT_PASS(UNDER_LIMIT, 0)}},
    },
    {
	.name = "IPv6 TCP to port 443: rule web",
	.cfg = &cfg_web,
	.steps = {{.pkt = TCP6(443), EXPECT_PASS(UNDER_LIMIT, 1)}},
    },
    {
	.name = "IPv6 UDP to port 53: rule dns",
	.cfg = &cfg_web,
	.steps = {{.pkt = UDP6(53), EXPECT_PASS(UNDER_LIMIT, 2)}},
    },

    /* Layer 2. */
    {
	.name = "802.1Q IPv4 TCP to port 80: rule web",
	.cfg = &cfg_web,
	.steps = {{.pkt = TCP4(80, .vlan = {ETH_P_8021Q}),
		   EXPECT_PASS(UNDER_LIMIT, 1)}},
    },
    {
	.name = "QinQ (802.1ad + 802.1Q) IPv4 TCP to port 80: rule web "
		"limits it",
	.cfg = &cfg_web,
	.steps = {{.pkt = TCP4(80, QINQ),
		   .times = 2,
		   EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP4(80, QINQ), EXPECT_DROP(RATE_PACKETS, 1)}},
    },
    {
	.name = "QinQ IPv6 UDP to port 53: rule dns",
	.cfg = &cfg_web,
	.steps = {{.pkt = UDP6(53, QINQ), EXPECT_PASS(UNDER_LIMIT, 2)}},
    },
    /* A third tag: IP may hide behind it, no source can be read. */
    INVALID("three VLAN tags, one more than parsed",
	    TCP4(80, .vlan = {ETH_P_8021AD, ETH_P_8021Q, ETH_P_8021Q})),
    INVALID("three VLAN tags around ARP",
	    ARP(.vlan = {ETH_P_8021Q, ETH_P_8021Q, ETH_P_8021Q})),
    {
	.name = "ARP: pass, not_ip",
	.cfg = &cfg_web,
	.steps = {{.pkt = ARP(), EXPECT_PASS(NOT_IP, NO_RULE), SOURCES(0)}},
    },
    {
	.name = "ARP with malformed drop: still pass, not_ip",
	.cfg = &cfg_web_maldrop,
	.steps = {{.pkt = ARP(), EXPECT_PASS(NOT_IP, NO_RULE)}},
    },
    {
	.name = "ARP in an 802.1Q tag: not_ip",
	.cfg = &cfg_web,
	.steps = {{.pkt = ARP(.vlan = {ETH_P_8021Q}),
		   EXPECT_PASS(NOT_IP, NO_RULE)}},
    },
    {
	.name = "LLDP EtherType: not_ip",
	.cfg = &cfg_web,
	.steps = {{.pkt = {.l3 = PKT_ETHERTYPE,
			   .ethertype = ETH_P_LLDP,
			   .frame_len = 60},
		   EXPECT_PASS(NOT_IP, NO_RULE)}},
    },

    /* IPv4 header shapes. */
    {
	.name = "IPv4 with options (IHL 6) TCP to port 80: rule web",
	.cfg = &cfg_web,
	.steps = {{.pkt = TCP4(80, .ip_opts = 4), EXPECT_PASS(UNDER_LIMIT, 1)}},
    },
    {
	.name = "IPv4 with 40 bytes of options (IHL 15): port read behind "
		"them, rule web limits it",
	.cfg = &cfg_web,
	.steps = {{.pkt = TCP4(80, .ip_opts = 40),
		   .times = 2,
		   EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP4(80, .ip_opts = 40),
		   EXPECT_DROP(RATE_PACKETS, 1)}},
    },
    {
	.name = "IPv4 shorter than the frame (Ethernet padding): pass",
	.cfg = &cfg_web,
	.steps = {{.pkt = TCP4(80, .trailer = 6), EXPECT_PASS(UNDER_LIMIT, 1)}},
    },
    /* UDP: a header read 4 bytes early still parses, so only the IHL
     * check can make this malformed. */
    INVALID("IPv4 IHL 4", UDP4(53, .ihl = 4)),
    INVALID("IPv4 version 5 under the IPv4 EtherType",
	    TCP4(80, .ip_version = 5)),
    INVALID("IPv4 total length 1 byte beyond the frame",
	    TCP4(80, .len_delta = 1)),
    INVALID("IPv4 total length 19, under its header",
	    TCP4(80, .len_delta = 19 - 40)),
    BAD_TAIL("TCP data offset 4", TCP4(80, .tcp_doff = 4)),

    /* IPv6 extension headers. */
    {
	.name = "IPv6 hop-by-hop, routing, destination options, first "
		"fragment to TCP 443: rule web limits it",
	.cfg = &cfg_web,
	.steps = {{.pkt = TCP6(443,
			       .ext = {PKT_EXT_HOP, PKT_EXT_ROUTING,
				       PKT_EXT_DEST, PKT_EXT_FRAG},
			       .more_frags = true),
		   .times = 2,
		   EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP6(443,
			       .ext = {PKT_EXT_HOP, PKT_EXT_ROUTING,
				       PKT_EXT_DEST, PKT_EXT_FRAG},
			       .more_frags = true),
		   EXPECT_DROP(RATE_PACKETS, 1)}},
    },
    {
	.name = "IPv6 AH (length in 4-byte units) to TCP 80: rule web",
	.cfg = &cfg_web,
	.steps = {{.pkt = TCP6(80, .ext = {PKT_EXT_AH}),
		   EXPECT_PASS(UNDER_LIMIT, 1)}},
    },
    {
	.name = "IPv6 with 8 extension headers (the walk's bound) to TCP "
		"80: rule web",
	.cfg = &cfg_web,
	.steps = {{.pkt = TCP6(80, .ext = {PKT_EXT_HOP, PKT_EXT_DEST,
					   PKT_EXT_ROUTING, PKT_EXT_DEST,
					   PKT_EXT_AH, PKT_EXT_DEST,
					   PKT_EXT_DEST, PKT_EXT_FRAG}),
		   EXPECT_PASS(UNDER_LIMIT, 1)}},
    },
    BAD_TAIL("IPv6 with 9 extension headers, one beyond the walk",
	     TCP6(80, .ext = {PKT_EXT_HOP, PKT_EXT_DEST, PKT_EXT_DEST,
			      PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST,
			      PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST})),
    INVALID("IPv6 version 4 under the IPv6 EtherType",
	    TCP6(80, .ip_version = 4)),
    INVALID("IPv6 payload length 1 byte beyond the frame",
	    TCP6(80, .len_delta = 1)),

    /* Frames cut at every header boundary. */
    TRUNCATED("Ethernet header 13 of 14 bytes", TCP4(80, CUT(PKT_L_ETH, 13))),
    TRUNCATED("Ethernet header 1 of 14 bytes", TCP4(80, CUT(PKT_L_ETH, 1))),
    TRUNCATED("802.1Q tag announced, frame ends",
	      TCP4(80, .vlan = {ETH_P_8021Q}, CUT(PKT_L_VLAN(0), 0))),
    TRUNCATED("802.1Q tag 2 of 4 bytes",
	      TCP4(80, .vlan = {ETH_P_8021Q}, CUT(PKT_L_VLAN(0), 2))),
    TRUNCATED("QinQ inner tag 3 of 4 bytes",
	      TCP4(80, QINQ, CUT(PKT_L_VLAN(1), 3))),
    TRUNCATED("IPv4 EtherType, no IPv4 header", TCP4(80, CUT(PKT_L_L3, 0))),
    TRUNCATED("IPv4 header 19 of 20 bytes", TCP4(80, CUT(PKT_L_L3, 19))),
    TRUNCATED("IPv4 options 2 of 4 bytes",
	      TCP4(80, .ip_opts = 4, CUT(PKT_L_L3, 22))),
    TRUNCATED("IPv6 EtherType, no IPv6 header", TCP6(80, CUT(PKT_L_L3, 0))),
    TRUNCATED("IPv6 header 39 of 40 bytes", TCP6(80, CUT(PKT_L_L3, 39))),
    BAD_TAIL("truncated, IPv6 hop-by-hop 1 of 8 bytes",
	     TCP6(80, .ext = {PKT_EXT_HOP}, CUT_FIXLEN(PKT_L_EXT(0), 1))),
    BAD_TAIL("truncated, IPv6 hop-by-hop 4 of 8 bytes",
	     TCP6(80, .ext = {PKT_EXT_HOP}, CUT_FIXLEN(PKT_L_EXT(0), 4))),
    BAD_TAIL("truncated, IPv6 routing 12 of 24 bytes",
	     TCP6(80, .ext = {PKT_EXT_HOP, PKT_EXT_ROUTING},
		  CUT_FIXLEN(PKT_L_EXT(1), 12))),
    BAD_TAIL("truncated, IPv6 destination options 8 of 16 bytes",
	     TCP6(80, .ext = {PKT_EXT_DEST}, CUT_FIXLEN(PKT_L_EXT(0), 8))),
    /* ICMPv6 after it: no later bounds check would catch an overrun. */
    BAD_TAIL("truncated, IPv6 destination options 8 of 16 bytes, then ICMPv6",
	     ICMP6(.ext = {PKT_EXT_DEST}, CUT_FIXLEN(PKT_L_EXT(0), 8))),
    BAD_TAIL("truncated, IPv6 AH 20 of 24 bytes, then ICMPv6",
	     ICMP6(.ext = {PKT_EXT_AH}, CUT_FIXLEN(PKT_L_EXT(0), 20))),
    BAD_TAIL("truncated, IPv6 fragment header 4 of 8 bytes",
	     TCP6(80, .ext = {PKT_EXT_FRAG}, CUT_FIXLEN(PKT_L_EXT(0), 4))),
    BAD_TAIL("truncated, IPv6 AH 12 of 24 bytes",
	     TCP6(80, .ext = {PKT_EXT_AH}, CUT_FIXLEN(PKT_L_EXT(0), 12))),
    BAD_TAIL(
	"truncated, IPv6 ends after hop-by-hop announcing destination options",
	TCP6(80, .ext = {PKT_EXT_HOP, PKT_EXT_DEST},
	     CUT_FIXLEN(PKT_L_EXT(1), 0))),
    BAD_TAIL("truncated, IPv4 TCP header 19 of 20 bytes",
	     TCP4(80, CUT_FIXLEN(PKT_L_L4, 19))),
    BAD_TAIL("truncated, IPv4 TCP header absent",
	     TCP4(80, CUT_FIXLEN(PKT_L_L4, 0))),
    TRUNCATED("IPv4 TCP header 10 of 20 bytes, total length not fixed",
	      TCP4(80, CUT(PKT_L_L4, 10))),
    BAD_TAIL("truncated, IPv6 TCP header 19 of 20 bytes",
	     TCP6(80, CUT_FIXLEN(PKT_L_L4, 19))),
    BAD_TAIL("truncated, IPv6 TCP header 10 of 20 bytes behind hop-by-hop",
	     TCP6(80, .ext = {PKT_EXT_HOP}, CUT_FIXLEN(PKT_L_L4, 10))),
    BAD_TAIL("truncated, IPv4 UDP header 7 of 8 bytes",
	     UDP4(53, CUT_FIXLEN(PKT_L_L4, 7))),
    BAD_TAIL("truncated, IPv6 UDP header absent",
	     UDP6(53, CUT_FIXLEN(PKT_L_L4, 0))),

    /* Malformed tails from known sources: the lists, the box and the
     * limits still apply; `malformed` decides only what they pass. */
    {
	.name = "bad tail: a deny-listed /48's UDP behind 9 and 12 "
		"destination options drops, deny_list",
	.cfg = &cfg_tail,
	.steps = {{.pkt = UDP6(53, .src = BAD6, DEST9),
		   .times = 3,
		   EXPECT_DROP(DENY_LIST, NO_RULE)},
		  {.pkt = UDP6(53, .src = BAD6, DEST12),
		   .times = 3,
		   EXPECT_DROP(DENY_LIST, NO_RULE)},
		  {.pkt = UDP6(53, .src = BAD6, .ext = {PKT_EXT_DEST}),
		   EXPECT_DROP(DENY_LIST, NO_RULE),
		   SOURCES(0)}},
    },
    {
	.name = "bad tail: a flood behind 9 and 12 destination options is "
		"limited by the defaults (the protocol is hidden)",
	.cfg = &cfg_tail,
	.steps = {{.pkt = UDP6(53, DEST9),
		   .times = 2,
		   EXPECT_PASS(MALFORMED, 0),
		   SOURCES(1)},
		  {.pkt = UDP6(53, DEST9),
		   .times = 3,
		   EXPECT_DROP(RATE_PACKETS, 0)},
		  {.pkt = UDP6(53, DEST12),
		   .times = 3,
		   EXPECT_DROP(RATE_PACKETS, 0)},
		  /* Its well-formed UDP is the dns rule's: its own bucket. */
		  {.pkt = UDP6(53, .ext = {PKT_EXT_DEST}),
		   EXPECT_PASS(UNDER_LIMIT, 3),
		   SOURCES(2)}},
    },
    {
	.name = "bad tail, malformed drop: dropped as malformed, but "
		"charged first: over the limit it counts as rate_packets",
	.cfg = &cfg_tail_maldrop,
	.steps = {{.pkt = TCP4(80, CUT_FIXLEN(PKT_L_L4, 10)),
		   .times = 2,
		   EXPECT_DROP(MALFORMED, 2),
		   SOURCES(1)},
		  {.pkt = TCP4(80, CUT_FIXLEN(PKT_L_L4, 10)),
		   EXPECT_DROP(RATE_PACKETS, 2)},
		  {.pkt = TCP4(22), EXPECT_DROP(RATE_PACKETS, 2)}},
    },
    {
	.name = "bad tail: a TCP header cut short takes TCP's rule without "
		"ports, UDP's the defaults; both charged",
	.cfg = &cfg_tail,
	.steps = {{.pkt = TCP4(80, CUT_FIXLEN(PKT_L_L4, 10)),
		   .times = 2,
		   EXPECT_PASS(MALFORMED, 2),
		   SOURCES(1)},
		  {.pkt = TCP6(80, .tcp_doff = 4), EXPECT_PASS(MALFORMED, 2)},
		  {.pkt = TCP4(80, .tcp_doff = 4),
		   EXPECT_DROP(RATE_PACKETS, 2)},
		  {.pkt = UDP4(53, CUT_FIXLEN(PKT_L_L4, 7)),
		   .times = 2,
		   EXPECT_PASS(MALFORMED, 0),
		   SOURCES(3)},
		  {.pkt = UDP4(53, CUT_FIXLEN(PKT_L_L4, 0)),
		   EXPECT_DROP(RATE_PACKETS, 0)}},
    },
    {
	.name = "bad tail: TCP and UDP headers cut short from a deny-listed "
		"IPv4 source drop, deny_list",
	.cfg = &cfg_tail,
	.steps = {{.pkt = TCP4(80, .src = BAD4, CUT_FIXLEN(PKT_L_L4, 10)),
		   .times = 3,
		   EXPECT_DROP(DENY_LIST, NO_RULE)},
		  {.pkt = UDP4(53, .src = BAD4, CUT_FIXLEN(PKT_L_L4, 4)),
		   .times = 3,
		   EXPECT_DROP(DENY_LIST, NO_RULE),
		   SOURCES(0)}},
    },
    {
	.name = "bad tail: an allow-listed source passes as allow_list, "
		"with malformed drop too",
	.cfg = &cfg_tail_maldrop,
	.steps = {{.pkt = TCP4(80, .src = GOOD4, CUT_FIXLEN(PKT_L_L4, 10)),
		   .times = 3,
		   EXPECT_PASS(ALLOW_LIST, NO_RULE)},
		  {.pkt = UDP6(53, .src = GOOD6, DEST9),
		   .times = 3,
		   EXPECT_PASS(ALLOW_LIST, NO_RULE),
		   SOURCES(0)}},
    },
    {
	.name = "bad tail: a boxed source drops as blocked; its flood boxes "
		"it in the first place",
	.cfg = &cfg_tail_block,
	.steps = {{.pkt = UDP6(53, DEST9),
		   .times = 2,
		   EXPECT_PASS(MALFORMED, 1)},
		  {.pkt = UDP6(53, DEST12),
		   EXPECT_DROP(RATE_PACKETS, 1),
		   .blocked = {A6, 30 * NSEC_PER_SEC, 1}},
		  {.pkt = UDP6(53, DEST9),
		   .times = 3,
		   EXPECT_DROP(BLOCKED, NO_RULE)},
		  {.pkt = UDP6(53), EXPECT_DROP(BLOCKED, NO_RULE)},
		  /* Boxed by hand for all traffic: a bad tail meets it. */
		  {.pkt = TCP4(80, CUT_FIXLEN(PKT_L_L4, 3)),
		   .put_block = {A4, 30 * NSEC_PER_SEC, 1, true},
		   .set_block_source_active = FLAG_1,
		   EXPECT_DROP(BLOCKED, NO_RULE)}},
    },
    {
	.name = "bad tail, dry-run: over the limit passes as dry_run, "
		"under it as malformed",
	.cfg = &cfg_tail_dry,
	.steps = {{.pkt = UDP6(53, DEST9),
		   .times = 2,
		   EXPECT_PASS(MALFORMED, 0)},
		  {.pkt = UDP6(53, DEST9), EXPECT_PASS(DRY_RUN, 0)}},
    },

    /* Fragments: no ports, so the protocol's rule without ports. */
    {
	.name = "IPv4 non-first fragment of TCP: the TCP rule without "
		"ports, not port 80's",
	.cfg = &cfg_frag,
	.steps = {{.pkt = TCP4(80, .frag_offset = 185),
		   EXPECT_PASS(UNDER_LIMIT, 2)}},
    },
    {
	.name = "IPv4 first fragment of TCP to port 80: rule web",
	.cfg = &cfg_frag,
	.steps = {{.pkt = TCP4(80, .more_frags = true),
		   EXPECT_PASS(UNDER_LIMIT, 1)}},
    },
    {
	.name = "IPv4 non-first fragment of UDP, no UDP rule without ports: "
		"default limits",
	.cfg = &cfg_frag,
	.steps = {{.pkt = UDP4(53, .frag_offset = 100, .more_frags = true),
		   EXPECT_PASS(UNDER_LIMIT, 0)}},
    },
    {
	.name = "IPv6 non-first fragment of TCP: the TCP rule without ports",
	.cfg = &cfg_frag,
	.steps = {{.pkt = TCP6(80, .ext = {PKT_EXT_FRAG}, .frag_offset = 185),
		   EXPECT_PASS(UNDER_LIMIT, 2)}},
    },
    {
	.name = "IPv6 non-first fragment behind hop-by-hop: the TCP rule "
		"without ports",
	.cfg = &cfg_frag,
	.steps = {{.pkt = TCP6(80, .ext = {PKT_EXT_HOP, PKT_EXT_FRAG},
			       .frag_offset = 1, .more_frags = true),
		   EXPECT_PASS(UNDER_LIMIT, 2)}},
    },
    {
	.name = "IPv6 atomic fragment (offset 0, no more) to TCP 80: rule web",
	.cfg = &cfg_frag,
	.steps = {{.pkt = TCP6(80, .ext = {PKT_EXT_FRAG}),
		   EXPECT_PASS(UNDER_LIMIT, 1)}},
    },

    /* Lists: the most specific prefix wins. */
    {
	.name = "deny /24: a host in it drops, deny_list",
	.cfg = &cfg_lists,
	.steps = {{.pkt = TCP4(80, .src = "203.0.113.9"),
		   .times = 2,
		   EXPECT_DROP(DENY_LIST, NO_RULE),
		   SOURCES(0)}},
    },
    {
	.name = "allow /32 inside a deny /24: the host passes, its "
		"neighbour drops",
	.cfg = &cfg_lists,
	.steps = {{.pkt = TCP4(80, .src = "203.0.113.7"),
		   .times = 3,
		   EXPECT_PASS(ALLOW_LIST, NO_RULE)},
		  {.pkt = TCP4(80, .src = "203.0.113.8"),
		   EXPECT_DROP(DENY_LIST, NO_RULE),
		   SOURCES(0)}},
    },
    {
	.name = "deny IPv6 /48, allow a /64 inside it",
	.cfg = &cfg_lists,
	.steps = {{.pkt = UDP6(53, .src = "2001:db8:bad:1::5"),
		   EXPECT_DROP(DENY_LIST, NO_RULE)},
		  {.pkt = UDP6(53, .src = "2001:db8:bad:7::5"),
		   .times = 2,
		   EXPECT_PASS(ALLOW_LIST, NO_RULE),
		   SOURCES(0)}},
    },
    {
	.name = "outside every list: the limits apply",
	.cfg = &cfg_lists,
	.steps = {{.pkt = TCP4(80), EXPECT_PASS(UNDER_LIMIT, 0)},
		  {.pkt = TCP4(80), EXPECT_DROP(RATE_PACKETS, 0)},
		  {.pkt = TCP6(80, .src = "2001:db8:bae::1"),
		   EXPECT_PASS(UNDER_LIMIT, 0),
		   SOURCES(2)}},
    },
    {
	.name = "allow beats limit: never limited, no state; a neighbour "
		"is limited",
	.cfg = &cfg_allow,
	.steps = {{.pkt = TCP4(80),
		   .times = 4,
		   EXPECT_PASS(ALLOW_LIST, NO_RULE),
		   SOURCES(0)},
		  {.pkt = TCP4(80, .src = "198.51.100.11"),
		   .times = 2,
		   EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP4(80, .src = "198.51.100.11"),
		   EXPECT_DROP(RATE_PACKETS, 1),
		   SOURCES(1)}},
    },
    {
	.name = "class limits_scale 10: office sources get 10x the default "
		"(20 back-to-back) while others keep 2",
	.cfg = &cfg_classes,
	.steps = {{.pkt = UDP4(53, .src = "198.51.100.2"),
		   .times = 20,
		   EXPECT_PASS(UNDER_LIMIT, 3)},
		  {.pkt = UDP4(53, .src = "198.51.100.2"),
		   EXPECT_DROP(RATE_PACKETS, 3)},
		  {.pkt = UDP4(53, .src = "198.51.100.100"),
		   .times = 2,
		   EXPECT_PASS(UNDER_LIMIT, 0)},
		  {.pkt = UDP4(53, .src = "198.51.100.100"),
		   EXPECT_DROP(RATE_PACKETS, 0)}},
    },
    {
	.name = "class-matched rule beats a port-only rule after it; other "
		"sources take the port rule",
	.cfg = &cfg_classes,
	.steps = {{.pkt = TCP4(80, .src = "198.51.100.33"),
		   .times = 5,
		   EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP4(80, .src = "198.51.100.33"),
		   EXPECT_DROP(RATE_PACKETS, 1)},
		  {.pkt = TCP4(80, .src = "198.51.100.100"),
		   EXPECT_PASS(UNDER_LIMIT, 2)},
		  {.pkt = TCP4(80, .src = "198.51.100.100"),
		   EXPECT_DROP(RATE_PACKETS, 2)},
		  /* office has no rule for 80: the port rule, not its
		   * scaled defaults */
		  {.pkt = TCP4(80, .src = "198.51.100.3"),
		   EXPECT_PASS(UNDER_LIMIT, 2)},
		  {.pkt = TCP4(80, .src = "198.51.100.3"),
		   EXPECT_DROP(RATE_PACKETS, 2)}},
    },
    {
	.name = "classes: a deny /32 inside a class drops; known class "
		"members keep their class (memo) across packets",
	.cfg = &cfg_classes,
	.steps = {{.pkt = UDP4(53, .src = "198.51.100.7"),
		   .times = 3,
		   EXPECT_DROP(DENY_LIST, NO_RULE)},
		  {.pkt = UDP4(53, .src = "198.51.100.8"),
		   .times = 20,
		   EXPECT_PASS(UNDER_LIMIT, 3)}},
    },
    {
	.name = "classes nested in lists: a class inside a deny prefix is "
		"denied; an allow /32 inside the class passes",
	.cfg = &cfg_class_nested,
	.steps = {{.pkt = UDP4(53, .src = "198.51.100.17"),
		   .times = 2,
		   EXPECT_DROP(DENY_LIST, NO_RULE)},
		  {.pkt = UDP4(53, .src = "198.51.100.20"),
		   .times = 3,
		   EXPECT_PASS(ALLOW_LIST, NO_RULE)},
		  {.pkt = UDP4(53, .src = "198.51.100.100"),
		   EXPECT_PASS(UNDER_LIMIT, 0)},
		  {.pkt = UDP4(53, .src = "198.51.100.100"),
		   EXPECT_DROP(RATE_PACKETS, 0)}},
    },
    {
	.name = "shadow mode: rule http (dry-run) passes its over-limit "
		"packets as dry_run while rule api drops, same source",
	.cfg = &cfg_shadow,
	.steps = {{.pkt = TCP4(80), EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP4(80), .times = 3, EXPECT_PASS(DRY_RUN, 1)},
		  {.pkt = TCP4(81), EXPECT_PASS(UNDER_LIMIT, 2)},
		  {.pkt = TCP4(81), .times = 3, EXPECT_DROP(RATE_PACKETS, 2)}},
    },
    {
	.name = "destinations: a rule limits one VIP, not another (IPv4 and "
		"IPv6)",
	.cfg = &cfg_dests,
	.steps = {{.pkt = TCP4(80, .dst = "192.0.2.1"),
		   EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP4(80, .dst = "192.0.2.1"),
		   EXPECT_DROP(RATE_PACKETS, 1)},
		  {.pkt = TCP4(80, .dst = "192.0.2.2"),
		   .times = 3,
		   EXPECT_PASS(UNDER_LIMIT, 0)},
		  {.pkt = TCP4(80, .dst = "192.0.2.2"),
		   EXPECT_DROP(RATE_PACKETS, 0)},
		  {.pkt = TCP6(80, .dst = "2001:db8::1"),
		   EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP6(80, .dst = "2001:db8::1"),
		   EXPECT_DROP(RATE_PACKETS, 1)},
		  {.pkt = TCP6(80, .dst = "2001:db8::2"),
		   EXPECT_PASS(UNDER_LIMIT, 0)}},
    },
    {
	.name = "deny /32 inside an allow /24: the host drops, others pass",
	.cfg = &cfg_allow24,
	.steps = {{.pkt = UDP4(53, .src = "198.51.100.66"),
		   EXPECT_DROP(DENY_LIST, NO_RULE)},
		  {.pkt = UDP4(53, .src = "198.51.100.67"),
		   .times = 2,
		   EXPECT_PASS(ALLOW_LIST, NO_RULE)}},
    },
    {
	.name = "lists match the whole address when ipv4_prefix is 24",
	.cfg = &cfg_prefix24,
	.steps = {{.pkt = TCP4(80),
		   .times = 2,
		   EXPECT_PASS(ALLOW_LIST, NO_RULE)},
		  {.pkt = TCP4(80, .src = "198.51.100.11"),
		   EXPECT_PASS(UNDER_LIMIT, 0)},
		  {.pkt = TCP4(80, .src = "198.51.100.12"),
		   EXPECT_DROP(RATE_PACKETS, 0),
		   SOURCES(1)}},
    },
    {
	.name = "ipv4_prefix 24: a denied host does not ride on the /24 "
		"entry its unlisted neighbour made",
	.cfg = &cfg_prefix24_deny,
	.steps = {{.pkt = TCP4(80, .src = "198.51.100.11"),
		   EXPECT_PASS(UNDER_LIMIT, 0),
		   SOURCES(1)},
		  {.pkt = TCP4(80, .src = "198.51.100.66"),
		   .times = 2,
		   EXPECT_DROP(DENY_LIST, NO_RULE)},
		  {.pkt = TCP6(80, .src = "2001:db8:1::66"),
		   EXPECT_PASS(UNDER_LIMIT, 0),
		   SOURCES(2)},
		  {.pkt = TCP6(80, .src = "2001:db8:1::bad"),
		   .times = 2,
		   EXPECT_DROP(DENY_LIST, NO_RULE)}},
    },

    /* Limits. */
    {
	.name = "default limits, burst 3: 3 pass, the 4th drops",
	.cfg = &cfg_default3,
	.steps = {{.pkt = TCP4(22), .times = 3, EXPECT_PASS(UNDER_LIMIT, 0)},
		  {.pkt = TCP4(22), EXPECT_DROP(RATE_PACKETS, 0), SOURCES(1)}},
    },
    {
	.name = "one source's TCP, UDP and ICMP share the default limits",
	.cfg = &cfg_default3,
	.steps = {{.pkt = TCP4(22), EXPECT_PASS(UNDER_LIMIT, 0)},
		  {.pkt = UDP4(5000), EXPECT_PASS(UNDER_LIMIT, 0)},
		  {.pkt = ICMP4(), EXPECT_PASS(UNDER_LIMIT, 0)},
		  {.pkt = UDP4(5000),
		   EXPECT_DROP(RATE_PACKETS, 0),
		   SOURCES(1)}},
    },
    {
	.name = "two rules keep separate state for one source",
	.cfg = &cfg_two_rules,
	.steps = {{.pkt = TCP4(80), .times = 2, EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP4(80), EXPECT_DROP(RATE_PACKETS, 1)},
		  {.pkt = TCP4(22), .times = 2, EXPECT_PASS(UNDER_LIMIT, 2)},
		  {.pkt = TCP4(22), EXPECT_DROP(RATE_PACKETS, 2)},
		  {.pkt = TCP4(80), EXPECT_DROP(RATE_PACKETS, 1), SOURCES(2)}},
    },
    {
	.name = "port ranges: the first matching rule wins, a port outside "
		"every range gets the default",
	.cfg = &cfg_ranges,
	.steps = {{.pkt = TCP4(8000), EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP4(8099), EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP4(8050), EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP4(8100), EXPECT_PASS(UNDER_LIMIT, 2)},
		  {.pkt = TCP4(8199), EXPECT_PASS(UNDER_LIMIT, 2)},
		  {.pkt = TCP4(9000), EXPECT_PASS(UNDER_LIMIT, 2)},
		  {.pkt = TCP4(7999), EXPECT_PASS(UNDER_LIMIT, 0)},
		  {.pkt = TCP4(8200), EXPECT_PASS(UNDER_LIMIT, 0)},
		  {.pkt = TCP4(8999), EXPECT_PASS(UNDER_LIMIT, 0)},
		  {.pkt = UDP4(8060), EXPECT_PASS(UNDER_LIMIT, 3)},
		  {.pkt = UDP4(8200), EXPECT_PASS(UNDER_LIMIT, 0)},
		  {.pkt = TCP4(65535), EXPECT_PASS(UNDER_LIMIT, 4)}},
    },
    {
	.name = "IPv6 /64 aggregation: two hosts of a /64 share state, "
		"another /64 does not",
	.cfg = &cfg_default2,
	.steps = {{.pkt = UDP6(53, .src = "2001:db8:1:2::1"),
		   EXPECT_PASS(UNDER_LIMIT, 0)},
		  {.pkt = UDP6(53, .src = "2001:db8:1:2:ffff::2"),
		   EXPECT_PASS(UNDER_LIMIT, 0)},
		  {.pkt = UDP6(53, .src = "2001:db8:1:2::1"),
		   EXPECT_DROP(RATE_PACKETS, 0)},
		  {.pkt = UDP6(53, .src = "2001:db8:1:2:ffff::2"),
		   EXPECT_DROP(RATE_PACKETS, 0)},
		  {.pkt = UDP6(53, .src = "2001:db8:1:3::1"),
		   .times = 2,
		   EXPECT_PASS(UNDER_LIMIT, 0),
		   SOURCES(2)}},
    },
    {
	.name = "ipv6_prefix 128: each address has its own state",
	.cfg = &cfg_host128,
	.steps = {{.pkt = UDP6(53, .src = "2001:db8:1:2::1"),
		   EXPECT_PASS(UNDER_LIMIT, 0)},
		  {.pkt = UDP6(53, .src = "2001:db8:1:2::2"),
		   EXPECT_PASS(UNDER_LIMIT, 0)},
		  {.pkt = UDP6(53, .src = "2001:db8:1:2::1"),
		   EXPECT_DROP(RATE_PACKETS, 0),
		   SOURCES(2)}},
    },
    {
	.name = "new connections: SYNs over the limit drop, other packets "
		"of the source pass",
	.cfg = &cfg_conns,
	.steps =
	    {{.pkt = TCP4(80, SYN), .times = 2, EXPECT_PASS(UNDER_LIMIT, 1)},
	     {.pkt = TCP4(80, SYN), EXPECT_DROP(RATE_CONNECTIONS, 1)},
	     {.pkt = TCP4(80, ACK), .times = 3, EXPECT_PASS(UNDER_LIMIT, 1)},
	     {.pkt = TCP4(80, .tcp_flags = PKT_TCP_SYN | PKT_TCP_ACK),
	      EXPECT_PASS(UNDER_LIMIT, 1)},
	     {.pkt = TCP4(80, .tcp_flags = PKT_TCP_FIN | PKT_TCP_ACK),
	      EXPECT_PASS(UNDER_LIMIT, 1)},
	     {.pkt = TCP4(80, SYN),
	      EXPECT_DROP(RATE_CONNECTIONS, 1),
	      SOURCES(1)}},
    },
    {
	.name = "bytes, burst 3000 B: three 1000-byte frames pass, the 4th "
		"drops with rate_bytes",
	.cfg = &cfg_bytes,
	.steps = {{.pkt = UDP4(53, .frame_len = 1000),
		   .times = 3,
		   EXPECT_PASS(UNDER_LIMIT, 0)},
		  {.pkt = UDP4(53, .frame_len = 1000),
		   EXPECT_DROP(RATE_BYTES, 0)},
		  {.pkt = UDP4(53, .frame_len = 60),
		   EXPECT_DROP(RATE_BYTES, 0)}},
    },
    {
	.name = "bytes, burst 3000 B: frames of 1000, 1000, 600 and 400 B "
		"pass, the next drops",
	.cfg = &cfg_bytes,
	.steps = {{.pkt = UDP4(53, .frame_len = 1000),
		   .times = 2,
		   EXPECT_PASS(UNDER_LIMIT, 0)},
		  {.pkt = UDP4(53, .frame_len = 600),
		   EXPECT_PASS(UNDER_LIMIT, 0)},
		  {.pkt = UDP4(53, .frame_len = 400),
		   EXPECT_PASS(UNDER_LIMIT, 0)},
		  {.pkt = UDP4(53, .frame_len = 60),
		   EXPECT_DROP(RATE_BYTES, 0)}},
    },
    {
	.name = "packets and bytes: the first dimension over names the reason",
	.cfg = &cfg_packets_bytes,
	.steps = {{.pkt = UDP4(53, .frame_len = 1000),
		   .times = 2,
		   EXPECT_PASS(UNDER_LIMIT, 0)},
		  {.pkt = UDP4(53, .frame_len = 1000),
		   EXPECT_DROP(RATE_PACKETS, 0)}},
    },
    {
	.name = "kill-switch off: everything passes, counted only as disabled, "
		"no state",
	.cfg = &cfg_disabled,
	.steps = {{.pkt = TCP4(80), .times = 3, EXPECT_PASS(DISABLED, NO_RULE)},
		  {.pkt = TCP4(80, .src = "203.0.113.9"),
		   EXPECT_PASS(DISABLED, NO_RULE)},
		  {.pkt = ARP(), EXPECT_PASS(DISABLED, NO_RULE)},
		  {.pkt = TCP4(80, CUT(PKT_L_L3, 10)),
		   EXPECT_PASS(DISABLED, NO_RULE)},
		  {.pkt = TCP4(80, CUT(PKT_L_ETH, 5)),
		   EXPECT_PASS(DISABLED, NO_RULE),
		   SOURCES(0)}},
    },
    {
	.name = "dry-run: over the limit passes, counted dry_run",
	.cfg = &cfg_dry_run,
	.steps = {{.pkt = TCP4(80), .times = 2, EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP4(80),
		   .times = 3,
		   EXPECT_PASS(DRY_RUN, 1),
		   SOURCES(1)}},
    },
    {
	/* DESIGN.md 2.8: dry-run applies to limits only. */
	.name = "dry-run: the deny list still drops",
	.cfg = &cfg_dry_run,
	.steps = {{.pkt = TCP4(80, .src = "203.0.113.9"),
		   EXPECT_DROP(DENY_LIST, NO_RULE),
		   SOURCES(0)}},
    },

    /* Rate over time: the test clock. */
    {
	.name = "100/s burst 5: exactly 5 back-to-back, then rate x t "
		"(50 ms: 5, 15 ms: 1, 5 ms: 1)",
	.cfg = &cfg_100pps,
	.steps = {{.pkt = TCP4(22), .times = 5, EXPECT_PASS(UNDER_LIMIT, 0)},
		  {.pkt = TCP4(22), EXPECT_DROP(RATE_PACKETS, 0)},
		  {.pkt = TCP4(22),
		   .advance_ns = 50 * NSEC_PER_MSEC,
		   .times = 5,
		   EXPECT_PASS(UNDER_LIMIT, 0)},
		  {.pkt = TCP4(22), EXPECT_DROP(RATE_PACKETS, 0)},
		  {.pkt = TCP4(22),
		   .advance_ns = 15 * NSEC_PER_MSEC,
		   EXPECT_PASS(UNDER_LIMIT, 0)},
		  {.pkt = TCP4(22), EXPECT_DROP(RATE_PACKETS, 0)},
		  {.pkt = TCP4(22),
		   .advance_ns = 5 * NSEC_PER_MSEC,
		   EXPECT_PASS(UNDER_LIMIT, 0)},
		  {.pkt = TCP4(22), EXPECT_DROP(RATE_PACKETS, 0)}},
    },
    {
	.name = "100/s burst 5: after 1 h idle exactly 5 pass, not more",
	.cfg = &cfg_100pps,
	.steps = {{.pkt = TCP4(22), .times = 5, EXPECT_PASS(UNDER_LIMIT, 0)},
		  {.pkt = TCP4(22), EXPECT_DROP(RATE_PACKETS, 0)},
		  {.pkt = TCP4(22),
		   .advance_ns = NSEC_PER_HOUR,
		   .times = 5,
		   EXPECT_PASS(UNDER_LIMIT, 0)},
		  {.pkt = TCP4(22), EXPECT_DROP(RATE_PACKETS, 0)}},
    },
    {
	.name = "drops consume nothing: 10 drops, then 10 ms later one passes",
	.cfg = &cfg_100pps_burst1,
	.steps = {{.pkt = TCP4(22), EXPECT_PASS(UNDER_LIMIT, 0)},
		  {.pkt = TCP4(22), .times = 10, EXPECT_DROP(RATE_PACKETS, 0)},
		  {.pkt = TCP4(22),
		   .advance_ns = 10 * NSEC_PER_MSEC,
		   EXPECT_PASS(UNDER_LIMIT, 0)},
		  {.pkt = TCP4(22), EXPECT_DROP(RATE_PACKETS, 0)}},
    },
    {
	.name = "1000 B/s burst 3000: 3 x 1000 B, then 1000 B per second",
	.cfg = &cfg_1000bps,
	.steps = {{.pkt = UDP4(53, .frame_len = 1000),
		   .times = 3,
		   EXPECT_PASS(UNDER_LIMIT, 0)},
		  {.pkt = UDP4(53, .frame_len = 1000),
		   EXPECT_DROP(RATE_BYTES, 0)},
		  {.pkt = UDP4(53, .frame_len = 1000),
		   .advance_ns = NSEC_PER_SEC,
		   EXPECT_PASS(UNDER_LIMIT, 0)},
		  {.pkt = UDP4(53, .frame_len = 1000),
		   EXPECT_DROP(RATE_BYTES, 0)},
		  {.pkt = UDP4(53, .frame_len = 500),
		   .advance_ns = 500 * NSEC_PER_MSEC,
		   EXPECT_PASS(UNDER_LIMIT, 0)},
		  {.pkt = UDP4(53, .frame_len = 60),
		   EXPECT_DROP(RATE_BYTES, 0)}},
    },
    {
	.name = "new connections 10/s burst 2: SYNs refill at the rate, "
		"ACKs always pass",
	.cfg = &cfg_conns_10ps,
	.steps =
	    {{.pkt = TCP4(80, SYN), .times = 2, EXPECT_PASS(UNDER_LIMIT, 1)},
	     {.pkt = TCP4(80, SYN), EXPECT_DROP(RATE_CONNECTIONS, 1)},
	     {.pkt = TCP4(80, ACK), .times = 5, EXPECT_PASS(UNDER_LIMIT, 1)},
	     {.pkt = TCP4(80, SYN),
	      .advance_ns = 100 * NSEC_PER_MSEC,
	      EXPECT_PASS(UNDER_LIMIT, 1)},
	     {.pkt = TCP4(80, SYN), EXPECT_DROP(RATE_CONNECTIONS, 1)},
	     {.pkt = TCP4(80, SYN),
	      .advance_ns = NSEC_PER_HOUR,
	      .times = 2,
	      EXPECT_PASS(UNDER_LIMIT, 1)},
	     {.pkt = TCP4(80, SYN), EXPECT_DROP(RATE_CONNECTIONS, 1)}},
    },
    /* Penalty box (rule `block`). */
    {
	.name = "penalty box: over the limit puts the source in fg_blocked "
		"for 30 s for rule web (block_scope rule, the default): its "
		"web traffic drops as blocked, the rest meets its own rules; "
		"others unaffected",
	.cfg = &cfg_block,
	.steps = {{.pkt = TCP4(80),
		   .times = 2,
		   EXPECT_PASS(UNDER_LIMIT, 1),
		   TABLE([FG_TABLE_INSERTED] = 1),
		   BLOCKED(0),
		   .block_active = FLAG_0},
		  {.pkt = TCP4(80),
		   EXPECT_DROP(RATE_PACKETS, 1),
		   TABLE([FG_TABLE_BLOCKED] = 1),
		   .blocked = {A4, 30 * NSEC_PER_SEC, 1},
		   BLOCKED(1),
		   .block_active = FLAG_1,
		   .block_source_active = FLAG_0},
		  {.pkt = TCP4(80),
		   .times = 3,
		   EXPECT_DROP(BLOCKED, NO_RULE),
		   TABLE()},
		  {.pkt = UDP4(53), EXPECT_PASS(UNDER_LIMIT, 2)},
		  {.pkt = TCP4(22), EXPECT_PASS(UNDER_LIMIT, 0)},
		  {.pkt = ICMP4(), EXPECT_PASS(UNDER_LIMIT, 0)},
		  {.pkt = TCP6(80), .times = 2, EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP4(80, .src = "198.51.100.11"),
		   .times = 2,
		   EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = UDP4(53, .src = "198.51.100.11"),
		   EXPECT_PASS(UNDER_LIMIT, 2),
		   SOURCES(5),
		   BLOCKED(1)}},
    },
    {
	.name = "penalty box, block_scope source: over the limit of web "
		"boxes the source for all its traffic, on any port",
	.cfg = &cfg_block_source,
	.steps = {{.pkt = TCP4(80),
		   .times = 2,
		   EXPECT_PASS(UNDER_LIMIT, 1),
		   .block_source_active = FLAG_0},
		  {.pkt = TCP4(80),
		   EXPECT_DROP(RATE_PACKETS, 1),
		   TABLE([FG_TABLE_BLOCKED] = 1),
		   .blocked = {A4, 30 * NSEC_PER_SEC, 1, true},
		   BLOCKED(1),
		   .block_active = FLAG_1,
		   .block_source_active = FLAG_1},
		  {.pkt = TCP4(80),
		   .times = 3,
		   EXPECT_DROP(BLOCKED, NO_RULE),
		   TABLE()},
		  {.pkt = UDP4(53), EXPECT_DROP(BLOCKED, NO_RULE)},
		  {.pkt = TCP4(22), EXPECT_DROP(BLOCKED, NO_RULE)},
		  {.pkt = ICMP4(), EXPECT_DROP(BLOCKED, NO_RULE)},
		  {.pkt = TCP4(80, .src = "198.51.100.11"),
		   .times = 2,
		   EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = UDP4(53, .src = "198.51.100.11"),
		   EXPECT_PASS(UNDER_LIMIT, 2),
		   SOURCES(3),
		   BLOCKED(1)}},
    },
    {
	.name = "penalty box: with block_source_active 0 the program does "
		"not look for source-scoped entries; with 1 it does",
	.cfg = &cfg_block,
	.steps = {{.pkt = UDP4(53),
		   .put_block = {A4, 30 * NSEC_PER_SEC, 1, true},
		   .set_block_active = FLAG_1,
		   .set_block_source_active = FLAG_0,
		   EXPECT_PASS(UNDER_LIMIT, 2)},
		  {.pkt = TCP4(80), EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP4(80),
		   .set_block_source_active = FLAG_1,
		   EXPECT_DROP(BLOCKED, NO_RULE)},
		  {.pkt = UDP4(53), EXPECT_DROP(BLOCKED, NO_RULE)},
		  {.pkt = ICMP4(),
		   EXPECT_DROP(BLOCKED, NO_RULE),
		   TABLE(),
		   BLOCKED(1)}},
    },
    {
	.name = "penalty box: blocked until the clock reaches until_ns, then "
		"limited normally though the entry stays, and blocked again",
	.cfg = &cfg_block,
	.steps = {{.pkt = TCP4(80), .times = 2, EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP4(80),
		   EXPECT_DROP(RATE_PACKETS, 1),
		   .blocked = {A4, 30 * NSEC_PER_SEC, 1}},
		  {.pkt = TCP4(80),
		   .advance_ns = 30 * NSEC_PER_SEC - 1,
		   EXPECT_DROP(BLOCKED, NO_RULE)},
		  {.pkt = UDP4(53),
		   .advance_ns = 1,
		   EXPECT_PASS(UNDER_LIMIT, 2),
		   .blocked = {A4, 0, 1},
		   .block_active = FLAG_1},
		  {.pkt = TCP4(80),
		   .times = 2,
		   EXPECT_PASS(UNDER_LIMIT, 1),
		   TABLE(),
		   BLOCKED(1)},
		  {.pkt = TCP4(80),
		   EXPECT_DROP(RATE_PACKETS, 1),
		   TABLE([FG_TABLE_BLOCKED] = 1),
		   .blocked = {A4, 30 * NSEC_PER_SEC, 1},
		   BLOCKED(1)},
		  {.pkt = TCP4(80, .sport = 4242),
		   EXPECT_DROP(BLOCKED, NO_RULE)}},
    },
    {
	.name = "escalating block: the first box lasts first (10 s); a repeat "
		"within the window after it ended lasts first * factor (20 "
		"s), the next is capped at max (35 s, not 40) and stays "
		"there; a repeat once the window (60 s) has passed is a first "
		"box again",
	.cfg = &cfg_escalate,
	.needs_clock = true,
	.steps = {{.pkt = TCP4(80), .times = 2, EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP4(80),
		   EXPECT_DROP(RATE_PACKETS, 1),
		   TABLE([FG_TABLE_BLOCKED] = 1),
		   .blocked = {A4, 10 * NSEC_PER_SEC, 1}},
		  /* Time up: the entry stays, remembered, blocking nobody. */
		  {.pkt = TCP4(80),
		   .advance_ns = 10 * NSEC_PER_SEC,
		   .times = 2,
		   EXPECT_PASS(UNDER_LIMIT, 1),
		   .blocked = {A4, 0, 1},
		   BLOCKED(1)},
		  {.pkt = TCP4(80),
		   EXPECT_DROP(RATE_PACKETS, 1),
		   TABLE([FG_TABLE_BLOCKED] = 1),
		   .blocked = {A4, 20 * NSEC_PER_SEC, 1, false, 1}},
		  {.pkt = TCP4(80),
		   .advance_ns = 20 * NSEC_PER_SEC - 1,
		   EXPECT_DROP(BLOCKED, NO_RULE)},
		  {.pkt = TCP4(80),
		   .advance_ns = 1,
		   .times = 2,
		   EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP4(80),
		   EXPECT_DROP(RATE_PACKETS, 1),
		   .blocked = {A4, 35 * NSEC_PER_SEC, 1, false, 2}},
		  {.pkt = TCP4(80),
		   .advance_ns = 35 * NSEC_PER_SEC,
		   .times = 2,
		   EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP4(80),
		   EXPECT_DROP(RATE_PACKETS, 1),
		   .blocked = {A4, 35 * NSEC_PER_SEC, 1, false, 3}},
		  /* Window over exactly: until + 60 s is outside it. */
		  {.pkt = TCP4(80),
		   .advance_ns = (35 + 60) * NSEC_PER_SEC,
		   .times = 2,
		   EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP4(80),
		   EXPECT_DROP(RATE_PACKETS, 1),
		   TABLE([FG_TABLE_BLOCKED] = 1),
		   .blocked = {A4, 10 * NSEC_PER_SEC, 1, false, 0},
		   BLOCKED(1)},
		  /* A plain block never escalates. */
		  {.pkt = TCP4(22), .times = 2, EXPECT_PASS(UNDER_LIMIT, 2)},
		  {.pkt = TCP4(22),
		   EXPECT_DROP(RATE_PACKETS, 2),
		   .blocked = {A4, 10 * NSEC_PER_SEC, 2}},
		  {.pkt = TCP4(22),
		   .advance_ns = 10 * NSEC_PER_SEC,
		   .times = 2,
		   EXPECT_PASS(UNDER_LIMIT, 2)},
		  {.pkt = TCP4(22),
		   EXPECT_DROP(RATE_PACKETS, 2),
		   .blocked = {A4, 10 * NSEC_PER_SEC, 2, false, 0},
		   BLOCKED(2)}},
    },
    {
	.name = "escalating block, block_scope source: 1 ns inside the "
		"window is a repeat (twice first, on the source's all-traffic "
		"entry); the daemon's expiry keeps the entry through the "
		"window and clears both box flags while it blocks nobody",
	.cfg = &cfg_escalate_source,
	.needs_clock = true,
	.steps = {{.pkt = TCP4(80), .times = 2, EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP4(80),
		   EXPECT_DROP(RATE_PACKETS, 1),
		   .blocked = {A4, 10 * NSEC_PER_SEC, 1, true},
		   .block_active = FLAG_1,
		   .block_source_active = FLAG_1},
		  {.pkt = UDP4(53), EXPECT_DROP(BLOCKED, NO_RULE)},
		  {.pkt = UDP4(53),
		   .advance_ns = 10 * NSEC_PER_SEC,
		   .expire_box = true,
		   EXPECT_PASS(UNDER_LIMIT, 2),
		   BLOCKED(1),
		   .block_active = FLAG_0,
		   .block_source_active = FLAG_0},
		  {.pkt = TCP4(80),
		   .advance_ns = 60 * NSEC_PER_SEC - 1,
		   .expire_box = true,
		   .times = 2,
		   EXPECT_PASS(UNDER_LIMIT, 1),
		   .blocked = {A4, 1 - 60 * NSEC_PER_SEC, 1, true}},
		  {.pkt = TCP4(80),
		   EXPECT_DROP(RATE_PACKETS, 1),
		   TABLE([FG_TABLE_BLOCKED] = 1),
		   .blocked = {A4, 20 * NSEC_PER_SEC, 1, true, 1},
		   .block_active = FLAG_1,
		   .block_source_active = FLAG_1},
		  {.pkt = ICMP4(),
		   .advance_ns = 20 * NSEC_PER_SEC - 1,
		   .expire_box = true,
		   EXPECT_DROP(BLOCKED, NO_RULE),
		   BLOCKED(1)}},
    },
    {
	.name = "escalating block: the daemon's expiry keeps a remembered "
		"entry until its window has passed (block_active cleared "
		"meanwhile), then deletes it, and the next box is a first "
		"one; a plain block's entry goes when its time is up",
	.cfg = &cfg_escalate,
	.needs_clock = true,
	.steps = {{.pkt = TCP4(80), .times = 2, EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP4(80),
		   EXPECT_DROP(RATE_PACKETS, 1),
		   .blocked = {A4, 10 * NSEC_PER_SEC, 1}},
		  {.pkt = TCP4(22), .times = 2, EXPECT_PASS(UNDER_LIMIT, 2)},
		  {.pkt = TCP4(22),
		   EXPECT_DROP(RATE_PACKETS, 2),
		   BLOCKED(2),
		   .block_active = FLAG_1},
		  {.pkt = TCP4(22),
		   .advance_ns = 10 * NSEC_PER_SEC,
		   .expire_box = true,
		   .times = 2,
		   EXPECT_PASS(UNDER_LIMIT, 2),
		   .blocked = {A4, 0, 1},
		   BLOCKED(1),
		   .block_active = FLAG_0},
		  {.pkt = UDP4(53),
		   .advance_ns = 60 * NSEC_PER_SEC - 1,
		   .expire_box = true,
		   EXPECT_PASS(UNDER_LIMIT, 0),
		   BLOCKED(1)},
		  {.pkt = UDP4(53),
		   .advance_ns = 1,
		   .expire_box = true,
		   EXPECT_PASS(UNDER_LIMIT, 0),
		   BLOCKED(0)},
		  {.pkt = TCP4(80), .times = 2, EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP4(80),
		   EXPECT_DROP(RATE_PACKETS, 1),
		   .blocked = {A4, 10 * NSEC_PER_SEC, 1, false, 0},
		   .block_active = FLAG_1}},
    },
    {
	.name = "escalating block: a box still running (put there "
		"meanwhile, block_active still 0) stands: not extended, not "
		"a repeat, not counted; block_active is set",
	.cfg = &cfg_escalate,
	.needs_clock = true,
	.steps = {{.pkt = TCP4(80),
		   .put_block = {A4, 5 * NSEC_PER_SEC, 1},
		   .set_block_active = FLAG_0,
		   .times = 2,
		   EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP4(80),
		   EXPECT_DROP(RATE_PACKETS, 1),
		   TABLE(),
		   .blocked = {A4, 5 * NSEC_PER_SEC, 1, false, 0},
		   BLOCKED(1),
		   .block_active = FLAG_1},
		  {.pkt = TCP4(80), EXPECT_DROP(BLOCKED, NO_RULE)}},
    },
    {
	.name = "penalty box: IPv6 blocks the source's /64 (its table key)",
	.cfg = &cfg_block,
	.steps = {{.pkt = TCP6(80), .times = 2, EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP6(80),
		   EXPECT_DROP(RATE_PACKETS, 1),
		   TABLE([FG_TABLE_BLOCKED] = 1),
		   .blocked = {A6, 30 * NSEC_PER_SEC, 1},
		   BLOCKED(1)},
		  {.pkt = TCP6(80, .src = "2001:db8:1::ffff"),
		   EXPECT_DROP(BLOCKED, NO_RULE)},
		  {.pkt = TCP6(80, .src = "2001:db8:1:1::10"),
		   EXPECT_PASS(UNDER_LIMIT, 1)}},
    },
    {
	.name = "penalty box: with block_active 0 the program does not read "
		"fg_blocked; with 1 it does",
	.cfg = &cfg_block,
	.steps = {{.pkt = TCP4(80),
		   .put_block = {A4, 30 * NSEC_PER_SEC, 1},
		   .set_block_active = FLAG_0,
		   EXPECT_PASS(UNDER_LIMIT, 1),
		   .block_active = FLAG_0},
		  {.pkt = UDP4(53), EXPECT_PASS(UNDER_LIMIT, 2)},
		  {.pkt = TCP4(80),
		   .set_block_active = FLAG_1,
		   EXPECT_DROP(BLOCKED, NO_RULE)},
		  /* Boxed for web only: dns still meets its own limit. */
		  {.pkt = UDP4(53), EXPECT_PASS(UNDER_LIMIT, 2)},
		  {.pkt = TCP4(80),
		   .set_block_active = FLAG_0,
		   EXPECT_PASS(UNDER_LIMIT, 1),
		   TABLE(),
		   BLOCKED(1)}},
    },
    {
	.name = "penalty box: a rule without block drops but does not block",
	.cfg = &cfg_block,
	.needs_clock = true, /* per-second rates */
	.steps = {{.pkt = UDP4(53), .times = 2, EXPECT_PASS(UNDER_LIMIT, 2)},
		  {.pkt = UDP4(53),
		   .times = 2,
		   EXPECT_DROP(RATE_PACKETS, 2),
		   BLOCKED(0),
		   .block_active = FLAG_0},
		  {.pkt = TCP4(80), EXPECT_PASS(UNDER_LIMIT, 1)}},
    },
    {
	.name = "penalty box, dry-run: over the limit passes as dry_run and "
		"blocks nobody",
	.cfg = &cfg_block_dry,
	.needs_clock = true, /* per-second rates */
	.steps = {{.pkt = TCP4(80), .times = 2, EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP4(80),
		   .times = 3,
		   EXPECT_PASS(DRY_RUN, 1),
		   TABLE(),
		   .not_blocked = A4,
		   BLOCKED(0),
		   .block_active = FLAG_0},
		  {.pkt = UDP4(53), EXPECT_PASS(UNDER_LIMIT, 2)}},
    },
    {
	.name = "penalty box, dry-run: a source boxed before passes as "
		"dry_run under its rule, the box kept; its other traffic meets "
		"its own limits",
	.cfg = &cfg_block_dry,
	.steps = {{.pkt = TCP4(80),
		   .put_block = {A4, 30 * NSEC_PER_SEC, 1},
		   .set_block_active = FLAG_1,
		   .times = 3,
		   EXPECT_PASS(DRY_RUN, 1),
		   TABLE(),
		   .blocked = {A4, 30 * NSEC_PER_SEC, 1},
		   BLOCKED(1)},
		  {.pkt = UDP4(53), EXPECT_PASS(UNDER_LIMIT, 2)}},
    },
    {
	.name = "penalty box, dry-run: a source boxed for all traffic "
		"passes as dry_run, a bad tail too",
	.cfg = &cfg_block_dry,
	.steps = {{.pkt = UDP4(53),
		   .put_block = {A4, 30 * NSEC_PER_SEC, 1, true},
		   .set_block_active = FLAG_1,
		   .set_block_source_active = FLAG_1,
		   .times = 2,
		   EXPECT_PASS(DRY_RUN, 2)},
		  {.pkt = TCP4(80), EXPECT_PASS(DRY_RUN, 1)},
		  /* No port: the default limits' rule. */
		  {.pkt = TCP4(80, CUT_FIXLEN(PKT_L_L4, 3)),
		   EXPECT_PASS(DRY_RUN, 0),
		   BLOCKED(1)}},
    },
    {
	.name = "penalty box, a rule in shadow mode: its boxed source "
		"passes as dry_run; the rules that enforce still drop it",
	.cfg = &cfg_block_shadow,
	.steps = {{.pkt = TCP4(80),
		   .put_block = {A4, 30 * NSEC_PER_SEC, 1, true},
		   .set_block_active = FLAG_1,
		   .set_block_source_active = FLAG_1,
		   .times = 2,
		   EXPECT_PASS(DRY_RUN, 1)},
		  {.pkt = UDP4(53), EXPECT_DROP(BLOCKED, NO_RULE)},
		  {.pkt = TCP4(80), EXPECT_PASS(DRY_RUN, 1), BLOCKED(1)}},
    },
    {
	.name = "penalty box full: the source is limited, not blocked, "
		"block_full counted",
	.cfg = &cfg_block,
	.needs_clock = true, /* per-second rates */
	.steps = {{.pkt = TCP4(80),
		   .fill_blocked = true,
		   .times = 2,
		   EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP4(80),
		   EXPECT_DROP(RATE_PACKETS, 1),
		   TABLE([FG_TABLE_BLOCK_FULL] = 1),
		   .not_blocked = A4,
		   BLOCKED(FG_MAX_BLOCKED),
		   .block_active = FLAG_0},
		  {.pkt = UDP4(53), EXPECT_PASS(UNDER_LIMIT, 2)}},
    },
    {
	.name = "penalty box: a source refused admission is not blocked",
	.cfg = &cfg_block_admit,
	.needs_clock = true, /* per-second rates */
	.steps = {{.pkt = TCP4(80, .src = "198.51.100.1"),
		   .spread = 2,
		   .times = 2,
		   EXPECT_PASS(UNDER_LIMIT, 1),
		   TABLE([FG_TABLE_INSERTED] = 1, [FG_TABLE_INSERTED_NO_BURST] =
						      1)},
		  {.pkt = TCP4(80, .src = "198.51.100.3"),
		   EXPECT_DROP(RATE_NEW_SOURCES, 1),
		   TABLE([FG_TABLE_REFUSED] = 1),
		   .not_blocked = "198.51.100.3",
		   BLOCKED(0),
		   .block_active = FLAG_0}},
    },

    /* Aggregates: a whole prefix's cap on top of each source's limit. */
    {
	.name = "aggregate /24: sources each under their own limit are held "
		"together to the aggregate, another /24 is not",
	.cfg = &cfg_agg,
	.steps = {{.pkt = TCP4(80, .src = "198.51.100.1"),
		   .times = 2,
		   EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP4(80, .src = "198.51.100.2"),
		   .times = 2,
		   EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP4(80, .src = "198.51.100.3"),
		   EXPECT_DROP(RATE_AGGREGATE, 1)},
		  /* .1 has one packet of its own burst left. */
		  {.pkt = TCP4(80, .src = "198.51.100.1"),
		   .times = 5,
		   EXPECT_DROP(RATE_AGGREGATE, 1)},
		  {.pkt = TCP4(80, .src = "198.51.101.1"),
		   .times = 3,
		   EXPECT_PASS(UNDER_LIMIT, 1)},
		  /* Its aggregate has room: the source's own limit. */
		  {.pkt = TCP4(80, .src = "198.51.101.1"),
		   EXPECT_DROP(RATE_PACKETS, 1)},
		  /* 1 s: the aggregate refilled, the sources (1/h) did
		   * not: the aggregate drops took none of .1's burst. */
		  {.pkt = TCP4(80, .src = "198.51.100.1"),
		   .advance_ns = NSEC_PER_SEC,
		   EXPECT_PASS(UNDER_LIMIT, 1)},
		  /* Over its own limit with the aggregate under: the
		   * per-source limit is checked first. */
		  {.pkt = TCP4(80, .src = "198.51.100.1"),
		   EXPECT_DROP(RATE_PACKETS, 1)},
		  {.pkt = TCP4(80, .src = "198.51.100.3"),
		   .times = 3,
		   EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP4(80, .src = "198.51.100.2"),
		   EXPECT_DROP(RATE_AGGREGATE, 1)},
		  /* Over both: reported as the source's own. */
		  {.pkt = TCP4(80, .src = "198.51.100.3"),
		   EXPECT_DROP(RATE_PACKETS, 1),
		   SOURCES(4)}},
    },
    {
	.name = "aggregate IPv6 /48: /64 sources held together, another /48 "
		"is not",
	.cfg = &cfg_agg,
	.steps = {{.pkt = TCP6(80, .src = "2001:db8:1:1::1"),
		   .times = 2,
		   EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP6(80, .src = "2001:db8:1:2::1"),
		   .times = 2,
		   EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP6(80, .src = "2001:db8:1:3::1"),
		   .times = 2,
		   EXPECT_DROP(RATE_AGGREGATE, 1)},
		  {.pkt = TCP6(80, .src = "2001:db8:2::1"),
		   .times = 3,
		   EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP6(80, .src = "2001:db8:1:3::1"),
		   .advance_ns = NSEC_PER_SEC,
		   .times = 3,
		   EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP6(80, .src = "2001:db8:1:1::1"),
		   EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP6(80, .src = "2001:db8:1:2::1"),
		   EXPECT_DROP(RATE_AGGREGATE, 1),
		   SOURCES(4)}},
    },
    {
	.name = "aggregate: each rule has its own aggregate state for one "
		"prefix",
	.cfg = &cfg_agg2,
	.needs_clock = true, /* per-second rates */
	.steps = {{.pkt = TCP4(80, .src = "198.51.100.1"),
		   .spread = 2,
		   .times = 4,
		   EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP4(80, .src = "198.51.100.3"),
		   EXPECT_DROP(RATE_AGGREGATE, 1)},
		  {.pkt = TCP4(22, .src = "198.51.100.1"),
		   .spread = 2,
		   .times = 4,
		   EXPECT_PASS(UNDER_LIMIT, 2)},
		  {.pkt = TCP4(22, .src = "198.51.100.3"),
		   EXPECT_DROP(RATE_AGGREGATE, 2)}},
    },
    {
	/* The aggregate drops the packet, so the source is not inserted:
	 * it must not use an admission slot nor count as inserted, or one
	 * host in a saturated prefix locks every new source out. */
	.name = "aggregate drop of a new source: not inserted, no admission "
		"used; new sources elsewhere still admitted",
	.cfg = &cfg_agg_admit,
	.needs_clock = true, /* per-second rates */
	.steps = {{.pkt = TCP4(80, .src = "198.51.100.1"),
		   .spread = 2,
		   .times = 4,
		   EXPECT_PASS(UNDER_LIMIT, 1),
		   TABLE([FG_TABLE_INSERTED] = 2)},
		  {.pkt = TCP4(80, .src = "198.51.100.3"),
		   EXPECT_DROP(RATE_AGGREGATE, 1),
		   TABLE(),
		   SOURCES(2)},
		  {.pkt = TCP4(80, .src = "198.51.100.3"),
		   .times = 20,
		   EXPECT_DROP(RATE_AGGREGATE, 1),
		   TABLE(),
		   SOURCES(2)},
		  /* Eight /24s: 203.0.113.1, 203.0.114.1, ... */
		  {.pkt = TCP4(80, .src = "203.0.113.1"),
		   .spread = 8,
		   .spread_step = 256,
		   .times = 8,
		   EXPECT_PASS(UNDER_LIMIT, 1),
		   TABLE([FG_TABLE_INSERTED] = 3, [FG_TABLE_INSERTED_NO_BURST] =
						      5),
		   SOURCES(10)}},
    },

    /* Admission of new sources (table pressure). */
    {
	.name = "admission 10/s burst 10: 10 new sources at once, the 11th "
		"refused; known sources unaffected; 100 ms later one more",
	.cfg = &cfg_admit10,
	.steps = {{.pkt = TCP4(22, .src = "198.51.100.1"),
		   .spread = 5,
		   .times = 5,
		   EXPECT_PASS(UNDER_LIMIT, 0),
		   TABLE([FG_TABLE_INSERTED] = 5),
		   SOURCES(5)},
		  /* The admission bucket is now more than half used. */
		  {.pkt = TCP4(22, .src = "198.51.100.6"),
		   .spread = 5,
		   .times = 5,
		   EXPECT_PASS(UNDER_LIMIT, 0),
		   TABLE([FG_TABLE_INSERTED_NO_BURST] = 5),
		   SOURCES(10)},
		  {.pkt = UDP4(53, .src = "198.51.100.11"),
		   .times = 3,
		   EXPECT_DROP(RATE_NEW_SOURCES, 0),
		   TABLE([FG_TABLE_REFUSED] = 3),
		   SOURCES(10)},
		  /* Admitted under no pressure: the whole burst of 5. */
		  {.pkt = TCP4(22, .src = "198.51.100.1"),
		   .times = 4,
		   EXPECT_PASS(UNDER_LIMIT, 0),
		   TABLE()},
		  {.pkt = TCP4(22, .src = "198.51.100.1"),
		   EXPECT_DROP(RATE_PACKETS, 0),
		   TABLE()},
		  /* Admitted under pressure: no burst. */
		  {.pkt = TCP4(22, .src = "198.51.100.6"),
		   EXPECT_DROP(RATE_PACKETS, 0),
		   TABLE()},
		  {.pkt = TCP4(22, .src = "198.51.100.11"),
		   .advance_ns = 100 * NSEC_PER_MSEC,
		   EXPECT_PASS(UNDER_LIMIT, 0),
		   TABLE([FG_TABLE_INSERTED_NO_BURST] = 1),
		   SOURCES(11)},
		  {.pkt = TCP4(22, .src = "198.51.100.12"),
		   EXPECT_DROP(RATE_NEW_SOURCES, 0),
		   TABLE([FG_TABLE_REFUSED] = 1)},
		  {.pkt = TCP4(22, .src = "198.51.100.11"),
		   EXPECT_DROP(RATE_PACKETS, 0)},
		  /* Without burst: the rule's rate, one per 100 ms. */
		  {.pkt = TCP4(22, .src = "198.51.100.6"),
		   EXPECT_PASS(UNDER_LIMIT, 0)},
		  {.pkt = TCP4(22, .src = "198.51.100.6"),
		   EXPECT_DROP(RATE_PACKETS, 0)},
		  {.pkt = TCP4(22, .src = "198.51.100.1"),
		   .times = 1,
		   EXPECT_PASS(UNDER_LIMIT, 0),
		   TABLE(),
		   SOURCES(11)}},
    },
    {
	.name = "admission: IPv6 sources are admitted per /64 key, from the "
		"same bucket",
	.cfg = &cfg_admit10,
	.needs_clock = true, /* per-second rates */
	.steps = {{.pkt = UDP6(53, .src = "2001:db8:1::1"),
		   .spread = 5,
		   .times = 5,
		   EXPECT_PASS(UNDER_LIMIT, 0),
		   TABLE([FG_TABLE_INSERTED] = 1),
		   SOURCES(1)},
		  {.pkt = UDP4(53, .src = "198.51.100.1"),
		   .spread = 9,
		   .times = 9,
		   EXPECT_PASS(UNDER_LIMIT, 0),
		   TABLE([FG_TABLE_INSERTED] = 4, [FG_TABLE_INSERTED_NO_BURST] =
						      5),
		   SOURCES(10)},
		  {.pkt = UDP6(53, .src = "2001:db8:2::1"),
		   EXPECT_DROP(RATE_NEW_SOURCES, 0),
		   SOURCES(10)}},
    },
    {
	.name = "admission, dry-run: a refused new source passes as dry_run",
	.cfg = &cfg_admit10_dry,
	.needs_clock = true, /* per-second rates */
	.steps = {{.pkt = TCP4(22, .src = "198.51.100.1"),
		   .spread = 10,
		   .times = 10,
		   EXPECT_PASS(UNDER_LIMIT, 0)},
		  {.pkt = TCP4(22, .src = "198.51.100.11"),
		   EXPECT_PASS(DRY_RUN, 0),
		   TABLE([FG_TABLE_REFUSED] = 1),
		   SOURCES(10)}},
    },
    {
	.name = "admission amount 0: no admission limit, 100 new sources at "
		"once each get the full burst",
	.cfg = &cfg_admit_off,
	.needs_clock = true, /* per-second rates */
	.steps = {{.pkt = TCP4(22, .src = "198.51.100.1"),
		   .spread = 100,
		   .times = 100,
		   EXPECT_PASS(UNDER_LIMIT, 0),
		   TABLE([FG_TABLE_INSERTED] = 100),
		   SOURCES(100)},
		  {.pkt = TCP4(22, .src = "198.51.100.100"),
		   .times = 4,
		   EXPECT_PASS(UNDER_LIMIT, 0)},
		  {.pkt = TCP4(22, .src = "198.51.100.100"),
		   EXPECT_DROP(RATE_PACKETS, 0),
		   TABLE()}},
    },

    /* action: reset. */
    {
	.name = "action reset, IPv4: an over-limit SYN (options, payload) "
		"is answered with a RST|ACK by XDP_TX; a non-SYN drops",
	.cfg = &cfg_reset,
	.steps = {{.pkt = TCP4(80, SYN_OPTS),
		   .times = 2,
		   EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP4(80, SYN_OPTS),
		   .times = 2,
		   EXPECT_RESET(RATE_CONNECTIONS, 1)},
		  {.pkt = TCP4(80, SYN, .tcp_seq = 0xffffffff, .sport = 65535),
		   EXPECT_RESET(RATE_CONNECTIONS, 1)},
		  {.pkt = TCP4(80, SYN, .trailer = 6, .dont_frag = true),
		   EXPECT_RESET(RATE_CONNECTIONS, 1)},
		  {.pkt = TCP4(80, SYN, .src = "203.0.113.200",
			       .dst = "192.0.2.255", .sport = 1),
		   .times = 2,
		   EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP4(80, SYN, .src = "203.0.113.200",
			       .dst = "192.0.2.255", .sport = 1),
		   EXPECT_RESET(RATE_CONNECTIONS, 1)},
		  {.pkt = TCP4(80, ACK),
		   .times = 2,
		   EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP4(80, ACK), EXPECT_DROP(RATE_PACKETS, 1)},
		  {.pkt = TCP4(80, .tcp_flags = PKT_TCP_SYN | PKT_TCP_ACK),
		   EXPECT_DROP(RATE_PACKETS, 1)},
		  /* Over the packets limit, a SYN: answered as well. */
		  {.pkt = TCP4(80, SYN_OPTS), EXPECT_RESET(RATE_PACKETS, 1)},
		  /* IP options: not a shape the program answers. */
		  {.pkt = TCP4(80, SYN, .ip_opts = 4),
		   EXPECT_DROP(RATE_PACKETS, 1)}},
    },
    {
	.name = "action reset, IPv6: an over-limit SYN is answered; behind "
		"an extension header it drops",
	.cfg = &cfg_reset,
	.steps = {{.pkt = TCP6(80, SYN_OPTS),
		   .times = 2,
		   EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP6(80, SYN_OPTS),
		   EXPECT_RESET(RATE_CONNECTIONS, 1)},
		  {.pkt = TCP6(80, SYN, .tcp_seq = 0xffffffff,
			       .dst = "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"),
		   EXPECT_RESET(RATE_CONNECTIONS, 1)},
		  {.pkt = TCP6(80, SYN, .trailer = 10),
		   EXPECT_RESET(RATE_CONNECTIONS, 1)},
		  {.pkt = TCP6(80, SYN, .ext = {PKT_EXT_HOP}),
		   EXPECT_DROP(RATE_CONNECTIONS, 1)},
		  {.pkt = TCP6(80, SYN, .ext = {PKT_EXT_FRAG}),
		   EXPECT_DROP(RATE_CONNECTIONS, 1)},
		  {.pkt = TCP6(80, ACK),
		   .times = 2,
		   EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP6(80, ACK), EXPECT_DROP(RATE_PACKETS, 1)}},
    },
    {
	.name = "action reset: IPv4 in an 802.1Q tag and in QinQ: the RST "
		"keeps the tags",
	.cfg = &cfg_reset,
	.steps = {{.pkt = TCP4(80, SYN_OPTS, .vlan = {ETH_P_8021Q}),
		   .times = 2,
		   EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP4(80, SYN_OPTS, .vlan = {ETH_P_8021Q}),
		   EXPECT_RESET(RATE_CONNECTIONS, 1)},
		  {.pkt = TCP4(80, SYN_OPTS, QINQ),
		   EXPECT_RESET(RATE_CONNECTIONS, 1)},
		  {.pkt = TCP6(80, SYN_OPTS, QINQ),
		   .times = 2,
		   EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP6(80, SYN_OPTS, QINQ),
		   EXPECT_RESET(RATE_CONNECTIONS, 1)}},
    },
    {
	.name = "action reset with block: the over-limit SYN is answered and "
		"blocks; later SYNs drop as blocked, unanswered",
	.cfg = &cfg_reset_block,
	.steps = {{.pkt = TCP4(80, SYN), EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP4(80, SYN),
		   EXPECT_RESET(RATE_CONNECTIONS, 1),
		   .blocked = {A4, 30 * NSEC_PER_SEC, 1}},
		  {.pkt = TCP4(80, SYN), EXPECT_DROP(BLOCKED, NO_RULE)}},
    },
    {
	/* fg_reasons.h: rate_new_sources comes only with drop (the
	 * exporter shows only declared pairs); admission is no dimension
	 * of the rule (DESIGN.md 2.8). */
	.name = "action reset: a SYN refused admission drops, unanswered",
	.cfg = &cfg_reset_admit,
	.needs_clock = true, /* per-second rates */
	.steps = {{.pkt = TCP4(80, SYN, .src = "198.51.100.1"),
		   .spread = 2,
		   .times = 2,
		   EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP4(80, SYN, .src = "198.51.100.3"),
		   EXPECT_DROP(RATE_NEW_SOURCES, 1)}},
    },

    /* New connections against a SYN flood. */
    {
	.name = "SYN flood: limited by rate_connections at 10/s burst 5, "
		"ACKs of the same source never counted against it",
	.cfg = &cfg_syn_flood,
	.steps =
	    {{.pkt = TCP4(80, SYN), .times = 5, EXPECT_PASS(UNDER_LIMIT, 1)},
	     {.pkt = TCP4(80, SYN),
	      .times = 50,
	      EXPECT_DROP(RATE_CONNECTIONS, 1)},
	     {.pkt = TCP4(80, ACK), .times = 100, EXPECT_PASS(UNDER_LIMIT, 1)},
	     {.pkt = TCP4(80, .tcp_flags = PKT_TCP_SYN | PKT_TCP_ACK),
	      .times = 10,
	      EXPECT_PASS(UNDER_LIMIT, 1)},
	     {.pkt = TCP4(80, .tcp_flags = PKT_TCP_PSH | PKT_TCP_ACK,
			  .frame_len = 1000),
	      .times = 10,
	      EXPECT_PASS(UNDER_LIMIT, 1)},
	     {.pkt = TCP4(80, SYN), EXPECT_DROP(RATE_CONNECTIONS, 1)},
	     {.pkt = TCP4(80, SYN),
	      .advance_ns = 100 * NSEC_PER_MSEC,
	      EXPECT_PASS(UNDER_LIMIT, 1)},
	     {.pkt = TCP4(80, SYN),
	      .times = 20,
	      EXPECT_DROP(RATE_CONNECTIONS, 1)},
	     {.pkt = TCP4(80, ACK), .times = 20, EXPECT_PASS(UNDER_LIMIT, 1)},
	     {.pkt = TCP4(80, SYN),
	      .advance_ns = NSEC_PER_SEC,
	      .times = 5,
	      EXPECT_PASS(UNDER_LIMIT, 1)},
	     {.pkt = TCP4(80, SYN),
	      EXPECT_DROP(RATE_CONNECTIONS, 1),
	      SOURCES(1)}},
    },
    {
	.name = "SYN flood, IPv6: limited by rate_connections, ACKs pass",
	.cfg = &cfg_syn_flood,
	.steps =
	    {{.pkt = TCP6(80, SYN), .times = 5, EXPECT_PASS(UNDER_LIMIT, 1)},
	     {.pkt = TCP6(80, SYN),
	      .times = 50,
	      EXPECT_DROP(RATE_CONNECTIONS, 1)},
	     {.pkt = TCP6(80, ACK), .times = 100, EXPECT_PASS(UNDER_LIMIT, 1)},
	     {.pkt = TCP6(80, SYN),
	      .advance_ns = 100 * NSEC_PER_MSEC,
	      EXPECT_PASS(UNDER_LIMIT, 1)},
	     {.pkt = TCP6(80, SYN), EXPECT_DROP(RATE_CONNECTIONS, 1)}},
    },
    /* Fleet-wide limits: what the datapath counts for the daemon, and
     * the fleet's blocks. Frames are 100 bytes (F100) unless said. */
    {
	.name = "fleet: a rule with fleet counts what each (source, rule) "
		"passes: packets, bytes, SYNs without ACK; local drops, "
		"deny-list drops and rules without fleet count nothing",
	.cfg = &cfg_fleet,
	.steps = {{.pkt = TCP4(80, SYN, F100),
		   EXPECT_PASS(UNDER_LIMIT, 1),
		   .fleet_count = {A4, 1, 1, 100, 1},
		   FLEET_COUNTS(1)},
		  {.pkt = TCP4(80, .tcp_flags = PKT_TCP_SYN | PKT_TCP_ACK,
			       .frame_len = 300),
		   EXPECT_PASS(UNDER_LIMIT, 1),
		   .fleet_count = {A4, 1, 2, 400, 1}},
		  {.pkt = TCP4(80, ACK, F100),
		   EXPECT_PASS(UNDER_LIMIT, 1),
		   .fleet_count = {A4, 1, 3, 500, 1}},
		  {.pkt = TCP4(80, SYN, F100),
		   .times = 3,
		   EXPECT_DROP(RATE_PACKETS, 1),
		   .fleet_count = {A4, 1, 3, 500, 1},
		   FLEET_COUNTS(1)},
		  {.pkt = UDP4(53, F100),
		   .times = 3,
		   EXPECT_PASS(UNDER_LIMIT, 3),
		   FLEET_COUNTS(1)},
		  {.pkt = TCP4(8080, F100),
		   EXPECT_PASS(UNDER_LIMIT, 0),
		   FLEET_COUNTS(1)},
		  {.pkt = TCP4(22, SYN, .frame_len = 200),
		   .times = 2,
		   EXPECT_PASS(UNDER_LIMIT, 2),
		   .fleet_count = {A4, 2, 2, 400, 2},
		   FLEET_COUNTS(2)},
		  {.pkt = TCP4(80, F100, .src = "198.51.100.11"),
		   EXPECT_PASS(UNDER_LIMIT, 1),
		   .fleet_count = {"198.51.100.11", 1, 1, 100, 0},
		   FLEET_COUNTS(3)},
		  {.pkt = TCP4(80, SYN, F100, .src = "203.0.113.5"),
		   EXPECT_DROP(DENY_LIST, NO_RULE),
		   .no_fleet_count = "203.0.113.5",
		   FLEET_COUNTS(3),
		   SOURCES(4)}},
    },
    {
	.name = "fleet, bad tail with malformed pass: passes as malformed, "
		"counted",
	.cfg = &cfg_fleet_tail,
	.steps = {{.pkt = TCP4(80, .tcp_doff = 4, F100),
		   .times = 2,
		   EXPECT_PASS(MALFORMED, 1),
		   .fleet_count = {A4, 1, 2, 200, 0},
		   FLEET_COUNTS(1)}},
    },
    {
	.name = "fleet, bad tail with malformed drop: dropped, so not "
		"counted; a whole packet then is",
	.cfg = &cfg_fleet_tail_maldrop,
	.steps = {{.pkt = TCP4(80, .tcp_doff = 4, SYN, F100),
		   .times = 2,
		   EXPECT_DROP(MALFORMED, 1),
		   FLEET_COUNTS(0)},
		  {.pkt = TCP4(80, F100),
		   EXPECT_PASS(UNDER_LIMIT, 1),
		   .fleet_count = {A4, 1, 1, 100, 0},
		   FLEET_COUNTS(1)}},
    },
    {
	.name = "fleet, dry-run, bad tail with malformed drop over the limit: "
		"dropped as malformed, not counted",
	.cfg = &cfg_fleet_tail_dry,
	.steps = {{.pkt = TCP4(80, F100),
		   .times = 3,
		   EXPECT_PASS(UNDER_LIMIT, 1),
		   .fleet_count = {A4, 1, 3, 300, 0}},
		  {.pkt = TCP4(80, F100), EXPECT_PASS(DRY_RUN, 1)},
		  {.pkt = TCP4(80, .tcp_doff = 4, F100),
		   .times = 2,
		   EXPECT_DROP(MALFORMED, 1),
		   .fleet_count = {A4, 1, 4, 400, 0},
		   FLEET_COUNTS(1)}},
    },
    {
	.name = "fleet, IPv6: counted by the source's /64 (its table key)",
	.cfg = &cfg_fleet,
	.steps = {{.pkt = TCP6(80, SYN, F100),
		   EXPECT_PASS(UNDER_LIMIT, 1),
		   .fleet_count = {A6, 1, 1, 100, 1}},
		  {.pkt = TCP6(80, ACK, F100, .src = "2001:db8:1::ffff"),
		   EXPECT_PASS(UNDER_LIMIT, 1),
		   .fleet_count = {A6, 1, 2, 200, 1},
		   FLEET_COUNTS(1)},
		  {.pkt = TCP6(80, SYN, F100, .src = "2001:db8:1:1::10"),
		   EXPECT_PASS(UNDER_LIMIT, 1),
		   .fleet_count = {"2001:db8:1:1::", 1, 1, 100, 1},
		   FLEET_COUNTS(2)}},
    },
    {
	.name = "fleet: 802.1Q and QinQ frames are counted by their IP "
		"source, bytes as on the wire (tags included)",
	.cfg = &cfg_fleet,
	.steps = {{.pkt = TCP4(80, SYN, F100, .vlan = {ETH_P_8021Q}),
		   EXPECT_PASS(UNDER_LIMIT, 1),
		   .fleet_count = {A4, 1, 1, 100, 1}},
		  {.pkt = TCP4(80, SYN, QINQ, .frame_len = 150),
		   EXPECT_PASS(UNDER_LIMIT, 1),
		   .fleet_count = {A4, 1, 2, 250, 2}},
		  {.pkt = TCP6(22, SYN, QINQ, F100),
		   EXPECT_PASS(UNDER_LIMIT, 2),
		   .fleet_count = {A6, 2, 1, 100, 1},
		   FLEET_COUNTS(2)}},
    },
    {
	.name = "fleet, kill-switch off: everything passes as disabled, "
		"nothing counted",
	.cfg = &cfg_fleet_disabled,
	.steps = {{.pkt = TCP4(80, SYN, F100),
		   .times = 5,
		   EXPECT_PASS(DISABLED, NO_RULE),
		   FLEET_COUNTS(0),
		   SOURCES(0)}},
    },
    {
	.name = "fleet with redis \"\": the rules have no fleet: nothing "
		"counted, and a fleet block is not looked at",
	.cfg = &cfg_fleet_no_redis,
	.steps = {{.pkt = TCP4(80, SYN, F100),
		   EXPECT_PASS(UNDER_LIMIT, 1),
		   FLEET_COUNTS(0)},
		  {.pkt = TCP4(80, F100),
		   .put_fleet_block = {A4, 30 * NSEC_PER_SEC, 1},
		   .set_fleet_block_active = FLAG_1,
		   .times = 2,
		   EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP4(80, F100),
		   EXPECT_DROP(RATE_PACKETS, 1),
		   FLEET_COUNTS(0)}},
    },
    {
	.name = "fleet block: the (source, rule) drops as fleet_limit, "
		"counted for its rule, not counted for the fleet, the local "
		"limit not charged; until_ns reached, it passes again",
	.cfg = &cfg_fleet,
	.steps =
	    {
		{.pkt = TCP4(80, F100),
		 .put_fleet_block = {A4, 30 * NSEC_PER_SEC, 1},
		 .set_fleet_block_active = FLAG_1,
		 .times = 5,
		 EXPECT_DROP(FLEET_LIMIT, 1),
		 FLEET_COUNTS(0),
		 SOURCES(0),
		 BLOCKED(0),
		 .block_active = FLAG_0,
		 TABLE()},
		{.pkt = TCP4(80, SYN, F100),
		 .advance_ns = 30 * NSEC_PER_SEC - 1,
		 EXPECT_DROP(FLEET_LIMIT, 1),
		 FLEET_COUNTS(0)},
		/* Others on the rule, and the source elsewhere, unaffected. */
		{.pkt = TCP4(80, F100, .src = "198.51.100.11"),
		 EXPECT_PASS(UNDER_LIMIT, 1),
		 .fleet_count = {"198.51.100.11", 1, 1, 100, 0}},
		{.pkt = UDP4(53, F100), EXPECT_PASS(UNDER_LIMIT, 3)},
		{.pkt = TCP4(80, SYN, F100),
		 .advance_ns = 1,
		 .times = 3,
		 EXPECT_PASS(UNDER_LIMIT, 1),
		 .fleet_count = {A4, 1, 3, 300, 3}},
		{.pkt = TCP4(80, F100),
		 EXPECT_DROP(RATE_PACKETS, 1),
		 .fleet_count = {A4, 1, 3, 300, 3},
		 FLEET_COUNTS(2)}},
    },
    {
	.name = "fleet block for rule web does not touch the same source on "
		"rule ssh (also with fleet)",
	.cfg = &cfg_fleet,
	.steps = {{.pkt = TCP4(22, SYN, F100),
		   .put_fleet_block = {A4, 30 * NSEC_PER_SEC, 1},
		   .set_fleet_block_active = FLAG_1,
		   .times = 3,
		   EXPECT_PASS(UNDER_LIMIT, 2),
		   .fleet_count = {A4, 2, 3, 300, 3}},
		  {.pkt = TCP4(22, F100), EXPECT_DROP(RATE_PACKETS, 2)},
		  {.pkt = TCP4(80, F100),
		   EXPECT_DROP(FLEET_LIMIT, 1),
		   .fleet_count = {A4, 2, 3, 300, 3},
		   FLEET_COUNTS(1)}},
    },
    {
	.name = "fleet block with fleet_block_active 0 (the fast path: no "
		"lookup while the fleet blocks nobody): the entry is not read, "
		"the source passes and is counted; with 1 it drops",
	.cfg = &cfg_fleet,
	.steps = {{.pkt = TCP4(80, F100),
		   .put_fleet_block = {A4, 30 * NSEC_PER_SEC, 1},
		   .set_fleet_block_active = FLAG_0,
		   .times = 2,
		   EXPECT_PASS(UNDER_LIMIT, 1),
		   .fleet_count = {A4, 1, 2, 200, 0}},
		  {.pkt = TCP4(80, F100),
		   .set_fleet_block_active = FLAG_1,
		   EXPECT_DROP(FLEET_LIMIT, 1),
		   .fleet_count = {A4, 1, 2, 200, 0}},
		  {.pkt = TCP4(80, F100),
		   .set_fleet_block_active = FLAG_0,
		   EXPECT_PASS(UNDER_LIMIT, 1),
		   .fleet_count = {A4, 1, 3, 300, 0}}},
    },
    {
	.name = "fleet block, dry-run: passes as dry_run and is counted; "
		"over the local limit too",
	.cfg = &cfg_fleet_dry,
	.steps = {{.pkt = TCP4(80, SYN, F100),
		   .put_fleet_block = {A4, 30 * NSEC_PER_SEC, 1},
		   .set_fleet_block_active = FLAG_1,
		   .times = 2,
		   EXPECT_PASS(DRY_RUN, 1),
		   .fleet_count = {A4, 1, 2, 200, 2},
		   SOURCES(0)},
		  {.pkt = TCP4(80, F100, .src = "198.51.100.11"),
		   .times = 3,
		   EXPECT_PASS(UNDER_LIMIT, 1)},
		  {.pkt = TCP4(80, F100, .src = "198.51.100.11"),
		   .times = 2,
		   EXPECT_PASS(DRY_RUN, 1),
		   .fleet_count = {"198.51.100.11", 1, 5, 500, 0},
		   FLEET_COUNTS(2)}},
    },
    {
	.name = "fleet block, IPv6: the block of a /64 drops every host of "
		"it, not the next /64",
	.cfg = &cfg_fleet,
	.steps = {{.pkt = TCP6(80, F100),
		   .put_fleet_block = {A6, 30 * NSEC_PER_SEC, 1},
		   .set_fleet_block_active = FLAG_1,
		   EXPECT_DROP(FLEET_LIMIT, 1)},
		  {.pkt = TCP6(80, F100, .src = "2001:db8:1::ffff"),
		   EXPECT_DROP(FLEET_LIMIT, 1),
		   FLEET_COUNTS(0)},
		  {.pkt = TCP6(80, F100, .src = "2001:db8:1:1::10"),
		   EXPECT_PASS(UNDER_LIMIT, 1),
		   .fleet_count = {"2001:db8:1:1::", 1, 1, 100, 0},
		   FLEET_COUNTS(1)}},
    },
    {
	.name = "fleet block: 802.1Q and QinQ frames of the source drop as "
		"fleet_limit",
	.cfg = &cfg_fleet,
	.steps = {{.pkt = TCP4(80, F100, .vlan = {ETH_P_8021Q}),
		   .put_fleet_block = {A4, 30 * NSEC_PER_SEC, 1},
		   .set_fleet_block_active = FLAG_1,
		   EXPECT_DROP(FLEET_LIMIT, 1)},
		  {.pkt = TCP4(80, SYN, QINQ, F100),
		   EXPECT_DROP(FLEET_LIMIT, 1),
		   FLEET_COUNTS(0)},
		  {.pkt = TCP4(22, QINQ, F100),
		   EXPECT_PASS(UNDER_LIMIT, 2),
		   .fleet_count = {A4, 2, 1, 100, 0}}},
    },
    {
	.name = "fleet block on an action reset rule with a penalty box: "
		"SYNs drop unanswered, nobody is boxed; the block gone, the "
		"rule answers and boxes as before",
	.cfg = &cfg_fleet_reset_block,
	.steps = {{.pkt = TCP4(80, SYN_OPTS),
		   .put_fleet_block = {A4, 30 * NSEC_PER_SEC, 1},
		   .set_fleet_block_active = FLAG_1,
		   .times = 3,
		   EXPECT_DROP(FLEET_LIMIT, 1),
		   .not_blocked = A4,
		   BLOCKED(0),
		   .block_active = FLAG_0,
		   TABLE(),
		   SOURCES(0),
		   FLEET_COUNTS(0)},
		  {.pkt = TCP4(80, SYN_OPTS),
		   .advance_ns = 30 * NSEC_PER_SEC,
		   EXPECT_PASS(UNDER_LIMIT, 1),
		   .fleet_count = {A4, 1, 1, 200, 1}},
		  {.pkt = TCP4(80, SYN_OPTS),
		   EXPECT_RESET(RATE_CONNECTIONS, 1),
		   .blocked = {A4, 30 * NSEC_PER_SEC, 1},
		   .fleet_count = {A4, 1, 1, 200, 1}}},
    },
};

const size_t fg_ncases = sizeof(fg_cases) / sizeof(fg_cases[0]);

bool case_needs_clock(const struct fg_case *c)
{
	if (c->needs_clock)
		return true;
	for (int i = 0; i < CASE_MAX_STEPS && c->steps[i].verdict; i++) {
		const struct step *st = &c->steps[i];

		/* Penalty-box times are relative to the test clock. */
		if (st->advance_ns || st->put_block.addr || st->blocked.addr ||
		    st->put_fleet_block.addr)
			return true;
	}
	return false;
}
