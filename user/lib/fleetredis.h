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
 *   fg:{name}:ends    zset  member source, score its block's end (us);
 *                           minus the time of an unblock: cleared
 *   fg:{name}:issued  zset  member source, score the sequence number
 *                           of its last change (block or unblock)
 *   fg:{name}:seq     the last sequence number given
 *   fg:{name}:hosts   zset  member host, score its last sync (us)
 * A host pulls by sequence number, a page at a time: it gets every
 * change once, however many came in a period, and one that joins late
 * gets the blocks still in force (ended ones are pruned, and skipped).
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
/* Blocks one script call returns at most (a page), and pages one sync
 * pulls at most: the rest comes at the next sync, the watermark having
 * moved only past what was received. */
#define FG_FLEET_PULL_PAGE 10000
#define FG_FLEET_PULL_PAGES 8
/* Ended or bogus blocks the script prunes per call at most, per kind. */
#define FG_FLEET_PRUNE_MAX 1000
/* What the client takes from Redis at most: elements of one array (a
 * page of pairs, and room), the length of one string (an error). */
#define FG_FLEET_REPLY_ELEMENTS_MAX (2 * FG_FLEET_PULL_PAGE + 16)
#define FG_FLEET_REPLY_STRING_MAX 4096

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
	__u64 watermark;    /* changes after this sequence number: 0 = all */
	__u64 host_ttl_us;  /* a host not seen for this long is gone */
	__u64 block_max_us; /* no block lasts longer */
	const struct fg_fleet_item *items;
	size_t nitems;
};

struct fg_fleet_pulled {
	struct fg_src_key key;
	__u64 until_us; /* Redis' clock; 0: unblocked, clear it */
};

struct fg_fleet_result {
	__u64 now_us; /* Redis' clock during the sync */
	unsigned int hosts;
	__u64 watermark; /* the last change received: the next pull's */
	size_t nblocks;
	struct fg_fleet_pulled *blocks; /* malloc'd */
	size_t malformed; /* entries refused by fg_fleet_parse_block */
	size_t commands, bytes_sent;
};

/* One period's sync. 0, or -errno with err set; on -EPROTO the reply
 * was an error (err has it: NOAUTH, OOM, NOSCRIPT, ...). */
int fg_fleet_sync(struct fg_fleet_conn *c, const struct fg_fleet_sync_args *a,
		  struct fg_fleet_result *r, char *err, size_t errlen);
void fg_fleet_result_free(struct fg_fleet_result *r);

/* Removes the blocks of keys[0..n) from the fleet (each becomes an
 * unblock that every host applies at its next sync) and forgives their
 * debt (their TATs). Returns how many were blocked, or -errno with err
 * set. */
int fg_fleet_unblock(struct fg_fleet_conn *c, const char *name,
		     const struct fg_src_key *keys, size_t n, char *err,
		     size_t errlen);

/* One pulled entry, strictly: a source as below and an end of 1 to 20
 * decimal digits (no sign, no junk, no overflow), "0" for an unblock.
 * An end past now_us + max_us is clamped to it. 0, or -EINVAL. */
int fg_fleet_parse_block(const char *src, size_t srclen, const char *end,
			 size_t endlen, __u64 now_us, __u64 max_us,
			 struct fg_fleet_pulled *out);
/* A decimal of 1 to 20 digits that fits 64 bits. 0, or -EINVAL. */
int fg_fleet_parse_u64(const char *s, size_t len, __u64 *out);

/* A source as the script's keys spell it (40 hex digits: rule id, then
 * the address's four words, network order) and back. */
void fg_fleet_source_format(const struct fg_src_key *k, char out[41]);
int fg_fleet_source_parse(const char *s, size_t len, struct fg_src_key *k);

#endif /* FG_FLEETREDIS_H */
