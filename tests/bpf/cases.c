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

static const struct cfg_def cfg_prefix24 = {
    .packets = PER_HOUR(1, 1),
    .ipv4_prefix = 24,
    .allow = {"198.51.100.10"},
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
    {
	.name = "three VLAN tags, one more than parsed: not_ip",
	.cfg = &cfg_web,
	.steps = {{.pkt = TCP4(
		       80, .vlan = {ETH_P_8021AD, ETH_P_8021Q, ETH_P_8021Q}),
		   EXPECT_PASS(NOT_IP, NO_RULE)}},
    },
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
    INVALID("TCP data offset 4", TCP4(80, .tcp_doff = 4)),

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
    INVALID("IPv6 with 9 extension headers, one beyond the walk",
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
    TRUNCATED("IPv6 hop-by-hop 1 of 8 bytes",
	      TCP6(80, .ext = {PKT_EXT_HOP}, CUT_FIXLEN(PKT_L_EXT(0), 1))),
    TRUNCATED("IPv6 hop-by-hop 4 of 8 bytes",
	      TCP6(80, .ext = {PKT_EXT_HOP}, CUT_FIXLEN(PKT_L_EXT(0), 4))),
    TRUNCATED("IPv6 routing 12 of 24 bytes",
	      TCP6(80, .ext = {PKT_EXT_HOP, PKT_EXT_ROUTING},
		   CUT_FIXLEN(PKT_L_EXT(1), 12))),
    TRUNCATED("IPv6 destination options 8 of 16 bytes",
	      TCP6(80, .ext = {PKT_EXT_DEST}, CUT_FIXLEN(PKT_L_EXT(0), 8))),
    /* ICMPv6 after it: no later bounds check would catch an overrun. */
    TRUNCATED("IPv6 destination options 8 of 16 bytes, then ICMPv6",
	      ICMP6(.ext = {PKT_EXT_DEST}, CUT_FIXLEN(PKT_L_EXT(0), 8))),
    TRUNCATED("IPv6 AH 20 of 24 bytes, then ICMPv6",
	      ICMP6(.ext = {PKT_EXT_AH}, CUT_FIXLEN(PKT_L_EXT(0), 20))),
    TRUNCATED("IPv6 fragment header 4 of 8 bytes",
	      TCP6(80, .ext = {PKT_EXT_FRAG}, CUT_FIXLEN(PKT_L_EXT(0), 4))),
    TRUNCATED("IPv6 AH 12 of 24 bytes",
	      TCP6(80, .ext = {PKT_EXT_AH}, CUT_FIXLEN(PKT_L_EXT(0), 12))),
    TRUNCATED("IPv6 ends after hop-by-hop announcing destination options",
	      TCP6(80, .ext = {PKT_EXT_HOP, PKT_EXT_DEST},
		   CUT_FIXLEN(PKT_L_EXT(1), 0))),
    TRUNCATED("IPv4 TCP header 19 of 20 bytes",
	      TCP4(80, CUT_FIXLEN(PKT_L_L4, 19))),
    TRUNCATED("IPv4 TCP header absent", TCP4(80, CUT_FIXLEN(PKT_L_L4, 0))),
    TRUNCATED("IPv4 TCP header 10 of 20 bytes, total length not fixed",
	      TCP4(80, CUT(PKT_L_L4, 10))),
    TRUNCATED("IPv6 TCP header 19 of 20 bytes",
	      TCP6(80, CUT_FIXLEN(PKT_L_L4, 19))),
    TRUNCATED("IPv6 TCP header 10 of 20 bytes behind hop-by-hop",
	      TCP6(80, .ext = {PKT_EXT_HOP}, CUT_FIXLEN(PKT_L_L4, 10))),
    TRUNCATED("IPv4 UDP header 7 of 8 bytes",
	      UDP4(53, CUT_FIXLEN(PKT_L_L4, 7))),
    TRUNCATED("IPv6 UDP header absent", UDP6(53, CUT_FIXLEN(PKT_L_L4, 0))),

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
};

const size_t fg_ncases = sizeof(fg_cases) / sizeof(fg_cases[0]);

bool case_needs_clock(const struct fg_case *c)
{
	if (c->needs_clock)
		return true;
	for (int i = 0; i < CASE_MAX_STEPS && c->steps[i].verdict; i++) {
		if (c->steps[i].advance_ns)
			return true;
	}
	return false;
}
