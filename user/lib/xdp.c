// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "xdp.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <limits.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int prog_name_by_id(__u32 id, char *name, size_t len)
{
	struct bpf_prog_info info = {};
	__u32 ilen = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);

	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &ilen)) {
		int err = -errno;

		close(fd);
		return err;
	}
	close(fd);
	snprintf(name, len, "%s", info.name);
	return 0;
}

static int is_ours(__u32 id)
{
	char name[BPF_OBJ_NAME_LEN];

	return id && !prog_name_by_id(id, name, sizeof(name)) &&
	       !strcmp(name, FG_PROG_NAME);
}

/* The floodgate program on ifindex and its mode flag, if any. */
static __u32 ours_on(int ifindex, __u32 *mode_flag)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(ifindex, 0, &q))
		return 0;
	if (is_ours(q.drv_prog_id)) {
		*mode_flag = XDP_FLAGS_DRV_MODE;
		return q.drv_prog_id;
	}
	if (is_ours(q.skb_prog_id)) {
		*mode_flag = XDP_FLAGS_SKB_MODE;
		return q.skb_prog_id;
	}
	return 0;
}

static int foreign_on(int ifindex, char *name, size_t len)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	__u32 ids[3];

	if (bpf_xdp_query(ifindex, 0, &q))
		return 0;
	ids[0] = q.drv_prog_id;
	ids[1] = q.skb_prog_id;
	ids[2] = q.hw_prog_id;
	for (int i = 0; i < 3; i++) {
		if (ids[i] && !is_ours(ids[i])) {
			if (prog_name_by_id(ids[i], name, len))
				snprintf(name, len, "id %u", ids[i]);
			return 1;
		}
	}
	return 0;
}

static void link_path(const char *pin_dir, const char *ifname, char *buf,
		      size_t len)
{
	snprintf(buf, len, "%s/" FG_LINK_PIN_PREFIX "%s", pin_dir, ifname);
}

/* The pinned link still drives this interface in an acceptable mode:
 * swap the program in place. Otherwise the stale pin goes. */
static int update_link(const char *path, int ifindex, int prog_fd,
		       enum fg_xdp_mode mode, const char **used)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info), flag = 0;
	int fd = bpf_obj_get(path), rc = -ENOENT;

	if (fd < 0)
		return -ENOENT;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
	    info.type == BPF_LINK_TYPE_XDP &&
	    info.xdp.ifindex == (__u32)ifindex && ours_on(ifindex, &flag) &&
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
	char other[BPF_OBJ_NAME_LEN + 16], path[PATH_MAX];
	__u32 flag = 0;

	if (!ifindex) {
		snprintf(err, errlen, "no such interface");
		return -ENODEV;
	}
	if (foreign_on(ifindex, other, sizeof(other))) {
		snprintf(err, errlen,
			 "another XDP program (%s) is attached; detach it "
			 "first (ip link set dev %s xdp off)",
			 other, ifname);
		return -EBUSY;
	}
	link_path(pin_dir, ifname, path, sizeof(path));
	if (!update_link(path, ifindex, prog_fd, mode, used))
		return 0;
	/* A floodgate program attached without a link (older versions). */
	if (ours_on(ifindex, &flag))
		bpf_xdp_detach(ifindex, flag, NULL);

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
	if (ifindex && ours_on(ifindex, &flag))
		rc = bpf_xdp_detach(ifindex, flag, NULL);
	return rc;
}

const char *fg_xdp_attached_mode(const char *ifname)
{
	int ifindex = (int)if_nametoindex(ifname);
	__u32 flag = 0;

	if (!ifindex || !ours_on(ifindex, &flag))
		return NULL;
	return flag == XDP_FLAGS_DRV_MODE ? "native" : "generic";
}
