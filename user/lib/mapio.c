// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "mapio.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <signal.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "mapcount.h"
#include "pindir.h"
#include "ruleset.h"

#define FG_MAP_NAME(field, name) name,
const char *const fg_map_names[FG_MAP_COUNT] = {FG_MAP_TABLE(FG_MAP_NAME)};
const char *const fg_other_pin_names[FG_OTHER_PIN_COUNT] = {
    FG_MAP_VCACHE, FG_MAP_RETIRED_RULE_STATS};
#undef FG_MAP_NAME

/* Array elements are 8-byte aligned in the kernel and in its mmap. */
#define FG_PORTS_STRIDE 8

static int *map_fd_slot(struct fg_maps *m, int i)
{
#define FG_MAP_SLOT(field, name) &m->field,
	/* cppcheck-suppress constVariable ; callers write through these */
	int *const slots[FG_MAP_COUNT] = {FG_MAP_TABLE(FG_MAP_SLOT)};
#undef FG_MAP_SLOT

	return slots[i];
}

void fg_maps_init(struct fg_maps *m)
{
	memset(m, 0, sizeof(*m));
	for (int i = 0; i < FG_MAP_COUNT; i++)
		*map_fd_slot(m, i) = -1;
}

static size_t page_round(size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return (n + page - 1) / page * page;
}

static int map_mmap(int fd, size_t len, void **out)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		return -errno;
	*out = p;
	return 0;
}

static int maps_mmap(struct fg_maps *m)
{
	void *p = NULL;
	int err;

	m->ctl_len = page_round(sizeof(struct fg_ctl));
	err = map_mmap(m->ctl, m->ctl_len, &p);
	if (err)
		return err;
	m->ctl_mem = p;
	m->ports_len =
	    page_round((size_t)FG_CFG_SLOTS * FG_PORTS * FG_PORTS_STRIDE);
	err = map_mmap(m->ports, m->ports_len, &m->ports_mem);
	return err;
}

int fg_maps_from_object(struct bpf_object *obj, struct fg_maps *m)
{
	fg_maps_init(m);
	for (int i = 0; i < FG_MAP_COUNT; i++) {
		struct bpf_map *map =
		    bpf_object__find_map_by_name(obj, fg_map_names[i]);

		if (!map || bpf_map__fd(map) < 0)
			return -ENOENT;
		*map_fd_slot(m, i) = bpf_map__fd(map);
	}
	return maps_mmap(m);
}

int fg_maps_open_pinned(const char *pin_dir, struct fg_maps *m)
{
	char path[PATH_MAX];
	int err;

	fg_maps_init(m);
	m->owns_fds = true;
	for (int i = 0; i < FG_MAP_COUNT; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/%s", pin_dir, fg_map_names[i]);
		fd = bpf_obj_get(path);
		if (fd < 0) {
			err = -errno;
			fg_maps_close(m);
			/* Nothing can be pinned off bpffs: say that rather
			 * than "no pins" (bpffs not mounted). */
			return fg_pin_dir_on_bpffs(pin_dir) ? -ENOTSUP : err;
		}
		*map_fd_slot(m, i) = fd;
	}
	err = maps_mmap(m);
	if (err)
		fg_maps_close(m);
	return err;
}

void fg_maps_close(struct fg_maps *m)
{
	if (m->ctl_mem)
		munmap(m->ctl_mem, m->ctl_len);
	if (m->ports_mem)
		munmap(m->ports_mem, m->ports_len);
	for (int i = 0; i < FG_MAP_COUNT; i++) {
		int *fd = map_fd_slot(m, i);

		if (m->owns_fds && *fd >= 0)
			close(*fd);
	}
	fg_maps_init(m);
}

int fg_daemon_pid(struct fg_maps *m)
{
	int pid =
	    (int)__atomic_load_n(&m->ctl_mem->daemon_pid, __ATOMIC_ACQUIRE);
	char path[64], comm[32] = "";
	FILE *f;

	if (pid <= 0 || kill(pid, 0))
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	return strncmp(comm, "floodgated", 10) ? 0 : pid;
}

int fg_pins_remove(const char *pin_dir)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *dir;

	for (int i = 0; i < FG_MAP_COUNT; i++) {
		snprintf(path, sizeof(path), "%s/%s", pin_dir, fg_map_names[i]);
		unlink(path);
	}
	for (int i = 0; i < FG_OTHER_PIN_COUNT; i++) {
		snprintf(path, sizeof(path), "%s/%s", pin_dir,
			 fg_other_pin_names[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/%s", pin_dir, FG_PIN_PROG);
	unlink(path);
	/* XDP link pins (link_<ifname>): unpinning the last reference
	 * detaches what is still attached. */
	dir = opendir(pin_dir);
	while (dir && (e = readdir(dir))) {
		if (strncmp(e->d_name, "link_", 5))
			continue;
		snprintf(path, sizeof(path), "%s/%s", pin_dir, e->d_name);
		unlink(path);
	}
	if (dir)
		closedir(dir);
	if (rmdir(pin_dir) && errno != ENOENT)
		return -errno;
	return 0;
}

/* The idle slot's destination entries: the old ones out, the new in.
 * The live slot's entries are keyed apart (fg_dest_key.cfg_slot). */
static int stage_dests(struct fg_maps *m, __u32 idle,
		       const struct fg_rule_match *match)
{
	struct fg_dest_key cur, next;
	void *prev = NULL;
	struct fg_dest_key *old = NULL;
	size_t nold = 0, cap = 0;
	int err = 0;

	while (!bpf_map_get_next_key(m->dests, prev, &next)) {
		if (next.cfg_slot == idle) {
			if (nold == cap) {
				size_t ncap = cap ? cap * 2 : 64;
				struct fg_dest_key *g =
				    realloc(old, ncap * sizeof(*g));

				if (!g) {
					free(old);
					return -ENOMEM;
				}
				old = g;
				cap = ncap;
			}
			old[nold++] = next;
		}
		cur = next;
		prev = &cur;
	}
	for (size_t i = 0; i < nold; i++)
		bpf_map_delete_elem(m->dests, &old[i]);
	free(old);
	for (size_t i = 0; i < match->ndests && !err; i++) {
		struct fg_dest_key k = {
		    .prefixlen = 8u + match->dests[i].cidr.prefixlen,
		    .cfg_slot = (__u8)idle,
		};

		memcpy(k.addr, match->dests[i].cidr.addr, sizeof(k.addr));
		if (bpf_map_update_elem(m->dests, &k, &match->dests[i].set,
					BPF_ANY))
			err = -errno;
	}
	return err;
}

/* The CLI's per-rule modes (fg_rule_modes) over the config's. */
static void apply_rule_modes(struct fg_maps *m, struct fg_config *cfg)
{
	for (unsigned int i = 0; i <= cfg->nrules && i < FG_RULE_SLOTS; i++) {
		__u32 mode;

		if (i != FG_RULE_DEFAULT && !cfg->rules[i].id)
			continue; /* a free slot */
		if (bpf_map_lookup_elem(m->rule_modes, &cfg->rules[i].id,
					&mode))
			continue;
		if (mode == FG_RULE_MODE_ENFORCE)
			cfg->rules[i].dry_run = 0;
		else if (mode == FG_RULE_MODE_DRY_RUN)
			cfg->rules[i].dry_run = 1;
	}
}

/* The slots meta gives to a rule the live config does not have there:
 * their counters start from a baseline taken at the switch. */
static __u64 fresh_slots(struct fg_maps *m, __u32 live,
			 const struct fg_meta *meta)
{
	struct fg_meta *now = malloc(sizeof(*now));
	__u64 fresh = 0;

	if (!now || bpf_map_lookup_elem(m->meta, &live, now)) {
		free(now);
		return ~0ull; /* unknown: every slot anew */
	}
	for (unsigned int k = 1; k < FG_RULE_SLOTS; k++)
		if (meta->rule_names[k][0] &&
		    strncmp(meta->rule_names[k], now->rule_names[k],
			    FG_RULE_NAME_LEN))
			fresh |= 1ull << (k - 1);
	free(now);
	return fresh;
}

int fg_maps_stage_config(struct fg_maps *m, const struct fg_config *cfg,
			 const struct fg_rule_match *match,
			 const struct fg_meta *meta)
{
	__u32 live = __atomic_load_n(&m->ctl_mem->cfg_slot, __ATOMIC_ACQUIRE);
	__u32 idle = live ? 0 : 1;
	unsigned char *base = (unsigned char *)m->ports_mem +
			      (size_t)idle * FG_PORTS * FG_PORTS_STRIDE;
	struct fg_config *run = malloc(sizeof(*run));
	int err = 0;

	if (!run)
		return -ENOMEM;
	*run = *cfg;
	apply_rule_modes(m, run);
	for (size_t p = 0; p < FG_PORTS; p++)
		memcpy(base + p * FG_PORTS_STRIDE, &match->ports[p],
		       sizeof(match->ports[p]));
	if (bpf_map_update_elem(m->rule_table, &idle, &match->table, BPF_ANY))
		err = -errno;
	if (!err)
		err = stage_dests(m, idle, match);
	if (!err && bpf_map_update_elem(m->cfg, &idle, run, BPF_ANY))
		err = -errno;
	if (!err && meta && bpf_map_update_elem(m->meta, &idle, meta, BPF_ANY))
		err = -errno;
	m->fresh_slots = !err && meta ? fresh_slots(m, live, meta) : 0;
	free(run);
	return err;
}

void fg_maps_verdicts_changed(struct fg_maps *m)
{
	__atomic_add_fetch(&m->ctl_mem->verdict_gen, 1, __ATOMIC_SEQ_CST);
}

static int set_baselines(struct fg_maps *m, __u64 fresh);

int fg_maps_commit_config(struct fg_maps *m)
{
	__u32 live = __atomic_load_n(&m->ctl_mem->cfg_slot, __ATOMIC_ACQUIRE);
	/* Just before the switch: a fresh slot is one the live config does
	 * not use (ruleset.c), so nothing counts into its row meanwhile. */
	int err = set_baselines(m, m->fresh_slots);

	m->fresh_slots = 0;
	__atomic_store_n(&m->ctl_mem->cfg_slot, live ? 0 : 1, __ATOMIC_RELEASE);
	fg_maps_verdicts_changed(m);
	return err;
}

int fg_maps_apply_config(struct fg_maps *m, const struct fg_config *cfg,
			 const struct fg_rule_match *match,
			 const struct fg_meta *meta)
{
	int err = fg_maps_stage_config(m, cfg, match, meta);

	if (!err)
		err = fg_maps_commit_config(m);
	return err;
}

int fg_maps_read_meta(struct fg_maps *m, struct fg_meta *meta)
{
	__u32 live = __atomic_load_n(&m->ctl_mem->cfg_slot, __ATOMIC_ACQUIRE);

	if (bpf_map_lookup_elem(m->meta, &live, meta))
		return -errno;
	return 0;
}

void fg_lpm_from_cidr(const struct fg_cidr *c, struct fg_lpm_key *k)
{
	memset(k, 0, sizeof(*k));
	k->prefixlen = c->prefixlen;
	memcpy(k->addr, c->addr, sizeof(k->addr));
}

void fg_cidr_from_lpm(const struct fg_lpm_key *k, struct fg_cidr *c)
{
	static const __u8 v4_mapped[12] = {0, 0, 0, 0, 0,    0,
					   0, 0, 0, 0, 0xff, 0xff};

	memset(c, 0, sizeof(*c));
	memcpy(c->addr, k->addr, sizeof(c->addr));
	c->prefixlen = (__u8)k->prefixlen;
	c->is_v4 = k->prefixlen >= 96 && !memcmp(c->addr, v4_mapped, 12);
}

/* After any change to fg_lists: known sources check the lists again. */
static void lists_changed(struct fg_maps *m)
{
	__atomic_add_fetch(&m->ctl_mem->lists_gen, 1, __ATOMIC_SEQ_CST);
}

/* Collects every key first: deleting while walking an LPM trie with
 * get_next_key restarts the walk. */
static int list_keys(struct fg_maps *m, struct fg_lpm_key **out, size_t *n)
{
	struct fg_lpm_key cur, next, *keys = NULL;
	size_t len = 0, cap = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(m->lists, prev, &next)) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			struct fg_lpm_key *nk =
			    realloc(keys, ncap * sizeof(*keys));

			if (!nk) {
				free(keys);
				return -ENOMEM;
			}
			keys = nk;
			cap = ncap;
		}
		keys[len++] = next;
		cur = next;
		prev = &cur;
	}
	if (errno != ENOENT) {
		int err = -errno;

		free(keys);
		return err;
	}
	*out = keys;
	*n = len;
	return 0;
}

int fg_list_get(struct fg_maps *m, const struct fg_cidr *c, __u32 *value)
{
	struct fg_lpm_key want, *keys = NULL;
	size_t n = 0;
	int err = list_keys(m, &keys, &n);

	if (err)
		return err;
	fg_lpm_from_cidr(c, &want);
	err = -ENOENT;
	for (size_t i = 0; i < n; i++) {
		if (!memcmp(&keys[i], &want, sizeof(want))) {
			err = bpf_map_lookup_elem(m->lists, &keys[i], value)
				  ? -ENOENT
				  : 0;
			break;
		}
	}
	free(keys);
	return err;
}

int fg_list_walk(struct fg_maps *m, fg_list_cb cb, void *arg)
{
	struct fg_lpm_key *keys = NULL;
	size_t n = 0;
	int err = list_keys(m, &keys, &n);

	if (err)
		return err;
	for (size_t i = 0; i < n && !err; i++) {
		struct fg_cidr c;
		__u32 v;

		if (bpf_map_lookup_elem(m->lists, &keys[i], &v))
			continue; /* deleted meanwhile */
		fg_cidr_from_lpm(&keys[i], &c);
		err = cb(&c, v, arg);
	}
	free(keys);
	return err < 0 ? err : 0;
}

static int lpm_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct fg_lpm_key));
}

/* A list entry: its key, then its value; sorted and searched by key. */
struct list_entry {
	struct fg_lpm_key k;
	__u32 v;
};

static const struct list_entry *
find_entry(const struct fg_lpm_key *k, const struct list_entry *set, size_t n)
{
	return n ? bsearch(k, set, n, sizeof(*set), lpm_cmp) : NULL;
}

/* Does key a (shorter or equal) cover key b? */
static bool lpm_covers(const struct fg_lpm_key *a, const struct fg_lpm_key *b)
{
	struct fg_cidr x, y;

	fg_cidr_from_lpm(a, &x);
	fg_cidr_from_lpm(b, &y);
	return fg_cidr_covers(&x, &y);
}

static int addr_order(const void *pa, const void *pb)
{
	const struct list_entry *a = pa, *b = pb;
	int r = memcmp(a->k.addr, b->k.addr, sizeof(a->k.addr));

	if (r)
		return r;
	return a->k.prefixlen < b->k.prefixlen	 ? -1
	       : a->k.prefixlen > b->k.prefixlen ? 1
						 : 0;
}

static __u32 composed(__u32 own, __u32 parent)
{
	__u32 act = own & FG_LIST_ACTION_MASK;
	__u32 cls = own >> FG_LIST_CLASS_SHIFT & FG_LIST_CLASS_MASK;

	if (!act)
		act = parent >> FG_LIST_EFF_ACTION_SHIFT &
		      FG_LIST_EFF_ACTION_MASK;
	if (!cls)
		cls =
		    parent >> FG_LIST_EFF_CLASS_SHIFT & FG_LIST_EFF_CLASS_MASK;
	return (own & FG_LIST_OWN_MASK) |
	       (cls & FG_LIST_EFF_CLASS_MASK) << FG_LIST_EFF_CLASS_SHIFT |
	       (act & FG_LIST_EFF_ACTION_MASK) << FG_LIST_EFF_ACTION_SHIFT;
}

/*
 * Sets every entry's effective action and class (fg_abi.h): its own, or
 * else the nearest enclosing entry's. In address order an enclosing
 * prefix comes before what it encloses, so a stack of the open ones is
 * enough. e is sorted by key (lpm_cmp) before and after: O(n log n).
 */
static void compose(struct list_entry *e, size_t n)
{
	struct list_entry *stack[129];
	size_t depth = 0;

	qsort(e, n, sizeof(*e), addr_order);
	for (size_t i = 0; i < n; i++) {
		struct list_entry *x = &e[i];

		while (depth && !lpm_covers(&stack[depth - 1]->k, &x->k))
			depth--;
		x->v = composed(x->v, depth ? stack[depth - 1]->v : 0);
		if (depth < sizeof(stack) / sizeof(stack[0]))
			stack[depth++] = x;
	}
	qsort(e, n, sizeof(*e), lpm_cmp);
}

/* One write of a sync and what undoes it: the value it replaced, or
 * none (the key was absent). */
struct list_op {
	struct fg_lpm_key k;
	__u32 v;
	bool del;
	bool had;
	__u32 old;
};

/* The writes in the order they are made. */
struct fg_list_sync {
	struct list_op *ops;
	size_t nops;
};

static int lists_capacity(struct fg_maps *m, size_t *out)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(m->lists, &info, &len))
		return -errno;
	*out = info.max_entries;
	return 0;
}

/* The table as it is: every entry, sorted by key. */
static int read_entries(struct fg_maps *m, struct list_entry **out, size_t *n)
{
	struct fg_lpm_key *keys = NULL;
	struct list_entry *e;
	size_t nkeys = 0, len = 0;
	int err = list_keys(m, &keys, &nkeys);

	if (err)
		return err;
	e = calloc(nkeys ? nkeys : 1, sizeof(*e));
	if (!e) {
		free(keys);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nkeys; i++) {
		if (bpf_map_lookup_elem(m->lists, &keys[i], &e[len].v))
			continue; /* deleted meanwhile */
		e[len++].k = keys[i];
	}
	free(keys);
	qsort(e, len, sizeof(*e), lpm_cmp);
	*out = e;
	*n = len;
	return 0;
}

/* The config's entries, sorted by key, one per key: a prefix on a list
 * and in a class is one entry with both (a validated config names a
 * prefix on one list and in one class only). Own bits only. */
static struct list_entry *wanted_entries(const struct fg_list_want *want,
					 size_t *n)
{
	size_t nwant = want->nallow + want->ndeny + want->nclasses, len = 0;
	struct list_entry *w = calloc(nwant ? nwant : 1, sizeof(*w));

	if (!w)
		return NULL;
	for (size_t i = 0, j = 0; j < want->nallow; j++, i++) {
		fg_lpm_from_cidr(&want->allow[j], &w[i].k);
		w[i].v = FG_LIST_ALLOW;
	}
	for (size_t i = want->nallow, j = 0; j < want->ndeny; j++, i++) {
		fg_lpm_from_cidr(&want->deny[j], &w[i].k);
		w[i].v = FG_LIST_DENY;
	}
	for (size_t i = want->nallow + want->ndeny, j = 0; j < want->nclasses;
	     j++, i++) {
		fg_lpm_from_cidr(&want->classes[j].cidr, &w[i].k);
		w[i].v = (want->classes[j].class_id & FG_LIST_CLASS_MASK)
			 << FG_LIST_CLASS_SHIFT;
	}
	qsort(w, nwant, sizeof(*w), lpm_cmp);
	for (size_t i = 0; i < nwant; i++) {
		if (len && !lpm_cmp(&w[len - 1].k, &w[i].k))
			w[len - 1].v |= w[i].v;
		else
			w[len++] = w[i];
	}
	*n = len;
	return w;
}

/* A CLI entry's own bits: its action and mark; a class a config entry
 * of the same prefix gives it is added by the plan. */
#define CLI_OWN (FG_LIST_ACTION_MASK | FG_LIST_FROM_CLI)
#define CLASS_OWN (FG_LIST_CLASS_MASK << FG_LIST_CLASS_SHIFT)

/*
 * The writes that take the table from `have` to the config's `want`
 * with the CLI's entries kept (the CLI's action wins on a prefix both
 * name; a class the config gives that prefix stays), every effective
 * value composed over the result, counted into *room. New entries go in
 * before the old ones go (no moment without a prefix that covers an
 * address in both configs), unless only removing the old ones first
 * makes the room.
 */
static int plan_ops(const struct list_entry *have, size_t nhave,
		    const struct list_entry *want, size_t nwant,
		    struct fg_list_sync *p, struct fg_lists_room *room)
{
	size_t nadd = 0, ndel = 0, nput = 0, nres = 0;
	struct list_op *puts = calloc(nwant + nhave + 1, sizeof(*puts));
	struct list_op *dels = calloc(nhave + 1, sizeof(*dels));
	struct list_entry *res = calloc(nwant + nhave + 1, sizeof(*res));
	int err = 0;

	if (!puts || !dels || !res) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nwant; i++) {
		const struct list_entry *e =
		    find_entry(&want[i].k, have, nhave);

		res[nres] = want[i];
		if (e && (e->v & FG_LIST_FROM_CLI))
			res[nres].v =
			    (e->v & CLI_OWN) | (want[i].v & CLASS_OWN);
		else
			room->config++;
		nres++;
	}
	for (size_t i = 0; i < nhave; i++) {
		if (!(have[i].v & FG_LIST_FROM_CLI))
			continue;
		room->cli++;
		if (!find_entry(&have[i].k, want, nwant))
			res[nres++] = (struct list_entry){
			    .k = have[i].k, .v = have[i].v & CLI_OWN};
	}
	compose(res, nres);
	for (size_t i = 0; i < nhave; i++)
		if (!find_entry(&have[i].k, res, nres))
			dels[ndel++] = (struct list_op){.k = have[i].k,
							.del = true,
							.had = true,
							.old = have[i].v};
	for (size_t i = 0; i < nres; i++) {
		const struct list_entry *e = find_entry(&res[i].k, have, nhave);

		if (e && e->v == res[i].v)
			continue;
		nadd += !e;
		puts[nput++] = (struct list_op){.k = res[i].k,
						.v = res[i].v,
						.had = e != NULL,
						.old = e ? e->v : 0};
	}
	p->nops = nput + ndel;
	if (nhave + nadd > room->capacity) {
		memcpy(p->ops, dels, ndel * sizeof(*dels));
		memcpy(p->ops + ndel, puts, nput * sizeof(*puts));
	} else {
		memcpy(p->ops, puts, nput * sizeof(*puts));
		memcpy(p->ops + nput, dels, ndel * sizeof(*dels));
	}
	if (room->config + room->cli > room->capacity)
		err = -ENOSPC;
out:
	free(puts);
	free(dels);
	free(res);
	return err;
}

int fg_list_sync_plan(struct fg_maps *m, const struct fg_list_want *w,
		      struct fg_list_sync **out, struct fg_lists_room *room)
{
	struct fg_lists_room r = {0};
	struct list_entry *have = NULL, *want = NULL;
	size_t nhave = 0, nwant = 0;
	struct fg_list_sync *p = calloc(1, sizeof(*p));
	int err = p ? read_entries(m, &have, &nhave) : -ENOMEM;

	if (!err)
		err = lists_capacity(m, &r.capacity);
	if (!err && !(want = wanted_entries(w, &nwant)))
		err = -ENOMEM;
	if (!err && !(p->ops = calloc(nwant + nhave + 1, sizeof(*p->ops))))
		err = -ENOMEM;
	if (!err)
		err = plan_ops(have, nhave, want, nwant, p, &r);
	if (room)
		*room = r;
	free(have);
	free(want);
	if (err) {
		fg_list_sync_free(p);
		return err;
	}
	*out = p;
	return 0;
}

static int op_apply(struct fg_maps *m, const struct list_op *op)
{
	int rc = op->del
		     ? bpf_map_delete_elem(m->lists, &op->k)
		     : bpf_map_update_elem(m->lists, &op->k, &op->v, BPF_ANY);

	return rc ? -errno : 0;
}

/* Back to the table as the plan found it. Best effort: a write that
 * fails here has nothing left to fall back on. */
static void op_undo(struct fg_maps *m, const struct list_op *op)
{
	if (op->had)
		bpf_map_update_elem(m->lists, &op->k, &op->old, BPF_ANY);
	else
		bpf_map_delete_elem(m->lists, &op->k);
}

int fg_list_sync_run(struct fg_maps *m, struct fg_list_sync *p)
{
	size_t done = 0;
	int err = 0;

	while (done < p->nops && !(err = op_apply(m, &p->ops[done])))
		done++;
	if (err)
		while (done > 0)
			op_undo(m, &p->ops[--done]);
	if (p->nops)
		lists_changed(m);
	return err;
}

struct fg_list_sync_counts fg_list_sync_count(const struct fg_list_sync *p)
{
	struct fg_list_sync_counts n = {0};

	for (size_t i = 0; p && i < p->nops; i++) {
		const struct list_op *op = &p->ops[i];

		if (op->del)
			n.removed++;
		else if (op->had)
			n.changed += op->old != op->v;
		else
			n.added++;
	}
	return n;
}

void fg_list_sync_free(struct fg_list_sync *p)
{
	if (!p)
		return;
	free(p->ops);
	free(p);
}

int fg_maps_sync_lists(struct fg_maps *m, const struct fg_cidr *allow,
		       size_t nallow, const struct fg_cidr *deny, size_t ndeny)
{
	struct fg_list_want w = {
	    .allow = allow, .nallow = nallow, .deny = deny, .ndeny = ndeny};

	return fg_maps_sync_want(m, &w);
}

int fg_maps_sync_want(struct fg_maps *m, const struct fg_list_want *w)
{
	struct fg_list_sync *p = NULL;
	int err = fg_list_sync_plan(m, w, &p, NULL);

	if (!err)
		err = fg_list_sync_run(m, p);
	fg_list_sync_free(p);
	return err;
}

/* Every entry's effective value again, written where it changed: after
 * the CLI changed an entry of a table that holds classes. */
static int recompose(struct fg_maps *m)
{
	struct list_entry *e = NULL;
	__u32 *before;
	size_t n = 0;
	int err = read_entries(m, &e, &n);

	if (err)
		return err;
	before = calloc(n ? n : 1, sizeof(*before));
	if (!before) {
		free(e);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		before[i] = e[i].v;
	/* Keys are unique: sorted again, entry i is the same key. */
	compose(e, n);
	for (size_t i = 0; !err && i < n; i++)
		if (e[i].v != before[i] &&
		    bpf_map_update_elem(m->lists, &e[i].k, &e[i].v, BPF_EXIST))
			err = -errno;
	free(before);
	free(e);
	return err;
}

/* Whether the live config has classes: only then can one entry's
 * change move another's effective value (fg_abi.h). */
static bool has_classes(struct fg_maps *m)
{
	struct fg_meta *meta = malloc(sizeof(*meta));
	bool any = false;

	if (meta && !fg_maps_read_meta(m, meta))
		for (int k = 1; k < FG_CLASS_SLOTS && !any; k++)
			any = meta->class_names[k][0] != '\0';
	free(meta);
	return any;
}

int fg_list_put(struct fg_maps *m, const struct fg_cidr *c, __u32 action,
		bool from_cli)
{
	struct fg_lpm_key k;
	__u32 old = 0, v;
	int err = 0;

	fg_lpm_from_cidr(c, &k);
	if (bpf_map_lookup_elem(m->lists, &k, &old))
		old = 0;
	v = composed(
	    (old & CLASS_OWN) | action | (from_cli ? FG_LIST_FROM_CLI : 0), 0);
	if (bpf_map_update_elem(m->lists, &k, &v, BPF_ANY))
		return -errno;
	if (has_classes(m))
		err = recompose(m);
	lists_changed(m);
	return err;
}

int fg_list_del(struct fg_maps *m, const struct fg_cidr *c)
{
	struct fg_lpm_key k;
	__u32 old = 0, v;
	int err;

	fg_lpm_from_cidr(c, &k);
	if (bpf_map_lookup_elem(m->lists, &k, &old))
		return -errno;
	/* A prefix that is also a class member stays, as that. */
	v = old & CLASS_OWN;
	err = v ? bpf_map_update_elem(m->lists, &k, &v, BPF_EXIST)
		: bpf_map_delete_elem(m->lists, &k);
	if (err)
		return -errno;
	err = has_classes(m) ? recompose(m) : 0;
	lists_changed(m);
	return err;
}

/* fg_stats summed over CPUs, read in batches (one syscall per
 * STATS_BATCH entries, not one per entry). */
#define STATS_BATCH 1024

static int read_stats_map(int fd, struct fg_counter *out)
{
	int ncpu = libbpf_num_possible_cpus();
	__u32 *keys = calloc(STATS_BATCH, sizeof(*keys));
	struct fg_counter *vals = NULL;
	__u32 in = 0, next = 0, done = 0;
	int err = 0;

	if (ncpu < 0) {
		free(keys);
		return ncpu;
	}
	if (keys)
		vals = calloc((size_t)ncpu * STATS_BATCH, sizeof(*vals));
	if (!vals) {
		free(keys);
		return -ENOMEM;
	}
	memset(out, 0, (size_t)FG_STATS_MAP_ENTRIES * sizeof(*out));
	while (done < FG_STATS_MAP_ENTRIES) {
		__u32 count = STATS_BATCH;
		int rc = bpf_map_lookup_batch(fd, done ? &in : NULL, &next,
					      keys, vals, &count, NULL);

		if (rc && errno != ENOENT) {
			err = -errno;
			break;
		}
		for (__u32 i = 0; i < count; i++) {
			if (keys[i] >= FG_STATS_MAP_ENTRIES)
				continue;
			for (int c = 0; c < ncpu; c++) {
				const struct fg_counter *v =
				    &vals[(size_t)i * (size_t)ncpu + (size_t)c];

				out[keys[i]].packets += v->packets;
				out[keys[i]].bytes += v->bytes;
			}
		}
		done += count;
		in = next;
		if (rc || !count)
			break; /* ENOENT: that was the last batch */
	}
	free(vals);
	free(keys);
	return err;
}

static void add_counter(struct fg_counter *to, const struct fg_counter *c)
{
	to->packets += c->packets;
	to->bytes += c->bytes;
}

/* A rule's counters by rule action from its fg_stats row: over-limit
 * packets passed in dry-run count as their own action. */
static void rule_row(const struct fg_counter *all, __u32 slot,
		     struct fg_counter out[FG_RULE_ACTIONS])
{
	memset(out, 0, FG_RULE_ACTIONS * sizeof(*out));
	for (__u32 a = 0; a < FG_ACTION_COUNT; a++)
		for (__u32 r = 0; r < FG_REASON_SLOTS; r++)
			add_counter(
			    &out[r == FG_REASON_DRY_RUN ? FG_RULE_ACTION_DRY_RUN
							: a],
			    &all[FG_STATS_INDEX(slot + 1, a, r)]);
}

static int set_baselines(struct fg_maps *m, __u64 fresh)
{
	struct fg_counter *all;
	int err;

	if (!fresh)
		return 0;
	all = calloc((size_t)FG_STATS_MAP_ENTRIES, sizeof(*all));
	if (!all)
		return -ENOMEM;
	err = read_stats_map(m->stats, all);
	for (__u32 k = 1; !err && k < FG_RULE_SLOTS; k++) {
		struct fg_rule_base b;

		if (!(fresh >> (k - 1) & 1))
			continue;
		rule_row(all, k, b.base);
		if (bpf_map_update_elem(m->rule_base, &k, &b, BPF_ANY))
			err = -errno;
	}
	free(all);
	return err;
}

/* What a counter moved since its baseline. Below it, the counters were
 * reset under it (fg_stats replaced, its baselines not): all of it. */
static __u64 since_base(__u64 v, __u64 base)
{
	return v >= base ? v - base : v;
}

int fg_read_stats(struct fg_maps *m, struct fg_counter *stats,
		  struct fg_counter *rule_stats)
{
	struct fg_counter *all =
	    calloc((size_t)FG_STATS_MAP_ENTRIES, sizeof(*all));
	int err;

	if (!all)
		return -ENOMEM;
	err = read_stats_map(m->stats, all);
	if (stats && !err) {
		memset(stats, 0, (size_t)FG_STATS_ENTRIES * sizeof(*stats));
		for (__u32 row = 0; row < FG_STATS_ROWS; row++)
			for (__u32 a = 0; a < FG_ACTION_COUNT; a++)
				for (__u32 r = 0; r < FG_REASON_SLOTS; r++)
					add_counter(
					    &stats[a * FG_REASON_SLOTS + r],
					    &all[FG_STATS_INDEX(row, a, r)]);
	}
	/* Row 0 counts under no rule; each rule from its slot's baseline. */
	for (__u32 k = 0; rule_stats && !err && k < FG_RULE_SLOTS; k++) {
		struct fg_counter *out =
		    &rule_stats[(size_t)k * FG_RULE_ACTIONS];
		struct fg_rule_base b;

		rule_row(all, k, out);
		if (bpf_map_lookup_elem(m->rule_base, &k, &b)) {
			err = -errno;
			break;
		}
		for (__u32 a = 0; a < FG_RULE_ACTIONS; a++) {
			out[a].packets =
			    since_base(out[a].packets, b.base[a].packets);
			out[a].bytes =
			    since_base(out[a].bytes, b.base[a].bytes);
		}
	}
	free(all);
	return err;
}

int fg_read_table_stats(struct fg_maps *m, __u64 out[FG_TABLE_EVENTS])
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *vals;

	if (ncpu < 0)
		return ncpu;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (__u32 i = 0; i < FG_TABLE_EVENTS; i++) {
		out[i] = 0;
		if (bpf_map_lookup_elem(m->table_stats, &i, vals)) {
			int err = -errno;

			free(vals);
			return err;
		}
		for (int c = 0; c < ncpu; c++)
			out[i] += vals[c];
	}
	free(vals);
	return 0;
}

__u64 fg_monotonic_ns(void)
{
	struct timespec ts;

	/* The program's bpf_ktime_get_coarse_ns() reads this clock. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static long block_walk(int fd, fg_blocked_cb cb, void *arg)
{
	struct fg_src_key cur, next;
	void *prev = NULL;
	long n = 0;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		struct fg_block b;

		cur = next;
		prev = &cur;
		if (bpf_map_lookup_elem(fd, &cur, &b))
			continue; /* expired meanwhile */
		n++;
		if (cb && cb(&cur, &b, arg))
			break;
	}
	return n;
}

long fg_blocked_walk(struct fg_maps *m, fg_blocked_cb cb, void *arg)
{
	return block_walk(m->blocked, cb, arg);
}

long fg_fleet_blocked_walk(struct fg_maps *m, fg_blocked_cb cb, void *arg)
{
	return block_walk(m->fleet_blocked, cb, arg);
}

int fg_blocked_del(struct fg_maps *m, const struct fg_src_key *k)
{
	if (bpf_map_delete_elem(m->blocked, k))
		return -errno;
	fg_maps_verdicts_changed(m);
	return 0;
}

static long block_expire(int fd, __u64 now, long *live, long *live_any)
{
	struct fg_src_key cur, next, *gone = NULL;
	size_t ngone = 0, cap = 0;
	void *prev = NULL;
	long alive = 0, alive_any = 0;

	/* Collect first: deleting while walking restarts a hash walk. */
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		struct fg_block b;

		cur = next;
		prev = &cur;
		if (bpf_map_lookup_elem(fd, &cur, &b))
			continue;
		if (b.until_ns > now) {
			alive++;
			alive_any += cur.rule_id == FG_RULE_ID_ANY;
			continue;
		}
		if (ngone == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct fg_src_key *g = realloc(gone, ncap * sizeof(*g));

			if (!g)
				break; /* the rest expires next time */
			gone = g;
			cap = ncap;
		}
		gone[ngone++] = cur;
	}
	for (size_t i = 0; i < ngone; i++)
		bpf_map_delete_elem(fd, &gone[i]);
	free(gone);
	*live = alive;
	*live_any = alive_any;
	return (long)ngone;
}

long fg_fleet_blocked_expire(struct fg_maps *m, __u64 now, long *live)
{
	long live_any;

	return block_expire(m->fleet_blocked, now, live, &live_any);
}

int fg_fleet_block_put(struct fg_maps *m, const struct fg_src_key *k,
		       const struct fg_block *b)
{
	struct fg_block cur;

	/* A later verdict never shortens a block already in place. */
	if (!bpf_map_lookup_elem(m->fleet_blocked, k, &cur) &&
	    cur.until_ns >= b->until_ns)
		return 0;
	if (bpf_map_update_elem(m->fleet_blocked, k, b, BPF_ANY))
		return -errno;
	fg_maps_verdicts_changed(m);
	return 1;
}

int fg_fleet_block_del(struct fg_maps *m, const struct fg_src_key *k)
{
	if (bpf_map_delete_elem(m->fleet_blocked, k))
		return -errno;
	fg_maps_verdicts_changed(m);
	return 0;
}

int fg_fleet_blocked_clear(struct fg_maps *m)
{
	struct fg_src_key k;
	int n = 0;

	while (!bpf_map_get_next_key(m->fleet_blocked, NULL, &k) &&
	       !bpf_map_delete_elem(m->fleet_blocked, &k))
		n++;
	if (n)
		fg_maps_verdicts_changed(m);
	return n;
}

long fg_fleet_counts_read(struct fg_maps *m, struct fg_src_key *keys,
			  struct fg_fleet_count *vals, size_t cap)
{
	struct fg_src_key in, out;
	void *in_batch = NULL;
	size_t n = 0;

	/* Batches: one syscall per thousands of entries, where a key walk
	 * takes two per entry. */
	while (n < cap) {
		__u32 count = (__u32)(cap - n < 4096 ? cap - n : 4096);
		int err =
		    bpf_map_lookup_batch(m->fleet_counts, in_batch, &out,
					 keys + n, vals + n, &count, NULL);

		if (err && errno != ENOENT)
			return n ? (long)n : -errno;
		n += count;
		if (err)
			break; /* ENOENT: that was the last batch */
		in = out;
		in_batch = &in;
	}
	return (long)n;
}

long fg_count_sources(struct fg_maps *m)
{
	struct fg_src_key cur, next;
	void *prev = NULL;
	long n = fg_map_count(m->sources);

	if (n >= 0)
		return n;
	/* Kernels before 6.6 keep no count: walk the keys. */
	n = 0;
	while (!bpf_map_get_next_key(m->sources, prev, &next)) {
		n++;
		cur = next;
		prev = &cur;
	}
	return n;
}

long fg_sources_capacity(struct fg_maps *m)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(m->sources, &info, &len))
		return -errno;
	return info.max_entries;
}
