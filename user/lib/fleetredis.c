// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "fleetredis.h"

#include <arpa/inet.h>
#include <errno.h>
#include <hiredis/hiredis.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FG_XSTR(x) #x
#define FG_STR(x) FG_XSTR(x)

#define FG_FLEET_OP_NAME(name, label) label,
const char *const fg_fleet_op_names[FG_FLEET_OP_COUNT] = {
    FG_FLEET_OP_LIST(FG_FLEET_OP_NAME)};
#undef FG_FLEET_OP_NAME

/*
 * KEYS: tat, ends, issued, seq, hosts. ARGV: host, now_us (0: TIME),
 * watermark ("-": pull nothing), host_ttl_us, block_max_us, the number
 * of rules, per rule its id (8 hex digits) and the tolerance of each
 * dimension (packets, bytes, connections) in us, then per source the
 * source and each dimension's charge in whole us (0: none). GCRA per
 * (source, dimension): the TAT moves by the charge from max(TAT, now); a
 * source whose TAT minus tolerance is ahead of now is over its limit
 * until then. Charges are what hosts already passed, so going over
 * leaves a debt that the block pays off: over time the fleet passes the
 * limit, not the limit plus what slipped through while the verdict
 * travelled. The debt stops at block_max past the tolerance: more would
 * be paid off by blocks of block_max back to back, and a spoofed flood
 * naming a victim would buy it hours of them.
 *
 * Pruned first, a bounded number per call: ends reached, unblocks older
 * than block_max, and ends no script writes (before the epoch, past
 * now + block_max). The pull returns {source, end} pairs of the changes
 * after the watermark in the order given, a page at most, skipping ends
 * reached, an unblock as end 0; then the last sequence number read and
 * whether there is more. A watermark past the last number given (the
 * keys were lost) pulls everything.
 */
static const char script[] =
    "local tat, ends, issued, seq, hosts =\n"
    "  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]\n"
    "local function f(x) return string.format('%.0f', x) end\n"
    "local now = tonumber(ARGV[2])\n"
    "if now == 0 then\n"
    "  local t = redis.call('TIME')\n"
    "  now = tonumber(t[1]) * 1000000 + tonumber(t[2])\n"
    "end\n"
    "local bmax = tonumber(ARGV[5])\n"
    "redis.call('ZREMRANGEBYSCORE', tat, '-inf', now)\n"
    "local function prune(lo, hi)\n"
    "  local gone = redis.call('ZRANGEBYSCORE', ends, lo, hi, 'LIMIT', "
    "0, " FG_STR(
	FG_FLEET_PRUNE_MAX) ")\n"
			    "  if #gone > 0 then\n"
			    "    redis.call('ZREM', ends, unpack(gone))\n"
			    "    redis.call('ZREM', issued, unpack(gone))\n"
			    "  end\n"
			    "end\n"
			    "prune(0, f(now))\n"
			    "prune(f(bmax - now), '(0')\n"
			    "prune('-inf', '(' .. f(-now - bmax))\n"
			    "prune('(' .. f(now + bmax), '+inf')\n"
			    "local tol, i = {}, 7\n"
			    "for _ = 1, tonumber(ARGV[6]) do\n"
			    "  tol[ARGV[i]] = {tonumber(ARGV[i + 1]), "
			    "tonumber(ARGV[i + 2]),\n"
			    "                  tonumber(ARGV[i + 3])}\n"
			    "  i = i + 4\n"
			    "end\n"
			    "local dims = {'p', 'b', 'c'}\n"
			    "for j = i, #ARGV, 4 do\n"
			    "  local src, untl = ARGV[j], 0\n"
			    "  local rt = tol[string.sub(src, 1, 8)]\n"
			    "  for d = 1, 3 do\n"
			    "    local charge = tonumber(ARGV[j + d])\n"
			    "    if rt and charge > 0 then\n"
			    "      local m = dims[d] .. src\n"
			    "      local t = tonumber(redis.call('ZSCORE', "
			    "tat, m) or 0)\n"
			    "      if t < now then t = now end\n"
			    "      t = math.min(t + charge, now + rt[d] + "
			    "bmax)\n"
			    "      redis.call('ZADD', tat, f(t), m)\n"
			    "      local free = t - rt[d]\n"
			    "      if free > now and free > untl then untl = "
			    "free end\n"
			    "    end\n"
			    "  end\n"
			    "  if untl > 0 then\n"
			    "    untl = math.min(untl, now + bmax)\n"
			    "    local cur = tonumber(redis.call('ZSCORE', "
			    "ends, src) or 0)\n"
			    "    if untl > cur then\n"
			    "      redis.call('ZADD', ends, f(untl), src)\n"
			    "      redis.call('ZADD', issued, "
			    "redis.call('INCR', seq), src)\n"
			    "    end\n"
			    "  end\n"
			    "end\n"
			    "redis.call('ZADD', hosts, f(now), ARGV[1])\n"
			    "redis.call('ZREMRANGEBYSCORE', hosts, '-inf', now "
			    "- tonumber(ARGV[4]))\n"
			    "local ttl = math.floor((bmax + tonumber(ARGV[4])) "
			    "/ 1000) + 60000\n"
			    "for _, k in ipairs(KEYS) do redis.call('PEXPIRE', "
			    "k, ttl) end\n"
			    "local got, last, more = {}, 0, 0\n"
			    "if ARGV[3] ~= '-' then\n"
			    "  last = tonumber(ARGV[3])\n"
			    "  if last > tonumber(redis.call('GET', seq) or 0) "
			    "then last = 0 end\n"
			    "  local ids = redis.call('ZRANGEBYSCORE', issued, "
			    "'(' .. f(last),\n"
			    "    '+inf', 'WITHSCORES', 'LIMIT', 0, " FG_STR(
				FG_FLEET_PULL_PAGE) ")\n"
						    "  for k = 1, #ids, 2 do\n"
						    "    local m = ids[k]\n"
						    "    last = tonumber(ids[k "
						    "+ 1])\n"
						    "    local e = #m == 40 "
						    "and "
						    "tonumber(redis.call('"
						    "ZSCORE', ends, m) or 0)\n"
						    "      or 0\n"
						    "    if e > now then\n"
						    "      got[#got + 1] = m\n"
						    "      got[#got + 1] = "
						    "f(e)\n"
						    "    elseif e < 0 then\n"
						    "      got[#got + 1] = m\n"
						    "      got[#got + 1] = "
						    "'0'\n"
						    "    end\n"
						    "  end\n"
						    "  if #ids == 2 * " FG_STR(
							FG_FLEET_PULL_PAGE) " t"
									    "he"
									    "n "
									    "mo"
									    "re"
									    " ="
									    " 1"
									    " e"
									    "nd"
									    "\n"
									    "en"
									    "d"
									    "\n"
									    "re"
									    "tu"
									    "rn"
									    " {"
									    "f("
									    "no"
									    "w)"
									    ", "
									    "re"
									    "di"
									    "s."
									    "ca"
									    "ll"
									    "('"
									    "ZC"
									    "AR"
									    "D'"
									    ", "
									    "ho"
									    "st"
									    "s)"
									    ", "
									    "f("
									    "la"
									    "st"
									    "),"
									    " m"
									    "or"
									    "e,"
									    " g"
									    "ot"
									    "}"
									    "\n";

/*
 * KEYS: tat, ends, issued, seq. ARGV: the sources. Each source blocked
 * now becomes an unblock (its end minus now, a new sequence number), and
 * its TATs go: the source starts afresh. Returns how many were blocked.
 */
static const char unblock_script[] =
    "local tat, ends, issued, seq = KEYS[1], KEYS[2], KEYS[3], KEYS[4]\n"
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000000 + tonumber(t[2])\n"
    "local n = 0\n"
    "for _, src in ipairs(ARGV) do\n"
    "  redis.call('ZREM', tat, 'p' .. src, 'b' .. src, 'c' .. src)\n"
    "  if tonumber(redis.call('ZSCORE', ends, src) or 0) > now then\n"
    "    redis.call('ZADD', ends, string.format('%.0f', -now), src)\n"
    "    redis.call('ZADD', issued, redis.call('INCR', seq), src)\n"
    "    n = n + 1\n"
    "  end\n"
    "end\n"
    "return n\n";

enum fg_fleet_op fg_fleet_error_op(const char *err, enum fg_fleet_op step)
{
	/* Without AUTH, a server with a password refuses every command. */
	return strncmp(err, "NOAUTH", 6) ? step : FG_FLEET_OP_AUTH;
}

struct fg_fleet_conn {
	redisContext *rc;
	char sha[41];
	/* hiredis' reply builders, which bounded_* call within bounds */
	redisReplyObjectFunctions *hiredis_fn, bounded_fn;
	bool too_big; /* a reply went past the bounds */
};

/* Replies past FG_FLEET_REPLY_*_MAX are refused while they are read: a
 * Redis anyone can write to never makes the client build more. The
 * reader's private data is the connection. */
static struct fg_fleet_conn *conn_of(const redisReadTask *t)
{
	return t->privdata;
}

static void *bounded_string(const redisReadTask *t, char *s, size_t len)
{
	struct fg_fleet_conn *c = conn_of(t);

	if (len > FG_FLEET_REPLY_STRING_MAX) {
		c->too_big = true;
		return NULL;
	}
	return c->hiredis_fn->createString(t, s, len);
}

/* hiredis 1.0 counts an array's elements in a size_t, 0.14 in an int. */
#if HIREDIS_MAJOR >= 1
typedef size_t reply_count;
#else
typedef int reply_count;
#endif

static void *bounded_array(const redisReadTask *t, reply_count n)
{
	struct fg_fleet_conn *c = conn_of(t);

	if (n > (reply_count)FG_FLEET_REPLY_ELEMENTS_MAX) {
		c->too_big = true;
		return NULL;
	}
	return c->hiredis_fn->createArray(t, n);
}

static void *bounded_integer(const redisReadTask *t, long long v)
{
	return conn_of(t)->hiredis_fn->createInteger(t, v);
}

static void *bounded_nil(const redisReadTask *t)
{
	return conn_of(t)->hiredis_fn->createNil(t);
}

/*
 * hiredis 1.0 reads RESP3 doubles and booleans too, whatever protocol
 * was asked for, and for a builder left NULL it hands back the type
 * number cast to a pointer as the reply: a Redis sending ",1.5" would
 * make the caller read through it. So these forward, within the same
 * bounds (a double comes with its text).
 */
#if HIREDIS_MAJOR >= 1
static void *bounded_double(const redisReadTask *t, double v, char *s,
			    size_t len)
{
	struct fg_fleet_conn *c = conn_of(t);

	if (len > FG_FLEET_REPLY_STRING_MAX) {
		c->too_big = true;
		return NULL;
	}
	return c->hiredis_fn->createDouble(t, v, s, len);
}

static void *bounded_bool(const redisReadTask *t, int v)
{
	return conn_of(t)->hiredis_fn->createBool(t, v);
}
#endif

static void bound_replies(struct fg_fleet_conn *c)
{
	redisReader *rd = c->rc->reader;

	c->hiredis_fn = rd->fn;
	c->bounded_fn = (redisReplyObjectFunctions)
	{
		.createString = bounded_string, .createArray = bounded_array,
		.createInteger = bounded_integer, .createNil = bounded_nil,
#if HIREDIS_MAJOR >= 1
		.createDouble = bounded_double, .createBool = bounded_bool,
#endif
		.freeObject = c->hiredis_fn->freeObject,
	};
	rd->fn = &c->bounded_fn;
	rd->privdata = c;
}

/* What went wrong with the connection, for err. */
static const char *conn_error(const struct fg_fleet_conn *c)
{
	if (c->too_big)
		return "reply from Redis over the size bound";
	return c->rc->err ? c->rc->errstr : "no reply";
}

static struct timeval tv_of(__u64 ns)
{
	struct timeval tv = {.tv_sec = (time_t)(ns / 1000000000ULL),
			     .tv_usec =
				 (suseconds_t)(ns % 1000000000ULL / 1000)};

	return tv;
}

/* The reply of one command, or NULL with err set. */
static redisReply *command(struct fg_fleet_conn *c, char *err, size_t errlen,
			   int argc, const char **argv)
{
	redisReply *r = redisCommandArgv(c->rc, argc, argv, NULL);

	if (!r) {
		snprintf(err, errlen, "%s", conn_error(c));
		return NULL;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		snprintf(err, errlen, "%s", r->str);
		freeReplyObject(r);
		return NULL;
	}
	return r;
}

static int setup(struct fg_fleet_conn *c, const struct fg_redis_addr *a,
		 const char *password, enum fg_fleet_op *op, char *err,
		 size_t errlen)
{
	char db[16];
	const char *auth[] = {"AUTH", password};
	const char *sel[] = {"SELECT", db};
	const char *load[] = {"SCRIPT", "LOAD", script};
	redisReply *r;

	*op = FG_FLEET_OP_AUTH;
	if (password) {
		r = command(c, err, errlen, 2, auth);
		if (!r)
			return -EACCES;
		freeReplyObject(r);
	}
	*op = FG_FLEET_OP_CONNECT;
	if (a->db) {
		snprintf(db, sizeof(db), "%d", a->db);
		r = command(c, err, errlen, 2, sel);
		if (!r) {
			*op = fg_fleet_error_op(err, FG_FLEET_OP_CONNECT);
			return -EPROTO;
		}
		freeReplyObject(r);
	}
	r = command(c, err, errlen, 3, load);
	if (!r) {
		*op = fg_fleet_error_op(err, FG_FLEET_OP_CONNECT);
		return -EPROTO;
	}
	if (r->type != REDIS_REPLY_STRING || r->len != 40) {
		snprintf(err, errlen, "SCRIPT LOAD: unexpected reply");
		freeReplyObject(r);
		return -EPROTO;
	}
	memcpy(c->sha, r->str, 40);
	c->sha[40] = '\0';
	freeReplyObject(r);
	return 0;
}

struct fg_fleet_conn *fg_fleet_connect(const struct fg_redis_addr *a,
				       const char *password, __u64 timeout_ns,
				       enum fg_fleet_op *op, char *err,
				       size_t errlen)
{
	struct fg_fleet_conn *c = calloc(1, sizeof(*c));
	struct timeval tv = tv_of(timeout_ns);

	*op = FG_FLEET_OP_CONNECT;
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->rc = a->is_unix ? redisConnectUnixWithTimeout(a->path, tv)
			   : redisConnectWithTimeout(a->host, a->port, tv);
	if (!c->rc || c->rc->err) {
		snprintf(err, errlen, "%s",
			 c->rc ? c->rc->errstr : "out of memory");
		goto fail;
	}
	if (redisSetTimeout(c->rc, tv) != REDIS_OK) {
		snprintf(err, errlen, "setting the timeout failed");
		goto fail;
	}
	bound_replies(c);
	if (setup(c, a, password, op, err, errlen))
		goto fail;
	return c;
fail:
	fg_fleet_disconnect(c);
	return NULL;
}

void fg_fleet_disconnect(struct fg_fleet_conn *c)
{
	if (!c)
		return;
	if (c->rc)
		redisFree(c->rc);
	free(c);
}

void fg_fleet_source_format(const struct fg_src_key *k, char out[41])
{
	snprintf(out, 41, "%08x%08x%08x%08x%08x", k->rule_id, ntohl(k->addr[0]),
		 ntohl(k->addr[1]), ntohl(k->addr[2]), ntohl(k->addr[3]));
}

static int hex_word(const char *s, __u32 *out)
{
	__u32 v = 0;

	for (int i = 0; i < 8; i++) {
		char ch = s[i];
		int d = ch >= '0' && ch <= '9'	 ? ch - '0'
			: ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
						 : -1;

		if (d < 0)
			return -EINVAL;
		v = v << 4 | (__u32)d;
	}
	*out = v;
	return 0;
}

int fg_fleet_source_parse(const char *s, size_t len, struct fg_src_key *k)
{
	__u32 w;

	if (len != 40 || hex_word(s, &k->rule_id))
		return -EINVAL;
	for (int i = 0; i < 4; i++) {
		if (hex_word(s + 8 + 8 * (size_t)i, &w))
			return -EINVAL;
		k->addr[i] = htonl(w);
	}
	return 0;
}

/* The script's keys, in its KEYS order. */
#define FLEET_KEYS 5
#define FLEET_KEY_MAX (FG_FLEET_NAME_MAX + 16)
static void fleet_keys(const char *name, char keys[][FLEET_KEY_MAX])
{
	static const char *const suffix[FLEET_KEYS] = {"tat", "ends", "issued",
						       "seq", "hosts"};

	for (int i = 0; i < FLEET_KEYS; i++)
		snprintf(keys[i], FLEET_KEY_MAX, "fg:{%s}:%s", name, suffix[i]);
}

/* The arguments of one script call, as strings in one buffer. */
struct call {
	const char **argv;
	size_t *lens;
	char *text;
	int argc;
};

static void add_arg(struct call *cl, char **at, const char *fmt, double v)
{
	int n = sprintf(*at, fmt, v);

	cl->argv[cl->argc] = *at;
	cl->lens[cl->argc++] = (size_t)n;
	*at += n + 1;
}

/* Per rule: its tolerances, sent once per call, not once per source. */
struct rule_tol {
	__u32 id;
	const double *tolerance_ns;
};

static size_t call_rules(const struct fg_fleet_sync_args *a, size_t from,
			 size_t to, struct rule_tol *out, size_t max)
{
	size_t n = 0;

	for (size_t i = from; i < to; i++) {
		size_t k = 0;

		while (k < n && out[k].id != a->items[i].key.rule_id)
			k++;
		if (k == n && n < max) {
			out[n].id = a->items[i].key.rule_id;
			out[n++].tolerance_ns = a->items[i].tolerance_ns;
		}
	}
	return n;
}

/* Formats and queues one call of items [from, to). */
static int queue_call(struct fg_fleet_conn *c,
		      const struct fg_fleet_sync_args *a, size_t from,
		      size_t to, bool pull, __u64 watermark,
		      struct fg_fleet_result *r)
{
	struct rule_tol rules[FG_MAX_RULES];
	size_t nrules = call_rules(a, from, to, rules, FG_MAX_RULES);
	/* EVALSHA sha 5, five keys, host, five numbers, 4 per rule and
	 * 4 per source. */
	size_t nargs = 3 + FLEET_KEYS + 1 + 5 + (nrules + (to - from)) * 4;
	struct call cl = {
	    .argv = calloc(nargs, sizeof(*cl.argv)),
	    .lens = calloc(nargs, sizeof(*cl.lens)),
	    .text = malloc(32 * 5UL + nrules * (9 + 3 * 32UL) +
			   (to - from) * (41 + 3 * 32)),
	};
	char keys[FLEET_KEYS][FLEET_KEY_MAX], *at = cl.text, *cmd = NULL;
	int len, rc = -ENOMEM;

	if (!cl.argv || !cl.lens || !cl.text)
		goto out;
	cl.argv[cl.argc++] = "EVALSHA";
	cl.argv[cl.argc++] = c->sha;
	cl.argv[cl.argc++] = FG_STR(FLEET_KEYS);
	fleet_keys(a->name, keys);
	for (int i = 0; i < FLEET_KEYS; i++)
		cl.argv[cl.argc++] = keys[i];
	cl.argv[cl.argc++] = a->host;
	add_arg(&cl, &at, "%.0f", (double)a->now_us);
	if (pull)
		add_arg(&cl, &at, "%.0f", (double)watermark);
	else
		cl.argv[cl.argc++] = "-";
	add_arg(&cl, &at, "%.0f", (double)a->host_ttl_us);
	add_arg(&cl, &at, "%.0f", (double)a->block_max_us);
	add_arg(&cl, &at, "%.0f", (double)nrules);
	for (size_t k = 0; k < nrules; k++) {
		at += sprintf(at, "%08x", rules[k].id) + 1;
		cl.argv[cl.argc++] = at - 9;
		for (int d = 0; d < FG_DIM_COUNT; d++)
			add_arg(&cl, &at, "%.3f",
				rules[k].tolerance_ns[d] / 1000.0);
	}
	for (size_t i = from; i < to; i++) {
		const struct fg_fleet_item *it = &a->items[i];

		fg_fleet_source_format(&it->key, at);
		cl.argv[cl.argc++] = at;
		at += 41;
		/* Whole microseconds: a published charge is at least 1/8 of
		 * a share of a period, thousands of them. */
		for (int d = 0; d < FG_DIM_COUNT; d++)
			add_arg(&cl, &at, "%.0f", it->charge_ns[d] / 1000.0);
	}
	for (int i = 0; i < cl.argc; i++)
		if (!cl.lens[i])
			cl.lens[i] = strlen(cl.argv[i]);
	len = redisFormatCommandArgv(&cmd, cl.argc, cl.argv, cl.lens);
	if (len < 0)
		goto out;
	rc = redisAppendFormattedCommand(c->rc, cmd, (size_t)len) == REDIS_OK
		 ? 0
		 : -EIO;
	r->commands++;
	r->bytes_sent += (size_t)len;
	free(cmd);
out:
	free(cl.argv);
	free(cl.lens);
	free(cl.text);
	return rc;
}

int fg_fleet_parse_u64(const char *s, size_t len, __u64 *out)
{
	__u64 v = 0;

	if (!len || len > 20)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned int d = (unsigned int)(s[i] - '0');

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int fg_fleet_parse_block(const char *src, size_t srclen, const char *end,
			 size_t endlen, __u64 now_us, __u64 max_us,
			 struct fg_fleet_pulled *out)
{
	__u64 until;

	if (fg_fleet_source_parse(src, srclen, &out->key) ||
	    fg_fleet_parse_u64(end, endlen, &until))
		return -EINVAL;
	if (until > now_us && until - now_us > max_us)
		until = now_us + max_us;
	out->until_us = until;
	return 0;
}

static bool is_string(const redisReply *r)
{
	return r->type == REDIS_REPLY_STRING;
}

/* A call's reply: {now, hosts, last, more, {source, end, ...}}. Its
 * pairs are appended to r->blocks (room made by the caller). */
static int parse_result(const redisReply *rep,
			const struct fg_fleet_sync_args *a,
			struct fg_fleet_result *r, bool *more, char *err,
			size_t errlen)
{
	redisReply *const *e = rep->element;
	const redisReply *got;

	if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 5 ||
	    !is_string(e[0]) || e[1]->type != REDIS_REPLY_INTEGER ||
	    !is_string(e[2]) || e[3]->type != REDIS_REPLY_INTEGER ||
	    e[4]->type != REDIS_REPLY_ARRAY || e[4]->elements % 2 ||
	    e[4]->elements > 2UL * FG_FLEET_PULL_PAGE ||
	    fg_fleet_parse_u64(e[0]->str, e[0]->len, &r->now_us) ||
	    fg_fleet_parse_u64(e[2]->str, e[2]->len, &r->watermark) ||
	    e[1]->integer < 0 || e[1]->integer > UINT32_MAX) {
		snprintf(err, errlen, "unexpected reply to the sync script");
		return -EPROTO;
	}
	r->hosts = (unsigned int)e[1]->integer;
	*more = e[3]->integer != 0;
	got = e[4];
	for (size_t i = 0; i < got->elements; i += 2) {
		const redisReply *s = got->element[i], *u = got->element[i + 1];

		if (!is_string(s) || !is_string(u) ||
		    fg_fleet_parse_block(s->str, s->len, u->str, u->len,
					 r->now_us, a->block_max_us,
					 &r->blocks[r->nblocks])) {
			r->malformed++; /* skipped: it does not fail the sync */
			continue;
		}
		r->nblocks++;
	}
	return 0;
}

/* Room for one more page of blocks. */
static int blocks_room(struct fg_fleet_result *r, size_t *cap)
{
	struct fg_fleet_pulled *b;

	if (r->nblocks + FG_FLEET_PULL_PAGE <= *cap)
		return 0;
	b = realloc(r->blocks, (*cap + FG_FLEET_PULL_PAGE) * sizeof(*b));
	if (!b)
		return -ENOMEM;
	r->blocks = b;
	*cap += FG_FLEET_PULL_PAGE;
	return 0;
}

/* Reads n replies, so that the connection stays in step; the last one
 * is parsed (unless an earlier one failed). */
static int read_replies(struct fg_fleet_conn *c,
			const struct fg_fleet_sync_args *a, size_t n,
			struct fg_fleet_result *r, bool *more, char *err,
			size_t errlen)
{
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		redisReply *rep = NULL;

		if (redisGetReply(c->rc, (void **)&rep) != REDIS_OK || !rep) {
			snprintf(err, errlen, "%s", conn_error(c));
			return -EIO;
		}
		if (rep->type == REDIS_REPLY_ERROR) {
			if (!rc)
				snprintf(err, errlen, "%s", rep->str);
			rc = -EPROTO;
		} else if (i + 1 == n && !rc) {
			rc = parse_result(rep, a, r, more, err, errlen);
		}
		freeReplyObject(rep);
	}
	return rc;
}

int fg_fleet_sync(struct fg_fleet_conn *c, const struct fg_fleet_sync_args *a,
		  struct fg_fleet_result *r, char *err, size_t errlen)
{
	size_t ncalls =
	    a->nitems ? (a->nitems + FG_FLEET_CHUNK - 1) / FG_FLEET_CHUNK : 1;
	size_t cap = 0;
	bool more = false;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	r->watermark = a->watermark;
	for (size_t i = 0; i < ncalls; i++) {
		size_t from = i * FG_FLEET_CHUNK;
		size_t to = from + FG_FLEET_CHUNK < a->nitems
				? from + FG_FLEET_CHUNK
				: a->nitems;

		rc = queue_call(c, a, from, to, i + 1 == ncalls, a->watermark,
				r);
		if (rc) {
			snprintf(err, errlen, "queueing the sync: %s",
				 strerror(-rc));
			return rc;
		}
	}
	rc = blocks_room(r, &cap);
	if (!rc)
		rc = read_replies(c, a, ncalls, r, &more, err, errlen);
	/* The rest of the changes, a page per call, from the last one
	 * received on. */
	for (int page = 1; !rc && more && page < FG_FLEET_PULL_PAGES; page++) {
		rc = blocks_room(r, &cap);
		if (!rc)
			rc = queue_call(c, a, 0, 0, true, r->watermark, r);
		if (!rc)
			rc = read_replies(c, a, 1, r, &more, err, errlen);
	}
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	return rc;
}

int fg_fleet_unblock(struct fg_fleet_conn *c, const char *name,
		     const struct fg_src_key *keys, size_t n, char *err,
		     size_t errlen)
{
	char k[FLEET_KEYS][FLEET_KEY_MAX], (*src)[41] = calloc(n, 41);
	const char **argv = calloc(3 + 4 + n, sizeof(*argv));
	redisReply *r = NULL;
	int argc = 0, rc = -ENOMEM;

	if (!src || !argv) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	fleet_keys(name, k);
	argv[argc++] = "EVAL";
	argv[argc++] = unblock_script;
	argv[argc++] = "4";
	for (int i = 0; i < 4; i++)
		argv[argc++] = k[i];
	for (size_t i = 0; i < n; i++) {
		fg_fleet_source_format(&keys[i], src[i]);
		argv[argc++] = src[i];
	}
	r = command(c, err, errlen, argc, argv);
	if (!r) {
		rc = -EPROTO;
	} else if (r->type != REDIS_REPLY_INTEGER || r->integer < 0 ||
		   r->integer > (long long)n) {
		snprintf(err, errlen, "unexpected reply to the unblock script");
		rc = -EPROTO;
	} else {
		rc = (int)r->integer;
	}
out:
	if (r)
		freeReplyObject(r);
	free(argv);
	free(src);
	return rc;
}

void fg_fleet_result_free(struct fg_fleet_result *r)
{
	free(r->blocks);
	r->blocks = NULL;
	r->nblocks = 0;
}
