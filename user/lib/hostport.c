// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <string.h>

#include "hostport.h"

int fg_hostport_split(const char *s, struct fg_hostport *out)
{
	const char *colon;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		out->host = s + 1;
		out->host_len = (size_t)(close - s - 1);
		out->bracketed = true;
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -EINVAL;
		out->host = s;
		out->host_len = (size_t)(colon - s);
		out->bracketed = false;
	}
	if (out->host_len == 0)
		return -EINVAL;
	out->port = colon + 1;
	return 0;
}
