// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The fleet's Redis protocol (user/lib/fleetredis.c) against a real
 * redis-server: the test starts two on unix sockets in a directory of
 * its own (one with a password), and stops them at the end, also when a
 * test fails (group teardown) or the test dies (PDEATHSIG). Times are
 * set through the script's now_us override.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fleetredis.h"

#define PASSWORD "fleet-pw-7d1e"
#define TIMEOUT_NS 2000000000ULL
#define T0 1000000000000ULL /* us: the test's Redis "now" */
#define HOST_TTL 750000ULL  /* us */
#define BLOCK_MAX 10000000ULL

struct server {
	pid_t pid;
	char sock[96];
};

struct env {
	char dir[64];
	struct server open, auth;
	redisContext *raw; /* to look at what the script left */
};

static struct env *env_of(void **state)
{
	return *state;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* Starts redis-server on dir/name; 0 once it answers (bounded wait). */
static int start_server(const char *dir, const char *name, const char *password,
			struct server *s)
{
	char log[160];

	snprintf(s->sock, sizeof(s->sock), "%s/%s", dir, name);
	snprintf(log, sizeof(log), "%s/%s.log", dir, name);
	s->pid = fork();
	if (s->pid < 0)
		return -1;
	if (s->pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		/* never outlive the test */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if (password)
			execlp("redis-server", "redis-server", "--port", "0",
			       "--unixsocket", s->sock, "--unixsocketperm",
			       "700", "--save", "", "--appendonly", "no",
			       "--daemonize", "no", "--dir", dir,
			       "--requirepass", password, (char *)NULL);
		else
			execlp("redis-server", "redis-server", "--port", "0",
			       "--unixsocket", s->sock, "--unixsocketperm",
			       "700", "--save", "", "--appendonly", "no",
			       "--daemonize", "no", "--dir", dir, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200; i++) { /* 10 s at most */
		struct timeval tv = {1, 0};
		redisContext *c = redisConnectUnixWithTimeout(s->sock, tv);
		redisReply *r = c && !c->err ? redisCommand(c, "PING") : NULL;
		int up = r != NULL; /* NOAUTH is an answer too */

		if (r)
			freeReplyObject(r);
		if (c)
			redisFree(c);
		if (up)
			return 0;
		if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
			s->pid = 0;
			return -1; /* it died: see its log */
		}
		sleep_ms(50);
	}
	return -1;
}

static void stop_server(struct server *s)
{
	if (s->pid <= 0)
		return;
	kill(s->pid, SIGTERM);
	for (int i = 0; i < 100; i++) { /* 5 s, then SIGKILL */
		if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
			s->pid = 0;
			return;
		}
		sleep_ms(50);
	}
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	s->pid = 0;
}

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[320];

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static int group_teardown(void **state)
{
	struct env *e = *state;

	if (!e)
		return 0;
	if (e->raw)
		redisFree(e->raw);
	stop_server(&e->open);
	stop_server(&e->auth);
	remove_dir(e->dir);
	free(e);
	return 0;
}

static int group_setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	struct timeval tv = {2, 0};

	*state = e;
	if (!e)
		return -1;
	snprintf(e->dir, sizeof(e->dir), "/tmp/fg-redis.XXXXXX");
	if (!mkdtemp(e->dir)) {
		free(e);
		*state = NULL;
		return -1;
	}
	if (start_server(e->dir, "r.sock", NULL, &e->open) ||
	    start_server(e->dir, "a.sock", PASSWORD, &e->auth)) {
		fprintf(stderr, "# redis-server did not start (log in %s)\n",
			e->dir);
		group_teardown(state);
		*state = NULL;
		return -1;
	}
	e->raw = redisConnectUnixWithTimeout(e->open.sock, tv);
	if (!e->raw || e->raw->err) {
		group_teardown(state);
		*state = NULL;
		return -1;
	}
	return 0;
}

/* Each test starts on an empty server, with its scripts loaded again. */
static int flush(void **state)
{
	redisReply *r = redisCommand(env_of(state)->raw, "FLUSHALL");

	if (!r)
		return -1;
	freeReplyObject(r);
	return 0;
}

static struct fg_redis_addr unix_addr(const char *path, int db)
{
	struct fg_redis_addr a = {.is_unix = true, .db = db};

	snprintf(a.path, sizeof(a.path), "%s", path);
	return a;
}

static struct fg_fleet_conn *connect_ok(const struct env *e)
{
	struct fg_redis_addr a = unix_addr(e->open.sock, 0);
	enum fg_fleet_op op;
	char err[256] = "";
	struct fg_fleet_conn *c =
	    fg_fleet_connect(&a, NULL, TIMEOUT_NS, &op, err, sizeof(err));

	if (!c)
		fail_msg("connect: %s: %s", fg_fleet_op_names[op], err);
	return c;
}

/* Source i of rule 7: 2001:db8::i. */
static struct fg_src_key src(__u32 i)
{
	struct fg_src_key k = {.rule_id = 7};

	k.addr[0] = htonl(0x20010db8);
	k.addr[2] = htonl(i >> 16);
	k.addr[3] = htonl(i & 0xffff);
	return k;
}

/* A packets-only charge; us of the limit's time. */
static struct fg_fleet_item item(__u32 i, double charge_us, double tol_us)
{
	struct fg_fleet_item it = {.key = src(i)};

	it.charge_ns[FG_DIM_PACKETS] = charge_us * 1000;
	it.tolerance_ns[FG_DIM_PACKETS] = tol_us * 1000;
	return it;
}

struct sync_in {
	const char *name, *host;
	__u64 now_us, watermark;
};

static void sync_ok(struct fg_fleet_conn *c, const struct sync_in *in,
		    const struct fg_fleet_item *items, size_t n,
		    struct fg_fleet_result *r)
{
	struct fg_fleet_sync_args a = {
	    .name = in->name ? in->name : "t",
	    .host = in->host ? in->host : "h1",
	    .now_us = in->now_us,
	    .watermark = in->watermark,
	    .host_ttl_us = HOST_TTL,
	    .block_max_us = BLOCK_MAX,
	    .items = items,
	    .nitems = n,
	};
	char err[256] = "";
	int rc = fg_fleet_sync(c, &a, r, err, sizeof(err));

	if (rc)
		fail_msg("sync: %d %s", rc, err);
}

/* The block of source i in r, or NULL. */
static const struct fg_fleet_pulled *block_of(const struct fg_fleet_result *r,
					      __u32 i)
{
	const struct fg_src_key k = src(i);

	for (size_t j = 0; j < r->nblocks; j++)
		if (!memcmp(&r->blocks[j].key, &k, sizeof(k)))
			return &r->blocks[j];
	return NULL;
}

static long long raw_int(redisContext *raw, const char *fmt, ...)
{
	va_list ap;
	redisReply *r;
	long long v;

	va_start(ap, fmt);
	r = redisvCommand(raw, fmt, ap);
	va_end(ap);
	assert_non_null(r);
	if (r->type != REDIS_REPLY_INTEGER)
		fail_msg("%s: not an integer (%s)", fmt,
			 r->type == REDIS_REPLY_ERROR ? r->str : "?");
	v = r->integer;
	freeReplyObject(r);
	return v;
}

/* A TAT as the script keeps it, in us (-1: none). */
static double raw_tat(redisContext *raw, const char *name, char dim, __u32 i)
{
	char member[48];
	redisReply *r;
	double v;
	const struct fg_src_key k = src(i);

	member[0] = dim;
	fg_fleet_source_format(&k, member + 1);
	r = redisCommand(raw, "ZSCORE fg:{%s}:tat %s", name, member);
	assert_non_null(r);
	v = r->type == REDIS_REPLY_STRING ? strtod(r->str, NULL) : -1;
	freeReplyObject(r);
	return v;
}

/* Under its tolerance a source is charged but not blocked; past it,
 * blocked until its TAT minus the tolerance. */
static void test_under_then_over(void **state)
{
	struct env *e = *state;
	struct fg_fleet_conn *c = connect_ok(e);
	struct fg_fleet_result r;
	struct sync_in in = {.now_us = T0};
	struct fg_fleet_item it = item(1, 100000, 500000);

	sync_ok(c, &in, &it, 1, &r);
	assert_int_equal(r.now_us, T0);
	assert_int_equal(r.hosts, 1);
	assert_int_equal(r.nblocks, 0);
	assert_int_equal(r.commands, 1);
	assert_true(r.bytes_sent > 0);
	assert_true(raw_tat(e->raw, "t", 'p', 1) == (double)(T0 + 100000));
	fg_fleet_result_free(&r);

	/* 400 ms in 500 ms of tolerance: still fine */
	it = item(1, 300000, 500000);
	sync_ok(c, &in, &it, 1, &r);
	assert_int_equal(r.nblocks, 0);
	fg_fleet_result_free(&r);

	/* TAT T0 + 600 ms: over by 100 ms */
	it = item(1, 200000, 500000);
	sync_ok(c, &in, &it, 1, &r);
	assert_int_equal(r.nblocks, 1);
	assert_memory_equal(&r.blocks[0].key, &it.key, sizeof(it.key));
	assert_int_equal(r.blocks[0].until_us, T0 + 600000 - 500000);
	assert_true(raw_tat(e->raw, "t", 'p', 1) == (double)(T0 + 600000));
	fg_fleet_result_free(&r);
	fg_fleet_disconnect(c);
}

/* Going over leaves a debt: a later charge extends the block from the
 * TAT, not from now; once the TAT is past, the source starts afresh
 * and its entry is gone. */
static void test_debt_carries(void **state)
{
	struct env *e = *state;
	struct fg_fleet_conn *c = connect_ok(e);
	struct fg_fleet_result r;
	struct sync_in in = {.now_us = T0};
	struct fg_fleet_item it = item(1, 800000, 500000);

	sync_ok(c, &in, &it, 1, &r);
	assert_int_equal(r.nblocks, 1);
	assert_int_equal(r.blocks[0].until_us, T0 + 300000);
	in.watermark = r.watermark;
	fg_fleet_result_free(&r);

	/* 100 ms later, 200 ms more: TAT T0 + 1 s, blocked to T0 + 500 ms */
	in.now_us = T0 + 100000;
	it = item(1, 200000, 500000);
	sync_ok(c, &in, &it, 1, &r);
	assert_int_equal(r.nblocks, 1);
	assert_int_equal(r.blocks[0].until_us, T0 + 500000);
	assert_true(raw_tat(e->raw, "t", 'p', 1) == (double)(T0 + 1000000));
	fg_fleet_result_free(&r);

	/* from the start: one entry per source, its longest block */
	in.watermark = 0;
	it = item(1, 0, 500000);
	sync_ok(c, &in, &it, 1, &r);
	assert_int_equal(r.nblocks, 1);
	assert_memory_equal(&r.blocks[0].key, &it.key, sizeof(it.key));
	assert_int_equal(r.blocks[0].until_us, T0 + 500000);
	fg_fleet_result_free(&r);

	/* past the TAT: a charge under the tolerance is fine again, and
	 * the old TAT was dropped first */
	in.now_us = T0 + 1000001;
	assert_int_equal(raw_int(e->raw, "ZCARD fg:{t}:tat"), 1);
	it = item(1, 400000, 500000);
	sync_ok(c, &in, &it, 1, &r);
	assert_int_equal(r.nblocks, 0);
	assert_true(raw_tat(e->raw, "t", 'p', 1) == (double)(T0 + 1400001));
	fg_fleet_result_free(&r);
	in.now_us = T0 + 1400001;
	sync_ok(c, &in, NULL, 0, &r);
	assert_int_equal(raw_int(e->raw, "ZCARD fg:{t}:tat"), 0);
	fg_fleet_result_free(&r);
	fg_fleet_disconnect(c);
}

/* A block lasts until the latest of its dimensions frees, and never
 * longer than block_max. */
static void test_dimensions_and_block_max(void **state)
{
	struct env *e = *state;
	struct fg_fleet_conn *c = connect_ok(e);
	struct fg_fleet_result r;
	struct sync_in in = {.now_us = T0};
	struct fg_fleet_item it[2] = {item(1, 800000, 500000),
				      item(2, 100e6, 500000)};

	it[0].charge_ns[FG_DIM_BYTES] = 1100000e3;
	it[0].tolerance_ns[FG_DIM_BYTES] = 500000e3;
	/* over, by less than bytes, and last: the latest wins */
	it[0].charge_ns[FG_DIM_CONNECTIONS] = 700000e3;
	it[0].tolerance_ns[FG_DIM_CONNECTIONS] = 500000e3;
	sync_ok(c, &in, it, 2, &r);
	assert_int_equal(r.nblocks, 2);
	assert_int_equal(block_of(&r, 1)->until_us, T0 + 600000);
	assert_int_equal(block_of(&r, 2)->until_us, T0 + BLOCK_MAX);
	assert_true(raw_tat(e->raw, "t", 'b', 1) == (double)(T0 + 1100000));
	assert_true(raw_tat(e->raw, "t", 'c', 1) == (double)(T0 + 700000));
	fg_fleet_result_free(&r);
	fg_fleet_disconnect(c);
}

/* Changes are pulled by sequence number: after the watermark, all of
 * them from 0; a block is pruned, from both sets, when it ends. */
static void test_watermark_and_prune(void **state)
{
	struct env *e = *state;
	struct fg_fleet_conn *c = connect_ok(e);
	struct fg_fleet_result r;
	struct sync_in in = {.now_us = T0 + 5000};
	struct fg_fleet_item it = item(1, 900000, 500000);
	__u64 wm;

	sync_ok(c, &in, &it, 1, &r);	/* issued at T0 + 5 ms */
	assert_int_equal(r.nblocks, 1); /* watermark 0: all in force */
	assert_int_equal(r.blocks[0].until_us, T0 + 5000 + 400000);
	wm = r.watermark;
	assert_true(wm > 0);
	fg_fleet_result_free(&r);

	in = (struct sync_in){.now_us = T0 + 10000, .watermark = wm};
	sync_ok(c, &in, NULL, 0, &r); /* after it: nothing new */
	assert_int_equal(r.nblocks, 0);
	assert_int_equal(r.watermark, wm);
	fg_fleet_result_free(&r);
	in.watermark = wm - 1; /* before it: once more */
	sync_ok(c, &in, NULL, 0, &r);
	assert_int_equal(r.nblocks, 1);
	fg_fleet_result_free(&r);
	/* past the last number given (the keys were lost): everything */
	in.watermark = wm + 1000;
	sync_ok(c, &in, NULL, 0, &r);
	assert_int_equal(r.nblocks, 1);
	assert_int_equal(r.watermark, wm);
	fg_fleet_result_free(&r);

	/* its end less 1 us: kept; at its end: gone, and not pulled */
	in = (struct sync_in){.now_us = T0 + 5000 + 400000 - 1};
	sync_ok(c, &in, NULL, 0, &r);
	assert_int_equal(r.nblocks, 1);
	fg_fleet_result_free(&r);
	in.now_us = T0 + 5000 + 400000;
	sync_ok(c, &in, NULL, 0, &r);
	assert_int_equal(r.nblocks, 0);
	fg_fleet_result_free(&r);
	assert_int_equal(raw_int(e->raw, "ZCARD fg:{t}:ends"), 0);
	assert_int_equal(raw_int(e->raw, "ZCARD fg:{t}:issued"), 0);
	fg_fleet_disconnect(c);
}

/* Each sync notes its host; a host not seen for host_ttl is gone. */
static void test_hosts(void **state)
{
	struct env *e = *state;
	struct fg_fleet_conn *c = connect_ok(e);
	struct fg_fleet_result r;
	struct sync_in in = {.host = "a", .now_us = T0};

	sync_ok(c, &in, NULL, 0, &r);
	assert_int_equal(r.hosts, 1);
	fg_fleet_result_free(&r);
	in = (struct sync_in){.host = "b", .now_us = T0 + 100};
	sync_ok(c, &in, NULL, 0, &r);
	assert_int_equal(r.hosts, 2);
	fg_fleet_result_free(&r);
	in = (struct sync_in){.host = "c", .now_us = T0 + 200};
	sync_ok(c, &in, NULL, 0, &r);
	assert_int_equal(r.hosts, 3);
	fg_fleet_result_free(&r);
	in = (struct sync_in){.host = "b", .now_us = T0 + 300};
	sync_ok(c, &in, NULL, 0, &r);
	assert_int_equal(r.hosts, 3); /* again: not twice */
	fg_fleet_result_free(&r);
	/* another fleet's hosts are its own */
	in = (struct sync_in){.name = "other", .host = "a", .now_us = T0};
	sync_ok(c, &in, NULL, 0, &r);
	assert_int_equal(r.hosts, 1);
	fg_fleet_result_free(&r);

	/* a at T0 + ttl + 250: gone are those seen at or before T0 + 250,
	 * so c (T0 + 200); b (T0 + 300) and a itself stay */
	in = (struct sync_in){.host = "a", .now_us = T0 + HOST_TTL + 250};
	sync_ok(c, &in, NULL, 0, &r);
	assert_int_equal(r.hosts, 2);
	fg_fleet_result_free(&r);
	assert_int_equal(raw_int(e->raw, "ZCARD fg:{t}:hosts"), 2);
	assert_int_equal(raw_int(e->raw, "ZCOUNT fg:{t}:hosts %llu %llu",
				 T0 + 200, T0 + 200),
			 0);
	fg_fleet_disconnect(c);
}

/* Every key carries the fleet's {name} hash tag and expires. */
static void test_keys_tagged_and_expiring(void **state)
{
	struct env *e = *state;
	struct fg_fleet_conn *c = connect_ok(e);
	struct fg_fleet_result r;
	struct sync_in in = {.name = "web-1", .now_us = 0};
	struct fg_fleet_item it = item(1, 900000, 500000);
	const long long ttl_ms = (BLOCK_MAX + HOST_TTL) / 1000 + 60000;
	static const char *const keys[] = {
	    "fg:{web-1}:tat", "fg:{web-1}:ends", "fg:{web-1}:issued",
	    "fg:{web-1}:seq", "fg:{web-1}:hosts"};
	redisReply *all;

	sync_ok(c, &in, &it, 1, &r);
	fg_fleet_result_free(&r);
	for (int i = 0; i < 5; i++) {
		redisReply *t = redisCommand(e->raw, "TYPE %s", keys[i]);
		long long pttl = raw_int(e->raw, "PTTL %s", keys[i]);

		assert_non_null(t);
		assert_string_equal(t->str, i == 3 ? "string" : "zset");
		freeReplyObject(t);
		if (pttl <= ttl_ms - 5000 || pttl > ttl_ms)
			fail_msg("%s: PTTL %lld, want about %lld", keys[i],
				 pttl, ttl_ms);
	}
	all = redisCommand(e->raw, "KEYS *");
	assert_non_null(all);
	assert_int_equal(all->type, REDIS_REPLY_ARRAY);
	assert_int_equal(all->elements, 5);
	for (size_t i = 0; i < all->elements; i++)
		if (strncmp(all->element[i]->str, "fg:{web-1}:", 11))
			fail_msg("key without the hash tag: %s",
				 all->element[i]->str);
	freeReplyObject(all);
	fg_fleet_disconnect(c);
}

/* now_us 0: the script takes Redis' own clock. */
static void test_redis_clock(void **state)
{
	struct env *e = *state;
	struct fg_fleet_conn *c = connect_ok(e);
	struct fg_fleet_result r;
	struct sync_in in = {.now_us = 0};
	struct timeval tv;
	__u64 before, after;

	gettimeofday(&tv, NULL);
	before = (__u64)tv.tv_sec * 1000000 + (__u64)tv.tv_usec;
	sync_ok(c, &in, NULL, 0, &r);
	gettimeofday(&tv, NULL);
	after = (__u64)tv.tv_sec * 1000000 + (__u64)tv.tv_usec;
	assert_true(r.now_us + 1000 >= before);
	assert_true(r.now_us <= after + 1000);
	fg_fleet_result_free(&r);
	fg_fleet_disconnect(c);
}

/* More sources than one call takes: pipelined calls, every source
 * charged, the last call's pull seeing the blocks of all of them. */
static void test_chunks(void **state)
{
	struct env *e = *state;
	struct fg_fleet_conn *c = connect_ok(e);
	struct fg_fleet_result r;
	struct sync_in in = {.now_us = T0};
	const size_t n = 2 * FG_FLEET_CHUNK + 276;
	struct fg_fleet_item *items = calloc(n, sizeof(*items));
	size_t over = 0;

	assert_non_null(items);
	for (size_t i = 0; i < n; i++) {
		/* every other one over, each by its own amount */
		items[i] = i % 2 ? item((__u32)i, 100000, 500000)
				 : item((__u32)i, 500000 + 10 * (double)(i + 1),
					500000);
		over += !(i % 2);
	}
	sync_ok(c, &in, items, n, &r);
	assert_int_equal(r.commands, 3);
	assert_int_equal(raw_int(e->raw, "ZCARD fg:{t}:tat"), n);
	assert_int_equal(r.nblocks, over);
	for (size_t i = 0; i < n; i++) {
		const struct fg_fleet_pulled *b = block_of(&r, (__u32)i);

		if (i % 2) {
			assert_null(b);
			continue;
		}
		if (!b || b->until_us != T0 + 10 * (i + 1))
			fail_msg("source %zu: %s %llu", i,
				 b ? "until" : "no block",
				 b ? (unsigned long long)b->until_us : 0ULL);
	}
	fg_fleet_result_free(&r);
	free(items);
	fg_fleet_disconnect(c);
}

static void test_source_format_parse(void **state)
{
	struct fg_src_key k4 = {.rule_id = 0xdeadbeef}, k6 = {.rule_id = 1};
	struct fg_src_key back;
	char s[41];

	(void)state;
	assert_int_equal(inet_pton(AF_INET6, "::ffff:198.51.100.7", k4.addr),
			 1);
	fg_fleet_source_format(&k4, s);
	assert_string_equal(s, "deadbeef"
			       "00000000"
			       "00000000"
			       "0000ffff"
			       "c6336407");
	memset(&back, 0x5a, sizeof(back));
	assert_int_equal(fg_fleet_source_parse(s, strlen(s), &back), 0);
	assert_memory_equal(&back, &k4, sizeof(k4));

	assert_int_equal(inet_pton(AF_INET6, "2001:db8::1:0:0:fe01", k6.addr),
			 1);
	fg_fleet_source_format(&k6, s);
	assert_string_equal(s, "00000001"
			       "20010db8"
			       "00000000"
			       "00010000"
			       "0000fe01");
	assert_int_equal(fg_fleet_source_parse(s, 40, &back), 0);
	assert_memory_equal(&back, &k6, sizeof(k6));

	assert_int_equal(fg_fleet_source_parse(s, 39, &back), -EINVAL);
	s[12] = 'g';
	assert_int_equal(fg_fleet_source_parse(s, 40, &back), -EINVAL);
	s[12] = 'D'; /* the format writes lower case only */
	assert_int_equal(fg_fleet_source_parse(s, 40, &back), -EINVAL);
}

static void assert_connect_fails(const struct fg_redis_addr *a,
				 const char *password, enum fg_fleet_op want,
				 const char *want_err)
{
	enum fg_fleet_op op = FG_FLEET_OP_COUNT;
	char err[256] = "";
	struct fg_fleet_conn *c =
	    fg_fleet_connect(a, password, TIMEOUT_NS, &op, err, sizeof(err));

	if (c) {
		fg_fleet_disconnect(c);
		fail_msg("connected to %s", a->path);
	}
	if (op != want)
		fail_msg("op %s, want %s (%s)",
			 op < FG_FLEET_OP_COUNT ? fg_fleet_op_names[op] : "?",
			 fg_fleet_op_names[want], err);
	if (!strstr(err, want_err))
		fail_msg("err: %s\nwant: %s", err, want_err);
	if (strstr(err, PASSWORD) || (password && strstr(err, password)))
		fail_msg("a password is in the error: %s", err);
}

static void test_auth(void **state)
{
	struct env *e = *state;
	struct fg_redis_addr a = unix_addr(e->auth.sock, 0);
	struct fg_redis_addr a3 = unix_addr(e->auth.sock, 3);
	enum fg_fleet_op op;
	char err[256] = "";
	struct fg_fleet_conn *c;
	struct fg_fleet_result r;
	struct sync_in in = {.now_us = T0};

	assert_connect_fails(&a, "wrong-pw-41c7", FG_FLEET_OP_AUTH,
			     "WRONGPASS");
	/* no password where one is needed: AUTH, whichever step hit it */
	assert_connect_fails(&a, NULL, FG_FLEET_OP_AUTH, "NOAUTH");
	assert_connect_fails(&a3, NULL, FG_FLEET_OP_AUTH, "NOAUTH");

	c = fg_fleet_connect(&a3, PASSWORD, TIMEOUT_NS, &op, err, sizeof(err));
	if (!c)
		fail_msg("%s: %s", fg_fleet_op_names[op], err);
	sync_ok(c, &in, NULL, 0, &r);
	assert_int_equal(r.hosts, 1);
	fg_fleet_result_free(&r);
	fg_fleet_disconnect(c);
}

static void test_connect_unreachable(void **state)
{
	struct env *e = *state;
	char path[96];
	struct fg_redis_addr a;

	snprintf(path, sizeof(path), "%s/none.sock", e->dir);
	a = unix_addr(path, 0);
	assert_connect_fails(&a, NULL, FG_FLEET_OP_CONNECT, "No such file");
	assert_connect_fails(&a, "some-pw", FG_FLEET_OP_CONNECT,
			     "No such file");
}

/* The URL's database is the one used. */
static void test_select_db(void **state)
{
	struct env *e = *state;
	struct fg_redis_addr a = unix_addr(e->open.sock, 3);
	enum fg_fleet_op op;
	char err[256] = "";
	struct fg_fleet_conn *c =
	    fg_fleet_connect(&a, NULL, TIMEOUT_NS, &op, err, sizeof(err));
	struct fg_fleet_result r;
	struct sync_in in = {.now_us = T0};
	redisReply *rep;

	if (!c)
		fail_msg("%s: %s", fg_fleet_op_names[op], err);
	sync_ok(c, &in, NULL, 0, &r);
	fg_fleet_result_free(&r);
	fg_fleet_disconnect(c);
	assert_int_equal(raw_int(e->raw, "EXISTS fg:{t}:hosts"), 0);
	rep = redisCommand(e->raw, "SELECT 3");
	assert_non_null(rep);
	freeReplyObject(rep);
	assert_int_equal(raw_int(e->raw, "EXISTS fg:{t}:hosts"), 1);
	rep = redisCommand(e->raw, "SELECT 0");
	assert_non_null(rep);
	freeReplyObject(rep);
}

/* The server lost the script (restart, SCRIPT FLUSH): the sync says so,
 * and the connection stays in step over several calls. */
static void test_noscript(void **state)
{
	struct env *e = *state;
	struct fg_fleet_conn *c = connect_ok(e);
	const size_t n = FG_FLEET_CHUNK + 10;
	struct fg_fleet_item *items = calloc(n, sizeof(*items));
	struct fg_fleet_sync_args a = {
	    .name = "t",
	    .host = "h1",
	    .now_us = T0,
	    .host_ttl_us = HOST_TTL,
	    .block_max_us = BLOCK_MAX,
	    .items = items,
	    .nitems = n,
	};
	struct fg_fleet_result r;
	redisReply *rep = redisCommand(e->raw, "SCRIPT FLUSH");
	char err[256] = "";

	assert_non_null(items);
	assert_non_null(rep);
	freeReplyObject(rep);
	for (size_t i = 0; i < n; i++)
		items[i] = item((__u32)i, 1000, 500000);
	for (int round = 0; round < 2; round++) {
		err[0] = '\0';
		assert_int_equal(fg_fleet_sync(c, &a, &r, err, sizeof(err)),
				 -EPROTO);
		if (!strstr(err, "NOSCRIPT"))
			fail_msg("err: %s", err);
		assert_int_equal(r.commands, 2);
		fg_fleet_result_free(&r);
	}
	free(items);
	fg_fleet_disconnect(c);
}

/* An end as the client takes it: 1 to 20 digits that fit, "0" for an
 * unblock, clamped to now + max. */
static void test_parse_block(void **state)
{
	const struct fg_src_key k = src(3);
	struct fg_fleet_pulled p;
	char s[41], big[32];
	static const char *const bad[] = {
	    "",
	    "-5",
	    "+5",
	    " 5",
	    "5 ",
	    "5a",
	    "0x10",
	    "1e13",
	    "5.0",
	    "18446744073709551616",  /* 2^64 */
	    "000000000000000000001", /* 21 digits */
	};
	const __u64 max = 600000000ULL;

	(void)state;
	fg_fleet_source_format(&k, s);
	assert_int_equal(
	    fg_fleet_parse_block(s, 40, "1000250", 7, 1000000, max, &p), 0);
	assert_memory_equal(&p.key, &k, sizeof(k));
	assert_int_equal(p.until_us, 1000250);
	assert_int_equal(fg_fleet_parse_block(s, 40, "0", 1, T0, max, &p), 0);
	assert_int_equal(p.until_us, 0);
	/* an end passed stays as it is: the caller skips it */
	assert_int_equal(fg_fleet_parse_block(s, 40, "5", 1, T0, max, &p), 0);
	assert_int_equal(p.until_us, 5);
	/* now + max: kept; later: clamped, up to 2^64 - 1 */
	snprintf(big, sizeof(big), "%llu", T0 + max);
	assert_int_equal(
	    fg_fleet_parse_block(s, 40, big, strlen(big), T0, max, &p), 0);
	assert_int_equal(p.until_us, T0 + max);
	snprintf(big, sizeof(big), "%llu", T0 + 10000000000000ULL);
	assert_int_equal(
	    fg_fleet_parse_block(s, 40, big, strlen(big), T0, max, &p), 0);
	assert_int_equal(p.until_us, T0 + max);
	assert_int_equal(fg_fleet_parse_block(s, 40, "18446744073709551615", 20,
					      T0, max, &p),
			 0);
	assert_int_equal(p.until_us, T0 + max);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (fg_fleet_parse_block(s, 40, bad[i], strlen(bad[i]), T0, max,
					 &p) != -EINVAL)
			fail_msg("end \"%s\" taken", bad[i]);
	assert_int_equal(fg_fleet_parse_block(s, 39, "1000", 4, T0, max, &p),
			 -EINVAL);
}

/* A source's debt stops at block_max past its tolerance: one huge
 * charge (a spoofed flood naming a victim), or a TAT written into Redis,
 * leaves at most one block_max of block. */
static void test_tat_capped(void **state)
{
	struct env *e = *state;
	struct fg_fleet_conn *c = connect_ok(e);
	struct fg_fleet_result r;
	struct sync_in in = {.now_us = T0};
	struct fg_fleet_item it = item(1, 1115e6, 500000);
	redisReply *rep;

	sync_ok(c, &in, &it, 1, &r);
	assert_int_equal(r.nblocks, 1);
	assert_int_equal(r.blocks[0].until_us, T0 + BLOCK_MAX);
	assert_true(raw_tat(e->raw, "t", 'p', 1) ==
		    (double)(T0 + 500000 + BLOCK_MAX));
	fg_fleet_result_free(&r);

	rep = redisCommand(e->raw, "ZADD fg:{t}:tat %llu p%s",
			   T0 + 10000000000000ULL,
			   "00000007"
			   "20010db8"
			   "00000000"
			   "00000000"
			   "00000002");
	assert_non_null(rep);
	freeReplyObject(rep);
	it = item(2, 1, 500000);
	sync_ok(c, &in, &it, 1, &r);
	assert_true(raw_tat(e->raw, "t", 'p', 2) ==
		    (double)(T0 + 500000 + BLOCK_MAX));
	fg_fleet_result_free(&r);
	fg_fleet_disconnect(c);
}

/* n sources over their limit from `first` on, each blocked for
 * `block_us` (no more than block_max). */
static void issue_blocks(struct fg_fleet_conn *c, __u64 now_us, __u32 first,
			 size_t n, double block_us)
{
	struct fg_fleet_item *items = calloc(n, sizeof(*items));
	struct fg_fleet_result r;
	struct sync_in in = {.host = "issuer", .now_us = now_us};

	assert_non_null(items);
	for (size_t i = 0; i < n; i++)
		items[i] = item(first + (__u32)i, 500000 + block_us, 500000);
	sync_ok(c, &in, items, n, &r);
	fg_fleet_result_free(&r);
	free(items);
}

/* More blocks in a period than a page: another host gets every one in
 * one sync, a page per call, and its watermark ends past the last. */
static void test_pull_pages(void **state)
{
	struct env *e = *state;
	struct fg_fleet_conn *c = connect_ok(e);
	struct fg_fleet_result r;
	const size_t n = FG_FLEET_PULL_PAGE * 3 / 2;
	struct sync_in in = {.host = "other", .now_us = T0 + 1};
	unsigned char *seen = calloc(n, 1);

	assert_non_null(seen);
	issue_blocks(c, T0, 0, n, 1000000);
	sync_ok(c, &in, NULL, 0, &r);
	assert_int_equal(r.nblocks, n);
	assert_int_equal(r.commands, 2);
	assert_int_equal(r.malformed, 0);
	for (size_t j = 0; j < r.nblocks; j++) {
		__u32 i = ntohl(r.blocks[j].key.addr[3]) |
			  ntohl(r.blocks[j].key.addr[2]) << 16;

		assert_true(i < n);
		assert_int_equal(r.blocks[j].until_us, T0 + 1000000);
		seen[i] = 1;
	}
	for (size_t i = 0; i < n; i++)
		if (!seen[i])
			fail_msg("source %zu never pulled", i);
	in.watermark = r.watermark;
	fg_fleet_result_free(&r);
	sync_ok(c, &in, NULL, 0, &r);
	assert_int_equal(r.nblocks, 0);
	fg_fleet_result_free(&r);
	free(seen);
	fg_fleet_disconnect(c);
}

/* A host joining late gets the blocks still in force, not the ended
 * ones issued before them. */
static void test_late_joiner(void **state)
{
	struct env *e = *state;
	struct fg_fleet_conn *c = connect_ok(e);
	struct fg_fleet_result r;
	struct sync_in in = {.host = "late", .now_us = T0 + 200000};

	issue_blocks(c, T0, 0, 12000, 100000);	  /* to T0 + 100 ms */
	issue_blocks(c, T0 + 1, 20000, 500, 5e6); /* to T0 + 5 s */
	sync_ok(c, &in, NULL, 0, &r);
	assert_int_equal(r.nblocks, 500);
	for (size_t j = 0; j < r.nblocks; j++) {
		assert_true(ntohl(r.blocks[j].key.addr[3]) >= 20000 % 65536 ||
			    ntohl(r.blocks[j].key.addr[2]) > 0);
		assert_int_equal(r.blocks[j].until_us, T0 + 1 + 5000000);
	}
	fg_fleet_result_free(&r);
	fg_fleet_disconnect(c);
}

/* Ends no script writes (before the epoch, past now + block_max) are
 * pruned, not pulled; a member that is not a source is never returned. */
static void test_bogus_ends(void **state)
{
	struct env *e = *state;
	struct fg_fleet_conn *c = connect_ok(e);
	struct fg_fleet_result r;
	struct sync_in in = {.now_us = T0};
	char m[6][41], longm[5001];
	const double end[6] = {(double)T0 + 1e13, -5, 1e19,
			       (double)(T0 + BLOCK_MAX + 1), (double)T0 + 1000};
	redisReply *rep;

	memset(longm, 'a', sizeof(longm) - 1);
	longm[sizeof(longm) - 1] = '\0';
	for (int i = 0; i < 5; i++) {
		const struct fg_src_key k = src((__u32)i + 1);

		fg_fleet_source_format(&k, m[i]);
		rep = redisCommand(e->raw, "ZADD fg:{t}:ends %.0f %s", end[i],
				   m[i]);
		assert_non_null(rep);
		freeReplyObject(rep);
		rep = redisCommand(e->raw, "ZADD fg:{t}:issued %d %s", i + 1,
				   m[i]);
		assert_non_null(rep);
		freeReplyObject(rep);
	}
	rep =
	    redisCommand(e->raw, "ZADD fg:{t}:ends %llu %s", T0 + 1000, longm);
	assert_non_null(rep);
	freeReplyObject(rep);
	rep = redisCommand(e->raw, "ZADD fg:{t}:issued 6 %s", longm);
	assert_non_null(rep);
	freeReplyObject(rep);
	rep = redisCommand(e->raw, "SET fg:{t}:seq 6");
	assert_non_null(rep);
	freeReplyObject(rep);

	sync_ok(c, &in, NULL, 0, &r);
	assert_int_equal(r.nblocks, 1);
	assert_memory_equal(r.blocks[0].key.addr, src(5).addr,
			    sizeof(r.blocks[0].key.addr));
	assert_int_equal(r.blocks[0].until_us, T0 + 1000);
	assert_int_equal(r.watermark, 6);
	fg_fleet_result_free(&r);
	assert_int_equal(raw_int(e->raw, "ZCARD fg:{t}:ends"), 2);
	assert_int_equal(raw_int(e->raw, "ZCARD fg:{t}:issued"), 2);
	fg_fleet_disconnect(c);
}

/* An unblock: the source's block becomes an unblock every host pulls
 * (end 0), its debt goes, and it is kept for block_max. */
static void test_unblock(void **state)
{
	struct env *e = *state;
	struct fg_fleet_conn *c = connect_ok(e);
	struct fg_fleet_result r;
	struct sync_in in = {.now_us = 0};
	struct fg_fleet_item it = item(1, 5e6, 500000);
	const struct fg_src_key k[2] = {src(1), src(2)};
	char err[256] = "";

	sync_ok(c, &in, &it, 1, &r); /* Redis' clock: the unblock's */
	assert_int_equal(r.nblocks, 1);
	in.watermark = r.watermark;
	fg_fleet_result_free(&r);
	assert_int_equal(fg_fleet_unblock(c, "t", k, 2, err, sizeof(err)), 1);
	assert_true(raw_tat(e->raw, "t", 'p', 1) < 0);
	sync_ok(c, &in, NULL, 0, &r);
	assert_int_equal(r.nblocks, 1);
	assert_memory_equal(&r.blocks[0].key, &k[0], sizeof(k[0]));
	assert_int_equal(r.blocks[0].until_us, 0);
	fg_fleet_result_free(&r);
	in.watermark = 0; /* a late joiner clears it too */
	sync_ok(c, &in, NULL, 0, &r);
	assert_int_equal(r.nblocks, 1);
	assert_int_equal(r.blocks[0].until_us, 0);
	fg_fleet_result_free(&r);
	/* not blocked any more: nothing to do */
	assert_int_equal(fg_fleet_unblock(c, "t", k, 1, err, sizeof(err)), 0);
	/* afresh: a charge under the tolerance does not block */
	it = item(1, 400000, 500000);
	sync_ok(c, &in, &it, 1, &r);
	assert_int_equal(r.nblocks, 1); /* the unblock, still */
	assert_int_equal(r.blocks[0].until_us, 0);
	fg_fleet_result_free(&r);
	fg_fleet_disconnect(c);
}

#define T(fn) cmocka_unit_test_setup(fn, flush)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_under_then_over),
	    T(test_debt_carries),
	    T(test_dimensions_and_block_max),
	    T(test_watermark_and_prune),
	    T(test_hosts),
	    T(test_keys_tagged_and_expiring),
	    T(test_redis_clock),
	    T(test_chunks),
	    cmocka_unit_test(test_source_format_parse),
	    cmocka_unit_test(test_parse_block),
	    T(test_tat_capped),
	    T(test_pull_pages),
	    T(test_late_joiner),
	    T(test_bogus_ends),
	    T(test_unblock),
	    T(test_auth),
	    T(test_connect_unreachable),
	    T(test_select_db),
	    T(test_noscript),
	};

	return cmocka_run_group_tests_name("fleetredis", tests, group_setup,
					   group_teardown);
}
