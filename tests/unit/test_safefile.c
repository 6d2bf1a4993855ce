// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The files floodgated trusts, through each of their readers (config,
 * list file, web config, TLS key): read through one descriptor, never a
 * FIFO, a symbolic link, a directory, nor from a directory others could
 * swap them in (user/lib/safefile.c). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "listfile.h"
#include "safefile.h"
#include "tmpfiles.h"

/* uid and gid of "nobody" on Debian. */
#define NOBODY 65534

struct fx {
	char dir[64];	   /* 0700, ours */
	char cert[128];	   /* a PEM certificate for the key's checks */
	char path[128];	   /* dir/f: what each test makes */
	char sub[128];	   /* dir/sub: a directory the tests change */
	char subpath[160]; /* dir/sub/f */
};

/* One reader: loads path; 0 or -errno with err. */
struct reader {
	const char *name;
	const char *text; /* what it reads without complaint */
	bool in_yaml;	  /* a file the YAML names: its errors are -EINVAL */
	int (*load)(const struct fx *f, const char *path, char *err,
		    size_t errlen);
};

static int load_config(const struct fx *f, const char *path, char *err,
		       size_t errlen)
{
	struct fg_settings s;
	int rc = fg_config_load_file(path, &s, err, errlen);

	(void)f;
	if (!rc)
		fg_config_free(&s);
	return rc;
}

static int load_list(const struct fx *f, const char *path, char *err,
		     size_t errlen)
{
	struct fg_cidr *a = NULL;
	size_t n = 0, cap = 0;
	int rc = fg_listfile_load(path, &a, &n, &cap, 1000, err, errlen);

	(void)f;
	free(a);
	return rc;
}

static int load_web(const struct fx *f, const char *path, char *err,
		    size_t errlen)
{
	struct fg_web_config *w = NULL;
	int rc = fg_web_config_load_file(path, &w, err, errlen);

	(void)f;
	fg_web_config_free(w);
	return rc;
}

/* path as the key_file of a web config (given as text). */
static int load_key(const struct fx *f, const char *path, char *err,
		    size_t errlen)
{
	struct fg_web_config *w = NULL;
	char text[512];
	int rc;

	snprintf(text, sizeof(text),
		 "tls_server_config:\n  cert_file: %s\n  key_file: %s\n",
		 f->cert, path);
	rc = fg_web_config_load_string(text, strlen(text), "w.yml", &w, err,
				       errlen);
	fg_web_config_free(w);
	return rc;
}

static const struct reader readers[] = {
    {"config", "enabled: true\n", false, load_config},
    {"list file", "192.0.2.0/24\n", false, load_list},
    {"web config", "basic_auth_users: {}\n", false, load_web},
    {"TLS key",
     "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n", true,
     load_key},
};
#define NREADERS (sizeof(readers) / sizeof(readers[0]))

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/fg-safefile.XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->cert, sizeof(f->cert), "%s/cert.pem", f->dir);
	snprintf(f->path, sizeof(f->path), "%s/f", f->dir);
	snprintf(f->sub, sizeof(f->sub), "%s/sub", f->dir);
	snprintf(f->subpath, sizeof(f->subpath), "%s/f", f->sub);
	write_file(f->cert,
		   "-----BEGIN CERTIFICATE-----\nMIIB\n"
		   "-----END CERTIFICATE-----\n",
		   0644);
	if (mkdir(f->sub, 0700)) {
		free(f);
		return -1;
	}
	alarm_interrupts();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	alarm(0);
	unlink(f->subpath);
	rmdir(f->sub);
	unlink(f->path);
	unlink(f->cert);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Each reader on path: rc, and err holding want. */
static void expect_all(const struct fx *f, const char *path, int rc,
		       const char *want)
{
	for (size_t i = 0; i < NREADERS; i++) {
		char err[FG_ERR_MAX] = "";
		int want_rc = readers[i].in_yaml ? -EINVAL : rc, got;

		alarm(2);
		got = readers[i].load(f, path, err, sizeof(err));
		alarm(0);
		if (got != want_rc || (want && !strstr(err, want)))
			fail_msg("%s %s: got %d \"%s\", want %d \"%s\"",
				 readers[i].name, path, got, err, want_rc,
				 want ? want : "");
	}
}

/* Each reader reads its own text at path with mode. */
static void expect_reads(const struct fx *f, const char *path, mode_t mode)
{
	for (size_t i = 0; i < NREADERS; i++) {
		char err[FG_ERR_MAX] = "";
		int got;

		write_file(path, readers[i].text, mode);
		got = readers[i].load(f, path, err, sizeof(err));
		if (got)
			fail_msg("%s %s: %d \"%s\"", readers[i].name, path, got,
				 err);
	}
}

static void test_regular_file(void **state)
{
	struct fx *f = *state;

	expect_reads(f, f->path, 0600);
	/* The key's group may read it (Debian's ssl-cert group does). */
	expect_reads(f, f->path, 0640);
}

/* A FIFO's open would wait for a writer, the main thread with it. */
static void test_fifo(void **state)
{
	struct fx *f = *state;
	char want[192];

	assert_int_equal(mkfifo(f->path, 0600), 0);
	snprintf(want, sizeof(want), "%s: not a regular file (a FIFO)",
		 f->path);
	expect_all(f, f->path, -EINVAL, want);
}

static void test_directory(void **state)
{
	struct fx *f = *state;
	char want[192];

	snprintf(want, sizeof(want), "%s: not a regular file (a directory)",
		 f->sub);
	expect_all(f, f->sub, -EISDIR, want);
}

/* Whoever can change a link chooses the file read. */
static void test_symlink(void **state)
{
	struct fx *f = *state;

	write_file(f->subpath, "192.0.2.0/24\n", 0600);
	assert_int_equal(symlink(f->subpath, f->path), 0);
	expect_all(f, f->path, -ELOOP, "a symbolic link: refusing it");
}

/* Whoever can write the directory can rename another file in under the
 * name: refused for every directory from / down. */
static void test_group_writable_parent(void **state)
{
	struct fx *f = *state;
	char want[512];

	expect_reads(f, f->subpath, 0600);
	assert_int_equal(chmod(f->sub, 0770), 0);
	snprintf(want, sizeof(want),
		 "%s: its directory %s is writable by group or others (mode "
		 "0770)",
		 f->subpath, f->sub);
	expect_all(f, f->subpath, -EPERM, want);
	assert_int_equal(chmod(f->sub, 0700), 0);
	/* Above the file's own directory too. */
	assert_int_equal(chmod(f->dir, 0707), 0);
	snprintf(want, sizeof(want), "its directory %s is writable", f->dir);
	expect_all(f, f->subpath, -EPERM, want);
	assert_int_equal(chmod(f->dir, 0700), 0);
	/* Sticky, as /tmp: others cannot rename what is not theirs. */
	assert_int_equal(chmod(f->sub, 01777), 0);
	expect_reads(f, f->subpath, 0600);
	assert_int_equal(chmod(f->sub, 0700), 0);
}

/* The owner of a directory can swap what is in it. */
static void test_parent_owned_by_another(void **state)
{
	struct fx *f = *state;

	if (geteuid() != 0)
		skip();
	expect_reads(f, f->subpath, 0600);
	assert_int_equal(chown(f->sub, NOBODY, NOBODY), 0);
	expect_all(f, f->subpath, -EPERM,
		   "is owned by another user (uid 65534)");
	assert_int_equal(chown(f->sub, 0, 0), 0);
	/* The file itself. */
	assert_int_equal(chown(f->subpath, NOBODY, NOBODY), 0);
	expect_all(f, f->subpath, -EPERM, "fix: chown root");
}

static void test_file_writable_by_others(void **state)
{
	struct fx *f = *state;

	write_file(f->path, "x", 0620);
	expect_all(f, f->path, -EPERM, "(mode 0620): refusing it");
}

/* A private key others can read is no longer private. */
static void test_key_readable_by_others(void **state)
{
	struct fx *f = *state;
	char err[FG_ERR_MAX] = "";

	write_file(f->path, readers[3].text, 0644);
	assert_int_equal(load_key(f, f->path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "is readable by others (mode 0644)"));
	assert_non_null(strstr(err, "tls_server_config.key_file"));
}

/* fg_safe_read of a file of size bytes, allowed max: rc; the text read
 * (NUL-ended, also when empty) when it is 0. */
static int read_sized(const struct fx *f, size_t size, size_t max)
{
	char *want = malloc(size + 1), *text = NULL, err[FG_ERR_MAX] = "";
	size_t len = 0;
	int rc;

	assert_non_null(want);
	for (size_t i = 0; i < size; i++)
		want[i] = (char)('a' + i % 26);
	want[size] = '\0';
	write_file(f->path, want, 0600);
	rc = fg_safe_read(f->path, max, 0, &text, &len, err, sizeof(err));
	if (!rc) {
		assert_non_null(text);
		assert_int_equal(len, size);
		assert_memory_equal(text, want, size + 1);
	} else {
		assert_null(text);
		assert_non_null(strstr(err, "larger than"));
	}
	free(text);
	free(want);
	return rc;
}

/* A file of exactly max bytes is read; one more byte is too large. Past
 * the first buffer (16 KiB) too. */
static void test_exactly_max(void **state)
{
	struct fx *f = *state;

	assert_int_equal(read_sized(f, 100, 100), 0);
	assert_int_equal(read_sized(f, 101, 100), -EFBIG);
	assert_int_equal(read_sized(f, 40000, 40000), 0);
	assert_int_equal(read_sized(f, 40001, 40000), -EFBIG);
	assert_int_equal(read_sized(f, 0, 100), 0);
	assert_int_equal(read_sized(f, 0, 0), 0);
	assert_int_equal(read_sized(f, 1, 0), -EFBIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_regular_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fifo, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_directory, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_symlink, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_group_writable_parent, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_parent_owned_by_another, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_file_writable_by_others, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_key_readable_by_others, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_exactly_max, setup, teardown),
	};

	return cmocka_run_group_tests_name("safefile", tests, NULL, NULL);
}
