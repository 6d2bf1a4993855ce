/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Follows links with libnl-route-3 (RTNLGRP_LINK): reports interfaces
 * that appear (or come back) and disappear, so the daemon can attach to
 * a configured interface whenever it exists.
 */
#ifndef FG_LINKS_H
#define FG_LINKS_H

enum fg_link_event { FG_LINK_NEW, FG_LINK_DEL };

typedef void (*fg_link_cb)(enum fg_link_event ev, const char *ifname,
			   int ifindex, void *arg);

struct fg_links;

/* NULL on error (logged). */
struct fg_links *fg_links_open(fg_link_cb cb, void *arg);
/* The socket to poll for input. */
int fg_links_fd(const struct fg_links *l);
/* Reads what is pending and calls cb for each link message; after an
 * overrun (events lost), calls cb(FG_LINK_NEW) for every link there is. */
void fg_links_process(struct fg_links *l);
void fg_links_close(struct fg_links *l);

#endif /* FG_LINKS_H */
