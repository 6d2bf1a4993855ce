// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fg-bench-table: the scale benchmark's hands on a running floodgate's
 * pinned maps.
 *
 *   fg-bench-table fill --pin-dir D --count N
 *       Puts N sources into fg_sources (bpf_map_update_batch): IPv6 /64s
 *       2001:db8:XXXX:XXXX:: (the index in bytes 4..7), the default rule,
 *       a recent TAT and made-up pass/drop counts, as a flood of N
 *       sources would leave them. Prints {"filled": N, "seconds": S}.
 *   fg-bench-table walk --pin-dir D
 *       Reads the whole table three ways, timed: keys only with
 *       get_next_key (how the tracked-source count was taken before the
 *       kernel's element count), entry by entry with get_next_key +
 *       lookup (what `floodgate top` does), and with
 *       bpf_map_lookup_batch (the floor for reading every entry).
 *   fg-bench-table reload --pin-dir D
 *       SIGHUP to the daemon named in fg_ctl, then polls fg_ctl every
 *       0.2 ms until its reload counters move: milliseconds from the
 *       signal to the new config in force (`floodgate reload` polls
 *       every 50 ms). {"ms": M, "ok": true|false}.
 *   fg-bench-table mem --pin-dir D
 *       Each pinned map's max_entries and kernel-reported memory
 *       (memlock in /proc/self/fdinfo, as bpftool shows it), JSON.
 */
#include <bpf/bpf.h>
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fg_abi.h"
#include "mapio.h"

#define BATCH 4096

static void die(const char *what, int err)
{
	fprintf(stderr, "fg-bench-table: %s: %s\n", what, strerror(err));
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int open_map(const char *dir, const char *name)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		die(path, errno);
	return fd;
}

static int cmd_fill(const char *dir, unsigned long count)
{
	static struct fg_src_key k[BATCH];
	static struct fg_src_state v[BATCH];
	int fd = open_map(dir, FG_MAP_SOURCES);
	__u64 now = fg_monotonic_ns();
	unsigned long done = 0;
	double t0 = now_s();
	DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, bo);

	while (done < count) {
		__u32 n = count - done < BATCH ? (__u32)(count - done) : BATCH;

		for (__u32 i = 0; i < n; i++) {
			__u32 idx = (__u32)(done + i);

			memset(&k[i], 0, sizeof(k[i]));
			k[i].addr[0] = htobe32(0x20010db8);
			k[i].addr[1] = htobe32(idx);
			k[i].rule_id = FG_RULE_ID_DEFAULT;
			memset(&v[i], 0, sizeof(v[i]));
			v[i].tat[FG_DIM_PACKETS] = now;
			v[i].passed = (idx * 2654435761u) % 100000;
			v[i].dropped = (idx * 40503u) % 1000000;
		}
		if (bpf_map_update_batch(fd, k, v, &n, &bo))
			die("bpf_map_update_batch", errno);
		done += n;
	}
	printf("{\"filled\": %lu, \"seconds\": %.3f}\n", done, now_s() - t0);
	close(fd);
	return 0;
}

static int cmd_walk(const char *dir)
{
	static struct fg_src_key keys[BATCH];
	static struct fg_src_state vals[BATCH];
	struct fg_src_key cur, next, out_batch;
	struct fg_src_state st;
	int fd = open_map(dir, FG_MAP_SOURCES);
	void *prev = NULL, *in = NULL;
	long n0 = 0, n1 = 0, n2 = 0;
	double tk, t0, t1, t2;
	DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, bo);

	tk = now_s();
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		cur = next;
		prev = &cur;
		n0++;
	}
	prev = NULL;
	t0 = now_s();
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		cur = next;
		prev = &cur;
		if (!bpf_map_lookup_elem(fd, &cur, &st))
			n1++;
	}
	t1 = now_s();
	for (;;) {
		__u32 cnt = BATCH;
		int rc = bpf_map_lookup_batch(fd, in, &out_batch, keys, vals,
					      &cnt, &bo);

		if (rc && errno != ENOENT)
			die("bpf_map_lookup_batch", errno);
		n2 += cnt;
		if (rc)
			break;
		in = &out_batch;
	}
	t2 = now_s();
	printf("{\"keys_only\": {\"entries\": %ld, \"seconds\": %.4f}, "
	       "\"get_next_key\": {\"entries\": %ld, \"seconds\": %.4f}, "
	       "\"lookup_batch\": {\"entries\": %ld, \"seconds\": %.4f}}\n",
	       n0, t0 - tk, n1, t1 - t0, n2, t2 - t1);
	close(fd);
	return 0;
}

/* memlock of an fd, from /proc/self/fdinfo (what bpftool prints). */
static long long memlock_of(int fd)
{
	char path[64], line[256];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %lld", &v) == 1)
			break;
	fclose(f);
	return v;
}

static int cmd_mem(const char *dir)
{
	long long total = 0;

	printf("{");
	for (int i = 0; i < FG_MAP_COUNT; i++) {
		struct bpf_map_info info = {0};
		__u32 len = sizeof(info);
		int fd = open_map(dir, fg_map_names[i]);
		long long m = memlock_of(fd);

		if (bpf_obj_get_info_by_fd(fd, &info, &len))
			die("bpf_obj_get_info_by_fd", errno);
		printf("%s\"%s\": {\"max_entries\": %u, \"memlock\": %lld}",
		       i ? ", " : "", fg_map_names[i], info.max_entries, m);
		total += m > 0 ? m : 0;
		close(fd);
	}
	printf(", \"total\": %lld}\n", total);
	return 0;
}

static int cmd_reload(const char *dir)
{
	int fd = open_map(dir, FG_MAP_CTL);
	struct fg_ctl before, now;
	__u32 zero = 0;
	double t0, t;

	if (bpf_map_lookup_elem(fd, &zero, &before))
		die("fg_ctl", errno);
	if (!before.daemon_pid)
		die("no daemon in fg_ctl", ESRCH);
	t0 = now_s();
	if (kill((pid_t)before.daemon_pid, SIGHUP))
		die("kill -HUP", errno);
	for (;;) {
		const struct timespec ts = {0, 200000};

		if (bpf_map_lookup_elem(fd, &zero, &now))
			die("fg_ctl", errno);
		t = now_s() - t0;
		if (now.reloads_success != before.reloads_success ||
		    now.reloads_failure != before.reloads_failure)
			break;
		if (t > 60)
			die("no reload in 60 s", ETIMEDOUT);
		nanosleep(&ts, NULL);
	}
	printf("{\"ms\": %.2f, \"ok\": %s}\n", t * 1e3,
	       now.reloads_success != before.reloads_success ? "true"
							     : "false");
	close(fd);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: fg-bench-table fill|walk|reload|mem --pin-dir DIR "
		"[--count N]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"pin-dir", required_argument, NULL, 'd'},
	    {"count", required_argument, NULL, 'n'},
	    {NULL, 0, NULL, 0},
	};
	const char *dir = NULL, *cmd;
	unsigned long count = 0;
	int ch;

	if (argc < 2)
		usage();
	cmd = argv[1];
	optind = 2;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (ch == 'd')
			dir = optarg;
		else if (ch == 'n')
			count = strtoul(optarg, NULL, 10);
		else
			usage();
	}
	if (!dir || optind != argc)
		usage();
	if (!strcmp(cmd, "fill") && count && count <= (1ul << 24))
		return cmd_fill(dir, count);
	if (!strcmp(cmd, "walk"))
		return cmd_walk(dir);
	if (!strcmp(cmd, "reload"))
		return cmd_reload(dir);
	if (!strcmp(cmd, "mem"))
		return cmd_mem(dir);
	usage();
	return 2;
}
