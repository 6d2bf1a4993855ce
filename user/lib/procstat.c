// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "procstat.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Fields of /proc/PID/stat (proc(5), counting from 1) after "(comm)". */
#define STAT_UTIME 14
#define STAT_STIME 15
#define STAT_STARTTIME 22
#define STAT_VSIZE 23
#define STAT_RSS 24

int fg_procstat_parse(const char *stat, long ticks, long page_size,
		      double boot_time, struct fg_process_stats *out)
{
	/* comm may hold spaces and ')': the fields start after the last. */
	const char *p = strrchr(stat, ')');
	unsigned long long v[STAT_RSS + 1] = {0};
	int field = 3;

	if (!p || ticks <= 0 || page_size <= 0)
		return -EINVAL;
	p++;
	while (field <= STAT_RSS) {
		char *end;

		while (*p == ' ')
			p++;
		if (!*p || *p == '\n')
			return -EINVAL;
		if (field == 3) { /* the state letter */
			p += strcspn(p, " ");
		} else {
			v[field] = strtoull(p, &end, 10);
			if (end == p || (*end && *end != ' ' && *end != '\n'))
				return -EINVAL;
			p = end;
		}
		field++;
	}
	out->cpu_seconds =
	    (double)(v[STAT_UTIME] + v[STAT_STIME]) / (double)ticks;
	out->start_time = boot_time + (double)v[STAT_STARTTIME] / (double)ticks;
	out->virtual_bytes = (double)v[STAT_VSIZE];
	out->resident_bytes = (double)v[STAT_RSS] * (double)page_size;
	return 0;
}

static int read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;

	if (fd < 0)
		return -errno;
	while (got < len - 1) {
		ssize_t n = read(fd, buf + got, len - 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	return 0;
}

static double boot_time(void)
{
	char buf[8192];
	const char *p;

	if (read_text("/proc/stat", buf, sizeof(buf)))
		return 0;
	p = strstr(buf, "\nbtime ");
	return p ? strtod(p + 7, NULL) : 0;
}

static double count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	double n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1; /* not the one reading the directory */
}

int fg_procstat_read(struct fg_process_stats *out)
{
	struct rlimit rl;
	char buf[1024];
	int rc = read_text("/proc/self/stat", buf, sizeof(buf));

	if (rc)
		return rc;
	rc = fg_procstat_parse(buf, sysconf(_SC_CLK_TCK), sysconf(_SC_PAGESIZE),
			       boot_time(), out);
	if (rc)
		return rc;
	out->open_fds = count_fds();
	out->max_fds = getrlimit(RLIMIT_NOFILE, &rl)  ? -1
		       : rl.rlim_cur == RLIM_INFINITY ? -1
						      : (double)rl.rlim_cur;
	return 0;
}
