/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The process_* metrics every Prometheus client library exports
 * ("Standard and runtime collectors" of the client library guidelines),
 * read from /proc as client_golang's process collector does.
 */
#ifndef FG_PROCSTAT_H
#define FG_PROCSTAT_H

struct fg_process_stats {
	double cpu_seconds;    /* user + system */
	double start_time;     /* unix seconds */
	double resident_bytes; /* RSS */
	double virtual_bytes;  /* VSZ */
	double open_fds;       /* -1: unknown */
	double max_fds;	       /* RLIMIT_NOFILE soft limit; -1: unknown */
};

/*
 * From the text of /proc/PID/stat, the clock ticks per second, the page
 * size and the boot time (/proc/stat btime): cpu_seconds, start_time,
 * resident_bytes, virtual_bytes. 0, or -EINVAL when the text is not a
 * stat line.
 */
int fg_procstat_parse(const char *stat, long ticks, long page_size,
		      double boot_time, struct fg_process_stats *out);

/* This process, every field. 0, or -errno when /proc is unreadable. */
int fg_procstat_read(struct fg_process_stats *out);

#endif /* FG_PROCSTAT_H */
