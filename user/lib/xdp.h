/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Attaching and detaching the XDP program. Attachments are bpf_links
 * pinned as <pin_dir>/link_<ifname>: they outlive the daemon (fail-static),
 * a restarted daemon swaps its new program into them without a gap, and
 * no other tool can replace them by accident. A program counts as
 * floodgate's when the pin directory says so (its link for the interface,
 * or its pinned program), never by name: that works without CAP_SYS_ADMIN
 * and never takes another instance's program for ours.
 */
#ifndef FG_XDP_H
#define FG_XDP_H

#include <linux/types.h>
#include <net/if.h>
#include <stddef.h>

#include "config.h"

#define FG_LINK_PIN_PREFIX "link_"

/*
 * Attaches prog_fd to ifname. `auto` tries native, then generic. A
 * floodgate link already on the interface (pinned) gets the new program
 * in place; any other XDP program is left alone (-EBUSY). On success
 * *used is "native" or "generic"; on failure err says why.
 */
int fg_xdp_attach(const char *pin_dir, const char *ifname, int prog_fd,
		  enum fg_xdp_mode mode, const char **used, char *err,
		  size_t errlen);

/* Detaches the program of pin_dir from ifname (its pinned link, or an
 * attachment of the pinned program made without one). Returns 0, or -ENOENT when none
 * does. */
int fg_xdp_detach(const char *pin_dir, const char *ifname);

/* The mode ("native", "generic") the program of pin_dir runs in on
 * ifname, or NULL. */
const char *fg_xdp_attached_mode(const char *pin_dir, const char *ifname);

/* The interfaces that have a link pinned in pin_dir (attached now, or
 * attached until their interface went away): up to cap names into
 * names; returns how many there are (may exceed cap), or -errno. */
int fg_xdp_pinned_ifaces(const char *pin_dir, char (*names)[IF_NAMESIZE],
			 int cap);

#endif /* FG_XDP_H */
