/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The floodgate CLI's shared context. Commands work on the pinned maps,
 * so they work while the daemon is down. Exit codes: 0 ok, 1 failed,
 * 2 usage. Under --json every command prints one JSON document, errors
 * included ({"error": "..."}).
 */
#ifndef FG_CLI_H
#define FG_CLI_H

#include <json-c/json.h>
#include <stdbool.h>

#include "mapio.h"

#define EXIT_USAGE 2

struct cli {
	bool json;
	const char *pin_dir;
	struct fg_maps maps;
	bool maps_open;
	bool usage_shown; /* a command printed its own usage line */
};

struct cmd {
	const char *name;
	int (*func)(struct cli *c, int argc, char **argv);
	const char *usage;
};

/* Finds argv[0] in cmds (an unambiguous prefix matches) and runs it. */
int cli_dispatch(struct cli *c, const struct cmd *cmds, const char *group,
		 int argc, char **argv);

/* Prints "Error: ..." (or {"error": ...}) and returns `code`. */
int cli_err(struct cli *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A usage error: the message, the usage line, exit code 2. */
int cli_usage(struct cli *c, const char *usage, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Opens the pins, or explains what to do. Returns 0 or exit code 1. */
int cli_open(struct cli *c);
/* Prints and frees a JSON document. */
void cli_json_print(json_object *o);
/* The pid of a running floodgated, or 0. */
int cli_daemon_pid(struct cli *c);

int cmd_status(struct cli *c, int argc, char **argv);
int cmd_enable(struct cli *c, int argc, char **argv);
int cmd_disable(struct cli *c, int argc, char **argv);
int cmd_mode(struct cli *c, int argc, char **argv);
int cmd_allow(struct cli *c, int argc, char **argv);
int cmd_deny(struct cli *c, int argc, char **argv);
int cmd_top(struct cli *c, int argc, char **argv);
int cmd_blocked(struct cli *c, int argc, char **argv);
int cmd_unblock(struct cli *c, int argc, char **argv);
int cmd_reload(struct cli *c, int argc, char **argv);
int cmd_detach(struct cli *c, int argc, char **argv);
int cmd_version(struct cli *c, int argc, char **argv);

#endif /* FG_CLI_H */
