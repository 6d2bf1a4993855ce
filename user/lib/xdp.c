// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "xdp.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
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

static int attach_mode(int ifindex, int prog_fd, __u32 flag)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	__u32 old_flag = 0, old_id = ours_on(ifindex, &old_flag);
	int old_fd = -1, err;

	if (old_id && old_flag == flag) {
		/* Same mode: swap atomically, no packet goes unfiltered. */
		old_fd = bpf_prog_get_fd_by_id(old_id);
		if (old_fd >= 0) {
			opts.old_prog_fd = old_fd;
			flag |= XDP_FLAGS_REPLACE;
		}
	} else if (old_id) {
		bpf_xdp_detach(ifindex, old_flag, NULL);
	}
	err =
	    bpf_xdp_attach(ifindex, prog_fd, flag, old_fd >= 0 ? &opts : NULL);
	if (old_fd >= 0)
		close(old_fd);
	return err;
}

int fg_xdp_attach(const char *ifname, int prog_fd, enum fg_xdp_mode mode,
		  const char **used, char *err, size_t errlen)
{
	int ifindex = (int)if_nametoindex(ifname), rc;
	char other[BPF_OBJ_NAME_LEN + 16];

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
	if (mode != FG_XDP_GENERIC) {
		rc = attach_mode(ifindex, prog_fd, XDP_FLAGS_DRV_MODE);
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
	rc = attach_mode(ifindex, prog_fd, XDP_FLAGS_SKB_MODE);
	if (rc) {
		snprintf(err, errlen, "generic XDP failed: %s", strerror(-rc));
		return rc;
	}
	*used = "generic";
	return 0;
}

int fg_xdp_detach(int ifindex)
{
	__u32 flag = 0;

	if (!ours_on(ifindex, &flag))
		return -ENOENT;
	return bpf_xdp_detach(ifindex, flag, NULL);
}

const char *fg_xdp_attached_mode(const char *ifname)
{
	int ifindex = (int)if_nametoindex(ifname);
	__u32 flag = 0;

	if (!ifindex || !ours_on(ifindex, &flag))
		return NULL;
	return flag == XDP_FLAGS_DRV_MODE ? "native" : "generic";
}
