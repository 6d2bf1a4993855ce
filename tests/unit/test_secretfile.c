// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The password file reader (user/lib/secretfile.c). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
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
#include "tmpfiles.h"

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
	alarm_interrupts();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char link[160];

	alarm(0);
	chmod(f->dir, 0700);
	snprintf(link, sizeof(link), "%s/link", f->dir);
	unlink(link);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Bounded by an alarm: a read that blocks fails with -EINTR. */
static int read_secret(struct fx *f)
{
	int rc;

	memset(f->buf, 'x', sizeof(f->buf));
	f->err[0] = '\0';
	alarm(2);
	rc = fg_secret_read(f->path, f->buf, sizeof(f->buf), f->err,
			    sizeof(f->err));
	alarm(0);
	return rc;
}

static void test_mode_0600_read(void **state)
{
	struct fx *f = *state;

	write_file(f->path, "s3cr3t", 0600);
	assert_int_equal(read_secret(f), 0);
	assert_string_equal(f->buf, "s3cr3t");
	write_file(f->path, "0400-is-fine", 0400);
	assert_int_equal(read_secret(f), 0);
	assert_string_equal(f->buf, "0400-is-fine");
}

/* Only the first line, without its newline. */
static void test_newline_stripped(void **state)
{
	struct fx *f = *state;

	write_file(f->path, "s3cr3t\n", 0600);
	assert_int_equal(read_secret(f), 0);
	assert_string_equal(f->buf, "s3cr3t");
	write_file(f->path, "s3cr3t\r\n", 0600);
	assert_int_equal(read_secret(f), 0);
	assert_string_equal(f->buf, "s3cr3t");
	write_file(f->path, "first\nsecond\n", 0600);
	assert_int_equal(read_secret(f), 0);
	assert_string_equal(f->buf, "first");
	/* inner spaces are the password's */
	write_file(f->path, " a b \n", 0600);
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

/* Only its owner may read a password: not its group either. */
static void test_group_or_other_readable_refused(void **state)
{
	struct fx *f = *state;
	char want[512];

	write_file(f->path, "s3cr3t\n", 0644);
	snprintf(want, sizeof(want),
		 "%s is readable by group or others (mode 0644): refusing it, "
		 "it holds a secret; fix: chmod 600 %s",
		 f->path, f->path);
	assert_refused(f, -EPERM, want);

	write_file(f->path, "s3cr3t\n", 0640);
	snprintf(want, sizeof(want),
		 "%s is readable by group or others (mode 0640)", f->path);
	assert_refused(f, -EPERM, want);

	write_file(f->path, "s3cr3t\n", 0620);
	snprintf(want, sizeof(want), "%s is writable by group or others",
		 f->path);
	assert_refused(f, -EPERM, want);
}

/* Its owner could have given it to anyone: root or the daemon's user. */
static void test_owned_by_another_refused(void **state)
{
	struct fx *f = *state;

	if (geteuid() != 0)
		skip();
	write_file(f->path, "s3cr3t\n", 0600);
	assert_int_equal(chown(f->path, 65534, 65534), 0);
	assert_refused(f, -EPERM, "is owned by another user (uid 65534)");
}

static void test_empty_refused(void **state)
{
	struct fx *f = *state;
	char want[512];

	snprintf(want, sizeof(want), "%s: empty", f->path);
	write_file(f->path, "", 0600);
	assert_refused(f, -EINVAL, want);
	write_file(f->path, "\n", 0600);
	assert_refused(f, -EINVAL, want);
}

static void test_too_long_refused(void **state)
{
	struct fx *f = *state;
	char text[FG_SECRET_MAX + 1];
	char want[512];

	/* 511 bytes fit with their terminator */
	memset(text, 'p', sizeof(text));
	write_file_len(f->path, text, FG_SECRET_MAX - 1, 0600);
	assert_int_equal(read_secret(f), 0);
	assert_int_equal(strlen(f->buf), FG_SECRET_MAX - 1);
	/* and with their newline, 512 bytes */
	text[FG_SECRET_MAX - 1] = '\n';
	write_file_len(f->path, text, FG_SECRET_MAX, 0600);
	assert_int_equal(read_secret(f), 0);
	assert_int_equal(strlen(f->buf), FG_SECRET_MAX - 1);

	/* "s3cr3t" then zeros, 512 bytes */
	snprintf(text, sizeof(text), "s3cr3t%0*d", FG_SECRET_MAX - 6, 0);
	write_file_len(f->path, text, FG_SECRET_MAX, 0600);
	snprintf(want, sizeof(want), "%s: longer than 511 bytes", f->path);
	assert_refused(f, -EINVAL, want);
}

static void test_missing(void **state)
{
	struct fx *f = *state;

	assert_int_equal(read_secret(f), -ENOENT);
	assert_non_null(strstr(f->err, f->path));
}

/* Whoever can change a link chooses the file read. */
static void test_symlink_refused(void **state)
{
	struct fx *f = *state;
	char target[160];

	snprintf(target, sizeof(target), "%s/link", f->dir);
	write_file(f->path, "s3cr3t\n", 0600);
	assert_int_equal(rename(f->path, target), 0);
	assert_int_equal(symlink(target, f->path), 0);
	assert_refused(f, -ELOOP, "a symbolic link: refusing it");
}

/* A FIFO's open would wait for a writer, and the daemon's main thread
 * with it. */
static void test_fifo_refused(void **state)
{
	struct fx *f = *state;
	char want[192];

	assert_int_equal(mkfifo(f->path, 0600), 0);
	snprintf(want, sizeof(want), "%s: not a regular file (a FIFO)",
		 f->path);
	assert_refused(f, -EINVAL, want);
}

/* Whoever can write its directory can rename another file in under the
 * password file's name. */
static void test_writable_parent_refused(void **state)
{
	struct fx *f = *state;
	char want[512];

	write_file(f->path, "s3cr3t\n", 0600);
	assert_int_equal(chmod(f->dir, 0770), 0);
	snprintf(want, sizeof(want),
		 "%s: its directory %s is writable by group or others (mode "
		 "0770)",
		 f->path, f->dir);
	assert_refused(f, -EPERM, want);
	assert_int_equal(chmod(f->dir, 0707), 0);
	assert_refused(f, -EPERM, "(mode 0707)");
	/* Sticky, as /tmp: others cannot rename what is not theirs. */
	assert_int_equal(chmod(f->dir, 01777), 0);
	assert_int_equal(read_secret(f), 0);
	assert_string_equal(f->buf, "s3cr3t");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_mode_0600_read),
	    T(test_newline_stripped),
	    T(test_group_or_other_readable_refused),
	    T(test_owned_by_another_refused),
	    T(test_empty_refused),
	    T(test_too_long_refused),
	    T(test_missing),
	    T(test_symlink_refused),
	    T(test_fifo_refused),
	    T(test_writable_parent_refused),
	};

	return cmocka_run_group_tests_name("secretfile", tests, NULL, NULL);
}
