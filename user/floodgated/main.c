// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * floodgated: loads the config, attaches the XDP program, pins its maps,
 * serves /metrics, reloads on SIGHUP. Signal handlers only set flags;
 * the main loop does the work.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "daemon.h"
#include "journal.h"
#include "log.h"

#define TICK_MS 250

static volatile sig_atomic_t got_stop, got_reload;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_reload = 1;
	else
		got_stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: floodgated [-c FILE] [-i IFACE]... [--xdp-mode MODE] "
		"[--pin-dir DIR] [--check] [-v]\n"
		"  -c, --config FILE    config file (default: built-in "
		"defaults)\n"
		"  -i, --interface IF   attach to IF (repeatable; overrides "
		"the config's interfaces)\n"
		"      --xdp-mode MODE  auto | native | generic | multiprog\n"
		"      --pin-dir DIR    bpffs directory for pins (default "
		"%s)\n"
		"      --check          validate the config and exit\n"
		"  -v, --verbose        debug logging\n"
		"  -V, --version        print the version\n"
		"Environment: FLOODGATE_ENABLED=0|1 sets the kill-switch at "
		"start; FLOODGATE_PIN_DIR as --pin-dir.\n",
		FG_PIN_DIR_DEFAULT);
}

static int parse_args(int argc, char **argv, struct fg_daemon_opts *o)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"interface", required_argument, NULL, 'i'},
	    {"xdp-mode", required_argument, NULL, 'm'},
	    {"pin-dir", required_argument, NULL, 'p'},
	    {"check", no_argument, NULL, 'k'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *env_pin = getenv("FLOODGATE_PIN_DIR");
	int c;

	memset(o, 0, sizeof(*o));
	o->pin_dir = env_pin && *env_pin ? env_pin : FG_PIN_DIR_DEFAULT;
	while ((c = getopt_long(argc, argv, "c:i:vVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config_path = optarg;
			break;
		case 'i':
			if (o->nifaces >= FG_MAX_IFACES) {
				fprintf(stderr,
					"floodgated: at most %d "
					"interfaces\n",
					FG_MAX_IFACES);
				return 2;
			}
			o->ifaces[o->nifaces++] = optarg;
			break;
		case 'm':
			if (fg_xdp_mode_parse(optarg, &o->xdp_mode)) {
				fprintf(stderr,
					"floodgated: --xdp-mode: \"%s\": "
					"expected " FG_XDP_MODES_ALLOWED "\n",
					optarg);
				return 2;
			}
			o->xdp_mode_set = true;
			break;
		case 'p':
			o->pin_dir = optarg;
			break;
		case 'k':
			o->check_only = true;
			break;
		case 'v':
			fg_log_set_level(FG_LOG_DEBUG);
			break;
		case 'V':
			printf("floodgated %s\n", FG_VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "floodgated: unexpected argument \"%s\"\n",
			argv[optind]);
		usage(stderr);
		return 2;
	}
	return 0;
}

static int env_enabled(int *out)
{
	const char *v = getenv("FLOODGATE_ENABLED");

	if (!v || !*v)
		return 0;
	if (strcmp(v, "0") && strcmp(v, "1")) {
		fprintf(stderr,
			"floodgated: FLOODGATE_ENABLED=\"%s\": "
			"expected 0 or 1\n",
			v);
		return -EINVAL;
	}
	*out = v[0] == '1';
	return 1;
}

static void install_signals(void)
{
	struct sigaction sa = {.sa_handler = on_signal};

	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int main(int argc, char **argv)
{
	struct fg_daemon_opts opts;
	struct pollfd pfd[2] = {{.events = POLLIN}, {.events = POLLIN}};
	struct fg_daemon *d;
	int rc, enabled;

	rc = parse_args(argc, argv, &opts);
	if (rc)
		return rc;
	rc = env_enabled(&enabled);
	if (rc < 0)
		return 2;
	opts.env_enabled = rc ? enabled : -1;

	if (opts.check_only)
		return fg_daemon_check(&opts) ? 1 : 0;

	/* The CLI and a second daemon know a live floodgated by its comm:
	 * make it "floodgated" however the binary was started (renamed,
	 * under valgrind). */
	prctl(PR_SET_NAME, "floodgated");
	fg_journal_log_auto();
	fg_log_libbpf();
	install_signals();
	d = fg_daemon_start(&opts);
	if (!d)
		return 1;
	while (!got_stop) {
		if (got_reload) {
			got_reload = 0;
			fg_daemon_reload(d);
		}
		fg_daemon_tick(d);
		/* Signals interrupt the wait: reloads are not delayed. */
		pfd[0].fd = fg_daemon_poll_fd(d);
		pfd[1].fd = fg_daemon_watch_fd(d);
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, fg_daemon_wait_ms(d, TICK_MS)) > 0 &&
		    (pfd[0].revents & POLLIN))
			fg_daemon_on_input(d);
		/* Also when only the debounce is over. */
		fg_daemon_on_watch(d);
	}
	fg_daemon_stop(d);
	return 0;
}
