// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fg-fleet-charge URL NAME RULE ADDR COUNT CHARGE_MS [TOL_MS]: what a
 * fleet host publishes, for the e2e tests. Charges COUNT sources of
 * rule RULE (its name) in fleet NAME with CHARGE_MS each, at a
 * tolerance of TOL_MS (default 1), through the sync script, in one
 * sync: each goes over and is blocked for CHARGE_MS - TOL_MS (at most
 * the fleet's block maximum). The sources: ADDR, then the next prefix
 * up (IPv4: the next address; IPv6: the next /64). Prints "blocked N"
 * (the blocks this sync pulled) and exits 0, or says why not (exit 1).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleetredis.h"
#include "ruleset.h"
#include "units.h"

#define TIMEOUT_NS 5000000000ULL
#define BLOCK_MAX_US 600000000ULL /* floodgated's */

int main(int argc, char **argv)
{
	struct fg_redis_addr addr;
	struct fg_fleet_item *items;
	struct fg_fleet_sync_args a = {.host = "fg-fleet-charge",
				       .host_ttl_us = 1000000,
				       .block_max_us = BLOCK_MAX_US};
	struct fg_fleet_result r;
	struct fg_fleet_conn *c;
	struct fg_cidr base;
	enum fg_fleet_op op;
	char err[512];
	const char *why = NULL;
	long count;
	double charge_ms, tol_ms;
	int rc;

	if (argc < 7 || argc > 8) {
		fprintf(stderr,
			"usage: %s URL NAME RULE ADDR COUNT CHARGE_MS "
			"[TOL_MS]\n",
			argv[0]);
		return 1;
	}
	count = strtol(argv[5], NULL, 10);
	charge_ms = strtod(argv[6], NULL);
	tol_ms = argc == 8 ? strtod(argv[7], NULL) : 1;
	if (fg_redis_url_parse(argv[1], &addr, &why) ||
	    fg_parse_cidr(argv[4], &base, &why) || count < 1 ||
	    count > 100000 || charge_ms <= 0 || tol_ms <= 0) {
		fprintf(stderr, "bad arguments%s%s\n", why ? ": " : "",
			why ? why : "");
		return 1;
	}
	items = calloc((size_t)count, sizeof(*items));
	if (!items)
		return 1;
	for (long i = 0; i < count; i++) {
		struct fg_fleet_item *it = &items[i];
		/* the word that holds the key's prefix: IPv4 /32, IPv6 /64 */
		int w = base.is_v4 ? 3 : 1;

		it->key.rule_id = fg_rule_id(argv[3]);
		memcpy(it->key.addr, base.addr, sizeof(it->key.addr));
		it->key.addr[w] = htonl(ntohl(it->key.addr[w]) + (__u32)i);
		it->charge_ns[FG_DIM_PACKETS] = charge_ms * 1e6;
		it->tolerance_ns[FG_DIM_PACKETS] = tol_ms * 1e6;
	}
	c = fg_fleet_connect(&addr, NULL, TIMEOUT_NS, &op, err, sizeof(err));
	if (!c) {
		fprintf(stderr, "%s: %s\n", fg_fleet_op_names[op], err);
		free(items);
		return 1;
	}
	a.name = argv[2];
	a.items = items;
	a.nitems = (size_t)count;
	rc = fg_fleet_sync(c, &a, &r, err, sizeof(err));
	if (rc)
		fprintf(stderr, "sync: %s\n", err);
	else
		printf("blocked %zu\n", r.nblocks);
	fg_fleet_result_free(&r);
	fg_fleet_disconnect(c);
	free(items);
	return rc ? 1 : 0;
}
