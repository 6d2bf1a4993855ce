// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "egress.h"

#include <errno.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NL_BUF 16384
#define MAX_STACK 3 /* vlan on macvlan on veth is as deep as we go */

struct nl_req {
	struct nlmsghdr nh;
	union {
		struct rtmsg rt;
		struct ifinfomsg ifi;
	};
	/* cppcheck-suppress unusedStructMember ; room for attributes */
	uint8_t attrs[64];
};

static void add_attr(struct nl_req *r, uint16_t type, const void *data,
		     size_t len)
{
	struct rtattr *a =
	    (struct rtattr *)((uint8_t *)r + NLMSG_ALIGN(r->nh.nlmsg_len));

	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

/* Sends req, receives the one answer into buf. Returns its length or
 * -errno (an NLMSG_ERROR answer gives its error). */
static int nl_ask(struct nl_req *req, uint16_t want, uint8_t *buf)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	struct nlmsghdr *nh;
	int fd, n, err = -EPROTO;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	req->nh.nlmsg_flags = NLM_F_REQUEST;
	req->nh.nlmsg_seq = 1;
	if (sendto(fd, req, req->nh.nlmsg_len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0) {
		err = -errno;
		goto out;
	}
	n = (int)recv(fd, buf, NL_BUF, 0);
	if (n < 0) {
		err = -errno;
		goto out;
	}
	for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (unsigned int)n);
	     nh = NLMSG_NEXT(nh, n)) {
		if (nh->nlmsg_type == NLMSG_ERROR) {
			struct nlmsgerr *e = NLMSG_DATA(nh);

			err = e->error ? e->error : -EPROTO;
			goto out;
		}
		if (nh->nlmsg_type == want) {
			/* Move it to the start: callers parse from there. */
			memmove(buf, nh, nh->nlmsg_len);
			err = (int)nh->nlmsg_len;
			goto out;
		}
	}
out:
	close(fd);
	return err;
}

static int route_oif(int family, const uint8_t *dst, int *oif)
{
	static uint8_t buf[NL_BUF];
	struct nl_req req;
	struct rtattr *a;
	struct rtmsg *rt;
	int n, alen = family == AF_INET ? 4 : 16;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
	req.nh.nlmsg_type = RTM_GETROUTE;
	req.rt.rtm_family = (unsigned char)family;
	req.rt.rtm_dst_len = (unsigned char)(alen * 8);
	add_attr(&req, RTA_DST, dst, (size_t)alen);
	n = nl_ask(&req, RTM_NEWROUTE, buf);
	if (n < 0)
		return n;
	rt = NLMSG_DATA((struct nlmsghdr *)buf);
	n = (int)RTM_PAYLOAD((struct nlmsghdr *)buf);
	for (a = RTM_RTA(rt); RTA_OK(a, n); a = RTA_NEXT(a, n)) {
		if (a->rta_type == RTA_OIF) {
			memcpy(oif, RTA_DATA(a), sizeof(*oif));
			return 0;
		}
	}
	return -ENETUNREACH;
}

struct link_info {
	char name[IFNAMSIZ];
	char kind[32];
	unsigned int flags;
	int lower;	      /* IFLA_LINK, 0 if none */
	bool lower_elsewhere; /* IFLA_LINK_NETNSID: lower in another netns */
};

static int link_get(int ifindex, struct link_info *li)
{
	static uint8_t buf[NL_BUF];
	struct nl_req req;
	struct ifinfomsg *ifi;
	struct rtattr *a, *b;
	int n, m;

	memset(li, 0, sizeof(*li));
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	req.nh.nlmsg_type = RTM_GETLINK;
	req.ifi.ifi_family = AF_UNSPEC;
	req.ifi.ifi_index = ifindex;
	n = nl_ask(&req, RTM_NEWLINK, buf);
	if (n < 0)
		return n;
	ifi = NLMSG_DATA((struct nlmsghdr *)buf);
	li->flags = ifi->ifi_flags;
	n = (int)IFLA_PAYLOAD((struct nlmsghdr *)buf);
	for (a = IFLA_RTA(ifi); RTA_OK(a, n); a = RTA_NEXT(a, n)) {
		switch (a->rta_type) {
		case IFLA_IFNAME:
			snprintf(li->name, sizeof(li->name), "%.*s",
				 (int)RTA_PAYLOAD(a), (char *)RTA_DATA(a));
			break;
		case IFLA_LINK:
			memcpy(&li->lower, RTA_DATA(a), sizeof(li->lower));
			break;
		case IFLA_LINK_NETNSID:
			li->lower_elsewhere = true;
			break;
		case IFLA_LINKINFO:
			m = (int)RTA_PAYLOAD(a);
			for (b = RTA_DATA(a); RTA_OK(b, m); b = RTA_NEXT(b, m))
				if (b->rta_type == IFLA_INFO_KIND)
					snprintf(li->kind, sizeof(li->kind),
						 "%.*s", (int)RTA_PAYLOAD(b),
						 (char *)RTA_DATA(b));
			break;
		default:
			break;
		}
	}
	return 0;
}

int lg_egress_check(int family, const uint8_t *dst, char *why, size_t len)
{
	struct link_info li;
	int ifindex, err, depth;

	err = route_oif(family, dst, &ifindex);
	if (err) {
		snprintf(why, len, "no route to the destination: %s",
			 strerror(-err));
		return err;
	}
	for (depth = 0; depth < MAX_STACK; depth++) {
		err = link_get(ifindex, &li);
		if (err) {
			snprintf(why, len, "cannot read link %d: %s", ifindex,
				 strerror(-err));
			return err;
		}
		if ((li.flags & IFF_LOOPBACK) || !strcmp(li.kind, "veth"))
			return 0;
		if (strcmp(li.kind, "vlan") != 0 &&
		    strcmp(li.kind, "macvlan") != 0 &&
		    strcmp(li.kind, "ipvlan") != 0)
			break;
		if (!li.lower || li.lower_elsewhere)
			break;
		ifindex = li.lower;
	}
	snprintf(why, len,
		 "the route to the destination leaves through %s (%s), not a "
		 "veth: fg-loadgen sends only inside test namespaces joined "
		 "by veth pairs",
		 li.name, li.kind[0] ? li.kind : "no link kind");
	return 1;
}
