// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "pinlock.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#define RETRY_NS 5000000L /* 5 ms between tries */

int fg_pin_lock(const char *pin_dir, unsigned int wait_ms)
{
	const struct timespec pause = {0, RETRY_NS};
	long tries = (long)wait_ms * 1000000L / RETRY_NS + 1;
	int fd = open(pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	/* Non-blocking tries, so that the wait has a bound. */
	while (flock(fd, LOCK_EX | LOCK_NB)) {
		int err = errno;

		if (err != EWOULDBLOCK && err != EINTR) {
			close(fd);
			return -err;
		}
		if (--tries <= 0) {
			close(fd);
			return -ETIMEDOUT;
		}
		nanosleep(&pause, NULL);
	}
	return fd;
}

void fg_pin_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* closing the only descriptor releases the lock */
}
