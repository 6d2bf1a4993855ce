/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The chain slot (DESIGN.md §10): the pinned program array `next` whose
 * one program gets every packet floodgate passes, and fg_ctl.chain_active,
 * which the datapath reads before it pays for a tail call. Functions
 * return 0 or -errno.
 */
#ifndef FG_CHAINSLOT_H
#define FG_CHAINSLOT_H

#include <stddef.h>

#include "mapio.h"

#define FG_CHAIN_NAME_LEN 16 /* BPF_OBJ_NAME_LEN */

struct fg_chain_state {
	bool active;			   /* fg_ctl.chain_active */
	__u32 prog_id;			   /* 0: the slot is empty */
	char prog_name[FG_CHAIN_NAME_LEN]; /* "" when unknown */
	struct fg_counter handed;	   /* packets and bytes handed on */
};

/*
 * Opens the program pinned at path for the slot. Refuses, with a
 * message in err that says what to do, anything that is not an XDP
 * program: a map, a link, another program type.
 */
int fg_chain_open_prog(const char *path, int *prog_fd, char *err,
		       size_t errlen);

/* Puts prog_fd in the slot, then turns the hand-off on. Refuses
 * (-ELOOP) a program that uses any of m's maps: floodgate's own program,
 * or one sharing its state, which would run floodgate's path again. The
 * kernel refuses a program the slot cannot hold (-EINVAL: another type,
 * frags, device-bound). err says what is wrong. */
int fg_chain_set(struct fg_maps *m, int prog_fd, char *err, size_t errlen);
/* Turns the hand-off off, then empties the slot. 0 also when empty. */
int fg_chain_clear(struct fg_maps *m);

/* What is in the slot, whether it is on, and what it was handed. */
int fg_chain_read(struct fg_maps *m, struct fg_chain_state *st);

/* A slot that lost its program (never filled, or emptied by hand) with
 * the hand-off still on would cost a failed tail call per pass: turn it
 * off. Returns 1 when it did, 0 when nothing needed doing. */
int fg_chain_reconcile(struct fg_maps *m);

#endif /* FG_CHAINSLOT_H */
