// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "fleet.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fleetpub.h"
#include "fleetredis.h"
#include "log.h"
#include "secretfile.h"

#define NS_PER_MS 1000000ULL
#define NS_PER_S 1000000000ULL
#define IDLE_NS NS_PER_S		/* wake-up period with no fleet */
#define BACKOFF_MIN_NS (50 * NS_PER_MS) /* first retry */
#define BLOCK_MAX_NS (600 * NS_PER_S)	/* no fleet block lasts longer */

enum link_state { LINK_OFF, LINK_UP, LINK_DOWN };

struct fg_fleet {
	struct fg_maps *maps;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;

	/* Under lock: set by the main thread, taken by the fleet thread. */
	bool stop, reconfigured;
	struct fg_fleet_spec next_spec;
	struct fg_fleet_rules next_rules;
	struct fg_fleet_stats stats;

	/* The fleet thread's own. */
	struct fg_fleet_spec spec;
	struct fg_fleet_rules rules;
	char host[FG_FLEET_NAME_MAX];
	struct fg_fleet_conn *conn;
	enum link_state state;
	enum fg_fleet_op down_op;
	__u64 retry_at_ns, backoff_ns, watermark;
	unsigned int hosts;
	struct fg_fleet_table *table;
	struct fg_src_key *keys;
	struct fg_fleet_count *vals;
	struct fg_fleet_item *items;
};

static struct fg_ctl *ctl_of(struct fg_fleet *f)
{
	return f->maps->ctl_mem;
}

/* Every call to Redis waits at most one period, and never long. */
static __u64 call_timeout_ns(const struct fg_fleet_spec *s)
{
	__u64 t = s->sync_ns;

	if (t < 50 * NS_PER_MS)
		t = 50 * NS_PER_MS;
	return t > NS_PER_S ? NS_PER_S : t;
}

static void set_link(struct fg_fleet *f, enum link_state st)
{
	static const __u32 abi[] = {
	    [LINK_OFF] = FG_FLEET_OFF,
	    [LINK_UP] = FG_FLEET_UP,
	    [LINK_DOWN] = FG_FLEET_DOWN,
	};

	f->state = st;
	__atomic_store_n(&ctl_of(f)->fleet_state, abi[st], __ATOMIC_RELEASE);
	pthread_mutex_lock(&f->lock);
	f->stats.up = st == LINK_UP;
	pthread_mutex_unlock(&f->lock);
}

/* Redis refused or went away at step op: one log line when this is news
 * (up -> down, or down for another reason), then retry with backoff. */
static void went_down(struct fg_fleet *f, enum fg_fleet_op op, const char *err)
{
	__u64 now = fg_monotonic_ns(), cap = f->spec.sync_ns, half;

	if (f->state != LINK_DOWN || f->down_op != op)
		log_warn("fleet: Redis unavailable; local limits go on",
			 "op=%s error=%s redis=%s", fg_fleet_op_names[op],
			 fg_q(err), fg_q(f->spec.redis));
	pthread_mutex_lock(&f->lock);
	f->stats.errors[op]++;
	pthread_mutex_unlock(&f->lock);
	fg_fleet_disconnect(f->conn);
	f->conn = NULL;
	f->down_op = op;
	set_link(f, LINK_DOWN);
	/* Doubling, up to one period: a Redis back from a restart is in use
	 * again within two periods. Jitter spreads a fleet's retries. */
	f->backoff_ns = f->backoff_ns ? f->backoff_ns * 2 : BACKOFF_MIN_NS;
	if (cap < BACKOFF_MIN_NS)
		cap = BACKOFF_MIN_NS;
	if (f->backoff_ns > cap)
		f->backoff_ns = cap;
	half = f->backoff_ns / 2;
	f->retry_at_ns =
	    now + half + (__u64)((double)half * (rand() / (RAND_MAX + 1.0)));
}

static void try_connect(struct fg_fleet *f)
{
	char err[FG_ERR_MAX], pass[FG_SECRET_MAX];
	const char *password = NULL;
	enum fg_fleet_op op = FG_FLEET_OP_AUTH;

	if (f->spec.password_file[0]) {
		if (fg_secret_read(f->spec.password_file, pass, sizeof(pass),
				   err, sizeof(err))) {
			went_down(f, op, err);
			return;
		}
		password = pass;
	}
	f->conn =
	    fg_fleet_connect(&f->spec.addr, password, call_timeout_ns(&f->spec),
			     &op, err, sizeof(err));
	explicit_bzero(pass, sizeof(pass));
	if (!f->conn) {
		went_down(f, op, err);
		return;
	}
	log_info("fleet: connected", "redis=%s name=%s host=%s",
		 fg_q(f->spec.redis), fg_q(f->spec.name), fg_q(f->host));
	f->backoff_ns = 0;
	f->watermark = 0; /* catch up on every block still in force */
	set_link(f, LINK_UP);
}

/* The fleet's blocks into fg_fleet_blocked, on this host's clock:
 * until is on Redis' clock, whose `now` was read during the call. Only
 * for rules with a fleet limit here: Redis speaks for those alone. An
 * unblock clears this host's block. */
static unsigned long apply_blocks(struct fg_fleet *f,
				  const struct fg_fleet_result *r,
				  __u64 replied_ns, unsigned long *refused)
{
	unsigned long applied = 0, cleared = 0;

	for (size_t i = 0; i < r->nblocks; i++) {
		const struct fg_fleet_pulled *p = &r->blocks[i];
		const struct fg_fleet_rule *rule =
		    fg_fleet_rule_find(&f->rules, p->key.rule_id);
		struct fg_block b = {0};

		if (!rule) {
			++*refused;
			continue;
		}
		if (!p->until_us) {
			cleared += fg_fleet_block_del(f->maps, &p->key) == 0;
			continue;
		}
		if (p->until_us <= r->now_us)
			continue; /* over already */
		b.until_ns = replied_ns + (p->until_us - r->now_us) * 1000;
		b.rule_slot = rule->slot;
		if (fg_fleet_block_put(f->maps, &p->key, &b) > 0)
			applied++;
	}
	if (cleared)
		log_info("fleet: blocks cleared by an unblock", "count=%lu",
			 cleared);
	if (applied) {
		__atomic_store_n(&ctl_of(f)->fleet_block_active, 1,
				 __ATOMIC_SEQ_CST);
		/* Again once the program looks: a drop cached between the
		 * put and the flag did not see the fleet's block. */
		fg_maps_verdicts_changed(f->maps);
	}
	return applied;
}

static void sync_once(struct fg_fleet *f, long nitems, __u64 start_ns)
{
	struct fg_fleet_sync_args a = {
	    .name = f->spec.name,
	    .host = f->host,
	    .watermark = f->watermark,
	    .host_ttl_us = 3 * f->spec.sync_ns / 1000,
	    .block_max_us = BLOCK_MAX_NS / 1000,
	    .items = f->items,
	    .nitems = nitems > 0 ? (size_t)nitems : 0,
	};
	struct fg_fleet_result r;
	char err[FG_ERR_MAX];
	unsigned long applied, refused = 0;
	__u64 done;
	int rc = fg_fleet_sync(f->conn, &a, &r, err, sizeof(err));

	done = fg_monotonic_ns();
	pthread_mutex_lock(&f->lock);
	f->stats.commands += r.commands;
	f->stats.bytes_sent += r.bytes_sent;
	pthread_mutex_unlock(&f->lock);
	if (rc) {
		fg_fleet_result_free(&r);
		went_down(f, fg_fleet_error_op(err, FG_FLEET_OP_SYNC), err);
		return;
	}
	applied = apply_blocks(f, &r, done, &refused);
	f->watermark = r.watermark;
	refused += r.malformed;
	if (refused)
		log_warn("fleet: blocks refused",
			 "malformed=%zu other_rule=%lu", r.malformed,
			 refused - r.malformed);
	f->hosts = r.hosts ? r.hosts : 1;
	__atomic_store_n(&ctl_of(f)->fleet_hosts, f->hosts, __ATOMIC_RELEASE);
	__atomic_store_n(&ctl_of(f)->fleet_sync_ms, (__u32)(done / NS_PER_MS),
			 __ATOMIC_RELEASE);
	pthread_mutex_lock(&f->lock);
	fg_fleet_stats_observe(&f->stats, (double)(done - start_ns) / 1e9);
	f->stats.hosts = f->hosts;
	f->stats.published_sources += a.nitems;
	f->stats.blocks_applied += applied;
	f->stats.blocks_refused += refused;
	pthread_mutex_unlock(&f->lock);
	if (applied)
		log_debug("fleet: blocks applied", "count=%lu", applied);
	fg_fleet_result_free(&r);
}

/* Deletes blocks whose time is up; lets the datapath skip its lookup
 * when none is left (only this thread writes the map). */
static void expire(struct fg_fleet *f)
{
	long live = 0;

	fg_fleet_blocked_expire(f->maps, fg_monotonic_ns(), &live);
	if (!live &&
	    __atomic_load_n(&ctl_of(f)->fleet_block_active, __ATOMIC_ACQUIRE))
		__atomic_store_n(&ctl_of(f)->fleet_block_active, 0,
				 __ATOMIC_SEQ_CST);
}

static void period(struct fg_fleet *f, __u64 start_ns)
{
	struct fg_fleet_period p = {
	    .now_ns = start_ns,
	    .sync_ns = f->spec.sync_ns,
	    .hosts = f->hosts ? f->hosts : 1,
	};
	long n, nitems;

	if (!f->conn && start_ns >= f->retry_at_ns)
		try_connect(f);
	p.publish = f->conn != NULL;
	n = fg_fleet_counts_read(f->maps, f->keys, f->vals,
				 FG_MAX_FLEET_SOURCES);
	nitems = fg_fleet_table_period(f->table, &f->rules, f->keys, f->vals,
				       n > 0 ? (size_t)n : 0, &p, f->items);
	if (f->conn)
		sync_once(f, nitems, start_ns);
	expire(f);
}

static bool conn_changed(const struct fg_fleet_spec *a,
			 const struct fg_fleet_spec *b)
{
	return strcmp(a->redis, b->redis) ||
	       strcmp(a->password_file, b->password_file) ||
	       strcmp(a->name, b->name) || strcmp(a->host, b->host);
}

/* Takes a new config (under lock). */
static void take_config(struct fg_fleet *f)
{
	bool was_on = f->spec.redis[0], on = f->next_spec.redis[0];

	if (conn_changed(&f->spec, &f->next_spec)) {
		fg_fleet_disconnect(f->conn);
		f->conn = NULL;
		f->retry_at_ns = 0;
		f->backoff_ns = 0;
		f->hosts = 0;
	}
	f->spec = f->next_spec;
	f->rules = f->next_rules;
	if (f->spec.host[0])
		memcpy(f->host, f->spec.host, sizeof(f->host));
	else if (gethostname(f->host, sizeof(f->host) - 1))
		memcpy(f->host, "unknown", sizeof("unknown"));
	f->stats.configured = on;
	if (was_on && !on) {
		int n = fg_fleet_blocked_clear(f->maps);

		__atomic_store_n(&ctl_of(f)->fleet_block_active, 0,
				 __ATOMIC_SEQ_CST);
		log_info("fleet: off; fleet blocks removed", "count=%d", n);
	}
}

static void *run(void *arg)
{
	struct fg_fleet *f = arg;

	pthread_mutex_lock(&f->lock);
	while (!f->stop) {
		struct timespec until;
		__u64 next, start;

		if (f->reconfigured) {
			f->reconfigured = false;
			take_config(f);
		}
		pthread_mutex_unlock(&f->lock);
		start = fg_monotonic_ns();
		if (f->spec.redis[0]) {
			period(f, start);
		} else if (f->state != LINK_OFF) {
			set_link(f, LINK_OFF);
		}
		next = start + (f->spec.redis[0] ? f->spec.sync_ns : IDLE_NS);
		until.tv_sec = (time_t)(next / NS_PER_S);
		until.tv_nsec = (long)(next % NS_PER_S);
		pthread_mutex_lock(&f->lock);
		while (!f->stop && !f->reconfigured &&
		       pthread_cond_timedwait(&f->wake, &f->lock, &until) !=
			   ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

struct fg_fleet *fg_fleet_start(struct fg_maps *maps)
{
	struct fg_fleet *f = calloc(1, sizeof(*f));
	pthread_condattr_t ca;

	if (!f)
		return NULL;
	f->maps = maps;
	f->table = fg_fleet_table_new();
	f->keys = calloc(FG_MAX_FLEET_SOURCES, sizeof(*f->keys));
	f->vals = calloc(FG_MAX_FLEET_SOURCES, sizeof(*f->vals));
	f->items = calloc(FG_MAX_FLEET_SOURCES, sizeof(*f->items));
	if (!f->table || !f->keys || !f->vals || !f->items)
		goto fail;
	pthread_mutex_init(&f->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&f->wake, &ca);
	pthread_condattr_destroy(&ca);
	f->spec.sync_ns = FG_FLEET_SYNC_NS_DEFAULT;
	__atomic_store_n(&maps->ctl_mem->fleet_state, FG_FLEET_OFF,
			 __ATOMIC_RELEASE);
	if (pthread_create(&f->thread, NULL, run, f)) {
		pthread_cond_destroy(&f->wake);
		pthread_mutex_destroy(&f->lock);
		goto fail;
	}
	return f;
fail:
	fg_fleet_table_free(f->table);
	free(f->keys);
	free(f->vals);
	free(f->items);
	free(f);
	return NULL;
}

void fg_fleet_configure(struct fg_fleet *f, const struct fg_settings *s,
			const __u8 *rule_slot)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->lock);
	f->next_spec = s->fleet;
	fg_fleet_rules_build(s, rule_slot, &f->next_rules);
	f->reconfigured = true;
	pthread_cond_signal(&f->wake);
	pthread_mutex_unlock(&f->lock);
}

void fg_fleet_stats(struct fg_fleet *f, struct fg_fleet_stats *out)
{
	if (!f) {
		memset(out, 0, sizeof(*out));
		return;
	}
	pthread_mutex_lock(&f->lock);
	*out = f->stats;
	pthread_mutex_unlock(&f->lock);
}

void fg_fleet_stop(struct fg_fleet *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->lock);
	f->stop = true;
	pthread_cond_signal(&f->wake);
	pthread_mutex_unlock(&f->lock);
	pthread_join(f->thread, NULL);
	fg_fleet_disconnect(f->conn);
	pthread_cond_destroy(&f->wake);
	pthread_mutex_destroy(&f->lock);
	fg_fleet_table_free(f->table);
	free(f->keys);
	free(f->vals);
	free(f->items);
	free(f);
}
