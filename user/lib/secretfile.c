// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "secretfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileperm.h"

int fg_secret_read(const char *path, char *buf, size_t len, char *err,
		   size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	const char *problem;
	struct stat st;
	ssize_t n;
	int rc = 0;

	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	if (fstat(fd, &st)) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	problem = fg_perm_problem(&st, true);
	if (!problem && (st.st_mode & (S_IRGRP | S_IROTH)))
		problem = "is readable by group or others";
	if (!problem && !S_ISREG(st.st_mode))
		problem = "is not a regular file";
	if (problem) {
		snprintf(err, errlen, "%s %s (mode %04o); chmod 600 it", path,
			 problem, (unsigned int)(st.st_mode & 07777));
		rc = -EPERM;
		goto out;
	}
	n = read(fd, buf, len);
	if (n < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	buf[n == (ssize_t)len ? len - 1 : (size_t)n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (n == (ssize_t)len || !buf[0]) {
		snprintf(err, errlen, "%s: %s", path,
			 buf[0] ? "longer than 511 bytes" : "empty");
		rc = -EINVAL;
	}
out:
	close(fd);
	if (rc)
		explicit_bzero(buf, len);
	return rc;
}
