// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "xdp.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void link_path(const char *pin_dir, const char *ifname, char *buf,
		      size_t len)
{
	snprintf(buf, len, "%s/" FG_LINK_PIN_PREFIX "%s", pin_dir, ifname);
}

/*
 * What tells floodgate's program from anyone else's is the pin directory:
 * the program its link for the interface runs, and the program pinned as
 * FG_PIN_PROG. Both are read through the pins, which needs no privilege
 * beyond access to them; looking a program up by id
 * (bpf_prog_get_fd_by_id) needs CAP_SYS_ADMIN, which the daemon does not
 * have under its systemd unit.
 */
struct owned {
	__u32 link_prog; /* 0: no live link pinned for the interface */
	__u32 pinned_prog;
};

static void owned_ids(const char *pin_dir, const char *ifname, int ifindex,
		      struct owned *o)
{
	struct bpf_link_info link = {};
	struct bpf_prog_info prog = {};
	__u32 len = sizeof(link);
	char path[PATH_MAX];
	int fd;

	memset(o, 0, sizeof(*o));
	link_path(pin_dir, ifname, path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		/* A link whose interface is gone reads ifindex 0. */
		if (!bpf_obj_get_info_by_fd(fd, &link, &len) &&
		    link.type == BPF_LINK_TYPE_XDP &&
		    link.xdp.ifindex == (__u32)ifindex)
			o->link_prog = link.prog_id;
		close(fd);
	}
	snprintf(path, sizeof(path), "%s/%s", pin_dir, FG_PIN_PROG);
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		len = sizeof(prog);
		if (!bpf_obj_get_info_by_fd(fd, &prog, &len))
			o->pinned_prog = prog.id;
		close(fd);
	}
}

static bool is_ours(const struct owned *o, __u32 id)
{
	return id && (id == o->link_prog || id == o->pinned_prog);
}

/* The floodgate program on ifindex and its mode flag, if any. */
static __u32 ours_on(const char *pin_dir, const char *ifname, int ifindex,
		     __u32 *mode_flag)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct owned o;

	if (bpf_xdp_query(ifindex, 0, &q))
		return 0;
	owned_ids(pin_dir, ifname, ifindex, &o);
	if (is_ours(&o, q.drv_prog_id)) {
		*mode_flag = XDP_FLAGS_DRV_MODE;
		return q.drv_prog_id;
	}
	if (is_ours(&o, q.skb_prog_id)) {
		*mode_flag = XDP_FLAGS_SKB_MODE;
		return q.skb_prog_id;
	}
	return 0;
}

/* A program's name for an error message; its id when the name cannot be
 * read (that takes CAP_SYS_ADMIN). */
static void prog_label(__u32 id, char *buf, size_t len)
{
	struct bpf_prog_info info = {};
	__u32 ilen = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);

	if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &ilen) &&
	    info.name[0])
		snprintf(buf, len, "%s, id %u", info.name, id);
	else
		snprintf(buf, len, "id %u", id);
	if (fd >= 0)
		close(fd);
}

static int foreign_on(const char *pin_dir, const char *ifname, int ifindex,
		      char *label, size_t len)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct owned o;
	__u32 ids[3];

	if (bpf_xdp_query(ifindex, 0, &q))
		return 0;
	owned_ids(pin_dir, ifname, ifindex, &o);
	ids[0] = q.drv_prog_id;
	ids[1] = q.skb_prog_id;
	ids[2] = q.hw_prog_id;
	for (int i = 0; i < 3; i++) {
		if (ids[i] && !is_ours(&o, ids[i])) {
			prog_label(ids[i], label, len);
			return 1;
		}
	}
	return 0;
}

/* The pinned link still drives this interface in an acceptable mode:
 * swap the program in place. Otherwise the stale pin goes. */
static int update_link(const char *pin_dir, const char *ifname, int ifindex,
		       int prog_fd, enum fg_xdp_mode mode, const char **used)
{
	__u32 flag = 0;
	char path[PATH_MAX];
	int fd, rc = -ENOENT;

	link_path(pin_dir, ifname, path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -ENOENT;
	if (ours_on(pin_dir, ifname, ifindex, &flag) &&
	    (mode == FG_XDP_AUTO ||
	     (mode == FG_XDP_NATIVE) == (flag == XDP_FLAGS_DRV_MODE))) {
		rc = bpf_link_update(fd, prog_fd, NULL) ? -errno : 0;
		*used = flag == XDP_FLAGS_DRV_MODE ? "native" : "generic";
	}
	if (rc) {
		/* Defunct (the interface was deleted) or in the wrong mode. */
		bpf_link_detach(fd);
		unlink(path);
	}
	close(fd);
	return rc;
}

static int create_link(const char *path, int ifindex, int prog_fd, __u32 flag)
{
	struct bpf_link_create_opts opts = {.sz = sizeof(opts), .flags = flag};
	int fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts), rc = 0;

	if (fd < 0)
		return -errno;
	if (bpf_obj_pin(fd, path)) {
		rc = -errno;
		bpf_link_detach(fd);
	}
	close(fd);
	return rc;
}

int fg_xdp_attach(const char *pin_dir, const char *ifname, int prog_fd,
		  enum fg_xdp_mode mode, const char **used, char *err,
		  size_t errlen)
{
	int ifindex = (int)if_nametoindex(ifname), rc;
	char other[BPF_OBJ_NAME_LEN + 32], path[PATH_MAX];

	if (!ifindex) {
		snprintf(err, errlen, "no such interface");
		return -ENODEV;
	}
	if (foreign_on(pin_dir, ifname, ifindex, other, sizeof(other))) {
		snprintf(err, errlen,
			 "another XDP program (%s) is attached; detach it "
			 "first (ip link set dev %s xdp off)",
			 other, ifname);
		return -EBUSY;
	}
	if (!update_link(pin_dir, ifname, ifindex, prog_fd, mode, used))
		return 0;
	link_path(pin_dir, ifname, path, sizeof(path));

	if (mode != FG_XDP_GENERIC) {
		rc = create_link(path, ifindex, prog_fd, XDP_FLAGS_DRV_MODE);
		if (!rc) {
			*used = "native";
			return 0;
		}
		if (mode == FG_XDP_NATIVE) {
			snprintf(err, errlen,
				 "native XDP failed: %s (try xdp_mode: "
				 "generic)",
				 strerror(-rc));
			return rc;
		}
	}
	rc = create_link(path, ifindex, prog_fd, XDP_FLAGS_SKB_MODE);
	if (rc) {
		snprintf(err, errlen, "generic XDP failed: %s", strerror(-rc));
		return rc;
	}
	*used = "generic";
	return 0;
}

int fg_xdp_detach(const char *pin_dir, const char *ifname)
{
	int ifindex = (int)if_nametoindex(ifname), rc = -ENOENT, fd;
	char path[PATH_MAX];
	__u32 flag = 0;

	link_path(pin_dir, ifname, path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		rc = bpf_link_detach(fd) ? -errno : 0;
		close(fd);
		unlink(path);
	}
	if (ifindex && ours_on(pin_dir, ifname, ifindex, &flag))
		rc = bpf_xdp_detach(ifindex, flag, NULL);
	return rc;
}

const char *fg_xdp_attached_mode(const char *pin_dir, const char *ifname)
{
	int ifindex = (int)if_nametoindex(ifname);
	__u32 flag = 0;

	if (!ifindex || !ours_on(pin_dir, ifname, ifindex, &flag))
		return NULL;
	return flag == XDP_FLAGS_DRV_MODE ? "native" : "generic";
}

int fg_xdp_pinned_ifaces(const char *pin_dir, char (*names)[IF_NAMESIZE],
			 int cap)
{
	const size_t plen = strlen(FG_LINK_PIN_PREFIX);
	DIR *dir = opendir(pin_dir);
	struct dirent *e;
	int n = 0;

	if (!dir)
		return -errno;
	while ((e = readdir(dir))) {
		const char *name = e->d_name + plen;

		if (strncmp(e->d_name, FG_LINK_PIN_PREFIX, plen) || !*name ||
		    strlen(name) >= IF_NAMESIZE)
			continue;
		if (n < cap)
			snprintf(names[n], IF_NAMESIZE, "%s", name);
		n++;
	}
	closedir(dir);
	return n;
}
