// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "bench_config.h"

/* Rules: first match by protocol and destination port. Every one limits
 * packets and bytes; the flood (UDP port 9) takes "bulk". */
static const char rules_yaml[] =
    "limits:\n"
    "  packets: 1000/s\n"
    "  burst_packets: 2000\n"
    "  bytes: 10MB/s\n"
    "  burst_bytes: 1MB\n"
    "rules:\n"
    "  - {name: http, protocol: tcp, ports: [80, 443, \"8000-8099\"],\n"
    "     packets: 200/s, burst_packets: 400, bytes: 2MB/s,\n"
    "     new_connections: 20/s, burst_connections: 40}\n"
    "  - {name: ssh, protocol: tcp, ports: [22], packets: 50/s,\n"
    "     burst_packets: 100, bytes: 200KB/s, block: 30s}\n"
    "  - {name: mail, protocol: tcp, ports: [25, 465, 587],\n"
    "     packets: 100/s, bytes: 1MB/s}\n"
    "  - {name: imap, protocol: tcp, ports: [143, 993], packets: 100/s,\n"
    "     bytes: 1MB/s}\n"
    "  - {name: dns, protocol: udp, ports: [53], packets: 50/s,\n"
    "     burst_packets: 100, bytes: 50KB/s}\n"
    "  - {name: ntp, protocol: udp, ports: [123], packets: 10/s,\n"
    "     bytes: 10KB/s}\n"
    "  - {name: quic, protocol: udp, ports: [443], packets: 500/s,\n"
    "     bytes: 5MB/s}\n"
    "  - {name: syslog, protocol: udp, ports: [514], packets: 100/s,\n"
    "     bytes: 100KB/s}\n"
    "  - {name: ping, protocol: icmp, packets: 10/s, bytes: 10KB/s}\n";

/* Entry j of the list: IPv4 /32 and /29 first, then IPv6 /56, /64,
 * /64, /128 in turn, each family of prefixes in its own corner of
 * 2001:db8::/32 (2001:db8:fc00:: and up), so no two entries are equal
 * and none covers a benchmark's source. */
static int list_entry(FILE *f, unsigned long j)
{
	unsigned long k, cnt;

	if (j < 64)
		return fprintf(f, "    - \"192.0.2.%lu/32\"\n", 64 + j);
	if (j < 80)
		return fprintf(f, "    - \"192.0.2.%lu/29\"\n",
			       128 + 8 * (j - 64));
	k = j - 80;
	cnt = k / 4;
	switch (k % 4) {
	case 0:
		return fprintf(f, "    - \"2001:db8:fc%02lx:%02lx00::/56\"\n",
			       (cnt >> 8) & 0xff, cnt & 0xff);
	case 3:
		return fprintf(f, "    - \"2001:db8:fe%02lx:%lx::1/128\"\n",
			       (cnt >> 16) & 0xff, cnt & 0xffff);
	default:
		cnt = cnt * 2 + (k % 4 == 2);
		return fprintf(f, "    - \"2001:db8:fd%02lx:%lx::/64\"\n",
			       (cnt >> 16) & 0xff, cnt & 0xffff);
	}
}

int bench_config_write(FILE *f, const struct bench_config *c)
{
	unsigned long rate = c->flood_rate ? c->flood_rate : 100;
	unsigned long n =
	    c->list_entries ? c->list_entries : BENCH_LIST_ENTRIES;
	/* Its value is the daemon's business; the datapath sees only
	 * that the rule has one. */
	const char *fleet = c->fleet ? ",\n     fleet: {packets: 1000/s}" : "";
	const char *block = c->block ? ", block: 1s" : "";
	int rc = 0;

	rc |= fprintf(f, "mode: enforce\ntable:\n") < 0;
	if (c->max_sources)
		rc |= fprintf(f, "  max_sources: %lu\n", c->max_sources) < 0;
	rc |= fprintf(f, "  ipv4_prefix: 32\n  ipv6_prefix: 64\n") < 0;
	if (c->no_admission)
		rc |= fprintf(f, "  new_sources: 0\n") < 0;
	rc |= fputs(rules_yaml, f) < 0;
	/* The flood's rule. A rate of 10^6/s and more is the "under the
	 * limit" variant: bytes and burst grow with it. */
	rc |=
	    fprintf(
		f,
		"  - {name: bulk, protocol: udp, ports: [%d, \"5000-5999\"],\n"
		"     packets: %lu/s, burst_packets: %lu, bytes: %s,\n"
		"     burst_bytes: %s%s%s}\n",
		BENCH_FLOOD_PORT, rate, rate,
		c->packets_only	  ? "0"
		: rate >= 1000000 ? "1GB/s"
				  : "100KB/s",
		rate >= 1000000 ? "100GB" : "64KB", block, fleet) < 0;
	if (c->fleet)
		rc |= fputs("fleet: {redis: \"redis://192.0.2.50:6379\", "
			    "name: bench}\n",
			    f) < 0;
	/* Half allow, half deny, interleaved. */
	for (int deny = 0; deny < 2; deny++) {
		rc |= fprintf(f, "%s  %s:\n", deny ? "" : "lists:\n",
			      deny ? "deny" : "allow") < 0;
		for (unsigned long j = (unsigned long)deny; j < n; j += 2)
			rc |= list_entry(f, j) < 0;
	}
	return rc ? -1 : 0;
}
