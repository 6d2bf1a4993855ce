// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "fixture.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "floodgate.skel.h"

/* Frames shorter than an Ethernet header: BPF_PROG_TEST_RUN refuses
 * data_in under ETH_HLEN, so a runt goes in behind FX_META bytes of XDP
 * metadata, ctx data = FX_META and data_end at the runt's end: the
 * program sees only the runt. Kernels up to 6.x want data_end to be the
 * whole input; newer ones want ETH_HLEN bytes after the metadata and
 * allow data_end short of the input (the rest becomes a fragment the
 * program cannot see). fx_run tries the first, then the second. */
#define FX_META 16

/* libbpf's own messages: warnings only, as TAP comments. */
static int fx_libbpf_print(enum libbpf_print_level level, const char *fmt,
			   va_list ap)
{
	if (level != LIBBPF_WARN)
		return 0;
	fputs("# ", stderr);
	return vfprintf(stderr, fmt, ap);
}

static int fx_fail(struct fx *fx, int err, const char *what)
{
	fx->err = err < 0 ? err : -EINVAL;
	snprintf(fx->errmsg, sizeof(fx->errmsg), "%s: %s (%s object)", what,
		 strerror(-fx->err), fx->label);
	return fx->err;
}

int fx_open(struct fx *fx, const char *label, bool test_clock)
{
	int err;

	memset(fx, 0, sizeof(*fx));
	fg_maps_init(&fx->maps);
	fx->label = label;
	fx->test_clock = test_clock;
	fx->prog_fd = -1;
	libbpf_set_print(fx_libbpf_print);

	fx->ncpus = libbpf_num_possible_cpus();
	if (fx->ncpus <= 0)
		return fx_fail(fx, fx->ncpus, "libbpf_num_possible_cpus");
	if (fg_compiled_init(&fx->compiled))
		return fx_fail(fx, -ENOMEM, "calloc");

	fx->skel = floodgate_bpf__open();
	if (!fx->skel)
		return fx_fail(fx, -errno, "floodgate_bpf__open");
	/* .rodata: fixed at load, so the production object is verified
	 * with the test-clock and test-hook branches removed. */
	fx->skel->rodata->fg_use_test_clock = test_clock;
	fx->skel->rodata->fg_use_test_hooks = test_clock;
	err = floodgate_bpf__load(fx->skel);
	if (err)
		return fx_fail(fx, err, "floodgate_bpf__load (root needed)");
	fx->prog_fd = bpf_program__fd(fx->skel->progs.floodgate_xdp);
	err = fg_maps_from_object(fx->skel->obj, &fx->maps);
	if (err)
		return fx_fail(fx, err, "fg_maps_from_object");
	return 0;
}

void fx_close(struct fx *fx)
{
	if (fx->maps.ctl_mem || fx->maps.ports_mem)
		fg_maps_close(&fx->maps);
	floodgate_bpf__destroy(fx->skel);
	fg_compiled_free(&fx->compiled);
	fx->skel = NULL;
}

/* Deletes every key: collect a chunk, then delete it (deleting while
 * walking restarts a hash walk, and get_next_key(NULL) rescans the
 * buckets from the start each time: quadratic for a full table). */
static int fx_map_empty(int fd, size_t key_size)
{
	enum { CHUNK = 4096 };
	unsigned char *keys = malloc(CHUNK * key_size);
	int err = 0;

	if (!keys)
		return -ENOMEM;
	for (;;) {
		size_t n = 0;
		void *prev = NULL;

		while (n < CHUNK &&
		       !bpf_map_get_next_key(fd, prev, keys + n * key_size)) {
			prev = keys + n * key_size;
			n++;
		}
		if (n < CHUNK && errno != ENOENT) {
			err = -errno;
			break;
		}
		if (!n)
			break;
		for (size_t i = 0; i < n; i++) {
			if (bpf_map_delete_elem(fd, keys + i * key_size) &&
			    errno != ENOENT) {
				err = -errno;
				break;
			}
		}
		if (err)
			break;
	}
	free(keys);
	return err;
}

/* Zeroes a per-CPU counter map in one batch: fg_stats has thousands of
 * entries, reset before every test. */
static int fx_zero_percpu(struct fx *fx, int fd, __u32 entries)
{
	__u32 *keys = calloc(entries, sizeof(*keys)), count = entries;
	struct fg_counter *zero =
	    calloc((size_t)entries * (size_t)fx->ncpus, sizeof(*zero));
	int err = 0;

	if (!keys || !zero)
		err = -ENOMEM;
	for (__u32 i = 0; !err && i < entries; i++)
		keys[i] = i;
	if (!err && bpf_map_update_batch(fd, keys, zero, &count, NULL))
		err = -errno;
	free(keys);
	free(zero);
	return err;
}

static int fx_zero_table_stats(struct fx *fx)
{
	__u64 *zero = calloc((size_t)fx->ncpus, sizeof(*zero));
	int err = 0;

	if (!zero)
		return -ENOMEM;
	for (__u32 i = 0; i < FG_TABLE_EVENTS && !err; i++) {
		if (bpf_map_update_elem(fx->maps.table_stats, &i, zero,
					BPF_ANY))
			err = -errno;
	}
	free(zero);
	return err;
}

int fx_reset(struct fx *fx)
{
	struct fg_admit_state admit = {0};
	__u32 zero = 0;
	int err;

	err = fx_map_empty(fx->maps.sources, sizeof(struct fg_src_key));
	if (!err)
		err = fx_map_empty(fx->maps.lists, sizeof(struct fg_lpm_key));
	if (!err)
		err = fx_map_empty(fx->maps.blocked, sizeof(struct fg_src_key));
	if (!err)
		err = fx_map_empty(fx->maps.aggregates,
				   sizeof(struct fg_src_key));
	if (!err)
		err = fx_map_empty(fx->maps.fleet_counts,
				   sizeof(struct fg_src_key));
	if (!err)
		err = fx_map_empty(fx->maps.fleet_blocked,
				   sizeof(struct fg_src_key));
	if (!err)
		err = fx_zero_percpu(fx, fx->maps.stats, FG_STATS_MAP_ENTRIES);
	if (!err)
		err = fx_zero_table_stats(fx);
	if (!err)
		err = fx_zero_percpu(fx, fx->maps.chain_stats, 1);
	if (!err && bpf_map_update_elem(fx->maps.admit, &zero, &admit, BPF_ANY))
		err = -errno;
	/* An empty chain slot: deleting from an empty one says ENOENT. */
	if (!err && bpf_map_delete_elem(fx->maps.next, &zero) &&
	    errno != ENOENT)
		err = -errno;
	if (err)
		return err;
	fx->maps.ctl_mem->chain_active = 0;
	fx->maps.ctl_mem->enabled = 1;
	fx->maps.ctl_mem->dry_run = 0;
	fx->maps.ctl_mem->block_active = 0;
	fx->maps.ctl_mem->block_source_active = 0;
	fx->maps.ctl_mem->fleet_block_active = 0;
	/* The state went behind the program's back; so may the clock. */
	fg_maps_verdicts_changed(&fx->maps);
	fx->skel->bss->fg_test_clock_ns = FX_CLOCK_START;
	fx->skel->bss->fg_test_commit_pending = 0;
	return 0;
}

int fx_configure(struct fx *fx, const struct fg_settings *s, char *err,
		 size_t errlen)
{
	int rc;

	rc = fg_compile(s, 0, NULL, &fx->compiled, err, errlen);
	if (rc)
		return rc;
	rc = fg_publish(&fx->maps, &fx->compiled);
	if (rc) {
		snprintf(err, errlen, "fg_publish: %s", strerror(-rc));
		return rc;
	}
	rc = fg_maps_sync_want(
	    &fx->maps, &(struct fg_list_want){.allow = s->allow,
					      .nallow = s->nallow,
					      .deny = s->deny,
					      .ndeny = s->ndeny,
					      .classes = s->class_entries,
					      .nclasses = s->nclass_entries});
	if (rc) {
		snprintf(err, errlen, "fg_maps_sync_lists: %s", strerror(-rc));
		return rc;
	}
	fx->maps.ctl_mem->enabled = s->enabled;
	fx->maps.ctl_mem->dry_run = s->dry_run;
	return 0;
}

void fx_clock_advance(struct fx *fx, __u64 ns)
{
	fx->skel->bss->fg_test_clock_ns += ns;
}

__u64 fx_clock_now(const struct fx *fx)
{
	return fx->skel->bss->fg_test_clock_ns;
}

static int fx_test_run(struct fx *fx, struct bpf_test_run_opts *opts)
{
	return bpf_prog_test_run_opts(fx->prog_fd, opts) ? -errno : 0;
}

static int fx_run_runt(struct fx *fx, const void *frame, size_t len,
		       struct bpf_test_run_opts *out)
{
	unsigned char buf[FX_META + ETH_HLEN] = {};
	struct xdp_md ctx = {
	    .data = FX_META,
	    .data_end = (__u32)(FX_META + len),
	};
	struct bpf_test_run_opts opts = *out;
	int err = -EINVAL;

	memcpy(buf + FX_META, frame, len);
	opts.data_in = buf;
	opts.ctx_in = &ctx;
	opts.ctx_size_in = sizeof(ctx);
	opts.data_out = NULL;
	opts.data_size_out = 0;
	/* Remember which layout this kernel takes: the fuzzer sends many. */
	if (fx->runt_mode != 2) {
		opts.data_size_in = ctx.data_end;
		err = fx_test_run(fx, &opts);
		if (!err)
			fx->runt_mode = 1;
	}
	if (err == -EINVAL && fx->runt_mode != 1) {
		opts.data_size_in = sizeof(buf);
		err = fx_test_run(fx, &opts);
		if (!err)
			fx->runt_mode = 2;
	}
	out->retval = opts.retval;
	out->duration = opts.duration;
	out->data_size_out = 0;
	return err;
}

int fx_run(struct fx *fx, const void *frame, size_t len, struct fx_run *r)
{
	struct bpf_test_run_opts opts = {
	    .sz = sizeof(opts),
	    .data_in = frame,
	    .data_size_in = (__u32)len,
	    .data_out = r->out,
	    .data_size_out = r->out ? r->out_size : 0,
	    .repeat = r->repeat ? r->repeat : 1,
	};
	int err = len < ETH_HLEN ? fx_run_runt(fx, frame, len, &opts)
				 : fx_test_run(fx, &opts);

	if (err)
		return err;
	r->retval = opts.retval;
	r->duration_ns = opts.duration;
	r->out_len = r->out ? opts.data_size_out : 0;
	return 0;
}

int fx_read_counters(struct fx *fx, struct fx_counters *c)
{
	return fg_read_stats(&fx->maps, c->stats, c->rules);
}

long fx_sources(struct fx *fx)
{
	return fg_count_sources(&fx->maps);
}

int fx_table_stats(struct fx *fx, __u64 out[FG_TABLE_EVENTS])
{
	return fg_read_table_stats(&fx->maps, out);
}

static void block_key(const __u8 addr[16], __u32 rule_id,
		      struct fg_src_key *key)
{
	memcpy(key->addr, addr, sizeof(key->addr));
	key->rule_id = rule_id;
}

int fx_blocked_get(struct fx *fx, const __u8 addr[16], __u32 rule_id,
		   struct fg_block *b)
{
	struct fg_src_key key;

	block_key(addr, rule_id, &key);
	return bpf_map_lookup_elem(fx->maps.blocked, &key, b) ? -errno : 0;
}

int fx_blocked_put(struct fx *fx, const __u8 addr[16], __u32 rule_id,
		   const struct fg_block *b)
{
	struct fg_src_key key;

	block_key(addr, rule_id, &key);
	return bpf_map_update_elem(fx->maps.blocked, &key, b, BPF_ANY) ? -errno
								       : 0;
}

static int count_addr(const struct fg_src_key *k, const struct fg_block *b,
		      void *arg)
{
	const __u8 *addr = arg;

	(void)b;
	if (!memcmp(k->addr, addr, sizeof(k->addr)))
		(*(long *)(addr + 16))++;
	return 0;
}

long fx_blocked_count_addr(struct fx *fx, const __u8 addr[16])
{
	struct {
		__u8 addr[16];
		long n;
	} arg = {.n = 0};

	memcpy(arg.addr, addr, sizeof(arg.addr));
	fg_blocked_walk(&fx->maps, count_addr, &arg);
	return arg.n;
}

long fx_blocked_count(struct fx *fx)
{
	return fg_blocked_walk(&fx->maps, NULL, NULL);
}

int fx_fleet_block_put(struct fx *fx, const __u8 addr[16], __u32 rule_id,
		       const struct fg_block *b)
{
	struct fg_src_key key;

	block_key(addr, rule_id, &key);
	if (bpf_map_update_elem(fx->maps.fleet_blocked, &key, b, BPF_ANY))
		return -errno;
	/* As the daemon's fg_fleet_block_put: drops cached before the
	 * fleet's verdict must not stand in for it. */
	fg_maps_verdicts_changed(&fx->maps);
	return 0;
}

int fx_fleet_count_get(struct fx *fx, const __u8 addr[16], __u32 rule_id,
		       struct fg_fleet_count *c)
{
	struct fg_src_key key;

	block_key(addr, rule_id, &key);
	return bpf_map_lookup_elem(fx->maps.fleet_counts, &key, c) ? -errno : 0;
}

long fx_fleet_counts_addr(struct fx *fx, const __u8 *addr)
{
	struct fg_src_key cur, next;
	void *prev = NULL;
	long n = 0;

	while (!bpf_map_get_next_key(fx->maps.fleet_counts, prev, &next)) {
		if (!addr || !memcmp(next.addr, addr, sizeof(next.addr)))
			n++;
		cur = next;
		prev = &cur;
	}
	return n;
}

void fx_settings_init(struct fg_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->enabled = true;
	s->max_sources = FG_MAX_SOURCES_DEFAULT;
	s->ipv4_prefix = 32;
	s->ipv6_prefix = 64;
	/* defaults[]: zero rates, unlimited */
}

int fx_cidr(const char *text, struct fg_cidr *out)
{
	char addr[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	unsigned long plen;
	unsigned char v4[4];

	if (alen >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, addr, v4) == 1) {
		plen = slash ? strtoul(slash + 1, NULL, 10) : 32;
		if (plen > 32)
			return -EINVAL;
		out->addr[10] = 0xff;
		out->addr[11] = 0xff;
		memcpy(out->addr + 12, v4, 4);
		out->prefixlen = (__u8)(96 + plen);
		out->is_v4 = true;
	} else if (inet_pton(AF_INET6, addr, out->addr) == 1) {
		plen = slash ? strtoul(slash + 1, NULL, 10) : 128;
		if (plen > 128)
			return -EINVAL;
		out->prefixlen = (__u8)plen;
	} else {
		return -EINVAL;
	}
	for (unsigned int bit = out->prefixlen; bit < 128; bit++)
		out->addr[bit / 8] &= (__u8) ~(0x80u >> (bit % 8));
	return 0;
}

const char *fx_xdp_name(__u32 act)
{
	static const char *const names[] = {
	    "XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX", "XDP_REDIRECT"};

	return act < sizeof(names) / sizeof(names[0]) ? names[act] : "?";
}

/* Keyed by the whole address under the config's prefixes. */
static bool key_is_address(const struct fg_config *cfg,
			   const struct fg_src_key *k)
{
	bool v4 = !k->addr[0] && !k->addr[1] && k->addr[2] == htonl(0xffff);

	return v4 ? cfg->mask4 == 0xffffffffu : cfg->mask6[3] == 0xffffffffu;
}

long fx_sources_stale_gen(struct fx *fx)
{
	__u32 gen = fx->maps.ctl_mem->lists_gen;
	struct fg_src_key cur, next;
	void *prev = NULL;
	long stale = 0;

	while (!bpf_map_get_next_key(fx->maps.sources, prev, &next)) {
		struct fg_src_state st;

		cur = next;
		prev = &cur;
		if (!key_is_address(fx->compiled.cfg, &cur))
			continue; /* never skips the lists */
		if (!bpf_map_lookup_elem(fx->maps.sources, &cur, &st) &&
		    st.lists_gen != gen)
			stale++;
	}
	return stale;
}
