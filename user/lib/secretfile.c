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
	size_t n, line = 0;
	int rc;

	explicit_bzero(buf, len);
	/* A secret of len - 1 bytes and its newline make len bytes. */
	rc = fg_safe_read(path, len, FG_SAFE_PRIVATE, &text, &n, err, errlen);
	if (!rc)
		line = strcspn(text, "\r\n");
	if (rc == -EFBIG || line >= len) {
		snprintf(err, errlen, "%s: longer than %zu bytes", path,
			 len - 1);
		rc = -EINVAL;
	} else if (!rc) {
		memcpy(buf, text, line);
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
