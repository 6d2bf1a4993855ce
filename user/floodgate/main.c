// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* floodgate: the operator's CLI (DESIGN.md §5). */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"

static const struct cmd commands[] = {
    {"status", cmd_status, "status [--json]"},
    {"enable", cmd_enable, "enable"},
    {"disable", cmd_disable, "disable"},
    {"mode", cmd_mode, "mode enforce|dry-run"},
    {"allow", cmd_allow, "allow add|del CIDR | allow list"},
    {"deny", cmd_deny, "deny add|del CIDR | deny list"},
    {"top", cmd_top, "top [-n N] [--by drops|packets] [--watch]"},
    {"blocked", cmd_blocked, "blocked [--json]"},
    {"unblock", cmd_unblock, "unblock ADDR [--rule NAME]"},
    {"reload", cmd_reload, "reload"},
    {"detach", cmd_detach, "detach"},
    {"version", cmd_version, "version"},
    {NULL, NULL, NULL},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: floodgate [--json] [--pin-dir DIR] COMMAND\n"
		   "commands:\n");
	for (const struct cmd *c = commands; c->name; c++)
		fprintf(f, "  floodgate %s\n", c->usage);
	fprintf(f,
		"Exit codes: 0 ok, 1 failed, 2 usage. FLOODGATE_PIN_DIR "
		"sets the pin directory (default " FG_PIN_DIR_DEFAULT ").\n");
}

void cli_json_print(json_object *o)
{
	printf("%s\n", json_object_to_json_string_ext(
			   o, JSON_C_TO_STRING_PRETTY |
				  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static int vreport(struct cli *c, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (c->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "error", json_object_new_string(msg));
		cli_json_print(o);
	} else {
		fprintf(stderr, "Error: %s\n", msg);
	}
	return 0;
}

int cli_err(struct cli *c, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(c, fmt, ap);
	va_end(ap);
	return code;
}

int cli_usage(struct cli *c, const char *use, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(c, fmt, ap);
	va_end(ap);
	fprintf(stderr, "usage: floodgate %s\n", use);
	c->usage_shown = true;
	return EXIT_USAGE;
}

int cli_open(struct cli *c)
{
	int err;

	if (c->maps_open)
		return 0;
	err = fg_maps_open_pinned(c->pin_dir, &c->maps);
	if (err == -ENOENT)
		return cli_err(c, 1,
			       "floodgated is not running: no pinned maps in "
			       "%s (start it: floodgated -i IFACE)",
			       c->pin_dir);
	if (err == -ENOTSUP)
		return cli_err(c, 1,
			       "%s is not on a bpf filesystem: is bpffs "
			       "mounted? (mount -t bpf bpf /sys/fs/bpf)",
			       c->pin_dir);
	if (err == -EPERM || err == -EACCES)
		return cli_err(c, 1,
			       "no permission to open the pins in %s: run as "
			       "root (CAP_BPF)",
			       c->pin_dir);
	if (err)
		return cli_err(c, 1, "opening the pins in %s: %s", c->pin_dir,
			       strerror(-err));
	c->maps_open = true;
	return 0;
}

int cli_daemon_pid(struct cli *c)
{
	return fg_daemon_pid(&c->maps);
}

int cli_dispatch(struct cli *c, const struct cmd *cmds, const char *group,
		 int argc, char **argv)
{
	const struct cmd *match = NULL;
	size_t n;

	if (argc < 1)
		return cli_err(c, EXIT_USAGE, "%s: missing command", group);
	n = strlen(argv[0]);
	for (const struct cmd *k = cmds; k->name; k++) {
		if (!strcmp(k->name, argv[0]))
			return k->func(c, argc, argv);
		if (!strncmp(k->name, argv[0], n)) {
			if (match)
				return cli_err(c, EXIT_USAGE,
					       "%s: \"%s\" is ambiguous", group,
					       argv[0]);
			match = k;
		}
	}
	if (!match)
		return cli_err(c, EXIT_USAGE, "%s: unknown command \"%s\"",
			       group, argv[0]);
	return match->func(c, argc, argv);
}

/* Takes the global options out of argv, wherever they stand. */
static int global_opts(struct cli *c, int *argc, char **argv)
{
	int out = 1;

	for (int i = 1; i < *argc; i++) {
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j")) {
			c->json = true;
		} else if (!strcmp(argv[i], "--pin-dir")) {
			if (i + 1 >= *argc)
				return -1;
			c->pin_dir = argv[++i];
		} else if (!strncmp(argv[i], "--pin-dir=", 10)) {
			c->pin_dir = argv[i] + 10;
		} else {
			argv[out++] = argv[i];
		}
	}
	*argc = out;
	argv[out] = NULL;
	return 0;
}

int main(int argc, char **argv)
{
	const char *env = getenv("FLOODGATE_PIN_DIR");
	struct cli c = {.pin_dir = env && *env ? env : FG_PIN_DIR_DEFAULT};
	int rc;

	fg_maps_init(&c.maps);
	if (global_opts(&c, &argc, argv))
		rc = cli_err(&c, EXIT_USAGE, "--pin-dir needs a directory");
	else if (argc < 2)
		rc = cli_err(&c, EXIT_USAGE, "missing command");
	else if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
		 !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	} else
		rc =
		    cli_dispatch(&c, commands, "floodgate", argc - 1, argv + 1);
	if (rc == EXIT_USAGE && !c.usage_shown && !c.json)
		usage(stderr);
	if (c.maps_open)
		fg_maps_close(&c.maps);
	return rc;
}
