/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* A growable text buffer for rendered output. */
#ifndef FG_BUF_H
#define FG_BUF_H

#include <stddef.h>

struct fg_buf {
	char *data;
	size_t len, cap;
	int failed; /* an allocation failed: the content is incomplete */
};

void fg_buf_init(struct fg_buf *b);
void fg_buf_free(struct fg_buf *b);
void fg_buf_printf(struct fg_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void fg_buf_append(struct fg_buf *b, const char *s, size_t n);

#endif /* FG_BUF_H */
