// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "secretfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safefile.h"

int fg_secret_read(const char *path, char *buf, size_t len, char *err,
		   size_t errlen)
{
	char *text;
	size_t n;
	int rc;

	explicit_bzero(buf, len);
	/* A file of len bytes or more would not fit buf with its NUL. */
	rc = fg_safe_read(path, len, FG_SAFE_PRIVATE, &text, &n, err, errlen);
	if (rc == -EFBIG || (!rc && n >= len)) {
		snprintf(err, errlen, "%s: longer than %zu bytes", path,
			 len - 1);
		rc = -EINVAL;
	} else if (!rc && text) {
		memcpy(buf, text, n);
		buf[strcspn(buf, "\r\n")] = '\0';
	}
	if (!rc && !buf[0]) {
		snprintf(err, errlen, "%s: empty", path);
		rc = -EINVAL;
	}
	if (text) {
		explicit_bzero(text, n);
		free(text);
	}
	if (rc)
		explicit_bzero(buf, len);
	return rc;
}
