// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* floodgate allow|deny add|del|list: the one LPM table of CIDRs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "pinlock.h"
#include "units.h"

struct list_ctx {
	__u32 action;
	json_object *arr;
	int n;
};

static const char *list_name(__u32 action)
{
	return action == FG_LIST_ALLOW ? "allow" : "deny";
}

static int print_entry(const struct fg_cidr *cidr, __u32 value, void *arg)
{
	struct list_ctx *x = arg;
	const char *origin = value & FG_LIST_FROM_CLI ? "cli" : "config";
	char buf[64];

	if ((value & FG_LIST_ACTION_MASK) != x->action)
		return 0;
	fg_format_cidr(cidr, buf, sizeof(buf));
	if (x->arr) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "cidr", json_object_new_string(buf));
		json_object_object_add(o, "origin",
				       json_object_new_string(origin));
		json_object_array_add(x->arr, o);
	} else {
		printf("%-44s %s\n", buf, origin);
	}
	x->n++;
	return 0;
}

static int list_entries(struct cli *c, __u32 action)
{
	struct list_ctx x = {.action = action};
	int rc;

	if (c->json)
		x.arr = json_object_new_array();
	rc = fg_list_walk(&c->maps, print_entry, &x);
	if (rc) {
		json_object_put(x.arr);
		return cli_err(c, 1, "reading the lists: %s", strerror(-rc));
	}
	if (c->json)
		cli_json_print(x.arr);
	return 0;
}

/* The current value of exactly this prefix, or 0. */
static __u32 current_value(struct cli *c, const struct fg_cidr *cidr)
{
	__u32 v = 0;

	return fg_list_get(&c->maps, cidr, &v) ? 0 : v;
}

/* Adds or removes one entry; the caller holds the lists' lock. */
static int change_locked(struct cli *c, __u32 action, bool add,
			 const struct fg_cidr *cidr, const char *buf)
{
	__u32 cur = current_value(c, cidr);
	int rc;

	if (add) {
		rc = fg_list_put(&c->maps, cidr, action, true);
		if (rc == -E2BIG || rc == -ENOSPC)
			return cli_err(c, 1,
				       "the list table is full (%d "
				       "entries); remove some first",
				       FG_MAX_LIST_ENTRIES);
		if (rc)
			return cli_err(c, 1, "adding %s: %s", buf,
				       strerror(-rc));
		if (cur && (cur & FG_LIST_ACTION_MASK) != action && !c->json)
			printf("note: %s was on the %s list; now on the %s "
			       "list\n",
			       buf, list_name(cur & FG_LIST_ACTION_MASK),
			       list_name(action));
		return 0;
	}
	if (!cur || (cur & FG_LIST_ACTION_MASK) != action)
		return cli_err(c, 1, "%s is not on the %s list", buf,
			       list_name(action));
	rc = fg_list_del(&c->maps, cidr);
	if (rc)
		return cli_err(c, 1, "removing %s: %s", buf, strerror(-rc));
	if (!(cur & FG_LIST_FROM_CLI) && !c->json)
		printf("note: %s comes from the config: the next "
		       "reload restores it\n",
		       buf);
	return 0;
}

static int change(struct cli *c, __u32 action, bool add,
		  const struct fg_cidr *cidr)
{
	char buf[64];
	int rc, lock;

	rc = cli_open(c);
	if (rc)
		return rc;
	fg_format_cidr(cidr, buf, sizeof(buf));
	lock = fg_pin_lock(c->pin_dir, FG_PIN_LOCK_WAIT_MS);
	if (lock < 0)
		return cli_err(c, 1,
			       "the lists are busy: another floodgate or "
			       "floodgated held the lock on %s for %d s (%s)",
			       c->pin_dir, FG_PIN_LOCK_WAIT_MS / 1000,
			       strerror(-lock));
	rc = change_locked(c, action, add, cidr, buf);
	fg_pin_unlock(lock);
	if (rc)
		return rc;
	if (c->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(
		    o, "list", json_object_new_string(list_name(action)));
		json_object_object_add(o, add ? "added" : "removed",
				       json_object_new_string(buf));
		cli_json_print(o);
	} else {
		printf("%s %s the %s list\n", buf,
		       add ? "added to" : "removed from", list_name(action));
	}
	return 0;
}

static int list_cmd(struct cli *c, const struct fg_cmdline *a, __u32 action)
{
	int rc;

	if (a->list_op == FG_LIST_OP_LIST) {
		rc = cli_open(c);
		return rc ? rc : list_entries(c, action);
	}
	return change(c, action, a->list_op == FG_LIST_OP_ADD, &a->cidr);
}

int cmd_allow(struct cli *c, const struct fg_cmdline *a)
{
	return list_cmd(c, a, FG_LIST_ALLOW);
}

int cmd_deny(struct cli *c, const struct fg_cmdline *a)
{
	return list_cmd(c, a, FG_LIST_DENY);
}
