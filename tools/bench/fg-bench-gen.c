// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fg-bench-gen: the drop-throughput benchmark's packet source, and its
 * bare XDP_DROP receiver.
 *
 *   fg-bench-gen send --dev IF --dst-mac MAC --dst ADDR [--sources N]
 *                     [--seconds S] [--max-packets N] [--port P]
 *       BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES runs bench_gen
 *       on a 64-byte IPv4/UDP frame: each run gives the frame the next of
 *       N sources (in 203.0.113.0/24, then 198.51.100.0/24) and redirects it
 *       into IF, a veth, so it arrives at the peer's receive path (which
 *       needs NAPI there: GRO on, or an XDP program). Pinned to one CPU,
 *       the peer's receive processing runs in the same softirq context
 *       after each batch: what the receiver costs slows the sender. One
 *       JSON line: packets, seconds (from the first frame to the last, by
 *       the program's clock), pps.
 *   fg-bench-gen drop --dev IF
 *       Attaches bench_drop (XDP_DROP) to IF in native mode; it stays
 *       until the link or namespace goes (`ip link set IF xdp off`).
 *   fg-bench-gen gcra --dev IF --rate N
 *       Attaches bench_gcra (fg-bench-cost's bare limiter: parse, one
 *       LRU lookup, one GCRA check, no counters) to IF in native mode,
 *       limited to N packets/s per source with a burst of N, compiled
 *       as floodgate compiles a rule (ruleset.c, the clock-tick floor
 *       included): the fair live baseline, which reads the packet and a
 *       table as any limiter must. Stays like drop's.
 *
 * Safety (TESTING.md): refuses to run in a namespace holding anything
 * but a loopback and veths (the initial one has eth0), on anything but
 * a veth, or toward a destination not routed out of a
 * veth (tools/loadgen/egress.c); only documentation-range sources; every
 * run bounded in packets and seconds.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../loadgen/egress.h"
#include "pkt.h"
#include "ruleset.h" /* before the skeletons: they name fg_abi.h's types */

#include "bench/bench_gen.skel.h"
#include "bench/bench_progs.skel.h"

#define CHUNK (1u << 18) /* frames per test_run */
#define MAX_SOURCES 512

static void die(const char *what, int err)
{
	fprintf(stderr, "fg-bench-gen: %s: %s\n", what, strerror(err));
	exit(1);
}

static void refuse(const char *why)
{
	fprintf(stderr, "fg-bench-gen: refused: %s\n", why);
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The link's driver name ("veth"), or "" when it has none. */
static void driver_of(int fd, const char *dev, char *out, size_t len)
{
	struct ethtool_drvinfo info = {.cmd = ETHTOOL_GDRVINFO};
	struct ifreq ifr = {0};

	out[0] = '\0';
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ifr.ifr_data = (void *)&info;
	if (!ioctl(fd, SIOCETHTOOL, &ifr))
		snprintf(out, len, "%s", info.driver);
}

/* Only a loopback and veths in this network namespace: a namespace the
 * benchmark made, never the initial one (where eth0 lives). */
static void check_netns(void)
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	char drv[32], why[128];

	if (!ifs || fd < 0)
		die("if_nameindex", errno);
	for (i = ifs; i->if_index; i++) {
		struct ifreq ifr = {0};

		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", i->if_name);
		if (!ioctl(fd, SIOCGIFFLAGS, &ifr) &&
		    (ifr.ifr_flags & IFF_LOOPBACK))
			continue;
		driver_of(fd, i->if_name, drv, sizeof(drv));
		if (strcmp(drv, "veth") != 0) {
			snprintf(why, sizeof(why),
				 "%s is not a veth: run only inside a test "
				 "namespace holding veths (nsenter --net=...)",
				 i->if_name);
			refuse(why);
		}
	}
	close(fd);
	if_freenameindex(ifs);
}

/* IF is a veth; returns its ifindex. */
static int check_veth(const char *dev)
{
	int fd, ifindex = (int)if_nametoindex(dev);
	char drv[32];

	if (!ifindex)
		die(dev, errno);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket", errno);
	driver_of(fd, dev, drv, sizeof(drv));
	close(fd);
	if (strcmp(drv, "veth") != 0)
		refuse("the interface is not a veth");
	return ifindex;
}

static int parse_mac(const char *s, __u8 mac[6])
{
	unsigned int b[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			return -1;
		mac[i] = (__u8)b[i];
	}
	return 0;
}

static int get_mac(const char *dev, __u8 mac[6])
{
	struct ifreq ifr = {0};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	rc = ioctl(fd, SIOCGIFHWADDR, &ifr);
	close(fd);
	if (rc)
		return -1;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}

/* Source i: 203.0.113.1-255, then 198.51.100.0-255, then 203.0.113.0
 * (one source is 203.0.113.1). */
static __u32 source(unsigned int i)
{
	if (i < 255)
		return htonl(0xcb007100u | (i + 1));
	if (i < 511)
		return htonl(0xc6336400u | (i - 255));
	return htonl(0xcb007100u);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: fg-bench-gen send --dev IF --dst-mac MAC --dst ADDR "
		"[--sources N (1..%d)] [--seconds S] [--max-packets N] "
		"[--port P]\n"
		"       fg-bench-gen drop --dev IF\n"
		"       fg-bench-gen gcra --dev IF --rate N (1..10000000)\n",
		MAX_SOURCES);
	exit(2);
}

static int cmd_drop(const char *dev)
{
	struct bench_gen *g;
	int ifindex, rc;

	check_netns();
	ifindex = check_veth(dev);
	g = bench_gen__open_and_load();
	if (!g)
		die("bench_gen__open_and_load", errno);
	rc = bpf_xdp_attach(ifindex, bpf_program__fd(g->progs.bench_drop),
			    XDP_FLAGS_DRV_MODE, NULL);
	if (rc)
		die("bpf_xdp_attach (native)", -rc);
	bench_gen__destroy(g);
	return 0;
}

/* The bare limiter's table: room for every source a run sends. */
#define GCRA_SOURCES 4096

static int cmd_gcra(const char *dev, unsigned long rate)
{
	struct fg_dim_limit d = {
	    .rate = {.amount = rate, .per_ns = 1000000000ULL}, .burst = rate};
	struct bench_progs *bp;
	int ifindex, rc;

	check_netns();
	ifindex = check_veth(dev);
	bp = bench_progs__open();
	if (!bp)
		die("bench_progs__open", errno);
	rc = bpf_map__set_max_entries(bp->maps.bench_gcra_map, GCRA_SOURCES);
	if (!rc)
		rc = bpf_map__set_max_entries(bp->maps.bench_lru_map, 1);
	if (rc)
		die("bpf_map__set_max_entries", -rc);
	fg_limit_compile(&d, &bp->bss->bench_limit);
	fg_limit_floor(&bp->bss->bench_limit, fg_clock_tick_ns());
	rc = bench_progs__load(bp);
	if (rc)
		die("bench_progs__load", -rc);
	rc = bpf_xdp_attach(ifindex, bpf_program__fd(bp->progs.bench_gcra),
			    XDP_FLAGS_DRV_MODE, NULL);
	if (rc)
		die("bpf_xdp_attach (native)", -rc);
	bench_progs__destroy(bp);
	return 0;
}

struct send_opts {
	const char *dev, *dst_mac, *dst;
	unsigned int sources, port;
	double seconds;
	unsigned long long max_packets;
	unsigned long rate; /* gcra */
};

static int cmd_send(const struct send_opts *so)
{
	struct pkt_spec spec = {
	    .l3 = PKT_IPV4,
	    .l4 = IPPROTO_UDP,
	    .src = "203.0.113.1",
	    .dst = so->dst,
	    .sport = 40000,
	    .dport = (__u16)so->port,
	    .frame_len = 64,
	};
	unsigned long long sent = 0;
	double t_end, ns = 0;
	struct bench_gen *g;
	__u8 dmac[6], smac[6], dst[4];
	struct pkt p;
	const char *why;
	char reason[256];
	int ifindex, rc;

	if (!so->dev || !so->dst_mac || !so->dst || !so->sources ||
	    so->sources > MAX_SOURCES || so->port > 65535)
		usage();
	check_netns();
	ifindex = check_veth(so->dev);
	if (inet_pton(AF_INET, so->dst, dst) != 1)
		refuse("--dst must be an IPv4 address");
	rc = lg_egress_check(AF_INET, dst, reason, sizeof(reason));
	if (rc)
		refuse(reason);
	if (parse_mac(so->dst_mac, dmac) || get_mac(so->dev, smac))
		refuse("bad --dst-mac, or no MAC on the interface");
	if (pkt_build(&spec, &p, &why))
		refuse(why);
	memcpy(p.data, dmac, 6);
	memcpy(p.data + 6, smac, 6);

	g = bench_gen__open();
	if (!g)
		die("bench_gen__open", errno);
	g->rodata->gen_ifindex = (__u32)ifindex;
	g->rodata->gen_l3_off = (__u32)p.off[PKT_L_L3];
	g->rodata->gen_nsrc = so->sources;
	for (unsigned int i = 0; i < so->sources; i++)
		g->bss->gen_src[i] = source(i);
	/* The frame carries source 0 already (one source: nothing to do). */
	memcpy(p.data + p.off[PKT_L_L3] + 12, &g->bss->gen_src[0], 4);
	rc = bench_gen__load(g);
	if (rc)
		die("bench_gen__load", -rc);

	t_end = now_s() + so->seconds;
	while (sent < so->max_packets && now_s() < t_end) {
		__u32 n = so->max_packets - sent < CHUNK
			      ? (__u32)(so->max_packets - sent)
			      : CHUNK;
		struct bpf_test_run_opts t = {
		    .sz = sizeof(t),
		    .data_in = p.data,
		    .data_size_in = (__u32)p.len,
		    .repeat = n,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
		};

		if (n < 2)
			break;
		g->bss->gen_first = g->bss->gen_seq;
		g->bss->gen_last = g->bss->gen_seq + n - 1;
		g->bss->gen_t0 = 0;
		g->bss->gen_t1 = 0;
		if (bpf_prog_test_run_opts(bpf_program__fd(g->progs.bench_gen),
					   &t))
			die("BPF_PROG_TEST_RUN (live frames)", errno);
		if (!g->bss->gen_t0 || g->bss->gen_t1 <= g->bss->gen_t0)
			die("the generator did not time the run", EINVAL);
		/* The first frame to the last: n - 1 intervals. */
		ns += (double)(g->bss->gen_t1 - g->bss->gen_t0) * n / (n - 1);
		sent += n;
	}
	printf("{\"packets\": %llu, \"seconds\": %.6f, \"pps\": %.0f, "
	       "\"sources\": %u}\n",
	       sent, ns / 1e9, ns > 0 ? (double)sent * 1e9 / ns : 0.0,
	       so->sources);
	bench_gen__destroy(g);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"dev", required_argument, NULL, 'd'},
	    {"dst-mac", required_argument, NULL, 'm'},
	    {"dst", required_argument, NULL, 'a'},
	    {"sources", required_argument, NULL, 'n'},
	    {"seconds", required_argument, NULL, 's'},
	    {"max-packets", required_argument, NULL, 'p'},
	    {"port", required_argument, NULL, 'P'},
	    {"rate", required_argument, NULL, 'r'},
	    {NULL, 0, NULL, 0},
	};
	struct send_opts so = {.sources = 1,
			       .port = 9,
			       .seconds = 1.0,
			       .max_packets = 20000000ULL};
	const char *cmd;
	int ch;

	if (argc < 2)
		usage();
	cmd = argv[1];
	optind = 2;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'd':
			so.dev = optarg;
			break;
		case 'm':
			so.dst_mac = optarg;
			break;
		case 'a':
			so.dst = optarg;
			break;
		case 'n':
			so.sources = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 's':
			so.seconds = strtod(optarg, NULL);
			break;
		case 'p':
			so.max_packets = strtoull(optarg, NULL, 10);
			break;
		case 'P':
			so.port = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'r':
			so.rate = strtoul(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	/* Bounded whatever the caller asks: 60 s, 10^9 frames. */
	if (so.seconds <= 0 || so.seconds > 60 || !so.max_packets ||
	    so.max_packets > 1000000000ULL)
		usage();
	if (!strcmp(cmd, "drop") && so.dev)
		return cmd_drop(so.dev);
	if (!strcmp(cmd, "gcra") && so.dev && so.rate && so.rate <= 10000000UL)
		return cmd_gcra(so.dev, so.rate);
	if (!strcmp(cmd, "send"))
		return cmd_send(&so);
	usage();
	return 2;
}
