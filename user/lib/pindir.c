// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "pindir.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "fileperm.h"
#include "mapio.h"
#include "xdp.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

#define FG_BPFFS_HINT "mount -t bpf bpf /sys/fs/bpf"

int fg_pin_dir_on_bpffs(const char *dir)
{
	char parent[PATH_MAX];
	struct statfs fs;
	char *slash;

	if (!statfs(dir, &fs))
		return fs.f_type == BPF_FS_MAGIC ? 0 : -ENOTSUP;
	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	else if (slash)
		slash[1] = '\0';
	else
		snprintf(parent, sizeof(parent), ".");
	if (statfs(parent, &fs) || fs.f_type != BPF_FS_MAGIC)
		return -ENOTSUP;
	return 0;
}

static bool pin_name_known(const char *name)
{
	if (!strcmp(name, FG_PIN_PROG) ||
	    !strncmp(name, FG_LINK_PIN_PREFIX, strlen(FG_LINK_PIN_PREFIX)))
		return true;
	for (int i = 0; i < FG_MAP_COUNT; i++)
		if (!strcmp(name, fg_map_names[i]))
			return true;
	for (int i = 0; i < FG_OTHER_PIN_COUNT; i++)
		if (!strcmp(name, fg_other_pin_names[i]))
			return true;
	return false;
}

static int check_entries(const char *dir, char *err, size_t errlen)
{
	char path[PATH_MAX];
	const char *why;
	struct dirent *e;
	struct stat st;
	DIR *d = opendir(dir);
	int rc = 0;

	if (!d) {
		rc = -errno;
		snprintf(err, errlen, "pin directory %s: %s", dir,
			 strerror(-rc));
		return rc;
	}
	while (!rc && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st)) {
			rc = -errno;
			snprintf(err, errlen, "%s: %s", path, strerror(-rc));
			break;
		}
		if (!S_ISREG(st.st_mode) || !pin_name_known(e->d_name)) {
			snprintf(err, errlen,
				 "%s is not a floodgate pin; floodgated adopts "
				 "only its own pins: remove it, or give "
				 "floodgated another --pin-dir",
				 path);
			rc = -EPERM;
			break;
		}
		why = fg_perm_problem(&st, false);
		if (why) {
			snprintf(err, errlen,
				 "%s %s (uid %u, mode %04o): if it is "
				 "floodgate's, chown %u and chmod 0600 it, "
				 "else remove it",
				 path, why, (unsigned int)st.st_uid,
				 (unsigned int)(st.st_mode & 07777),
				 (unsigned int)geteuid());
			rc = -EPERM;
		}
	}
	closedir(d);
	return rc;
}

int fg_pin_dir_prepare(const char *dir, char *err, size_t errlen)
{
	const char *why;
	struct stat st;

	if (fg_pin_dir_on_bpffs(dir)) {
		snprintf(err, errlen,
			 "pin directory %s is not on a bpf filesystem: is "
			 "bpffs mounted? (" FG_BPFFS_HINT ")",
			 dir);
		return -ENOTSUP;
	}
	if (!mkdir(dir, 0700))
		return 0;
	if (errno != EEXIST || stat(dir, &st)) {
		int rc = -errno;

		snprintf(err, errlen, "pin directory %s: %s", dir,
			 strerror(-rc));
		return rc;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "pin directory %s is not a directory",
			 dir);
		return -ENOTDIR;
	}
	why = fg_perm_problem(&st, false);
	if (why) {
		snprintf(err, errlen,
			 "pin directory %s %s (uid %u, mode %04o): anyone who "
			 "can write there can plant state floodgated adopts; "
			 "chown it to uid %u and chmod 0700 it, or remove it",
			 dir, why, (unsigned int)st.st_uid,
			 (unsigned int)(st.st_mode & 07777),
			 (unsigned int)geteuid());
		return -EPERM;
	}
	return check_entries(dir, err, errlen);
}
