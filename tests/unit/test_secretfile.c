// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The password file reader (user/lib/secretfile.c). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "secretfile.h"

struct fx {
	char dir[64];
	char path[128];
	char buf[FG_SECRET_MAX];
	char err[512];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/fg-secret.XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/redis.pass", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char link[160];

	snprintf(link, sizeof(link), "%s/link", f->dir);
	unlink(link);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Writes text (len bytes) to f->path with mode. */
static void write_file(struct fx *f, const char *text, size_t len, mode_t mode)
{
	int fd = open(f->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static int read_secret(struct fx *f)
{
	memset(f->buf, 'x', sizeof(f->buf));
	f->err[0] = '\0';
	return fg_secret_read(f->path, f->buf, sizeof(f->buf), f->err,
			      sizeof(f->err));
}

static void test_mode_0600_read(void **state)
{
	struct fx *f = *state;

	write_file(f, "s3cr3t", 6, 0600);
	assert_int_equal(read_secret(f), 0);
	assert_string_equal(f->buf, "s3cr3t");
	write_file(f, "0400-is-fine", 12, 0400);
	assert_int_equal(read_secret(f), 0);
	assert_string_equal(f->buf, "0400-is-fine");
}

/* Only the first line, without its newline. */
static void test_newline_stripped(void **state)
{
	struct fx *f = *state;

	write_file(f, "s3cr3t\n", 7, 0600);
	assert_int_equal(read_secret(f), 0);
	assert_string_equal(f->buf, "s3cr3t");
	write_file(f, "s3cr3t\r\n", 8, 0600);
	assert_int_equal(read_secret(f), 0);
	assert_string_equal(f->buf, "s3cr3t");
	write_file(f, "first\nsecond\n", 13, 0600);
	assert_int_equal(read_secret(f), 0);
	assert_string_equal(f->buf, "first");
	/* inner spaces are the password's */
	write_file(f, " a b \n", 6, 0600);
	assert_int_equal(read_secret(f), 0);
	assert_string_equal(f->buf, " a b ");
}

static void assert_refused(struct fx *f, int want_rc, const char *want)
{
	assert_int_equal(read_secret(f), want_rc);
	if (!strstr(f->err, want))
		fail_msg("got: %s\nwant: %s", f->err, want);
	if (strstr(f->err, "s3cr3t"))
		fail_msg("the secret is in the error: %s", f->err);
	/* nothing of it is left in the caller's buffer */
	for (size_t i = 0; i < sizeof(f->buf); i++)
		if (f->buf[i])
			fail_msg("buf[%zu] = 0x%02x after a refusal", i,
				 (unsigned char)f->buf[i]);
}

static void test_group_or_other_readable_refused(void **state)
{
	struct fx *f = *state;
	char want[256];

	write_file(f, "s3cr3t\n", 7, 0644);
	snprintf(want, sizeof(want),
		 "%s is readable by group or others (mode 0644); chmod 600 it",
		 f->path);
	assert_refused(f, -EPERM, want);

	write_file(f, "s3cr3t\n", 7, 0640);
	snprintf(want, sizeof(want),
		 "%s is readable by group or others "
		 "(mode 0640); chmod 600 it",
		 f->path);
	assert_refused(f, -EPERM, want);

	write_file(f, "s3cr3t\n", 7, 0620);
	snprintf(want, sizeof(want), "%s is writable by group or others",
		 f->path);
	assert_refused(f, -EPERM, want);
}

static void test_empty_refused(void **state)
{
	struct fx *f = *state;
	char want[256];

	snprintf(want, sizeof(want), "%s: empty", f->path);
	write_file(f, "", 0, 0600);
	assert_refused(f, -EINVAL, want);
	write_file(f, "\n", 1, 0600);
	assert_refused(f, -EINVAL, want);
}

static void test_too_long_refused(void **state)
{
	struct fx *f = *state;
	char text[FG_SECRET_MAX + 1];
	char want[256];

	/* 511 bytes fit with their terminator */
	memset(text, 'p', sizeof(text));
	write_file(f, text, FG_SECRET_MAX - 1, 0600);
	assert_int_equal(read_secret(f), 0);
	assert_int_equal(strlen(f->buf), FG_SECRET_MAX - 1);

	/* "s3cr3t" then zeros, 512 bytes */
	snprintf(text, sizeof(text), "s3cr3t%0*d", FG_SECRET_MAX - 6, 0);
	write_file(f, text, FG_SECRET_MAX, 0600);
	snprintf(want, sizeof(want), "%s: longer than 511 bytes", f->path);
	assert_refused(f, -EINVAL, want);
}

static void test_missing_and_symlink(void **state)
{
	struct fx *f = *state;
	char link[160];

	assert_int_equal(read_secret(f), -ENOENT);
	assert_non_null(strstr(f->err, f->path));

	/* a link could point anywhere: not followed */
	write_file(f, "s3cr3t\n", 7, 0600);
	snprintf(link, sizeof(link), "%s/link", f->dir);
	assert_int_equal(symlink(f->path, link), 0);
	memset(f->buf, 'x', sizeof(f->buf));
	assert_int_equal(fg_secret_read(link, f->buf, sizeof(f->buf), f->err,
					sizeof(f->err)),
			 -ELOOP);
	assert_non_null(strstr(f->err, link));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_mode_0600_read),
	    T(test_newline_stripped),
	    T(test_group_or_other_readable_refused),
	    T(test_empty_refused),
	    T(test_too_long_refused),
	    T(test_missing_and_symlink),
	};

	return cmocka_run_group_tests_name("secretfile", tests, NULL, NULL);
}
