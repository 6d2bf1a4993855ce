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

#include "args.h"
#include "mapio.h"

struct cli {
	bool json;
	const char *pin_dir;
	struct fg_maps maps;
	bool maps_open;
};

/* Prints "Error: ..." (or {"error": ...}) and returns `code`. */
int cli_err(struct cli *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Opens the pins, or explains what to do. Returns 0 or exit code 1. */
int cli_open(struct cli *c);
/* Prints and frees a JSON document. */
void cli_json_print(json_object *o);
/* The pid of a running floodgated, or 0. */
int cli_daemon_pid(struct cli *c);

int cmd_status(struct cli *c, const struct fg_cmdline *a);
int cmd_enable(struct cli *c, const struct fg_cmdline *a);
int cmd_disable(struct cli *c, const struct fg_cmdline *a);
int cmd_mode(struct cli *c, const struct fg_cmdline *a);
int cmd_allow(struct cli *c, const struct fg_cmdline *a);
int cmd_deny(struct cli *c, const struct fg_cmdline *a);
int cmd_top(struct cli *c, const struct fg_cmdline *a);
int cmd_blocked(struct cli *c, const struct fg_cmdline *a);
int cmd_unblock(struct cli *c, const struct fg_cmdline *a);
int cmd_reload(struct cli *c, const struct fg_cmdline *a);
int cmd_detach(struct cli *c, const struct fg_cmdline *a);
int cmd_version(struct cli *c, const struct fg_cmdline *a);
int cmd_next(struct cli *c, const struct fg_cmdline *a);
int cmd_advise(struct cli *c, const struct fg_cmdline *a);
int cmd_explain(struct cli *c, const struct fg_cmdline *a);

#endif /* FG_CLI_H */
