// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The reload's list sync (mapio.c) on a real LPM trie, small enough to
 * fill: it applies whole or leaves the table exactly as it was (no room:
 * nothing written; a write failing mid-way: the writes made undone), and
 * the CLI's entries always stay. And the writers' lock (pinlock.c).
 * Needs root (BPF maps); skips otherwise.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <bpf/bpf.h>

#include "mapio.h"
#include "pinlock.h"

#define CAPACITY 16
#define MAX_SHOWN 64

struct entry {
	struct fg_cidr c;
	__u32 v;
};

struct table {
	struct entry e[MAX_SHOWN];
	size_t n;
};

static struct fg_ctl ctl;

static int setup(void **state)
{
	struct bpf_map_create_opts opts = {.sz = sizeof(opts),
					   .map_flags = BPF_F_NO_PREALLOC};
	struct fg_maps *m = calloc(1, sizeof(*m));

	if (!m)
		return -1;
	fg_maps_init(m);
	m->lists = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, "fg_test_lists",
				  sizeof(struct fg_lpm_key), sizeof(__u32),
				  CAPACITY, &opts);
	m->ctl_mem = &ctl;
	*state = m;
	return 0;
}

static int teardown(void **state)
{
	struct fg_maps *m = *state;

	if (m->lists >= 0)
		close(m->lists);
	free(m);
	return 0;
}

static struct fg_maps *maps(void **state)
{
	struct fg_maps *m = *state;

	if (m->lists < 0)
		skip(); /* not root: no BPF maps */
	return m;
}

/* A /32 for each i (198.51.100.i, then 192.0.2.i-256), or a /len
 * 203.0.i.0 */
static struct fg_cidr v4(unsigned int i, unsigned int len)
{
	struct fg_cidr c;
	char s[32];
	const char *why;

	if (i < 256)
		snprintf(s, sizeof(s), "198.51.100.%u/%u", i, len);
	else
		snprintf(s, sizeof(s), "192.0.2.%u/%u", i - 256, len);
	if (len < 32)
		snprintf(s, sizeof(s), "203.0.%u.0/%u", i, len);
	assert_int_equal(fg_parse_cidr(s, &c, &why), 0);
	return c;
}

static int collect(const struct fg_cidr *c, __u32 value, void *arg)
{
	struct table *t = arg;

	assert_true(t->n < MAX_SHOWN);
	memset(&t->e[t->n], 0, sizeof(t->e[t->n]));
	t->e[t->n].c = *c;
	t->e[t->n++].v = value;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct fg_cidr));
}

/* The table's entries, in a fixed order. */
static struct table snapshot(struct fg_maps *m)
{
	struct table t = {.n = 0};

	assert_int_equal(fg_list_walk(m, collect, &t), 0);
	qsort(t.e, t.n, sizeof(t.e[0]), cmp_entry);
	return t;
}

/* The entry's own bits; its effective action must be its own (these
 * tables hold no classes, so nothing is inherited). */
static __u32 value_of(struct fg_maps *m, struct fg_cidr c)
{
	__u32 v = 0;

	if (fg_list_get(m, &c, &v))
		return 0;
	assert_int_equal(v >> FG_LIST_EFF_ACTION_SHIFT &
			     FG_LIST_EFF_ACTION_MASK,
			 v & FG_LIST_ACTION_MASK);
	return v & FG_LIST_OWN_MASK;
}

static void assert_same(const struct table *a, const struct table *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		assert_memory_equal(&a->e[i].c, &b->e[i].c, sizeof(a->e[i].c));
		assert_int_equal(a->e[i].v, b->e[i].v);
	}
}

/* Empties the table between tests. */
static void clear(struct fg_maps *m)
{
	assert_int_equal(fg_maps_sync_lists(m, NULL, 0, NULL, 0), 0);
	struct table t = snapshot(m);

	for (size_t i = 0; i < t.n; i++)
		assert_int_equal(fg_list_del(m, &t.e[i].c), 0);
	assert_int_equal(snapshot(m).n, 0);
}

/* Config entries replace config entries; CLI entries stay and win. */
static void test_sync_replaces_config_keeps_cli(void **state)
{
	struct fg_maps *m = maps(state);
	struct fg_cidr old_allow[] = {v4(1, 32), v4(2, 32)};
	struct fg_cidr old_deny[] = {v4(3, 32), v4(4, 24)};
	struct fg_cidr new_allow[] = {v4(2, 32), v4(5, 32), v4(7, 32)};
	struct fg_cidr new_deny[] = {v4(1, 32), v4(4, 24)};
	struct fg_cidr cli7 = v4(7, 32), cli8 = v4(8, 32);

	clear(m);
	assert_int_equal(fg_maps_sync_lists(m, old_allow, 2, old_deny, 2), 0);
	assert_int_equal(fg_list_put(m, &cli7, FG_LIST_DENY, true), 0);
	assert_int_equal(fg_list_put(m, &cli8, FG_LIST_ALLOW, true), 0);
	assert_int_equal(fg_maps_sync_lists(m, new_allow, 3, new_deny, 2), 0);

	assert_int_equal(snapshot(m).n, 6);
	assert_int_equal(value_of(m, v4(1, 32)), FG_LIST_DENY); /* changed */
	assert_int_equal(value_of(m, v4(2, 32)), FG_LIST_ALLOW);
	assert_int_equal(value_of(m, v4(3, 32)), 0); /* gone */
	assert_int_equal(value_of(m, v4(4, 24)), FG_LIST_DENY);
	assert_int_equal(value_of(m, v4(5, 32)), FG_LIST_ALLOW);
	/* the CLI's deny of .7 wins over the config's allow */
	assert_int_equal(value_of(m, cli7), FG_LIST_DENY | FG_LIST_FROM_CLI);
	assert_int_equal(value_of(m, cli8), FG_LIST_ALLOW | FG_LIST_FROM_CLI);
}

/* CLI entries count against the capacity: a config that does not fit
 * with them is refused before anything is written. */
static void test_sync_no_room_changes_nothing(void **state)
{
	struct fg_maps *m = maps(state);
	struct fg_cidr old_deny[8], new_deny[11], cli;
	struct fg_list_sync *sync = NULL;
	struct fg_lists_room room;
	struct table before, after;
	__u32 gen;

	clear(m);
	for (unsigned int i = 0; i < 8; i++)
		old_deny[i] = v4(i, 32);
	for (unsigned int i = 0; i < 11; i++)
		new_deny[i] = v4(100 + i, 32);
	assert_int_equal(fg_maps_sync_lists(m, NULL, 0, old_deny, 8), 0);
	for (unsigned int i = 0; i < 6; i++) {
		cli = v4(200 + i, 32);
		assert_int_equal(fg_list_put(m, &cli, FG_LIST_ALLOW, true), 0);
	}
	before = snapshot(m);
	gen = ctl.lists_gen;
	/* 11 + 6 > 16 */
	assert_int_equal(
	    fg_list_sync_plan(
		m, &(struct fg_list_want){.deny = new_deny, .ndeny = 11}, &sync,
		&room),
	    -ENOSPC);
	assert_null(sync);
	assert_int_equal(room.config, 11);
	assert_int_equal(room.cli, 6);
	assert_int_equal(room.capacity, CAPACITY);
	assert_int_equal(fg_maps_sync_lists(m, NULL, 0, new_deny, 11), -ENOSPC);
	after = snapshot(m);
	assert_same(&before, &after);
	assert_int_equal(ctl.lists_gen, gen);
	/* 10 + 6 fits exactly, though only once the old 8 are gone */
	assert_int_equal(fg_maps_sync_lists(m, NULL, 0, new_deny, 10), 0);
	assert_int_equal(snapshot(m).n, 16);
	assert_int_equal(value_of(m, v4(0, 32)), 0);
	assert_int_equal(value_of(m, v4(109, 32)), FG_LIST_DENY);
	assert_int_equal(value_of(m, v4(205, 32)),
			 FG_LIST_ALLOW | FG_LIST_FROM_CLI);
}

/*
 * A write that fails part-way (here the kernel refuses a prefix longer
 * than 128 bits, which no config can name; in the field: the table
 * filling up under a writer that did not take the lock) undoes the
 * writes already made: changed values back, added keys gone, removed
 * keys back.
 */
static void test_sync_failure_rolls_back(void **state)
{
	struct fg_maps *m = maps(state);
	struct fg_cidr old_allow[] = {v4(1, 32), v4(2, 32), v4(3, 32)};
	struct fg_cidr new_deny[6], cli = v4(9, 32), bad;
	struct table before, after;

	for (int tight = 0; tight < 2; tight++) {
		clear(m);
		assert_int_equal(fg_maps_sync_lists(m, old_allow, 3, NULL, 0),
				 0);
		assert_int_equal(fg_list_put(m, &cli, FG_LIST_DENY, true), 0);
		/* .1 changes to deny, .2 stays, .3 goes, the rest are new;
		 * the bad prefix sorts after the others (its first byte). */
		new_deny[0] = v4(1, 32);
		new_deny[1] = v4(2, 24);
		new_deny[2] = v4(5, 32);
		new_deny[3] = v4(6, 24);
		bad = v4(7, 32);
		bad.prefixlen = 129;
		new_deny[4] = bad;
		new_deny[5] = v4(8, 32);
		if (tight) {
			/* fill with CLI entries so that only deleting .3
			 * first makes the room (16 after, 17 at the peak
			 * otherwise): the delete is undone too */
			for (unsigned int i = 0; i < 8; i++) {
				struct fg_cidr c = v4(300 + i, 32);

				assert_int_equal(
				    fg_list_put(m, &c, FG_LIST_ALLOW, true), 0);
			}
		}
		before = snapshot(m);
		assert_int_equal(
		    fg_maps_sync_lists(m, old_allow + 1, 1, new_deny, 6),
		    -EINVAL);
		after = snapshot(m);
		assert_same(&before, &after);
		assert_int_equal(value_of(m, v4(1, 32)), FG_LIST_ALLOW);
		assert_int_equal(value_of(m, v4(3, 32)), FG_LIST_ALLOW);
		assert_int_equal(value_of(m, v4(5, 32)), 0);
	}
}

/* One writer at a time; the lock goes with its holder, however it ends. */
static void test_pin_lock(void **state)
{
	char dir[] = "/tmp/fg-lock-XXXXXX";
	int a, b, pipefd[2];
	pid_t child;
	char c;

	(void)state;
	assert_non_null(mkdtemp(dir));
	a = fg_pin_lock(dir, 0);
	assert_true(a >= 0);
	assert_int_equal(fg_pin_lock(dir, 50), -ETIMEDOUT);
	fg_pin_unlock(a);
	b = fg_pin_lock(dir, 0);
	assert_true(b >= 0);
	fg_pin_unlock(b);

	/* a holder killed with the lock held releases it */
	assert_int_equal(pipe(pipefd), 0);
	child = fork();
	assert_true(child >= 0);
	if (!child) {
		int l = fg_pin_lock(dir, 1000);

		if (write(pipefd[1], l >= 0 ? "y" : "n", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	assert_int_equal(read(pipefd[0], &c, 1), 1);
	assert_int_equal(c, 'y');
	assert_int_equal(fg_pin_lock(dir, 50), -ETIMEDOUT);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	b = fg_pin_lock(dir, 1000);
	assert_true(b >= 0);
	fg_pin_unlock(b);
	close(pipefd[0]);
	close(pipefd[1]);
	assert_int_equal(fg_pin_lock("/nonexistent/fg-pins", 0), -ENOENT);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sync_replaces_config_keeps_cli),
	    cmocka_unit_test(test_sync_no_room_changes_nothing),
	    cmocka_unit_test(test_sync_failure_rolls_back),
	    cmocka_unit_test(test_pin_lock),
	};

	return cmocka_run_group_tests_name("listsync", tests, setup, teardown);
}
