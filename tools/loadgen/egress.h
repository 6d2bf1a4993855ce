/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Which interface a destination is routed out of, and whether a load
 * generator may send there. The documentation address ranges alone are
 * not a fence: a host's own uplink can sit in one of them (this build
 * machine's eth0 is 192.0.2.2/24 with its gateway at 192.0.2.1).
 */
#ifndef FG_LOADGEN_EGRESS_H
#define FG_LOADGEN_EGRESS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Asks the kernel (rtnetlink) for the route to dst (4 or 16 bytes,
 * network order) and checks the output interface: a veth, the loopback,
 * or a VLAN/macvlan/ipvlan stacked on one of those. Returns 0 when
 * allowed, 1 when refused, -errno when the question could not be asked
 * (no route: -ENETUNREACH and the like). `why` gets a sentence either way
 * for refusals and errors.
 */
int lg_egress_check(int family, const uint8_t *dst, char *why, size_t len);

#endif /* FG_LOADGEN_EGRESS_H */
