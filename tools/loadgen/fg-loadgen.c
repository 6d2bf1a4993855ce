// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fg-loadgen: a small, bounded packet generator for floodgate's tests and
 * benchmarks. UDP through ordinary sockets with sendmmsg, or TCP SYNs
 * through a raw socket. Sources may rotate over K addresses of a CIDR.
 *
 * Safety (tests/TESTING.md): every address, destination and source, must
 * be in a documentation range; every run is bounded by --count and/or
 * --duration under hard caps; and the route to the destination must
 * leave through a veth (or loopback), never the host's uplink: on the
 * build machines eth0 itself sits in 192.0.2.0/24 (egress.c).
 *
 * Many sources: one socket for all of them. UDP over IPv6 binds with
 * IPV6_FREEBIND and picks each message's source with an IPV6_PKTINFO
 * cmsg. IPv4 needs IP_TRANSPARENT for a non-local source in IP_PKTINFO
 * (IP_FREEBIND covers bind() only; the route lookup still refuses a
 * foreign source), so the socket sets both. TCP SYNs carry their own
 * header (IPPROTO_RAW), so any source works; so does IPv6 UDP behind
 * --dstopts N empty destination-options headers (a malformed-tail test:
 * the stack delivers such packets however many headers they carry).
 *
 * Exit codes: 0 ok, 1 failed (socket errors), 2 usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "egress.h"

#define LG_MAX_COUNT 100000000ULL /* packets */
#define LG_MAX_DURATION 600.0	  /* seconds */
#define LG_MAX_RATE 100000000ULL  /* packets per second */
#define LG_MAX_SOURCES (1u << 24)
#define LG_MAX_BATCH 1024
#define LG_DEFAULT_BATCH 64
#define LG_MAX_UDP_PAYLOAD 9000
#define LG_MAX_SYN_PAYLOAD 1400
#define LG_DEFAULT_UDP_PAYLOAD 18 /* 60-byte IPv4 frame before FCS */
#define LG_MAX_LAG_NS 50000000ULL /* pacing catches up at most 50 ms */
#define LG_MAX_DSTOPTS 16
#define LG_DSTOPT_LEN 8 /* an empty destination-options header: PadN */
#define NSEC 1000000000ULL

enum lg_proto { LG_UDP, LG_TCP_SYN };

struct lg_addr {
	int family;    /* AF_INET or AF_INET6 */
	uint8_t a[16]; /* IPv4 in the first 4 bytes, network order */
};

struct lg_opts {
	struct lg_addr dst;
	struct lg_addr src; /* family 0: let the kernel choose */
	int src_prefix;	    /* -1: single --src */
	int src_shift;	    /* source i = src + (i << src_shift) */
	uint32_t nsources;
	uint16_t port;
	uint64_t count;
	double duration;
	uint64_t rate;
	long size; /* payload bytes; -1 = default */
	int cpu;   /* -1 = not pinned */
	int batch;
	enum lg_proto proto;
	int dstopts; /* IPv6 destination-options headers before L4 */
	bool json;
};

struct lg_result {
	uint64_t sent, failed, bytes;
	uint64_t first_ns, last_ns; /* CLOCK_MONOTONIC */
	int last_errno;
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: fg-loadgen --dst ADDR --port N\n"
	    "                  [--src ADDR | --src-range CIDR [--sources K]\n"
	    "                   [--source-prefix P]]\n"
	    "                  [--count N] [--duration SEC] [--rate PPS]\n"
	    "                  [--size BYTES] [--cpu N] [--proto udp|tcp-syn]\n"
	    "                  [--dstopts N] [--batch N] [--json]\n"
	    "\n"
	    "Sends a bounded flood: at least one of --count (<= %llu) and\n"
	    "--duration (<= %.0f s) is required. Addresses must be in\n"
	    "192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 or 2001:db8::/32,\n"
	    "and the route to --dst must leave through a veth (run it in a\n"
	    "test namespace: nsenter --net=/var/run/netns/NAME).\n"
	    "  --src-range CIDR  rotate over K sources of CIDR (freebind);\n"
	    "                    hosts from the first after the network\n"
	    "                    address (all of them for a /31, /32, /127,\n"
	    "                    /128); --sources defaults to all, at most\n"
	    "                    65536\n"
	    "  --source-prefix P with --src-range: one source per /P (host\n"
	    "                    1 of each), e.g. 64 for distinct IPv6 /64s\n"
	    "                    (floodgate keys IPv6 sources by /64)\n"
	    "  --rate PPS        pace to PPS (default: as fast as possible)\n"
	    "  --size BYTES      payload after the UDP/TCP header (UDP\n"
	    "                    default %d, tcp-syn default 0)\n"
	    "  --cpu N           pin to CPU N (sched_setaffinity)\n"
	    "  --proto tcp-syn   TCP SYNs through a raw socket\n"
	    "  --dstopts N       IPv6 only: N (<= %d) empty destination-\n"
	    "                    options headers before the UDP or TCP\n"
	    "                    header (raw socket)\n"
	    "  --batch N         messages per sendmmsg (default %d)\n"
	    "  --json            one JSON object on stdout: sent, failed,\n"
	    "                    bytes (IP packets, no Ethernet header),\n"
	    "                    elapsed_s, pps, and CLOCK_MONOTONIC ns\n"
	    "                    first_ns (before the first send) and\n"
	    "                    last_ns (after the last)\n"
	    "Exit: 0 ok, 1 send failure, 2 usage or refused address.\n",
	    LG_MAX_COUNT, LG_MAX_DURATION, LG_DEFAULT_UDP_PAYLOAD,
	    LG_MAX_DSTOPTS, LG_DEFAULT_BATCH);
}

static __attribute__((noreturn, format(printf, 1, 2))) void
die_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("fg-loadgen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see --help)\n", stderr);
	exit(2);
}

static __attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt,
								...)
{
	va_list ap;

	fputs("fg-loadgen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
}

static uint64_t parse_u64(const char *opt, const char *s, uint64_t max)
{
	unsigned long long v;
	char *end;

	if (!*s || *s == '-' || *s == '+')
		die_usage("%s: not a number: '%s'", opt, s);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		die_usage("%s: not a number: '%s'", opt, s);
	if (v > max)
		die_usage("%s: %llu is above the cap %llu", opt, v,
			  (unsigned long long)max);
	return v;
}

static bool parse_addr(const char *s, struct lg_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, out->a) == 1) {
		out->family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, s, out->a) == 1) {
		out->family = AF_INET6;
		return true;
	}
	return false;
}

static const char *addr_str(const struct lg_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family, a->a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

static int addr_bits(const struct lg_addr *a)
{
	return a->family == AF_INET ? 32 : 128;
}

/* Zero the bits after `prefix`. */
static void addr_mask(struct lg_addr *a, int prefix)
{
	int nbytes = addr_bits(a) / 8;

	for (int i = 0; i < nbytes; i++) {
		int keep = prefix - i * 8;

		if (keep >= 8)
			continue;
		a->a[i] &= keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
	}
}

/* a += n << shift, within the address's width; n < 2^56. */
static void addr_add_shifted(struct lg_addr *a, uint64_t n, int shift)
{
	n <<= shift % 8;
	for (int i = addr_bits(a) / 8 - 1 - shift / 8; i >= 0 && n; i--) {
		uint64_t v = a->a[i] + (n & 0xff);

		a->a[i] = (uint8_t)v;
		n = (n >> 8) + (v >> 8);
	}
}

static void addr_add(struct lg_addr *a, uint64_t n)
{
	addr_add_shifted(a, n, 0);
}

/*
 * The documentation ranges (RFC 5737, RFC 3849). A CIDR is allowed when
 * its prefix is at least as long as the range's and it lies inside it.
 */
static bool doc_range(const struct lg_addr *a, int prefix)
{
	static const uint8_t v4[3][3] = {
	    {192, 0, 2}, {198, 51, 100}, {203, 0, 113}};
	static const uint8_t v6[4] = {0x20, 0x01, 0x0d, 0xb8};

	if (a->family == AF_INET) {
		if (prefix < 24)
			return false;
		for (int i = 0; i < 3; i++)
			if (!memcmp(a->a, v4[i], 3))
				return true;
		return false;
	}
	return prefix >= 32 && !memcmp(a->a, v6, 4);
}

static void check_doc(const char *what, const struct lg_addr *a, int prefix)
{
	char buf[INET6_ADDRSTRLEN];

	if (doc_range(a, prefix))
		return;
	die_usage("refusing %s %s/%d: only 192.0.2.0/24, "
		  "198.51.100.0/24, 203.0.113.0/24 and "
		  "2001:db8::/32 are allowed",
		  what, addr_str(a, buf, sizeof(buf)), prefix);
}

static void parse_cidr(const char *s, struct lg_addr *a, int *prefix)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t n;

	if (!slash)
		die_usage("--src-range: expected ADDR/PREFIX, got '%s'", s);
	n = (size_t)(slash - s);
	if (n >= sizeof(buf))
		die_usage("--src-range: bad address in '%s'", s);
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (!parse_addr(buf, a))
		die_usage("--src-range: bad address in '%s'", s);
	*prefix = (int)parse_u64("--src-range prefix", slash + 1,
				 (uint64_t)addr_bits(a));
}

static void parse_args(int argc, char **argv, struct lg_opts *o)
{
	enum {
		O_DST = 1000,
		O_PORT,
		O_SRC,
		O_RANGE,
		O_SOURCES,
		O_COUNT,
		O_DURATION,
		O_RATE,
		O_SIZE,
		O_CPU,
		O_PROTO,
		O_DSTOPTS,
		O_BATCH,
		O_SOURCE_PREFIX,
		O_JSON,
	};
	static const struct option longopts[] = {
	    {"dst", required_argument, NULL, O_DST},
	    {"port", required_argument, NULL, O_PORT},
	    {"src", required_argument, NULL, O_SRC},
	    {"src-range", required_argument, NULL, O_RANGE},
	    {"sources", required_argument, NULL, O_SOURCES},
	    {"count", required_argument, NULL, O_COUNT},
	    {"duration", required_argument, NULL, O_DURATION},
	    {"rate", required_argument, NULL, O_RATE},
	    {"size", required_argument, NULL, O_SIZE},
	    {"cpu", required_argument, NULL, O_CPU},
	    {"proto", required_argument, NULL, O_PROTO},
	    {"dstopts", required_argument, NULL, O_DSTOPTS},
	    {"batch", required_argument, NULL, O_BATCH},
	    {"source-prefix", required_argument, NULL, O_SOURCE_PREFIX},
	    {"json", no_argument, NULL, O_JSON},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	bool have_dst = false, have_port = false, have_count = false,
	     have_sources = false, have_src = false, have_range = false;
	int source_prefix = -1;
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->src_prefix = -1;
	o->nsources = 1;
	o->size = -1;
	o->cpu = -1;
	o->batch = LG_DEFAULT_BATCH;
	o->proto = LG_UDP;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case O_DST:
			if (!parse_addr(optarg, &o->dst))
				die_usage("--dst: bad address '%s'", optarg);
			have_dst = true;
			break;
		case O_PORT:
			o->port = (uint16_t)parse_u64("--port", optarg, 65535);
			if (!o->port)
				die_usage("--port: must be 1..65535");
			have_port = true;
			break;
		case O_SRC:
			if (!parse_addr(optarg, &o->src))
				die_usage("--src: bad address '%s'", optarg);
			have_src = true;
			break;
		case O_RANGE:
			parse_cidr(optarg, &o->src, &o->src_prefix);
			have_range = true;
			break;
		case O_SOURCES:
			o->nsources = (uint32_t)parse_u64("--sources", optarg,
							  LG_MAX_SOURCES);
			if (!o->nsources)
				die_usage("--sources: must be at least 1");
			have_sources = true;
			break;
		case O_COUNT:
			o->count = parse_u64("--count", optarg, LG_MAX_COUNT);
			if (!o->count)
				die_usage("--count: must be at least 1");
			have_count = true;
			break;
		case O_DURATION:
			errno = 0;
			o->duration = strtod(optarg, &end);
			if (errno || *end || end == optarg ||
			    !(o->duration > 0))
				die_usage("--duration: not a positive number "
					  "of seconds: '%s'",
					  optarg);
			if (o->duration > LG_MAX_DURATION)
				die_usage("--duration: %s s is above the cap "
					  "%.0f s",
					  optarg, LG_MAX_DURATION);
			break;
		case O_RATE:
			o->rate = parse_u64("--rate", optarg, LG_MAX_RATE);
			break;
		case O_SIZE:
			o->size = (long)parse_u64("--size", optarg,
						  LG_MAX_UDP_PAYLOAD);
			break;
		case O_CPU:
			o->cpu =
			    (int)parse_u64("--cpu", optarg, CPU_SETSIZE - 1);
			break;
		case O_PROTO:
			if (!strcmp(optarg, "udp"))
				o->proto = LG_UDP;
			else if (!strcmp(optarg, "tcp-syn"))
				o->proto = LG_TCP_SYN;
			else
				die_usage("--proto: udp or tcp-syn, not '%s'",
					  optarg);
			break;
		case O_DSTOPTS:
			o->dstopts =
			    (int)parse_u64("--dstopts", optarg, LG_MAX_DSTOPTS);
			break;
		case O_SOURCE_PREFIX:
			source_prefix =
			    (int)parse_u64("--source-prefix", optarg, 128);
			break;
		case O_BATCH:
			o->batch =
			    (int)parse_u64("--batch", optarg, LG_MAX_BATCH);
			if (!o->batch)
				die_usage("--batch: must be at least 1");
			break;
		case O_JSON:
			o->json = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			if (optopt >= O_DST)
				die_usage("%s needs an argument",
					  argv[optind - 1]);
			die_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		die_usage("unexpected argument '%s'", argv[optind]);
	if (!have_dst || !have_port)
		die_usage("--dst and --port are required");
	if (!have_count && o->duration <= 0)
		die_usage("at least one of --count and --duration is required");
	if (have_src && have_range)
		die_usage("--src and --src-range are exclusive");
	if (have_sources && !have_range)
		die_usage("--sources needs --src-range");
	if (source_prefix >= 0 && !have_range)
		die_usage("--source-prefix needs --src-range");
	check_doc("destination", &o->dst, addr_bits(&o->dst));

	if (have_src) {
		if (o->src.family != o->dst.family)
			die_usage("--src and --dst are of different families");
		check_doc("source", &o->src, addr_bits(&o->src));
	}
	if (have_range) {
		int bits = addr_bits(&o->src);
		int hostbits = bits - o->src_prefix, stepbits;
		uint64_t avail;

		if (o->src.family != o->dst.family)
			die_usage("--src-range and --dst are of different "
				  "families");
		check_doc("source range", &o->src, o->src_prefix);
		if (source_prefix < 0)
			source_prefix = bits;
		if (source_prefix < o->src_prefix || source_prefix > bits)
			die_usage("--source-prefix %d: must be between the "
				  "range's prefix %d and %d",
				  source_prefix, o->src_prefix, bits);
		o->src_shift = bits - source_prefix;
		stepbits = source_prefix - o->src_prefix;
		addr_mask(&o->src, o->src_prefix);
		/* Host 1 of each step (x.x.x.1, ...::1): skips the network
		 * address when the range has room. */
		if (hostbits >= 2)
			addr_add(&o->src, 1);
		avail = stepbits >= 25
			    ? LG_MAX_SOURCES
			    : (1ULL << stepbits) -
				  (o->src_shift == 0 && hostbits >= 2);
		if (!have_sources)
			o->nsources = (uint32_t)(avail < 65536 ? avail : 65536);
		if (o->nsources > avail)
			die_usage("--sources %u: the range has only %" PRIu64
				  " usable addresses",
				  o->nsources, avail);
	}
	if (o->size < 0)
		o->size = o->proto == LG_UDP ? LG_DEFAULT_UDP_PAYLOAD : 0;
	if (o->proto == LG_TCP_SYN && o->size > LG_MAX_SYN_PAYLOAD)
		die_usage("--size: at most %d bytes with tcp-syn",
			  LG_MAX_SYN_PAYLOAD);
	if (o->dstopts && o->dst.family != AF_INET6)
		die_usage("--dstopts: IPv6 only");
	if (o->rate && o->rate < 1000 && o->batch > 1)
		o->batch = 1; /* smooth pacing at low rates */
}

/* Sends only out of a veth (or loopback): never out of the host's uplink,
 * whatever its address (see egress.h). */
static void check_egress(const struct lg_opts *o)
{
	char why[256], buf[INET6_ADDRSTRLEN];
	int rc = lg_egress_check(o->dst.family, o->dst.a, why, sizeof(why));

	if (rc > 0)
		die_usage("refusing %s: %s",
			  addr_str(&o->dst, buf, sizeof(buf)), why);
	if (rc < 0)
		die("%s: %s", addr_str(&o->dst, buf, sizeof(buf)), why);
}

static void pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		if (errno == EINVAL)
			die_usage("--cpu %d: no such CPU (or not allowed)",
				  cpu);
		die("sched_setaffinity(%d): %s", cpu, strerror(errno));
	}
}

static socklen_t make_sockaddr(const struct lg_addr *a, uint16_t port,
			       struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, a->a, 4);
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	memcpy(&sin6->sin6_addr, a->a, 16);
	return sizeof(*sin6);
}

/* The source the kernel would pick for dst: a connected UDP socket. */
static void route_source(const struct lg_opts *o, struct lg_addr *src)
{
	struct sockaddr_storage ss;
	socklen_t len = make_sockaddr(&o->dst, o->port, &ss);
	int fd = socket(o->dst.family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&ss, len))
		die("no route to the destination: %s", strerror(errno));
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		die("getsockname: %s", strerror(errno));
	close(fd);
	memset(src, 0, sizeof(*src));
	src->family = o->dst.family;
	if (src->family == AF_INET)
		memcpy(src->a, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	else
		memcpy(src->a, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
}

static void setopt_or_die(int fd, int level, int name, const char *what)
{
	int one = 1;

	if (setsockopt(fd, level, name, &one, sizeof(one)))
		die("setsockopt(%s): %s", what, strerror(errno));
}

/* --- UDP ------------------------------------------------------------ */

#define LG_CMSG_SPACE                                  \
	(CMSG_SPACE(sizeof(struct in6_pktinfo)) >      \
		 CMSG_SPACE(sizeof(struct in_pktinfo)) \
	     ? CMSG_SPACE(sizeof(struct in6_pktinfo))  \
	     : CMSG_SPACE(sizeof(struct in_pktinfo)))

struct lg_sender {
	int fd;
	int family;
	bool multi; /* per-message source (pktinfo or own header) */
	bool raw;   /* tcp-syn, --dstopts: whole IP packet in each message */
	struct lg_opts *o;
	struct sockaddr_storage dst;
	socklen_t dst_len;
	struct mmsghdr *msgs;
	struct iovec *iovs;
	uint8_t (*cbuf)[LG_CMSG_SPACE]; /* one control buffer per message */
	uint8_t *payload;		/* UDP: one shared payload */
	uint8_t *pkts;			/* raw: one packet per message */
	size_t pkt_len;
	uint32_t next_src;
	uint64_t seq;
};

static void udp_open(struct lg_sender *s)
{
	struct lg_opts *o = s->o;

	s->fd = socket(o->dst.family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		die("socket: %s", strerror(errno));
	if (o->src.family) {
		/* Foreign sources: bind() needs FREEBIND; IPv4 also needs
		 * TRANSPARENT for the route lookup to accept the source. */
		if (o->dst.family == AF_INET) {
			setopt_or_die(s->fd, IPPROTO_IP, IP_FREEBIND,
				      "IP_FREEBIND");
			setopt_or_die(s->fd, IPPROTO_IP, IP_TRANSPARENT,
				      "IP_TRANSPARENT (needs CAP_NET_ADMIN)");
		} else {
			setopt_or_die(s->fd, IPPROTO_IPV6, IPV6_FREEBIND,
				      "IPV6_FREEBIND");
		}
	}
	if (o->src.family && !s->multi) {
		struct sockaddr_storage ss;
		socklen_t len = make_sockaddr(&o->src, 0, &ss);
		if (bind(s->fd, (struct sockaddr *)&ss, len)) {
			char buf[INET6_ADDRSTRLEN];

			die("bind %s: %s", addr_str(&o->src, buf, sizeof(buf)),
			    strerror(errno));
		}
	}
}

/* One control message as the whole of h's control data. */
static void put_cmsg(struct msghdr *h, int level, int type, const void *data,
		     size_t len)
{
	struct cmsghdr *c;

	h->msg_controllen = CMSG_SPACE(len);
	c = CMSG_FIRSTHDR(h);
	c->cmsg_level = level;
	c->cmsg_type = type;
	c->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(c), data, len);
}

/* Source i of the range into message m's pktinfo. */
static void udp_set_source(struct lg_sender *s, int m, uint32_t i)
{
	struct lg_addr a = s->o->src;
	struct msghdr *h = &s->msgs[m].msg_hdr;

	addr_add_shifted(&a, i, s->o->src_shift);
	h->msg_control = s->cbuf[m];
	if (s->family == AF_INET) {
		struct in_pktinfo pi = {0};

		memcpy(&pi.ipi_spec_dst, a.a, 4);
		put_cmsg(h, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi));
	} else {
		struct in6_pktinfo pi = {0};

		memcpy(&pi.ipi6_addr, a.a, 16);
		put_cmsg(h, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi));
	}
}

/* --- raw packets: TCP SYN, or anything behind --dstopts ------------ */

static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The IP header and any destination-options headers. */
static size_t raw_l3_len(const struct lg_opts *o)
{
	return (o->dst.family == AF_INET ? sizeof(struct iphdr)
					 : sizeof(struct ip6_hdr)) +
	       (size_t)o->dstopts * LG_DSTOPT_LEN;
}

static size_t raw_l4_len(const struct lg_opts *o)
{
	return (o->proto == LG_TCP_SYN ? sizeof(struct tcphdr)
				       : sizeof(struct udphdr)) +
	       (size_t)o->size;
}

/* Empty destination-options headers (one PadN option each), chained. */
static void put_dstopts(uint8_t *p, int n, uint8_t last_next)
{
	for (int i = 0; i < n; i++, p += LG_DSTOPT_LEN) {
		p[0] = i + 1 < n ? IPPROTO_DSTOPTS : last_next;
		p[1] = 0; /* 8 bytes */
		p[2] = 1; /* PadN */
		p[3] = 4;
	}
}

/* Writes a whole IP packet for source src into pkt: a TCP SYN, or UDP
 * (raw only with --dstopts). */
static void raw_build(struct lg_sender *s, uint8_t *pkt,
		      const struct lg_addr *src, uint64_t seq)
{
	struct lg_opts *o = s->o;
	size_t iplen = raw_l3_len(o);
	size_t tcplen = raw_l4_len(o); /* the L4 length, TCP or UDP */
	uint8_t l4 = o->proto == LG_TCP_SYN ? IPPROTO_TCP : IPPROTO_UDP;
	struct tcphdr th;
	uint32_t sum;
	uint8_t pseudo[40];
	size_t plen;

	memset(pkt, 0, iplen + tcplen);
	if (s->family == AF_INET) {
		struct iphdr ih = {0};

		ih.version = 4;
		ih.ihl = 5;
		ih.tot_len = htons((uint16_t)(iplen + tcplen));
		ih.ttl = 64;
		ih.protocol = IPPROTO_TCP;
		memcpy(&ih.saddr, src->a, 4);
		memcpy(&ih.daddr, o->dst.a, 4);
		/* id and checksum: the kernel fills them (IP_HDRINCL). */
		memcpy(pkt, &ih, sizeof(ih));
		memcpy(pseudo, src->a, 4);
		memcpy(pseudo + 4, o->dst.a, 4);
		pseudo[8] = 0;
		pseudo[9] = IPPROTO_TCP;
		pseudo[10] = (uint8_t)(tcplen >> 8);
		pseudo[11] = (uint8_t)tcplen;
		plen = 12;
	} else {
		struct ip6_hdr ih;

		memset(&ih, 0, sizeof(ih));
		ih.ip6_flow = htonl(6u << 28);
		ih.ip6_plen = htons((uint16_t)(iplen - sizeof(ih) + tcplen));
		ih.ip6_nxt = o->dstopts ? IPPROTO_DSTOPTS : l4;
		ih.ip6_hlim = 64;
		memcpy(&ih.ip6_src, src->a, 16);
		memcpy(&ih.ip6_dst, o->dst.a, 16);
		memcpy(pkt, &ih, sizeof(ih));
		put_dstopts(pkt + sizeof(ih), o->dstopts, l4);
		memcpy(pseudo, src->a, 16);
		memcpy(pseudo + 16, o->dst.a, 16);
		pseudo[32] = (uint8_t)(tcplen >> 24);
		pseudo[33] = (uint8_t)(tcplen >> 16);
		pseudo[34] = (uint8_t)(tcplen >> 8);
		pseudo[35] = (uint8_t)tcplen;
		pseudo[36] = pseudo[37] = pseudo[38] = 0;
		pseudo[39] = l4;
		plen = 40;
	}
	if (l4 == IPPROTO_UDP) {
		struct udphdr uh = {0};
		uint16_t check;

		uh.source = htons((uint16_t)(1024 + seq % 64000));
		uh.dest = htons(o->port);
		uh.len = htons((uint16_t)tcplen);
		memcpy(pkt + iplen, &uh, sizeof(uh));
		for (size_t i = 0; i < (size_t)o->size; i++)
			pkt[iplen + sizeof(uh) + i] = (uint8_t)('a' + i % 26);
		sum = csum_add(0, pseudo, plen);
		check = csum_fold(csum_add(sum, pkt + iplen, tcplen));
		uh.check = htons(check ? check : 0xffff);
		memcpy(pkt + iplen, &uh, sizeof(uh));
		return;
	}
	memset(&th, 0, sizeof(th));
	/* A new connection each time: source port and ISN vary. */
	th.source = htons((uint16_t)(1024 + seq % 64000));
	th.dest = htons(o->port);
	th.seq = htonl((uint32_t)(seq * 2654435761u));
	th.doff = 5;
	th.syn = 1;
	th.window = htons(64240);
	memcpy(pkt + iplen, &th, sizeof(th));
	sum = csum_add(0, pseudo, plen);
	sum = csum_add(sum, pkt + iplen, tcplen);
	th.check = htons(csum_fold(sum));
	memcpy(pkt + iplen, &th, sizeof(th));
}

static void raw_open(struct lg_sender *s)
{
	/* IPPROTO_RAW implies IP_HDRINCL (IPv4) and IPV6_HDRINCL. */
	s->fd = socket(s->family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (s->fd < 0)
		die("raw socket: %s%s", strerror(errno),
		    errno == EPERM ? " (needs CAP_NET_RAW)" : "");
}

/* --- the send loop -------------------------------------------------- */

static void sender_init(struct lg_sender *s, struct lg_opts *o)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->o = o;
	s->family = o->dst.family;
	s->raw = o->proto == LG_TCP_SYN || o->dstopts;
	s->multi = o->src_prefix >= 0;
	/* raw sockets: no port in the address (IPv6 would read it as the
	 * protocol). */
	s->dst_len = make_sockaddr(&o->dst, s->raw ? 0 : o->port, &s->dst);
	s->msgs = calloc((size_t)o->batch, sizeof(*s->msgs));
	s->iovs = calloc((size_t)o->batch, sizeof(*s->iovs));
	s->cbuf = calloc((size_t)o->batch, sizeof(*s->cbuf));
	if (!s->msgs || !s->iovs || !s->cbuf)
		die("out of memory");

	if (s->raw) {
		if (!o->src.family)
			route_source(o, &o->src);
		s->pkt_len = raw_l3_len(o) + raw_l4_len(o);
		s->pkts = calloc((size_t)o->batch, s->pkt_len);
		if (!s->pkts)
			die("out of memory");
		raw_open(s);
	} else {
		s->pkt_len = (size_t)o->size;
		s->payload = calloc(1, s->pkt_len + 1);
		if (!s->payload)
			die("out of memory");
		for (size_t i = 0; i < s->pkt_len; i++)
			s->payload[i] = (uint8_t)('a' + i % 26);
		udp_open(s);
	}
	for (int m = 0; m < o->batch; m++) {
		struct msghdr *h = &s->msgs[m].msg_hdr;

		s->iovs[m].iov_base =
		    s->raw ? s->pkts + (size_t)m * s->pkt_len : s->payload;
		s->iovs[m].iov_len = s->pkt_len;
		h->msg_name = &s->dst;
		h->msg_namelen = s->dst_len;
		h->msg_iov = &s->iovs[m];
		h->msg_iovlen = 1;
	}
}

static void sender_free(struct lg_sender *s)
{
	if (s->fd >= 0)
		close(s->fd);
	free(s->msgs);
	free(s->iovs);
	free(s->cbuf);
	free(s->payload);
	free(s->pkts);
}

/* Fills messages [0, n) for the next n packets. */
static void sender_fill(struct lg_sender *s, int n)
{
	for (int m = 0; m < n; m++) {
		uint32_t i = s->next_src;

		if (++s->next_src >= s->o->nsources)
			s->next_src = 0;
		if (s->raw) {
			struct lg_addr a = s->o->src;

			if (s->multi)
				addr_add_shifted(&a, i, s->o->src_shift);
			raw_build(s, s->pkts + (size_t)m * s->pkt_len, &a,
				  s->seq + (uint64_t)m);
		} else if (s->multi) {
			udp_set_source(s, m, i);
		}
	}
	s->seq += (uint64_t)n;
}

static bool transient(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS ||
	       err == EINTR || err == ECONNREFUSED || err == EHOSTUNREACH;
}

static void sleep_until(uint64_t t)
{
	struct timespec ts = {.tv_sec = (time_t)(t / NSEC),
			      .tv_nsec = (long)(t % NSEC)};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
		   EINTR &&
	       !stop_flag)
		;
}

/* Steps the source rotation back by n messages that were not sent. */
static void sender_rewind(struct lg_sender *s, int n)
{
	uint32_t k = s->o->nsources;

	s->next_src = (s->next_src + k - (uint32_t)n % k) % k;
	s->seq -= (uint64_t)n;
}

static int run(struct lg_sender *s, struct lg_result *r)
{
	struct lg_opts *o = s->o;
	uint64_t limit = o->count ? o->count : LG_MAX_COUNT;
	uint64_t start = now_ns(), deadline = UINT64_MAX, pace_base = start,
		 pace_done = 0, done = 0;
	/* IP packet bytes (no Ethernet): raw messages are whole packets. */
	size_t wire = s->raw
			  ? s->pkt_len
			  : s->pkt_len + 8 + (s->family == AF_INET ? 20 : 40);

	if (o->duration > 0)
		deadline = start + (uint64_t)(o->duration * (double)NSEC);
	memset(r, 0, sizeof(*r));

	while (done < limit && !stop_flag) {
		uint64_t t = now_ns();
		int n = o->batch, ret, err;

		if (t >= deadline)
			break;
		if ((uint64_t)n > limit - done)
			n = (int)(limit - done);
		if (o->rate) {
			uint64_t due =
			    pace_base + (done - pace_done) * NSEC / o->rate;

			if (due > t) {
				sleep_until(due < deadline ? due : deadline);
				continue; /* re-check deadline and stop */
			}
			if (t - due > LG_MAX_LAG_NS) {
				/* Fell behind (descheduled): never burst
				 * more than LG_MAX_LAG_NS worth to catch up. */
				pace_base = t - LG_MAX_LAG_NS;
				pace_done = done;
			}
		}
		sender_fill(s, n);
		t = now_ns();
		ret = sendmmsg(s->fd, s->msgs, (unsigned int)n, 0);
		err = errno;
		if (ret > 0) {
			if (!r->sent)
				r->first_ns = t;
			r->last_ns = now_ns();
			r->sent += (uint64_t)ret;
			r->bytes += (uint64_t)ret * wire;
			done += (uint64_t)ret;
			sender_rewind(s, n - ret);
			continue;
		}
		if (ret < 0 && err == EINTR) {
			sender_rewind(s, n);
			continue;
		}
		if (ret < 0 && transient(err)) {
			/* The first message is lost; retry the rest. */
			r->failed++;
			r->last_errno = err;
			done++;
			sender_rewind(s, n - 1);
			if (err == ENOBUFS || err == EAGAIN)
				sched_yield();
			continue;
		}
		r->last_errno = ret < 0 ? err : EIO;
		return -1;
	}
	return 0;
}

static const char *proto_name(enum lg_proto p)
{
	return p == LG_UDP ? "udp" : "tcp-syn";
}

static void report(const struct lg_opts *o, const struct lg_result *r,
		   bool failed)
{
	double elapsed =
	    r->sent > 1 ? (double)(r->last_ns - r->first_ns) / 1e9 : 0.0;
	double pps = elapsed > 0 ? (double)r->sent / elapsed : 0.0;
	char dst[INET6_ADDRSTRLEN], src[INET6_ADDRSTRLEN] = "";

	addr_str(&o->dst, dst, sizeof(dst));
	if (o->src.family)
		addr_str(&o->src, src, sizeof(src));
	if (o->json) {
		printf("{\"sent\":%" PRIu64 ",\"failed\":%" PRIu64
		       ",\"bytes\":%" PRIu64 ",\"elapsed_s\":%.6f,"
		       "\"pps\":%.1f,\"first_ns\":%" PRIu64
		       ",\"last_ns\":%" PRIu64 ",\"clock\":\"monotonic\","
		       "\"proto\":\"%s\",\"dst\":\"%s\",\"port\":%u,"
		       "\"src\":\"%s\",\"src_prefix\":%d,\"sources\":%u,"
		       "\"cpu\":%d,"
		       "\"rate\":%" PRIu64 ",\"payload\":%ld,"
		       "\"ok\":%s,\"error\":\"%s\"}\n",
		       r->sent, r->failed, r->bytes, elapsed, pps, r->first_ns,
		       r->last_ns, proto_name(o->proto), dst, o->port, src,
		       o->src_prefix, o->nsources, o->cpu, o->rate, o->size,
		       failed ? "false" : "true",
		       r->last_errno ? strerror(r->last_errno) : "");
	} else {
		printf("fg-loadgen: %s to %s port %u: sent %" PRIu64
		       " packets (%" PRIu64 " bytes), %" PRIu64
		       " failed, in %.3f s: %.0f pps\n",
		       proto_name(o->proto), dst, o->port, r->sent, r->bytes,
		       r->failed, elapsed, pps);
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct lg_opts o;
	struct lg_sender s;
	struct lg_result r;
	struct sigaction sa;
	int rc;

	parse_args(argc, argv, &o);
	check_egress(&o);
	if (o.cpu >= 0)
		pin_cpu(o.cpu);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	/* Without --src the kernel picks the source: it must be a
	 * documentation address too (else the route leaves the lab). */
	if (!o.src.family) {
		struct lg_addr a;

		route_source(&o, &a);
		if (!doc_range(&a, addr_bits(&a))) {
			char buf[INET6_ADDRSTRLEN];

			die_usage("refusing: the route to the destination "
				  "uses source %s, outside the documentation "
				  "ranges; pass --src",
				  addr_str(&a, buf, sizeof(buf)));
		}
	}

	sender_init(&s, &o);
	rc = run(&s, &r);
	sender_free(&s);
	report(&o, &r, rc != 0);
	if (rc) {
		fprintf(stderr,
			"fg-loadgen: send failed after %" PRIu64
			" packets: %s\n",
			r.sent, strerror(r.last_errno));
		return 1;
	}
	if (!r.sent) {
		fprintf(stderr, "fg-loadgen: nothing sent%s%s\n",
			r.last_errno ? ": " : "",
			r.last_errno ? strerror(r.last_errno) : "");
		return 1;
	}
	return 0;
}
