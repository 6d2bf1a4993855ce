// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "fleetredis.h"

#include <arpa/inet.h>
#include <errno.h>
#include <hiredis/hiredis.h>
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
 * KEYS: tat, blocks, hosts. ARGV: host, now_us (0: TIME), watermark_us
 * ("-": return no blocks), host_ttl_us, block_max_us, the number of
 * rules, per rule its id (8 hex digits) and the tolerance of each
 * dimension (packets, bytes, connections) in us, then per source the
 * source and each dimension's charge in whole us (0: none). GCRA per (source, dimension): the TAT moves by
 * the charge from max(TAT, now); a source whose TAT minus tolerance is
 * ahead of now is over its limit until then. Charges are what hosts
 * already passed, so going over leaves a debt that the block pays off:
 * over time the fleet passes the limit, not the limit plus what slipped
 * through while the verdict travelled.
 */
static const char script[] =
    "local tat, blocks, hosts = KEYS[1], KEYS[2], KEYS[3]\n"
    "local now = tonumber(ARGV[2])\n"
    "if now == 0 then\n"
    "  local t = redis.call('TIME')\n"
    "  now = tonumber(t[1]) * 1000000 + tonumber(t[2])\n"
    "end\n"
    "local bmax = tonumber(ARGV[5])\n"
    "redis.call('ZREMRANGEBYSCORE', tat, '-inf', now)\n"
    "redis.call('ZREMRANGEBYSCORE', blocks, '-inf', now - bmax)\n"
    "local tol, i = {}, 7\n"
    "for _ = 1, tonumber(ARGV[6]) do\n"
    "  tol[ARGV[i]] = {tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]),\n"
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
    "      local t = tonumber(redis.call('ZSCORE', tat, m) or 0)\n"
    "      if t < now then t = now end\n"
    "      t = t + charge\n"
    "      redis.call('ZADD', tat, t, m)\n"
    "      local free = t - rt[d]\n"
    "      if free > now and free > untl then untl = free end\n"
    "    end\n"
    "  end\n"
    "  if untl > 0 then\n"
    "    if untl > now + bmax then untl = now + bmax end\n"
    "    redis.call('ZADD', blocks, now,\n"
    "               string.format('%.0f', untl) .. '|' .. src)\n"
    "  end\n"
    "end\n"
    "redis.call('ZADD', hosts, now, ARGV[1])\n"
    "redis.call('ZREMRANGEBYSCORE', hosts, '-inf', now - tonumber(ARGV[4]))\n"
    "local ttl = math.floor((bmax + tonumber(ARGV[4])) / 1000) + 60000\n"
    "for _, k in ipairs(KEYS) do redis.call('PEXPIRE', k, ttl) end\n"
    "local got = {}\n"
    "if ARGV[3] ~= '-' then\n"
    "  got = redis.call('ZRANGEBYSCORE', blocks, ARGV[3], '+inf',\n"
    "                   'LIMIT', 0, " FG_STR(
	FG_FLEET_PULL_MAX) ")\n"
			   "end\n"
			   "return {string.format('%.0f', now), "
			   "redis.call('ZCARD', hosts), got}\n";

enum fg_fleet_op fg_fleet_error_op(const char *err, enum fg_fleet_op step)
{
	/* Without AUTH, a server with a password refuses every command. */
	return strncmp(err, "NOAUTH", 6) ? step : FG_FLEET_OP_AUTH;
}

struct fg_fleet_conn {
	redisContext *rc;
	char sha[41];
};

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
		snprintf(err, errlen, "%s",
			 c->rc->err ? c->rc->errstr : "no reply");
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
		      size_t to, bool pull, struct fg_fleet_result *r)
{
	struct rule_tol rules[FG_MAX_RULES];
	size_t nrules = call_rules(a, from, to, rules, FG_MAX_RULES);
	/* EVALSHA sha 3, three keys, host, five numbers, 4 per rule and
	 * 4 per source. */
	size_t nargs = 3 + 3 + 1 + 5 + (nrules + (to - from)) * 4;
	struct call cl = {
	    .argv = calloc(nargs, sizeof(*cl.argv)),
	    .lens = calloc(nargs, sizeof(*cl.lens)),
	    .text = malloc(32 * 5UL + nrules * (9 + 3 * 32UL) +
			   (to - from) * (41 + 3 * 32)),
	};
	char keys[3][FG_FLEET_NAME_MAX + 16], *at = cl.text, *cmd = NULL;
	int len, rc = -ENOMEM;

	if (!cl.argv || !cl.lens || !cl.text)
		goto out;
	cl.argv[cl.argc++] = "EVALSHA";
	cl.argv[cl.argc++] = c->sha;
	cl.argv[cl.argc++] = "3";
	snprintf(keys[0], sizeof(keys[0]), "fg:{%s}:tat", a->name);
	snprintf(keys[1], sizeof(keys[1]), "fg:{%s}:blocks", a->name);
	snprintf(keys[2], sizeof(keys[2]), "fg:{%s}:hosts", a->name);
	for (int i = 0; i < 3; i++)
		cl.argv[cl.argc++] = keys[i];
	cl.argv[cl.argc++] = a->host;
	add_arg(&cl, &at, "%.0f", (double)a->now_us);
	if (pull)
		add_arg(&cl, &at, "%.0f", (double)a->watermark_us);
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

static __u64 str_u64(const redisReply *r)
{
	if (r->type == REDIS_REPLY_INTEGER)
		return r->integer > 0 ? (__u64)r->integer : 0;
	if (r->type == REDIS_REPLY_STRING)
		return strtoull(r->str, NULL, 10);
	return 0;
}

/* The last call's reply: {now, hosts, {"until|source", ...}}. */
static int parse_result(const redisReply *rep, struct fg_fleet_result *r,
			char *err, size_t errlen)
{
	const redisReply *got;

	if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 3 ||
	    rep->element[2]->type != REDIS_REPLY_ARRAY) {
		snprintf(err, errlen, "unexpected reply to the sync script");
		return -EPROTO;
	}
	r->now_us = str_u64(rep->element[0]);
	r->hosts = (unsigned int)str_u64(rep->element[1]);
	got = rep->element[2];
	r->blocks =
	    calloc(got->elements ? got->elements : 1, sizeof(*r->blocks));
	if (!r->blocks)
		return -ENOMEM;
	for (size_t i = 0; i < got->elements; i++) {
		const redisReply *e = got->element[i];
		const char *bar = e->type == REDIS_REPLY_STRING
				      ? memchr(e->str, '|', e->len)
				      : NULL;
		struct fg_fleet_pulled *b = &r->blocks[r->nblocks];

		if (!bar ||
		    fg_fleet_source_parse(
			bar + 1, e->len - (size_t)(bar + 1 - e->str), &b->key))
			continue; /* not ours: skip, do not fail the sync */
		b->until_us = strtoull(e->str, NULL, 10);
		r->nblocks++;
	}
	return 0;
}

int fg_fleet_sync(struct fg_fleet_conn *c, const struct fg_fleet_sync_args *a,
		  struct fg_fleet_result *r, char *err, size_t errlen)
{
	size_t ncalls =
	    a->nitems ? (a->nitems + FG_FLEET_CHUNK - 1) / FG_FLEET_CHUNK : 1;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < ncalls; i++) {
		size_t from = i * FG_FLEET_CHUNK;
		size_t to = from + FG_FLEET_CHUNK < a->nitems
				? from + FG_FLEET_CHUNK
				: a->nitems;

		rc = queue_call(c, a, from, to, i + 1 == ncalls, r);
		if (rc) {
			snprintf(err, errlen, "queueing the sync: %s",
				 strerror(-rc));
			return rc;
		}
	}
	/* Read every reply, so that the connection stays in step. */
	for (size_t i = 0; i < ncalls; i++) {
		redisReply *rep = NULL;

		if (redisGetReply(c->rc, (void **)&rep) != REDIS_OK || !rep) {
			snprintf(err, errlen, "%s",
				 c->rc->err ? c->rc->errstr : "no reply");
			return -EIO;
		}
		if (rep->type == REDIS_REPLY_ERROR) {
			if (!rc)
				snprintf(err, errlen, "%s", rep->str);
			rc = -EPROTO;
		} else if (i + 1 == ncalls && !rc) {
			rc = parse_result(rep, r, err, errlen);
		}
		freeReplyObject(rep);
	}
	return rc;
}

void fg_fleet_result_free(struct fg_fleet_result *r)
{
	free(r->blocks);
	r->blocks = NULL;
	r->nblocks = 0;
}
