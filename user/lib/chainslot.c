// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "chainslot.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What kind of BPF object fd is: its anon inode's name
 * ("bpf-prog", "bpf-map", "bpf_link"), which needs no privilege. */
static void bpf_fd_kind(int fd, char *kind, size_t len)
{
	char path[64], target[64] = "";
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	target[n > 0 ? n : 0] = '\0';
	snprintf(kind, len, "%s",
		 strncmp(target, "anon_inode:", 11) ? target : target + 11);
}

int fg_chain_open_prog(const char *path, int *prog_fd, char *err, size_t errlen)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	char kind[64];
	int fd = bpf_obj_get(path), rc;

	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen,
			 "%s: %s (expected a pinned XDP program, e.g. from "
			 "bpftool prog load OBJ %s type xdp)",
			 path, strerror(-rc), path);
		return rc;
	}
	bpf_fd_kind(fd, kind, sizeof(kind));
	if (strcmp(kind, "bpf-prog")) {
		snprintf(err, errlen,
			 "%s is a %s, not a program: pin the XDP program "
			 "itself (bpftool prog pin)",
			 path,
			 !strcmp(kind, "bpf-map")    ? "map"
			 : !strcmp(kind, "bpf_link") ? "link"
						     : kind);
		close(fd);
		return -EINVAL;
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		rc = -errno;
		snprintf(err, errlen, "%s: reading the program: %s", path,
			 strerror(-rc));
		close(fd);
		return rc;
	}
	if (info.type != BPF_PROG_TYPE_XDP) {
		const char *t = libbpf_bpf_prog_type_str(info.type);

		snprintf(err, errlen,
			 "%s is a %s program; the chain slot takes XDP "
			 "programs only",
			 path, t ? t : "non-XDP");
		close(fd);
		return -EINVAL;
	}
	*prog_fd = fd;
	return 0;
}

/* The index in fg_map_names of the map of m whose id is id, or -1. */
static int own_map(const struct fg_maps *m, __u32 id)
{
	const int fds[FG_MAP_COUNT] = {
#define FG_MAP_FD_OF(field, name) m->field,
	    FG_MAP_TABLE(FG_MAP_FD_OF)
#undef FG_MAP_FD_OF
	};

	for (int i = 0; i < FG_MAP_COUNT; i++) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);

		if (fds[i] >= 0 &&
		    !bpf_obj_get_info_by_fd(fds[i], &info, &len) &&
		    info.id == id)
			return i;
	}
	return -1;
}

/*
 * A program that uses any of this floodgate's maps is floodgate's own
 * (its pinned program, the same object loaded again on these maps) or
 * shares its state: in the slot it would run floodgate's path again on
 * every packet floodgate passes, up to the kernel's 33 tail calls, and
 * charge each packet to its source as many times. 0, or -ELOOP with err.
 */
static int check_not_self(const struct fg_maps *m, int prog_fd, char *err,
			  size_t errlen)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), *ids, n;
	int rc = 0;

	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		goto unreadable;
	n = info.nr_map_ids;
	ids = calloc(n ? n : 1, sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = n;
	info.map_ids = (__u64)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len)) {
		free(ids);
		goto unreadable;
	}
	for (__u32 i = 0; i < n && i < info.nr_map_ids && !rc; i++) {
		int own = own_map(m, ids[i]);

		if (own < 0)
			continue;
		snprintf(
		    err, errlen,
		    "program id %u (%s) uses this floodgate's map %s: it is "
		    "floodgate itself or shares its state, and in the "
		    "chain slot it would run floodgate again on every "
		    "packet floodgate passes; chain the program that "
		    "should get them",
		    info.id, info.name[0] ? info.name : "unnamed",
		    fg_map_names[own]);
		rc = -ELOOP;
	}
	free(ids);
	return rc;
unreadable:
	rc = -errno;
	snprintf(err, errlen, "reading the program's maps: %s", strerror(-rc));
	return rc;
}

int fg_chain_set(struct fg_maps *m, int prog_fd, char *err, size_t errlen)
{
	__u32 slot = FG_CHAIN_SLOT;
	int rc = check_not_self(m, prog_fd, err, errlen);

	if (rc)
		return rc;

	if (bpf_map_update_elem(m->next, &slot, &prog_fd, BPF_ANY)) {
		rc = -errno;
		if (rc == -EINVAL)
			snprintf(err, errlen,
				 "the kernel refused the program for the "
				 "chain slot: it must be a plain XDP "
				 "program like floodgate's (SEC(\"xdp\"), "
				 "not xdp.frags, not bound to a device)");
		else
			snprintf(err, errlen, "writing the chain slot: %s",
				 strerror(-rc));
		return rc;
	}
	/* Slot first, then the switch: the datapath never tail-calls an
	 * empty slot because of us. */
	__atomic_store_n(&m->ctl_mem->chain_active, 1, __ATOMIC_RELEASE);
	return 0;
}

int fg_chain_clear(struct fg_maps *m)
{
	__u32 slot = FG_CHAIN_SLOT;

	__atomic_store_n(&m->ctl_mem->chain_active, 0, __ATOMIC_RELEASE);
	if (bpf_map_delete_elem(m->next, &slot) && errno != ENOENT)
		return -errno;
	return 0;
}

static int read_handed(struct fg_maps *m, struct fg_counter *out)
{
	int ncpu = libbpf_num_possible_cpus();
	__u32 zero = 0;
	struct fg_counter *vals;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (ncpu < 0)
		return ncpu;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(m->chain_stats, &zero, vals))
		rc = -errno;
	for (int c = 0; !rc && c < ncpu; c++) {
		out->packets += vals[c].packets;
		out->bytes += vals[c].bytes;
	}
	free(vals);
	return rc;
}

int fg_chain_read(struct fg_maps *m, struct fg_chain_state *st)
{
	__u32 slot = FG_CHAIN_SLOT, id = 0;

	memset(st, 0, sizeof(*st));
	st->active =
	    __atomic_load_n(&m->ctl_mem->chain_active, __ATOMIC_ACQUIRE) != 0;
	/* From user space a program array's element reads as the id. */
	if (!bpf_map_lookup_elem(m->next, &slot, &id)) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		/* Needs CAP_SYS_ADMIN: the name is shown when we may. */
		int fd = bpf_prog_get_fd_by_id(id);

		st->prog_id = id;
		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
			snprintf(st->prog_name, sizeof(st->prog_name), "%s",
				 info.name);
		if (fd >= 0)
			close(fd);
	} else if (errno != ENOENT) {
		return -errno;
	}
	return read_handed(m, &st->handed);
}

int fg_chain_reconcile(struct fg_maps *m)
{
	__u32 slot = FG_CHAIN_SLOT, id = 0;

	if (!__atomic_load_n(&m->ctl_mem->chain_active, __ATOMIC_ACQUIRE))
		return 0;
	if (!bpf_map_lookup_elem(m->next, &slot, &id) || errno != ENOENT)
		return 0;
	__atomic_store_n(&m->ctl_mem->chain_active, 0, __ATOMIC_RELEASE);
	return 1;
}
