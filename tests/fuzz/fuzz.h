/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What every libFuzzer target shares: the entry point's prototype and a
 * check that aborts with a message, so that a broken invariant is a
 * crash libFuzzer keeps (as a crash-* input) like any sanitizer report.
 */
#ifndef FG_FUZZ_H
#define FG_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond, ...)                                              \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr,                                    \
				"%s:%d: invariant broken: %s: ", __FILE__, \
				__LINE__, #cond);                          \
			fprintf(stderr, __VA_ARGS__);                      \
			fputc('\n', stderr);                               \
			abort();                                           \
		}                                                          \
	} while (0)

/* Any 64-bit value for "%llu", whatever its type's name. */
#define ULL(x) ((unsigned long long)(x))

/* The input as a C string in a buffer of exactly its size, so that a
 * read past the end is an ASan report; it stops at an embedded NUL. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *str = malloc(size + 1);

	if (!str)
		abort();
	if (size)
		memcpy(str, data, size);
	str[size] = '\0';
	return str;
}

/* Reads the input as a sequence of fields: take() hands out bytes and
 * zeros past the end, so any input is some valid sequence. */
struct fuzz_in {
	const uint8_t *data;
	size_t size, pos;
};

static inline uint64_t fuzz_take(struct fuzz_in *in, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < bytes; i++) {
		v <<= 8;
		if (in->pos < in->size)
			v |= in->data[in->pos++];
	}
	return v;
}

#endif /* FG_FUZZ_H */
