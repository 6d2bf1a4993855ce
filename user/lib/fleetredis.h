/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The fleet's Redis protocol (DESIGN.md §8), through hiredis: one Lua
 * script per period does a host's whole sync in one round trip. It
 * charges each published (source, rule, dimension) TAT, records a block
 * for a source over its fleet limit, notes the host as alive, and
 * returns the blocks issued since the host's last sync.
 *
 * Keys, all with the {name} hash tag (one Redis Cluster slot), all
 * expiring when the fleet goes quiet:
 *   fg:{name}:tat     zset  member dim+source, score its TAT (us)
 *   fg:{name}:blocks  zset  member "until_us|source", score when issued
 *   fg:{name}:hosts   zset  member host, score its last sync (us)
 * Times are Redis' clock (TIME), so hosts' clocks need not agree.
 * Every call has a timeout; nothing here retries or sleeps.
 */
#ifndef FG_FLEETREDIS_H
#define FG_FLEETREDIS_H

#include <stddef.h>

#include "fg_abi.h"
#include "fleetpub.h"
#include "redisurl.h"

/* What failed, for floodgate_fleet_errors_total{op}. */
/* clang-format off */
#define FG_FLEET_OP_LIST(X)                                                    \
	X(CONNECT, "connect")                                                  \
	X(AUTH, "auth")                                                        \
	X(SYNC, "sync")
/* clang-format on */
#define FG_FLEET_OP_ENUM(name, label) FG_FLEET_OP_##name,
enum fg_fleet_op { FG_FLEET_OP_LIST(FG_FLEET_OP_ENUM) FG_FLEET_OP_COUNT };
#undef FG_FLEET_OP_ENUM
extern const char *const fg_fleet_op_names[FG_FLEET_OP_COUNT];
/* The step an error reply belongs to: a refusal for want of AUTH (a
 * server with a password answers NOAUTH to anything) is auth's, whatever
 * step met it. */
enum fg_fleet_op fg_fleet_error_op(const char *err, enum fg_fleet_op step);

/* Sources per script call: bounds how long one call holds Redis (it
 * runs scripts one at a time); a period's calls go in one pipeline. */
#define FG_FLEET_CHUNK 512
/* Blocks one sync returns at most. */
#define FG_FLEET_PULL_MAX 10000

struct fg_fleet_conn;

/* Connects, AUTHs when password is not NULL, SELECTs the URL's
 * database and loads the script; every step times out after
 * timeout_ns. NULL on failure, with *op the step and err the reason
 * (never the password). */
struct fg_fleet_conn *fg_fleet_connect(const struct fg_redis_addr *a,
				       const char *password, __u64 timeout_ns,
				       enum fg_fleet_op *op, char *err,
				       size_t errlen);
void fg_fleet_disconnect(struct fg_fleet_conn *c);

struct fg_fleet_sync_args {
	const char *name, *host;
	__u64 now_us;	    /* 0: Redis' clock; tests set it */
	__u64 watermark_us; /* blocks issued since: 0 = all kept */
	__u64 host_ttl_us;  /* a host not seen for this long is gone */
	__u64 block_max_us; /* no block lasts longer */
	const struct fg_fleet_item *items;
	size_t nitems;
};

struct fg_fleet_pulled {
	struct fg_src_key key;
	__u64 until_us; /* Redis' clock */
};

struct fg_fleet_result {
	__u64 now_us; /* Redis' clock during the sync */
	unsigned int hosts;
	size_t nblocks;
	struct fg_fleet_pulled *blocks; /* malloc'd */
	size_t commands, bytes_sent;
};

/* One period's sync. 0, or -errno with err set; on -EPROTO the reply
 * was an error (err has it: NOAUTH, OOM, NOSCRIPT, ...). */
int fg_fleet_sync(struct fg_fleet_conn *c, const struct fg_fleet_sync_args *a,
		  struct fg_fleet_result *r, char *err, size_t errlen);
void fg_fleet_result_free(struct fg_fleet_result *r);

/* A source as the script's keys spell it (40 hex digits: rule id, then
 * the address's four words, network order) and back. */
void fg_fleet_source_format(const struct fg_src_key *k, char out[41]);
int fg_fleet_source_parse(const char *s, size_t len, struct fg_src_key *k);

#endif /* FG_FLEETREDIS_H */
