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

typedef int (*cmd_fn)(struct cli *c, const struct fg_cmdline *a);

static const cmd_fn commands[FG_VERB_COUNT] = {
    [FG_VERB_STATUS] = cmd_status,   [FG_VERB_ENABLE] = cmd_enable,
    [FG_VERB_DISABLE] = cmd_disable, [FG_VERB_MODE] = cmd_mode,
    [FG_VERB_ALLOW] = cmd_allow,     [FG_VERB_DENY] = cmd_deny,
    [FG_VERB_TOP] = cmd_top,	     [FG_VERB_BLOCKED] = cmd_blocked,
    [FG_VERB_UNBLOCK] = cmd_unblock, [FG_VERB_RELOAD] = cmd_reload,
    [FG_VERB_DETACH] = cmd_detach,   [FG_VERB_VERSION] = cmd_version,
    [FG_VERB_NEXT] = cmd_next,	     [FG_VERB_ADVISE] = cmd_advise,
    [FG_VERB_EXPLAIN] = cmd_explain,
};

static void usage(FILE *f)
{
	fprintf(f, "usage: floodgate [--json] [--pin-dir DIR] COMMAND\n"
		   "commands:\n");
	for (int v = 0; v < FG_VERB_COUNT; v++)
		if (fg_verbs[v].name)
			fprintf(f, "  floodgate %s\n", fg_verbs[v].usage);
	fprintf(f, "Exit codes: 0 ok, 1 failed, 2 usage. FLOODGATE_PIN_DIR "
		   "sets the pin directory (default " FG_PIN_DIR_DEFAULT ").\n"
		   "Commands may be shortened to a unique prefix, except those "
		   "that can lower\nprotection:");
	for (int v = 0; v < FG_VERB_COUNT; v++)
		if (fg_verbs[v].full_name_only)
			fprintf(f, " %s", fg_verbs[v].name);
	fprintf(f, ".\n");
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

int main(int argc, char **argv)
{
	const char *env = getenv("FLOODGATE_PIN_DIR");
	struct fg_args_error err;
	struct fg_cmdline a;
	struct cli c = {0};
	int rc;

	rc = fg_args_parse(argc, argv, &a, &err);
	c.json = a.json;
	c.pin_dir = a.pin_dir	  ? a.pin_dir
		    : env && *env ? env
				  : FG_PIN_DIR_DEFAULT;
	if (rc) {
		cli_err(&c, rc, "%s", err.msg);
		if (err.usage)
			fprintf(stderr, "usage: floodgate %s\n", err.usage);
		else if (!c.json)
			usage(stderr);
		return rc;
	}
	if (a.verb == FG_VERB_HELP) {
		usage(stdout);
		return 0;
	}
	fg_maps_init(&c.maps);
	rc = commands[a.verb](&c, &a);
	if (c.maps_open)
		fg_maps_close(&c.maps);
	return rc;
}
