/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The benchmarks' "realistic" floodgate config, one text for every
 * benchmark: 10 rules, 1 000 list entries (allow and deny, IPv4 and IPv6,
 * prefix lengths /29 to /128), every rule and the defaults limited in two
 * dimensions (packets and bytes). The flood of the benchmarks is UDP to
 * port 9, which the rule "bulk" limits to `flood_rate` packets per second
 * per source. The list entries cover none of the benchmarks' sources.
 */
#ifndef FG_BENCH_CONFIG_H
#define FG_BENCH_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#define BENCH_FLOOD_PORT 9
#define BENCH_LIST_ENTRIES 1000

struct bench_config {
	unsigned long flood_rate;   /* rule "bulk", packets/s; 0 = 100 */
	unsigned long max_sources;  /* table.max_sources; 0 = default */
	int no_admission;	    /* table.new_sources: 0 (no limit) */
	unsigned long list_entries; /* 0 = BENCH_LIST_ENTRIES */
	/* "bulk" with a `fleet:` limit, and a fleet section with a redis
	 * URL (nothing listens there: the datapath never talks to it). */
	int fleet;
	int block;	  /* "bulk" with `block: 1s` */
	int packets_only; /* "bulk" limits packets only (bytes: 0, off) */
};

/* Writes the YAML (without interfaces, metrics, detach_on_exit: callers
 * that run a daemon add their own). Returns 0 or -1 on a write error. */
int bench_config_write(FILE *f, const struct bench_config *c);

#endif /* FG_BENCH_CONFIG_H */
