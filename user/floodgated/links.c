// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "links.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/socket.h>
#include <stdlib.h>

#include "log.h"

struct fg_links {
	struct nl_sock *sk;
	fg_link_cb cb;
	void *arg;
	enum fg_link_event ev; /* of the message being parsed */
};

static void on_object(struct nl_object *obj, void *arg)
{
	struct fg_links *l = arg;
	struct rtnl_link *link = (struct rtnl_link *)obj;
	const char *name = rtnl_link_get_name(link);

	if (name)
		l->cb(l->ev, name, rtnl_link_get_ifindex(link), l->arg);
}

static int on_msg(struct nl_msg *msg, void *arg)
{
	struct fg_links *l = arg;
	int type = nlmsg_hdr(msg)->nlmsg_type;

	if (type != RTM_NEWLINK && type != RTM_DELLINK)
		return NL_OK;
	l->ev = type == RTM_NEWLINK ? FG_LINK_NEW : FG_LINK_DEL;
	nl_msg_parse(msg, on_object, l);
	return NL_OK;
}

struct fg_links *fg_links_open(fg_link_cb cb, void *arg)
{
	struct fg_links *l = calloc(1, sizeof(*l));
	int err;

	if (!l)
		return NULL;
	l->cb = cb;
	l->arg = arg;
	l->sk = nl_socket_alloc();
	if (!l->sk)
		goto fail;
	/* Events arrive unsolicited: no sequence numbers to match. */
	nl_socket_disable_seq_check(l->sk);
	nl_socket_modify_cb(l->sk, NL_CB_VALID, NL_CB_CUSTOM, on_msg, l);
	err = nl_connect(l->sk, NETLINK_ROUTE);
	if (!err)
		err = nl_socket_add_memberships(l->sk, RTNLGRP_LINK, 0);
	if (!err)
		err = nl_socket_set_nonblocking(l->sk);
	if (err) {
		log_error("netlink link events unavailable", "error=%s",
			  fg_q(nl_geterror(err)));
		goto fail;
	}
	return l;
fail:
	fg_links_close(l);
	return NULL;
}

int fg_links_fd(const struct fg_links *l)
{
	return nl_socket_get_fd(l->sk);
}

/* Reports every link that exists now as FG_LINK_NEW, from a dump on a
 * socket of its own (the event socket takes no requests). */
static void rescan(struct fg_links *l)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_cache *cache = NULL;
	int err = sk ? nl_connect(sk, NETLINK_ROUTE) : -NLE_NOMEM;

	if (!err)
		err = rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache);
	if (err) {
		log_error("netlink link rescan failed", "error=%s",
			  fg_q(nl_geterror(err)));
	} else {
		l->ev = FG_LINK_NEW;
		nl_cache_foreach(cache, on_object, l);
		nl_cache_free(cache);
	}
	if (sk)
		nl_socket_free(sk);
}

void fg_links_process(struct fg_links *l)
{
	/* Non-blocking: returns once the socket is drained. */
	int err = nl_recvmsgs_default(l->sk);

	/* ENOBUFS (libnl: NLE_NOMEM): the socket overran and events were
	 * dropped, an interface may have come unseen: look at them all. */
	if (err == -NLE_NOMEM) {
		log_warn("netlink link events lost; rescanning links",
			 "error=%s", fg_q(nl_geterror(err)));
		rescan(l);
	} else if (err < 0 && err != -NLE_AGAIN) {
		log_warn("netlink receive failed", "error=%s",
			 fg_q(nl_geterror(err)));
	}
}

void fg_links_close(struct fg_links *l)
{
	if (!l)
		return;
	if (l->sk)
		nl_socket_free(l->sk);
	free(l);
}
