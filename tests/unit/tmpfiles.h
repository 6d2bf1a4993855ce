// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Files for the tests of file readers: written with a given mode, and an
 * alarm that turns a read left waiting (on a FIFO) into a failure.
 * Include after <cmocka.h>. */
#ifndef FG_TESTS_TMPFILES_H
#define FG_TESTS_TMPFILES_H

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* Writes len bytes of text to path (created or truncated, never through a
 * symbolic link), then sets mode. */
static inline void write_file_len(const char *path, const char *text,
				  size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static inline void write_file(const char *path, const char *text, mode_t mode)
{
	write_file_len(path, text, strlen(text), mode);
}

static inline void on_alarm(int sig)
{
	(void)sig;
}

/* SIGALRM without SA_RESTART: an open() or read() waiting for a FIFO's
 * writer fails with EINTR when an alarm() rings, so a test fails instead
 * of hanging. */
static inline void alarm_interrupts(void)
{
	struct sigaction sa = {.sa_handler = on_alarm};

	sigaction(SIGALRM, &sa, NULL);
}

#endif
