// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* floodgate next: the chain slot, the program that gets what floodgate
 * passes (DESIGN.md §10). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "chainslot.h"
#include "cli.h"
#include "pinlock.h"

static int show(struct cli *c)
{
	struct fg_chain_state st;
	int rc = fg_chain_read(&c->maps, &st);

	if (rc)
		return cli_err(c, 1, "reading the chain slot: %s",
			       strerror(-rc));
	if (c->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "active",
				       json_object_new_boolean(st.active));
		json_object_object_add(
		    o, "prog_id",
		    st.prog_id ? json_object_new_int64(st.prog_id) : NULL);
		json_object_object_add(
		    o, "prog_name",
		    st.prog_name[0] ? json_object_new_string(st.prog_name)
				    : NULL);
		json_object_object_add(
		    o, "handed_packets",
		    json_object_new_uint64(st.handed.packets));
		cli_json_print(o);
	} else if (!st.prog_id) {
		printf("chain slot empty: passed packets go to the stack "
		       "(floodgate next set PROG_PIN)\n");
	} else {
		printf("chain slot: prog id %u%s%s%s, hand-off %s; %llu "
		       "packets handed on\n",
		       st.prog_id, st.prog_name[0] ? " (" : "", st.prog_name,
		       st.prog_name[0] ? ")" : "", st.active ? "on" : "off",
		       (unsigned long long)st.handed.packets);
	}
	return 0;
}

static int set(struct cli *c, const char *pin)
{
	char err[512];
	int fd = -1, rc;

	rc = fg_chain_open_prog(pin, &fd, err, sizeof(err));
	if (!rc)
		rc = fg_chain_set(&c->maps, fd, err, sizeof(err));
	/* The slot holds its own reference to the program. */
	if (fd >= 0)
		close(fd);
	if (rc)
		return cli_err(c, 1, "%s", err);
	return show(c);
}

int cmd_next(struct cli *c, const struct fg_cmdline *a)
{
	int rc, lock;

	rc = cli_open(c);
	if (rc)
		return rc;
	if (a->next_op == FG_NEXT_OP_SHOW)
		return show(c);
	/* One writer at a time: a set and a clear racing could leave the
	 * hand-off off with a program in the slot. */
	lock = fg_pin_lock(c->pin_dir, FG_PIN_LOCK_WAIT_MS);
	if (lock < 0)
		return cli_err(c, 1, "locking %s: %s", c->pin_dir,
			       strerror(-lock));
	if (a->next_op == FG_NEXT_OP_SET) {
		rc = set(c, a->next_pin);
	} else {
		rc = fg_chain_clear(&c->maps);
		rc = rc ? cli_err(c, 1, "emptying the chain slot: %s",
				  strerror(-rc))
			: show(c);
	}
	fg_pin_unlock(lock);
	return rc;
}
