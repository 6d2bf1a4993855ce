/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Attaching and detaching the XDP program on interfaces. */
#ifndef FG_XDP_H
#define FG_XDP_H

#include <linux/types.h>
#include <stddef.h>

#include "config.h"

#define FG_PROG_NAME "floodgate_xdp"

/*
 * Attaches prog_fd to ifname. `auto` tries native, then generic. An
 * older floodgate program on the interface is replaced in place; any
 * other XDP program is left alone (-EBUSY). On success *used is
 * "native" or "generic"; on failure err says why.
 */
int fg_xdp_attach(const char *ifname, int prog_fd, enum fg_xdp_mode mode,
		  const char **used, char *err, size_t errlen);

/* Detaches whatever floodgate program runs on ifindex. Returns 0, or
 * -ENOENT when none does. */
int fg_xdp_detach(int ifindex);

/* The mode ("native", "generic") a floodgate program runs in on
 * ifname, or NULL. */
const char *fg_xdp_attached_mode(const char *ifname);

#endif /* FG_XDP_H */
