// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "mapcount.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <unistd.h>

#include "mapcount.skel.h"

struct fg_map_count_rec {
	__u32 id;
	__u32 pad;
	__s64 count;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct mapcount_bpf *skel;
static struct bpf_link *iter_link;
static int load_err; /* sticky: do not retry a kernel that said no */

static int ensure_loaded(void)
{
	if (iter_link)
		return 0;
	if (load_err)
		return load_err;
	skel = mapcount_bpf__open_and_load();
	if (!skel) {
		load_err = -ENOTSUP;
		return load_err;
	}
	iter_link = bpf_program__attach_iter(skel->progs.fg_map_count, NULL);
	if (!iter_link) {
		mapcount_bpf__destroy(skel);
		skel = NULL;
		load_err = -ENOTSUP;
	}
	return load_err;
}

static long read_count(__u32 id)
{
	struct fg_map_count_rec rec[64];
	long found = -ENOENT;
	int fd = bpf_iter_create(bpf_link__fd(iter_link));
	ssize_t n;

	if (fd < 0)
		return -errno;
	while ((n = read(fd, rec, sizeof(rec))) > 0) {
		for (size_t i = 0; i < (size_t)n / sizeof(rec[0]); i++)
			if (rec[i].id == id)
				found = rec[i].count;
	}
	if (n < 0)
		found = -errno;
	close(fd);
	return found;
}

long fg_map_count(int map_fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	long rc;

	if (bpf_obj_get_info_by_fd(map_fd, &info, &len))
		return -errno;
	pthread_mutex_lock(&lock);
	rc = ensure_loaded();
	if (!rc)
		rc = read_count(info.id);
	pthread_mutex_unlock(&lock);
	return rc;
}
