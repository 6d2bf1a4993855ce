/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * xdp_mode: multiprog (DESIGN.md §10): floodgate joins libxdp's
 * multi-program dispatcher at FG_MULTIPROG_PRIORITY, beside other
 * programs attached through libxdp. Where the dispatcher cannot load
 * (on kernels that refuse its freplace compatibility check, EPERM),
 * floodgate attaches alone through its pinned link, as in the other
 * modes, and says so in one log line and in `floodgate status`.
 */
#ifndef FG_MULTIPROG_H
#define FG_MULTIPROG_H

#include <stddef.h>

#include "fg_abi.h"
#include "loader.h"

/* libxdp runs lower numbers first; its default is 50. floodgate goes
 * before the programs it protects (the object's XDP_RUN_CONFIG says the
 * same). */
#define FG_MULTIPROG_PRIORITY 10

/*
 * Attaches l's program to ifname through libxdp's dispatcher, or alone
 * when the dispatcher is not available. Returns 0 and sets *state
 * (FG_MULTIPROG_DISPATCHER or _FALLBACK) and *used ("native",
 * "generic" or "dispatcher"), or -errno with err set when floodgate
 * could not attach at all.
 */
int fg_multiprog_attach(const struct fg_loader *l, const char *ifname,
			enum fg_multiprog_state *state, const char **used,
			char *err, size_t errlen);

/* Takes floodgate's program out of ifname's dispatcher, if it is in
 * one. 0, or -ENOENT when it is not. */
int fg_multiprog_detach(const char *ifname);

#endif /* FG_MULTIPROG_H */
