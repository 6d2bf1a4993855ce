// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The datapath fuzzer: random frames (valid headers with random fields,
 * random VLAN tags and IPv6 extension-header chains, cuts, byte
 * mutations, raw noise; 0 to 1514 bytes) through the real program with
 * BPF_PROG_TEST_RUN, one frame per run, on the test-clock object.
 *
 * Every frame: the verdict is XDP_PASS, XDP_DROP or XDP_TX; a frame
 * that is not IP as the program classifies it (EtherType other than
 * IPv4/IPv6 after at most two VLAN tags) passes; XDP_TX carries a valid
 * RST for the SYN (rst.c), any other verdict leaves the frame as it was.
 * Every batch: the (action, reason) counters moved by exactly one packet
 * per frame, bytes per frame length, in pairs fg_reasons.h declares; the
 * per-action sums match the verdicts; the rule counters moved once per
 * frame that reached a rule.
 *
 * fuzz_test_open: no lists, unlimited rates, admission off. Nothing is
 * dropped; a model of the parser (ref_parse, written from DESIGN.md 2 and
 * bpf/parse.h) predicts each batch's not_ip/malformed/under_limit counts
 * and which rule each frame reaches. Every other batch runs with
 * `malformed: drop`, where a frame drops exactly when the model calls it
 * malformed. A batch that disagrees is replayed frame by frame to name
 * the frame (the config keeps no state: the replay is exact).
 *
 * fuzz_test_limited: random configs (small limits, aggregates, block,
 * action reset, admission, random CIDR lists, prefixes, malformed drop,
 * dry-run, kill-switch, fleet limits with or without a redis URL)
 * redrawn every FUZZ_EPOCH frames, sources from a small pool so limits
 * bite, the clock moving randomly between batches, fleet blocks put in
 * and fleet_block_active flipped between batches as the daemon would.
 * A model (model.c) predicts every frame's verdict, and at the end of
 * each epoch fg_fleet_counts must hold exactly what it counted.
 *
 * Reproducible from the seed it prints (FG_FUZZ_SEED), on one CPU.
 */
#include "fuzz.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "cases.h"
#include "fixture.h"
#include "model.h"
#include "pkt.h"
#include "rst.h"
#include "snapshot.h"

/* cmocka's fail_msg, with the message as a TAP diagnostic line. */
#define FAIL(fmt, ...)                                     \
	do {                                               \
		print_error("# " fmt "\n", ##__VA_ARGS__); \
		fail();                                    \
	} while (0)

/* Sized on a 2-CPU VM (about 650k frames/s open, 520k limited, checks
 * included) so that both tests take about 10 s in `make test`. On a
 * slower machine the default run stops after FUZZ_SOFT_SECONDS, once it
 * has run FUZZ_MIN_PACKETS. */
#define FUZZ_DEFAULT_PACKETS 4000000UL
#define FUZZ_DEFAULT_LIMITED 2000000UL
#define FUZZ_MIN_PACKETS 1000000UL
#define FUZZ_MIN_LIMITED 250000UL
#define FUZZ_SOFT_SECONDS 8.0
#define FUZZ_BATCH 1024
#define FUZZ_EPOCH (32UL * FUZZ_BATCH)
#define FUZZ_FRAME_MAX 1514
#define FUZZ_KINDS 32		/* kinds of finding told apart */
#define FUZZ_REPORTS_PER_KIND 3 /* printed in full */
#define FUZZ_POOL 16

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define TPID_8021Q 0x8100
#define TPID_8021AD 0x88a8

/* ---- random numbers --------------------------------------------------- */

struct rng {
	__u64 s;
};

/* splitmix64: tiny, fast, good enough, and the same everywhere. */
static __u64 rng_next(struct rng *r)
{
	__u64 z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* 0 .. n-1 */
static __u32 rnd(struct rng *r, __u32 n)
{
	return n ? (__u32)(rng_next(r) % n) : 0;
}

static bool chance(struct rng *r, unsigned int percent)
{
	return rnd(r, 100) < percent;
}

static void rnd_bytes(struct rng *r, __u8 *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (__u8)rng_next(r);
}

/* ---- the parser model --------------------------------------------------- */

/* REF_TAIL: a valid IP header (the source is known), then a malformed
 * tail; it takes the rule of its pclass without ports. */
enum ref_class { REF_OK, REF_NOT_IP, REF_MALFORMED, REF_TAIL, REF_CLASSES };

struct ref {
	enum ref_class cls;
	bool l2_bad; /* malformed before any IP header: runt, cut tag */
	int pclass;  /* enum fg_proto_class; REF_OK and REF_TAIL */
	bool has_port;
	unsigned int dport;
	/* For the verdict model (limited runs). */
	__u8 saddr[16]; /* IPv4 mapped; REF_OK and REF_TAIL */
	bool is_v6;
	bool is_syn;
	bool rst_fits; /* IPv4 IHL 5, or IPv6 with TCP right behind */
};

static unsigned int get16(const __u8 *b)
{
	return (unsigned int)b[0] << 8 | b[1];
}

static void put16(__u8 *b, unsigned int v)
{
	b[0] = (__u8)(v >> 8);
	b[1] = (__u8)v;
}

static int l4_class(unsigned int proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return FG_PCLASS_TCP;
	case IPPROTO_UDP:
		return FG_PCLASS_UDP;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return FG_PCLASS_ICMP;
	default:
		return FG_PCLASS_OTHER;
	}
}

static enum ref_class ref_l4(const __u8 *f, size_t len, size_t off,
			     unsigned int proto, struct ref *r)
{
	r->pclass = l4_class(proto);
	if (proto == IPPROTO_TCP) {
		if (off + 20 > len || f[off + 12] >> 4 < 5)
			return REF_TAIL;
	} else if (proto == IPPROTO_UDP) {
		if (off + 8 > len)
			return REF_TAIL;
	} else {
		return REF_OK;
	}
	r->has_port = true;
	r->dport = get16(f + off + 2);
	/* SYN without ACK */
	r->is_syn = proto == IPPROTO_TCP && (f[off + 13] & 0x12) == 0x02;
	return REF_OK;
}

static enum ref_class ref_ipv4(const __u8 *f, size_t len, size_t off,
			       struct ref *r)
{
	size_t hlen, tot;

	if (off + 20 > len || f[off] >> 4 != 4 || (f[off] & 15) < 5)
		return REF_MALFORMED;
	hlen = (size_t)(f[off] & 15) * 4;
	r->saddr[10] = 0xff;
	r->saddr[11] = 0xff;
	memcpy(r->saddr + 12, f + off + 12, 4);
	r->rst_fits = hlen == 20;
	tot = get16(f + off + 2);
	if (tot < hlen || off + tot > len)
		return REF_MALFORMED;
	/* A non-first fragment carries no L4 header. */
	if (get16(f + off + 6) & 0x1fff) {
		r->pclass = l4_class(f[off + 9]);
		return REF_OK;
	}
	return ref_l4(f, len, off + hlen, f[off + 9], r);
}

static bool is_ext(unsigned int nh)
{
	return nh == 0 || nh == 43 || nh == 60 || nh == 44 || nh == 51;
}

/* A header chain cut short or beyond the walk: the protocol is hidden. */
static enum ref_class ref_bad_chain(struct ref *r)
{
	r->pclass = FG_PCLASS_OTHER;
	return REF_TAIL;
}

static enum ref_class ref_ipv6(const __u8 *f, size_t len, size_t off,
			       struct ref *r)
{
	unsigned int nh;

	if (off + 40 > len || f[off] >> 4 != 6 ||
	    off + 40 + get16(f + off + 4) > len)
		return REF_MALFORMED;
	nh = f[off + 6];
	memcpy(r->saddr, f + off + 8, 16);
	r->is_v6 = true;
	r->rst_fits = nh == IPPROTO_TCP;
	off += 40;
	for (int i = 0; i < FG_MAX_EXT_HDRS && is_ext(nh); i++) {
		size_t hl;

		if (nh == 44) { /* fragment */
			if (off + 8 > len)
				return ref_bad_chain(r);
			nh = f[off];
			if (get16(f + off + 2) & 0xfff8) {
				r->pclass = l4_class(nh);
				return REF_OK;
			}
			off += 8;
			continue;
		}
		if (off + 2 > len)
			return ref_bad_chain(r);
		hl = nh == 51 ? ((size_t)f[off + 1] + 2) * 4
			      : ((size_t)f[off + 1] + 1) * 8;
		if (off + hl > len)
			return ref_bad_chain(r);
		nh = f[off];
		off += hl;
	}
	if (is_ext(nh))
		return ref_bad_chain(r); /* beyond the walk */
	return ref_l4(f, len, off, nh, r);
}

static void ref_parse(const __u8 *f, size_t len, struct ref *r)
{
	size_t off = 14;
	unsigned int proto;

	memset(r, 0, sizeof(*r));
	r->cls = REF_MALFORMED;
	r->l2_bad = true;
	if (len < 14)
		return;
	proto = get16(f + 12);
	for (int i = 0; i < 2; i++) {
		if (proto != TPID_8021Q && proto != TPID_8021AD)
			break;
		if (off + 4 > len)
			return;
		proto = get16(f + off + 2);
		off += 4;
	}
	if (proto == TPID_8021Q || proto == TPID_8021AD)
		return; /* a third tag: malformed, nothing read */
	r->l2_bad = false;
	if (proto == ETHERTYPE_IPV4)
		r->cls = ref_ipv4(f, len, off, r);
	else if (proto == ETHERTYPE_IPV6)
		r->cls = ref_ipv6(f, len, off, r);
	else
		r->cls = REF_NOT_IP;
}

/* ---- frames ------------------------------------------------------------- */

struct frame {
	__u8 data[FUZZ_FRAME_MAX];
	size_t len;
};

/* Source addresses: a few /24s and /48s, so limits and aggregates bite. */
struct pool {
	char v4[FUZZ_POOL][INET_ADDRSTRLEN];
	char v6[FUZZ_POOL][INET6_ADDRSTRLEN];
};

static void pool_init(struct pool *p, struct rng *r)
{
	for (int i = 0; i < FUZZ_POOL; i++) {
		__u8 a6[16] = {0x20, 0x01, 0x0d, 0xb8};

		snprintf(p->v4[i], sizeof(p->v4[i]), "198.51.%u.%u",
			 100 + rnd(r, 3), 1 + rnd(r, 254));
		a6[5] = (__u8)rnd(r, 2);
		a6[7] = (__u8)rnd(r, 4);
		a6[15] = (__u8)(1 + rnd(r, 254));
		inet_ntop(AF_INET6, a6, p->v6[i], sizeof(p->v6[i]));
	}
}

static const char *rnd_addr(struct rng *r, const struct pool *p, bool v6,
			    char *buf, size_t len)
{
	__u8 a[16];

	if (p && chance(r, 80))
		return v6 ? p->v6[rnd(r, FUZZ_POOL)] : p->v4[rnd(r, FUZZ_POOL)];
	rnd_bytes(r, a, sizeof(a));
	inet_ntop(v6 ? AF_INET6 : AF_INET, a, buf, (socklen_t)len);
	return buf;
}

static __u16 rnd_port(struct rng *r)
{
	static const __u16 ports[] = {80, 443, 53, 22, 8080, 0, 65535};

	return chance(r, 70) ? ports[rnd(r, sizeof(ports) / sizeof(ports[0]))]
			     : (__u16)rnd(r, 65536);
}

/* A spec with random fields: header chains the builder knows, values
 * anywhere in their range. */
static void rnd_spec(struct rng *r, const struct pool *p, struct pkt_spec *s,
		     char *src, char *dst)
{
	static const __u16 tpids[] = {TPID_8021Q, TPID_8021AD, TPID_8021Q,
				      TPID_8021AD, 0x9100};
	static const __u16 types[] = {0x0806,	  0x88cc,     0x8847,
				      0x86dd + 1, 0x0800 - 1, 0};
	static const __u8 l4s[] = {
	    IPPROTO_TCP,  IPPROTO_TCP,	  IPPROTO_UDP, IPPROTO_UDP,
	    IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_GRE, 0};
	unsigned int nvlan = rnd(r, 100), l3 = rnd(r, 100);
	bool v6;

	memset(s, 0, sizeof(*s));
	nvlan = nvlan < 60 ? 0 : nvlan < 80 ? 1 : nvlan < 95 ? 2 : 3;
	for (unsigned int i = 0; i < nvlan; i++)
		s->vlan[i] = tpids[rnd(r, sizeof(tpids) / sizeof(tpids[0]))];
	s->l3 = l3 < 45	  ? PKT_IPV4
		: l3 < 90 ? PKT_IPV6
		: l3 < 95 ? PKT_ARP
			  : PKT_ETHERTYPE;
	s->ethertype = types[rnd(r, sizeof(types) / sizeof(types[0]))];
	if (!s->ethertype)
		s->ethertype = (__u16)rnd(r, 65536);
	v6 = s->l3 == PKT_IPV6;
	s->src = rnd_addr(r, p, v6, src, INET6_ADDRSTRLEN);
	if (chance(r, 20))
		s->dst = rnd_addr(r, NULL, v6, dst, INET6_ADDRSTRLEN);

	if (chance(r, 20))
		s->ip_opts = (__u8)(4 * rnd(r, 11));
	if (chance(r, 5))
		s->ihl = (__u8)rnd(r, 16);
	if (chance(r, 3))
		s->ip_version = (__u8)rnd(r, 16);
	if (chance(r, 15)) {
		s->frag_offset = chance(r, 50) ? 0 : (__u16)rnd(r, 8192);
		s->more_frags = chance(r, 50);
	}
	s->dont_frag = chance(r, 30);
	if (v6 && chance(r, 50)) {
		unsigned int n = 1 + rnd(r, PKT_MAX_EXT);

		for (unsigned int i = 0; i < n; i++)
			s->ext[i] = (enum pkt_ext)(1 + rnd(r, PKT_EXT_AH));
	}

	s->l4 = chance(r, 10) ? (__u8)rnd(r, 256)
			      : l4s[rnd(r, sizeof(l4s) / sizeof(l4s[0]))];
	if (s->l4 == IPPROTO_ICMP && v6)
		s->l4 = IPPROTO_ICMPV6;
	s->sport = (__u16)rnd(r, 65536);
	s->dport = rnd_port(r);
	switch (rnd(r, 5)) {
	case 0:
	case 1: /* SYN floods, and RSTs to check */
		s->tcp_flags = PKT_TCP_SYN;
		break;
	case 2:
		s->tcp_flags = PKT_TCP_ACK;
		break;
	default:
		s->tcp_flags = (__u8)rnd(r, 256);
	}
	if (chance(r, 10))
		s->tcp_doff = (__u8)rnd(r, 16);
	s->tcp_seq = (__u32)rng_next(r);
	if (chance(r, 50))
		s->frame_len = (__u16)rnd(r, FUZZ_FRAME_MAX + 1);
	if (chance(r, 10))
		s->trailer = (__u16)rnd(r, 64);
	if (chance(r, 10))
		s->len_delta = (int)rnd(r, 41) - 20;
	if (chance(r, 15)) {
		s->cut.layer = (enum pkt_layer)rnd(r, PKT_L_COUNT);
		s->cut.keep = (__u16)rnd(r, 64);
		s->cut.fix_len = chance(r, 50);
	}
}

/* Rewrites the IP length field to what the frame holds. */
static void fix_ip_len(struct frame *f)
{
	unsigned int et = 0;
	size_t l3 = pkt_l3_walk(f->data, f->len, &et);

	if (!l3)
		return;
	if (et == ETHERTYPE_IPV4 && l3 + 4 <= f->len)
		put16(f->data + l3 + 2, (unsigned int)(f->len - l3));
	else if (et == ETHERTYPE_IPV6 && l3 + 6 <= f->len && f->len >= l3 + 40)
		put16(f->data + l3 + 4, (unsigned int)(f->len - l3 - 40));
}

static void mutate(struct rng *r, struct frame *f)
{
	static const __u8 interesting[] = {
	    0,	  1,	4,    5,    6,	  8,	17,   41,   43,	  44,
	    50,	  51,	58,   59,   60,	  0x45, 0x60, 0x81, 0x88, 0xa8,
	    0xdd, 0x86, 0x08, 0x12, 0x02, 0x10, 0x50, 0xf0, 0xff};
	unsigned int n = 1 + rnd(r, 4);

	for (unsigned int i = 0; i < n; i++) {
		size_t hdr = f->len < 128 ? f->len : 128, add;

		switch (rnd(r, 6)) {
		case 0: /* flip a bit in the headers */
			if (hdr)
				f->data[rnd(r, (__u32)hdr)] ^=
				    (__u8)(1u << rnd(r, 8));
			break;
		case 1: /* a byte that means something to a parser */
			if (hdr)
				f->data[rnd(r, (__u32)hdr)] =
				    interesting[rnd(r, sizeof(interesting))];
			break;
		case 2: /* cut anywhere */
			f->len = rnd(r, (__u32)f->len + 1);
			break;
		case 3: /* cut in the headers */
			if (f->len > 10)
				f->len = 10 + rnd(r, (__u32)hdr);
			break;
		case 4: /* random bytes appended */
			add = rnd(r, (__u32)(FUZZ_FRAME_MAX - f->len + 1));
			rnd_bytes(r, f->data + f->len, add);
			f->len += add;
			break;
		default: /* a random EtherType or tag where they go */
			if (f->len >= 22)
				put16(f->data + 12 + (size_t)4 * rnd(r, 3),
				      chance(r, 50)
					  ? TPID_8021Q
					  : (unsigned int)rnd(r, 65536));
			break;
		}
	}
	if (chance(r, 50))
		fix_ip_len(f);
}

/* Noise, often behind an IP EtherType so the IP parsers see it. */
static void raw_frame(struct rng *r, struct frame *f)
{
	f->len = chance(r, 30) ? rnd(r, 64) : rnd(r, FUZZ_FRAME_MAX + 1);
	rnd_bytes(r, f->data, f->len);
	if (f->len >= 15 && chance(r, 70)) {
		bool v6 = chance(r, 50);

		put16(f->data + 12, v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4);
		f->data[14] = (__u8)(v6 ? 0x60 | (f->data[14] & 15)
					: 0x40 | (f->data[14] & 15));
		if (chance(r, 70))
			fix_ip_len(f);
	}
}

static struct pkt built;

static void gen_frame(struct rng *r, const struct pool *p, struct frame *f)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	struct pkt_spec s;
	const char *why;

	if (chance(r, 10)) {
		raw_frame(r, f);
		return;
	}
	rnd_spec(r, p, &s, src, dst);
	if (pkt_build(&s, &built, &why)) {
		s.cut.layer = PKT_L_NONE;
		if (pkt_build(&s, &built, &why)) {
			raw_frame(r, f);
			return;
		}
	}
	f->len = built.len < FUZZ_FRAME_MAX ? built.len : FUZZ_FRAME_MAX;
	memcpy(f->data, built.data, f->len);
	if (chance(r, 40))
		mutate(r, f);
}

/* ---- checks ------------------------------------------------------------- */

/* Reasons that mean the packet reached rule matching. */
static bool reason_has_rule(unsigned int reason)
{
	switch (reason) {
	case FG_REASON_UNDER_LIMIT:
	case FG_REASON_RATE_PACKETS:
	case FG_REASON_RATE_BYTES:
	case FG_REASON_RATE_CONNECTIONS:
	case FG_REASON_RATE_AGGREGATE:
	case FG_REASON_DRY_RUN:
	case FG_REASON_RATE_NEW_SOURCES:
	case FG_REASON_FLEET_LIMIT:
		return true;
	default:
		return false;
	}
}

struct fuzz {
	struct fx *fx;
	struct rng rng;
	struct pool pool;
	const char *name;
	bool open; /* the unlimited config with a model of every frame */
	unsigned long packets;
	double seconds;
	/* The batch. */
	struct frame frames[FUZZ_BATCH];
	struct ref refs[FUZZ_BATCH];
	__u32 retvals[FUZZ_BATCH];
	unsigned int n;
	bool malformed_drop; /* this batch's config */
	bool enabled;
	bool dry_run;
	__u64 now; /* the test clock for the whole batch */
	/* Limited runs: the verdict model and what it predicted. */
	struct model *model;
	struct model_verdict pred[FUZZ_BATCH];
	/* Findings, by kind (the message format): one kind that is
	 * everywhere does not hide the others. */
	unsigned long violations;
	struct {
		const char *fmt;
		unsigned long count;
	} kinds[FUZZ_KINDS];
	unsigned long verdicts[4]; /* DROP, PASS, TX (by XDP code) */
	unsigned long fleet_blocks, fleet_keys; /* put in; counted, checked */
	unsigned long counted[FG_ACTION_COUNT][FG_REASON_SLOTS];
	struct fx_counters before, after;
	__u8 out[2048];
	struct fg_settings settings;
	struct fg_cidr allow[8], deny[8];
};

/* The first 128 bytes, 32 a line. (cppcheck follows the memset of the
 * whole fuzz state into here and takes every length for 0.) */
static void hexdump(const __u8 *data, size_t len)
{
	size_t n = len < 128 ? len : 128;

	/* cppcheck-suppress knownConditionTrueFalse ; see above */
	for (size_t i = 0; i < n; i += 32) {
		char line[3 * 32 + 1] = "";
		/* cppcheck-suppress knownConditionTrueFalse ; see above */
		size_t end = n - i < 32 ? n : i + 32, k = 0;

		/* cppcheck-suppress knownConditionTrueFalse ; see above */
		for (size_t j = i; j < end; j++)
			k += (size_t)snprintf(line + k, sizeof(line) - k,
					      "%02x ", data[j]);
		print_message("#     %04zx: %s\n", i, line);
	}
}

/* One finding: counted always, printed for the first few of its kind. */
static void report(struct fuzz *z, const struct frame *f, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int k;

	z->violations++;
	for (k = 0; k < FUZZ_KINDS; k++) {
		if (!z->kinds[k].fmt)
			z->kinds[k].fmt = fmt;
		if (z->kinds[k].fmt == fmt)
			break;
	}
	if (k < FUZZ_KINDS && z->kinds[k].count++ >= FUZZ_REPORTS_PER_KIND)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	print_message("# %s: %s\n", z->name, msg);
	if (f) {
		print_message("#   frame of %zu bytes:\n", f->len);
		hexdump(f->data, f->len);
	}
}

static void check_frame(struct fuzz *z, unsigned int i,
			const struct fx_run *run)
{
	const struct frame *f = &z->frames[i];
	const struct ref *ref = &z->refs[i];
	__u32 rv = run->retval;
	char why[160];

	if (rv != XDP_PASS && rv != XDP_DROP && rv != XDP_TX) {
		report(z, f, "verdict %u (%s), not XDP_PASS/DROP/TX", rv,
		       fx_xdp_name(rv));
		return;
	}
	z->verdicts[rv]++;
	if (ref->cls == REF_NOT_IP && rv != XDP_PASS)
		report(z, f, "not IP, verdict %s, not XDP_PASS",
		       fx_xdp_name(rv));
	if (!z->open) {
		const struct model_verdict *p = &z->pred[i];
		__u32 want = p->action == FG_ACTION_PASS    ? XDP_PASS
			     : p->action == FG_ACTION_RESET ? XDP_TX
							    : XDP_DROP;

		if (rv != want)
			report(z, f,
			       "the model says %s/%s (rule %d): verdict %s, "
			       "expected %s",
			       fg_action_label(p->action),
			       fg_reason_label(p->reason), p->rule,
			       fx_xdp_name(rv), fx_xdp_name(want));
	}
	if (z->open && z->enabled) {
		bool bad = ref->cls == REF_MALFORMED || ref->cls == REF_TAIL;
		__u32 want = z->malformed_drop && bad ? XDP_DROP : XDP_PASS;

		if (rv != want)
			report(z, f,
			       "unlimited config%s, model says %s: verdict "
			       "%s, expected %s",
			       z->malformed_drop ? " with malformed drop" : "",
			       ref->cls == REF_OK     ? "IP"
			       : ref->cls == REF_TAIL ? "a bad tail"
						      : "malformed",
			       fx_xdp_name(rv), fx_xdp_name(want));
	}
	if (f->len < 14)
		return; /* runts run without an output buffer */
	if (rv == XDP_TX) {
		if (!rst_check(f->data, f->len, z->out, run->out_len, why,
			       sizeof(why)))
			report(z, f, "XDP_TX: %s", why);
	} else if (run->out_len != f->len || memcmp(z->out, f->data, f->len)) {
		report(z, f, "verdict %s changed the frame", fx_xdp_name(rv));
	}
}

/* The rule slot the open config gives a frame the model calls IP. */
static int open_rule_slot(const struct ref *r)
{
	switch (r->pclass) {
	case FG_PCLASS_TCP:
		/* web: 80, 443; tcp-any: every other port, and no port */
		return r->has_port && (r->dport == 80 || r->dport == 443) ? 1
									  : 4;
	case FG_PCLASS_UDP:
		return r->has_port && r->dport == 53 ? 2 : 0;
	case FG_PCLASS_ICMP:
		return 3;
	default:
		return 0;
	}
}

/* Limited runs: every (action, reason) counter and every (rule, action)
 * counter moved exactly as the model predicted. */
static bool check_model_counts(struct fuzz *z)
{
	static unsigned long want[FG_ACTION_COUNT][FG_REASON_SLOTS];
	static unsigned long want_rule[FG_RULE_STATS_ENTRIES];
	bool ok = true;

	memset(want, 0, sizeof(want));
	memset(want_rule, 0, sizeof(want_rule));
	for (unsigned int i = 0; i < z->n; i++) {
		const struct model_verdict *p = &z->pred[i];

		want[p->action][p->reason]++;
		if (p->rule >= 0)
			want_rule[(unsigned int)p->rule * FG_RULE_ACTIONS +
				  (p->reason == FG_REASON_DRY_RUN
				       ? FG_RULE_ACTION_DRY_RUN
				       : p->action)]++;
	}
	for (unsigned int a = 0; a < FG_ACTION_COUNT; a++) {
		for (unsigned int k = 0; k < FG_REASON_SLOTS; k++) {
			unsigned int idx = a * FG_REASON_SLOTS + k;
			__u64 got = z->after.stats[idx].packets -
				    z->before.stats[idx].packets;

			if (got == want[a][k])
				continue;
			report(z, NULL,
			       "counter %s/%s moved by %llu, the model says "
			       "%lu",
			       fg_action_label(a),
			       fg_reason_label(k) ? fg_reason_label(k)
						  : "unnamed",
			       (unsigned long long)got, want[a][k]);
			ok = false;
		}
	}
	for (unsigned int i = 0; i < FG_RULE_STATS_ENTRIES; i++) {
		__u64 got =
		    z->after.rules[i].packets - z->before.rules[i].packets;

		if (got == want_rule[i])
			continue;
		report(z, NULL,
		       "rule slot %u counter %s moved by %llu, the model says "
		       "%lu",
		       i / FG_RULE_ACTIONS,
		       fg_rule_action_label(i % FG_RULE_ACTIONS),
		       (unsigned long long)got, want_rule[i]);
		ok = false;
	}
	return ok;
}

/* Counter deltas of the batch against the verdicts and the model.
 * Returns whether they agree. */
static bool check_batch(struct fuzz *z)
{
	unsigned long sum = 0, sum_bytes = 0, want_bytes = 0,
		      by_action[3] = {0};
	unsigned long rule_sum = 0, rule_reached = 0;
	unsigned long want_class[REF_CLASSES] = {0},
		      want_rule[FG_RULE_SLOTS] = {0};
	unsigned long l2_bad = 0, verdict_action[3] = {0};
	__u64 mal;
	bool ok = true;
	int err = fx_read_counters(z->fx, &z->after);

	if (err) {
		report(z, NULL, "reading counters: %s", strerror(-err));
		return false;
	}
	for (unsigned int i = 0; i < z->n; i++) {
		want_bytes += z->frames[i].len;
		want_class[z->refs[i].cls]++;
		l2_bad += z->refs[i].l2_bad;
		if (z->refs[i].cls == REF_OK || z->refs[i].cls == REF_TAIL)
			want_rule[open_rule_slot(&z->refs[i])]++;
		verdict_action[z->retvals[i] == XDP_DROP ? FG_ACTION_DROP
			       : z->retvals[i] == XDP_TX ? FG_ACTION_RESET
							 : FG_ACTION_PASS]++;
	}
	for (unsigned int a = 0; a < FG_ACTION_COUNT; a++) {
		for (unsigned int k = 0; k < FG_REASON_SLOTS; k++) {
			unsigned int idx = a * FG_REASON_SLOTS + k;
			__u64 dp = z->after.stats[idx].packets -
				   z->before.stats[idx].packets;
			__u64 db = z->after.stats[idx].bytes -
				   z->before.stats[idx].bytes;

			if (!dp && !db)
				continue;
			sum += dp;
			sum_bytes += db;
			by_action[a] += dp;
			z->counted[a][k] += dp;
			if (reason_has_rule(k) || k == FG_REASON_LOOKUP_FAILED)
				rule_reached += dp;
			if (!fg_reason_has_action(k, a)) {
				report(z, NULL,
				       "counter %s/%s moved by %llu: a pair "
				       "fg_reasons.h does not declare",
				       fg_action_label(a),
				       fg_reason_label(k) ? fg_reason_label(k)
							  : "unnamed",
				       (unsigned long long)dp);
				ok = false;
			}
		}
	}
	for (unsigned int i = 0; i < FG_RULE_STATS_ENTRIES; i++)
		rule_sum +=
		    z->after.rules[i].packets - z->before.rules[i].packets;

	if (sum != z->n || sum_bytes != want_bytes) {
		report(z, NULL,
		       "counters moved by %lu packets %lu bytes for %u frames "
		       "of %lu bytes",
		       sum, sum_bytes, z->n, want_bytes);
		ok = false;
	}
	for (unsigned int a = 0; a < FG_ACTION_COUNT; a++) {
		if (by_action[a] != verdict_action[a]) {
			report(z, NULL,
			       "%lu packets counted %s, %lu verdicts said so",
			       by_action[a], fg_action_label(a),
			       verdict_action[a]);
			ok = false;
		}
	}
	/* A malformed count beyond the frames with no source to charge is
	 * bad tails that reached a rule. */
	mal = z->after.stats[FG_REASON_MALFORMED].packets -
	      z->before.stats[FG_REASON_MALFORMED].packets +
	      z->after.stats[FG_REASON_SLOTS + FG_REASON_MALFORMED].packets -
	      z->before.stats[FG_REASON_SLOTS + FG_REASON_MALFORMED].packets;
	if (z->enabled && mal > want_class[REF_MALFORMED])
		rule_reached += mal - want_class[REF_MALFORMED];
	if (rule_sum != rule_reached) {
		report(z, NULL,
		       "rule counters moved by %lu, %lu packets reached a rule",
		       rule_sum, rule_reached);
		ok = false;
	}
	if (!z->open && !check_model_counts(z))
		ok = false;
	if (!z->enabled) {
		__u64 off = z->after.stats[FG_REASON_DISABLED].packets -
			    z->before.stats[FG_REASON_DISABLED].packets;

		if (off != z->n) {
			report(z, NULL,
			       "kill-switch off: %llu of %u frames counted "
			       "disabled",
			       (unsigned long long)off, z->n);
			ok = false;
		}
		z->before = z->after;
		return ok;
	}
	{
		__u64 not_ip = z->after.stats[FG_REASON_NOT_IP].packets -
			       z->before.stats[FG_REASON_NOT_IP].packets;

		if (not_ip != want_class[REF_NOT_IP]) {
			report(
			    z, NULL, "not_ip counted %llu, the model says %lu",
			    (unsigned long long)not_ip, want_class[REF_NOT_IP]);
			ok = false;
		}
		if (mal < l2_bad) {
			report(z, NULL,
			       "malformed counted %llu, under the %lu frames "
			       "cut before their IP header",
			       (unsigned long long)mal, l2_bad);
			ok = false;
		}
		if (z->open &&
		    mal != want_class[REF_MALFORMED] + want_class[REF_TAIL]) {
			report(z, NULL,
			       "malformed counted %llu, the model says %lu",
			       (unsigned long long)mal,
			       want_class[REF_MALFORMED] +
				   want_class[REF_TAIL]);
			ok = false;
		}
	}
	if (z->open) {
		for (int s = 0; s < FG_RULE_SLOTS; s++) {
			__u64 got = 0;

			for (unsigned int a = 0; a < FG_RULE_ACTIONS; a++) {
				unsigned int idx =
				    (unsigned int)s * FG_RULE_ACTIONS + a;

				got += z->after.rules[idx].packets -
				       z->before.rules[idx].packets;
			}
			if (got != want_rule[s]) {
				report(z, NULL,
				       "rule slot %d counted %llu frames, the "
				       "model says %lu",
				       s, (unsigned long long)got,
				       want_rule[s]);
				ok = false;
			}
		}
	}
	z->before = z->after;
	return ok;
}

/* The model's verdict for frame i, its state moved on. */
static void predict(struct fuzz *z, unsigned int i)
{
	static const enum model_class cls[REF_CLASSES] = {
	    [REF_OK] = MODEL_IP,
	    [REF_NOT_IP] = MODEL_NOT_IP,
	    [REF_MALFORMED] = MODEL_MALFORMED,
	    [REF_TAIL] = MODEL_TAIL,
	};
	const struct ref *r = &z->refs[i];
	struct model_pkt p = {
	    .cls = cls[r->cls],
	    .is_v6 = r->is_v6,
	    .pclass = r->pclass,
	    .has_port = r->has_port,
	    .dport = r->dport,
	    .is_syn = r->is_syn,
	    .rst_fits = r->rst_fits,
	    .len = (__u32)z->frames[i].len,
	};

	memcpy(p.saddr, r->saddr, sizeof(p.saddr));
	model_frame(z->model, &p, z->now, z->enabled, z->dry_run, &z->pred[i]);
}

static void run_frame(struct fuzz *z, unsigned int i)
{
	struct fx_run run = {
	    .repeat = 1, .out = z->out, .out_size = sizeof(z->out)};
	int err = fx_run(z->fx, z->frames[i].data, z->frames[i].len, &run);

	if (err) {
		report(z, &z->frames[i], "BPF_PROG_TEST_RUN: %s",
		       strerror(-err));
		run.retval = XDP_PASS; /* keep counting; reported */
	}
	z->retvals[i] = run.retval;
	check_frame(z, i, &run);
}

/* The open config keeps no state: run the batch again frame by frame,
 * reading the counters after each, to name the frame the model and the
 * program disagree on. */
static void replay_batch(struct fuzz *z)
{
	unsigned int n = z->n;

	print_message("# %s: replaying the batch frame by frame\n", z->name);
	for (unsigned int i = 0; i < n; i++) {
		struct frame keep = z->frames[i];
		struct ref kref = z->refs[i];

		z->frames[0] = keep;
		z->refs[0] = kref;
		z->n = 1;
		run_frame(z, 0);
		if (!check_batch(z)) {
			print_message("#   the frame (model: %s, pclass %d, "
				      "port %u):\n",
				      kref.cls == REF_OK       ? "IP"
				      : kref.cls == REF_NOT_IP ? "not IP"
				      : kref.cls == REF_TAIL   ? "bad tail"
							       : "malformed",
				      kref.pclass, kref.dport);
			hexdump(keep.data, keep.len);
		}
	}
}

/* Unlimited rates track nothing: no state, no table events. */
static void check_open_state(struct fuzz *z)
{
	__u64 table[FG_TABLE_EVENTS];
	long n = fx_sources(z->fx);

	if (n)
		report(z, NULL, "%ld entries in fg_sources, expected none", n);
	if (fx_blocked_count(z->fx))
		report(z, NULL, "fg_blocked not empty");
	if (fx_table_stats(z->fx, table))
		report(z, NULL, "reading fg_table_stats");
	for (int i = 0; i < FG_TABLE_EVENTS; i++) {
		if (table[i])
			report(z, NULL, "table event %d counted %llu", i,
			       (unsigned long long)table[i]);
	}
}

/* ---- configs ------------------------------------------------------------ */

static void set_malformed_drop(struct fuzz *z, bool on)
{
	__u32 slot = z->fx->maps.ctl_mem->cfg_slot;

	z->malformed_drop = on;
	z->fx->compiled.cfg->malformed_drop = on;
	if (bpf_map_update_elem(z->fx->maps.cfg, &slot, z->fx->compiled.cfg,
				BPF_ANY))
		report(z, NULL, "writing fg_cfg: %s", strerror(errno));
}

static void open_config(struct fuzz *z)
{
	struct fg_settings *s = &z->settings;
	static const struct {
		const char *name;
		enum fg_protocol proto;
		struct fg_port_range ports[2];
	} rules[] = {
	    {"web", FG_PROTO_TCP, {{80, 80}, {443, 443}}},
	    {"dns", FG_PROTO_UDP, {{53, 53}}},
	    {"icmp", FG_PROTO_ICMP, {{0, 0}}},
	    {"tcp-any", FG_PROTO_TCP, {{0, 0}}},
	};
	char err[256];

	fx_settings_init(s);
	s->admit = (struct fg_dim_limit)ADMIT_OFF;
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		struct fg_rule_spec *r = &s->rules[s->nrules++];

		snprintf(r->name, sizeof(r->name), "%s", rules[i].name);
		r->protocol = rules[i].proto;
		for (int p = 0; p < 2 && rules[i].ports[p].last; p++)
			r->ports[r->nports++] = rules[i].ports[p];
	}
	if (fx_configure(z->fx, s, err, sizeof(err)))
		report(z, NULL, "configuring: %s", err);
	z->enabled = true;
}

static void rnd_limit(struct rng *r, struct fg_dim_limit *d, bool bytes)
{
	if (chance(r, 35)) {
		memset(d, 0, sizeof(*d));
		return;
	}
	d->rate.amount = bytes ? 100 + rnd(r, 100000) : 1 + rnd(r, 50);
	d->rate.per_ns = chance(r, 50) ? NSEC_PER_SEC : NSEC_PER_MSEC * 100;
	d->burst = bytes ? 60 + rnd(r, 20000) : 1 + rnd(r, 10);
}

static void rnd_limits(struct rng *r, struct fg_dim_limit dim[FG_DIM_COUNT])
{
	rnd_limit(r, &dim[FG_DIM_PACKETS], false);
	rnd_limit(r, &dim[FG_DIM_BYTES], true);
	rnd_limit(r, &dim[FG_DIM_CONNECTIONS], false);
}

static void rnd_cidr(struct rng *r, const struct pool *p, struct fg_cidr *c)
{
	char text[INET6_ADDRSTRLEN + 8], buf[INET6_ADDRSTRLEN];
	bool v6 = chance(r, 50);
	const char *a =
	    rnd_addr(r, chance(r, 80) ? p : NULL, v6, buf, sizeof(buf));

	/* Mostly narrow: a /0 would take every frame out of the limits. */
	snprintf(text, sizeof(text), "%s/%u", a,
		 v6 ? (chance(r, 90) ? 48 + rnd(r, 81) : rnd(r, 129))
		    : (chance(r, 90) ? 24 + rnd(r, 9) : rnd(r, 33)));
	if (fx_cidr(text, c))
		fx_cidr(v6 ? "2001:db8::/32" : "198.51.100.0/24", c);
}

/* The same prefix (the 128-bit key fg_lists holds: an IPv4 CIDR and its
 * ::ffff: form are one) is in `list`. */
static bool cidr_listed(const struct fg_cidr *c, const struct fg_cidr *list,
			size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (c->prefixlen == list[i].prefixlen &&
		    !memcmp(c->addr, list[i].addr, sizeof(c->addr)))
			return true;
	return false;
}

static void limited_config(struct fuzz *z)
{
	static const __u8 v4p[] = {32, 32, 24, 16, 31};
	static const __u8 v6p[] = {64, 64, 48, 128, 56};
	struct fg_settings *s = &z->settings;
	struct rng *r = &z->rng;
	unsigned int ndeny;
	char err[256];

	fx_settings_init(s);
	s->ipv4_prefix = v4p[rnd(r, sizeof(v4p))];
	s->ipv6_prefix = v6p[rnd(r, sizeof(v6p))];
	s->malformed_drop = chance(r, 50);
	s->dry_run = chance(r, 10);
	rnd_limits(r, s->defaults);
	switch (rnd(r, 3)) {
	case 0: /* the default */
		break;
	case 1:
		s->admit = (struct fg_dim_limit)ADMIT_OFF;
		break;
	default:
		s->admit = (struct fg_dim_limit)PER_SEC(1 + rnd(r, 50),
							1 + rnd(r, 50));
	}
	s->nrules = rnd(r, 7);
	for (unsigned int i = 0; i < s->nrules; i++) {
		struct fg_rule_spec *rs = &s->rules[i];

		memset(rs, 0, sizeof(*rs));
		snprintf(rs->name, sizeof(rs->name), "rule%u", i);
		rs->protocol = (enum fg_protocol)rnd(r, 4);
		if (rs->protocol != FG_PROTO_ICMP && chance(r, 70)) {
			rs->nports = 1 + rnd(r, 3);
			for (unsigned int k = 0; k < rs->nports; k++) {
				__u16 a = rnd_port(r);
				__u16 b = chance(r, 70) ? a
					  : a > 65535 - 100
					      ? 65535
					      : (__u16)(a + rnd(r, 100));

				rs->ports[k] = (struct fg_port_range){a, b};
			}
		}
		rnd_limits(r, rs->dim);
		if (chance(r, 30))
			rs->block_ns = (1 + rnd(r, 10)) * NSEC_PER_SEC;
		/* Escalating: repeats within the window box longer, up to
		 * max. The clock moves an hour or up to 50 ms a batch, so
		 * boxes of milliseconds end between batches and their
		 * lengths show in the verdicts. */
		if (rs->block_ns && chance(r, 50)) {
			rs->block_ns = (1 + rnd(r, 100)) * NSEC_PER_MSEC;
			rs->block_factor = 1 + rnd(r, FG_BLOCK_FACTOR_MAX);
			rs->block_max_ns = rs->block_ns * (1 + rnd(r, 64));
			rs->block_window_ns =
			    chance(r, 50) ? 2 * NSEC_PER_HOUR
					  : rnd(r, 2000) * NSEC_PER_MSEC;
		}
		if (chance(r, 50))
			rs->action = FG_RULE_ACTION_RESET;
		if (chance(r, 30)) {
			rs->aggregate.enabled = true;
			rs->aggregate.ipv4_prefix = (__u8)(8 + rnd(r, 25));
			rs->aggregate.ipv6_prefix = (__u8)(16 + rnd(r, 113));
			rnd_limits(r, rs->aggregate.dim);
		}
		/* The datapath sees only that the rule has one. */
		rs->has_fleet = chance(r, 40);
		if (rs->has_fleet)
			rs->fleet[FG_DIM_PACKETS] =
			    (struct fg_dim_limit)PER_SEC(1 + rnd(r, 50), 10);
	}
	/* Without a redis URL, `fleet:` limits are off. */
	if (chance(r, 75))
		snprintf(s->fleet.redis, sizeof(s->fleet.redis),
			 "redis://192.0.2.50:6379");
	s->nallow = rnd(r, 4);
	ndeny = rnd(r, 4);
	for (size_t i = 0; i < s->nallow; i++)
		rnd_cidr(r, &z->pool, &z->allow[i]);
	/* The config loader refuses a prefix both allowed and denied, so
	 * the lists never hold one: a deny entry drawn equal to an allow
	 * entry is left out. Overlapping prefixes of other lengths stay. */
	s->ndeny = 0;
	for (unsigned int i = 0; i < ndeny; i++) {
		rnd_cidr(r, &z->pool, &z->deny[s->ndeny]);
		if (!cidr_listed(&z->deny[s->ndeny], z->allow, s->nallow))
			s->ndeny++;
	}
	s->allow = z->allow;
	s->deny = z->deny;
	if (fx_configure(z->fx, s, err, sizeof(err)))
		report(z, NULL, "configuring: %s", err);
	z->malformed_drop = s->malformed_drop;
	z->enabled = true;
}

/* A new epoch: empty state on both sides (within an epoch the keys stay
 * far below every map's size, so no LRU eviction, which the model does
 * not predict), then a new config. */
/* fg_fleet_counts holds exactly what the model counted. */
static void check_fleet_counts(struct fuzz *z)
{
	struct fg_src_key cur, next;
	void *prev = NULL;
	long n = 0;

	while (!bpf_map_get_next_key(z->fx->maps.fleet_counts, prev, &next)) {
		struct fg_fleet_count got, want;

		cur = next;
		prev = &cur;
		n++;
		if (bpf_map_lookup_elem(z->fx->maps.fleet_counts, &cur, &got)) {
			report(z, NULL, "reading fg_fleet_counts: %s",
			       strerror(errno));
			continue;
		}
		if (!model_fleet_count(z->model, &cur, &want)) {
			report(z, NULL,
			       "fg_fleet_counts has a key (rule id %u) the "
			       "model never counted",
			       cur.rule_id);
			continue;
		}
		if (got.packets != want.packets || got.bytes != want.bytes ||
		    got.connections != want.connections)
			report(z, NULL,
			       "fg_fleet_counts {%llu, %llu, %llu}, the model "
			       "says {%llu, %llu, %llu}",
			       (unsigned long long)got.packets,
			       (unsigned long long)got.bytes,
			       (unsigned long long)got.connections,
			       (unsigned long long)want.packets,
			       (unsigned long long)want.bytes,
			       (unsigned long long)want.connections);
	}
	if (n != model_fleet_keys(z->model))
		report(z, NULL, "fg_fleet_counts has %ld keys, the model %ld",
		       n, model_fleet_keys(z->model));
	z->fleet_keys += n;
}

/* Between batches, what the daemon does with the fleet's verdicts: a
 * block for a pool source on some rule (maybe already over), and the
 * flag that makes the program look. */
static void fleet_blocks(struct fuzz *z)
{
	struct rng *r = &z->rng;
	struct fg_block b = {0};
	struct fg_src_key k;
	struct fg_cidr c;
	bool v6 = chance(r, 50);
	const char *a =
	    v6 ? z->pool.v6[rnd(r, FUZZ_POOL)] : z->pool.v4[rnd(r, FUZZ_POOL)];

	if (chance(r, 10)) {
		bool on = !z->fx->maps.ctl_mem->fleet_block_active;

		z->fx->maps.ctl_mem->fleet_block_active = on;
		/* As the daemon does after setting it. */
		fg_maps_verdicts_changed(&z->fx->maps);
		model_fleet_block_active(z->model, on);
	}
	if (!chance(r, 30) || fx_cidr(a, &c))
		return;
	b.rule_slot = rnd(r, z->settings.nrules + 1);
	b.until_ns = z->now + rnd(r, 3000) * NSEC_PER_MSEC;
	model_key(z->model, c.addr, !c.is_v4, (int)b.rule_slot, &k);
	if (bpf_map_update_elem(z->fx->maps.fleet_blocked, &k, &b, BPF_ANY))
		report(z, NULL, "writing fg_fleet_blocked: %s",
		       strerror(errno));
	/* As the daemon's fg_fleet_block_put. */
	fg_maps_verdicts_changed(&z->fx->maps);
	model_fleet_block(z->model, &k, b.until_ns);
	z->fleet_blocks++;
}

static void limited_epoch(struct fuzz *z)
{
	int err;

	/* The first epoch has no config yet, and nothing counted. */
	if (z->packets)
		check_fleet_counts(z);
	err = fx_reset(z->fx);

	if (err)
		report(z, NULL, "resetting maps: %s", strerror(-err));
	model_reset(z->model);
	limited_config(z);
	model_configure(z->model, &z->settings, z->fx->compiled.cfg);
	if (fx_read_counters(z->fx, &z->before))
		report(z, NULL, "reading counters");
}

/* ---- the run ------------------------------------------------------------ */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static __u64 env_u64(const char *name, __u64 def, bool *set)
{
	const char *v = getenv(name);
	char *end;
	unsigned long long x;

	if (set)
		*set = false;
	if (!v || !*v)
		return def;
	errno = 0;
	x = strtoull(v, &end, 0);
	if (errno || *end)
		return def;
	if (set)
		*set = true;
	return x;
}

static __u64 fuzz_seed(void)
{
	static __u64 seed;
	static bool have;
	bool set;

	if (have)
		return seed;
	seed = env_u64("FG_FUZZ_SEED", 0, &set);
	if (!set) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (__u64)ts.tv_nsec ^ ((__u64)ts.tv_sec << 20) ^
		       ((__u64)getpid() << 40);
	}
	have = true;
	return seed;
}

static struct fuzz fuzz_state;

static void fuzz_run(struct fx *fx, bool open)
{
	struct fuzz *z = &fuzz_state;
	unsigned long target, floor;
	__u64 seed = fuzz_seed();
	bool count_set, seconds_set;
	unsigned int replayed = 0;
	cpu_set_t was, one;
	bool pinned;
	double start, elapsed;
	int err;

	if (fx->err)
		FAIL("%s", fx->errmsg);
	memset(z, 0, sizeof(*z));
	z->fx = fx;
	z->open = open;
	z->name = open ? "fuzz open" : "fuzz limited";
	/* One stream per test, both from the printed seed. */
	z->rng.s = seed ^ (open ? 0 : 0x5eed5eed5eed5eedULL);
	target = (unsigned long)env_u64(
	    "FG_FUZZ_PACKETS",
	    open ? FUZZ_DEFAULT_PACKETS : FUZZ_DEFAULT_LIMITED, &count_set);
	floor = open ? FUZZ_MIN_PACKETS : FUZZ_MIN_LIMITED;
	/* FG_FUZZ_SECONDS is for both tests together: half each. */
	z->seconds = (double)env_u64("FG_FUZZ_SECONDS", 0, &seconds_set) / 2;
	print_message("# %s: seed 0x%llx (FG_FUZZ_SEED=0x%llx repeats it), "
		      "%lu frames%s\n",
		      z->name, (unsigned long long)seed,
		      (unsigned long long)seed, target,
		      z->seconds > 0 ? " and more, for FG_FUZZ_SECONDS" : "");

	/* One CPU: per-CPU LRU lists and counters behave the same each run. */
	pinned = !sched_getaffinity(0, sizeof(was), &was);
	if (pinned) {
		CPU_ZERO(&one);
		CPU_SET(sched_getcpu() >= 0 ? sched_getcpu() : 0, &one);
		pinned = !sched_setaffinity(0, sizeof(one), &one);
	}

	err = fx_reset(fx);
	if (err)
		FAIL("resetting maps: %s", strerror(-err));
	if (!open) {
		z->model = model_new();
		if (!z->model)
			FAIL("allocating the model");
	}
	pool_init(&z->pool, &z->rng);
	if (open)
		open_config(z);
	if (fx_read_counters(fx, &z->before))
		FAIL("reading counters");

	start = now_s();
	for (unsigned long b = 0;; b++) {
		elapsed = now_s() - start;
		if (z->packets >= target && elapsed >= z->seconds)
			break;
		if (!count_set && !seconds_set && z->packets >= floor &&
		    elapsed >= FUZZ_SOFT_SECONDS) {
			print_message("# %s: time bound reached\n", z->name);
			break;
		}
		if (!open && z->packets % FUZZ_EPOCH == 0)
			limited_epoch(z);
		if (open)
			set_malformed_drop(z, b & 1);
		else {
			fx_clock_advance(fx, chance(&z->rng, 2)
						 ? NSEC_PER_HOUR
						 : rnd(&z->rng, 50) *
						       NSEC_PER_MSEC);
			fx->maps.ctl_mem->enabled = !chance(&z->rng, 3);
			z->enabled = fx->maps.ctl_mem->enabled;
			if (chance(&z->rng, 5))
				fx->maps.ctl_mem->dry_run =
				    !fx->maps.ctl_mem->dry_run;
		}
		z->n = FUZZ_BATCH;
		z->now = fx_clock_now(fx);
		if (!open)
			fleet_blocks(z);
		z->dry_run = fx->maps.ctl_mem->dry_run;
		for (unsigned int i = 0; i < z->n; i++) {
			gen_frame(&z->rng, &z->pool, &z->frames[i]);
			ref_parse(z->frames[i].data, z->frames[i].len,
				  &z->refs[i]);
			if (!open)
				predict(z, i);
			run_frame(z, i);
		}
		z->packets += z->n;
		/* One replay is enough to name a frame. */
		if (!check_batch(z) && open && !replayed++)
			replay_batch(z);
	}
	elapsed = now_s() - start;
	if (pinned)
		sched_setaffinity(0, sizeof(was), &was);
	if (open)
		check_open_state(z);
	else
		check_fleet_counts(z);
	model_free(z->model);
	z->model = NULL;

	print_message("# %s: %lu frames in %.1f s (%.0f frames/s): %lu pass, "
		      "%lu drop, %lu tx; %lu violations\n",
		      z->name, z->packets, elapsed,
		      elapsed > 0 ? (double)z->packets / elapsed : 0.0,
		      z->verdicts[XDP_PASS], z->verdicts[XDP_DROP],
		      z->verdicts[XDP_TX], z->violations);
	if (!open)
		print_message("#   fleet: %lu blocks put in, %lu (source, "
			      "rule) counts checked\n",
			      z->fleet_blocks, z->fleet_keys);
	for (unsigned int a = 0; a < FG_ACTION_COUNT; a++) {
		char line[512] = "";
		size_t k = 0;

		for (unsigned int r = 0; r < FG_REASON_SLOTS; r++) {
			if (z->counted[a][r] && k < sizeof(line))
				k += (size_t)snprintf(
				    line + k, sizeof(line) - k, " %s %lu",
				    fg_reason_label(r), z->counted[a][r]);
		}
		if (line[0])
			print_message("#   %s:%s\n", fg_action_label(a), line);
	}
	for (int k = 0; k < FUZZ_KINDS && z->kinds[k].fmt; k++)
		print_message("#   %lu x \"%s\"\n", z->kinds[k].count,
			      z->kinds[k].fmt);
	if (z->violations)
		FAIL("%s: %lu violations (seed 0x%llx)", z->name, z->violations,
		     (unsigned long long)seed);
}

void fuzz_test_open(void **state)
{
	fuzz_run(*state, true);
}

void fuzz_test_limited(void **state)
{
	fuzz_run(*state, false);
}
