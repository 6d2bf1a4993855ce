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

int fg_chain_set(struct fg_maps *m, int prog_fd, char *err, size_t errlen)
{
	__u32 slot = FG_CHAIN_SLOT;
	int rc;

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
