/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The one list of verdict reasons and actions. It generates the BPF enum,
 * the CLI strings and the Prometheus label values, so they cannot drift.
 * Append only: the numeric values index the pinned counter map, and a
 * daemon adopting pins from an older build must read them the same way.
 */
#ifndef FG_REASONS_H
#define FG_REASONS_H

/* Which actions a reason can come with, for exporting only real series. */
#define FG_ON_PASS 1
#define FG_ON_DROP 2
#define FG_ON_RESET 4 /* an over-limit TCP SYN answered with a RST */

/* X(enum suffix, label, actions) */
/* clang-format off */
#define FG_REASON_LIST(X)                                                      \
	X(UNDER_LIMIT, "under_limit", FG_ON_PASS)                              \
	X(ALLOW_LIST, "allow_list", FG_ON_PASS)                                \
	X(DENY_LIST, "deny_list", FG_ON_DROP)                                  \
	X(BLOCKED, "blocked", FG_ON_DROP)                                      \
	X(RATE_PACKETS, "rate_packets", FG_ON_DROP | FG_ON_RESET)              \
	X(RATE_BYTES, "rate_bytes", FG_ON_DROP | FG_ON_RESET)                  \
	X(RATE_CONNECTIONS, "rate_connections", FG_ON_DROP | FG_ON_RESET)      \
	X(RATE_AGGREGATE, "rate_aggregate", FG_ON_DROP | FG_ON_RESET)          \
	X(DRY_RUN, "dry_run", FG_ON_PASS)                                      \
	X(DISABLED, "disabled", FG_ON_PASS)                                    \
	X(NOT_IP, "not_ip", FG_ON_PASS)                                        \
	X(MALFORMED, "malformed", FG_ON_PASS | FG_ON_DROP)                     \
	X(LOOKUP_FAILED, "lookup_failed", FG_ON_PASS)                          \
	X(RATE_NEW_SOURCES, "rate_new_sources", FG_ON_DROP)                    \
	X(FLEET_LIMIT, "fleet_limit", FG_ON_DROP)
/* clang-format on */

/* FG_ACTION(enum suffix, label) */
/* clang-format off */
#define FG_ACTION_LIST(X)                                                      \
	X(PASS, "pass")                                                        \
	X(DROP, "drop")                                                        \
	X(RESET, "reset")
/* clang-format on */

#define FG_ENUM_REASON(name, label, actions) FG_REASON_##name,
enum fg_reason { FG_REASON_LIST(FG_ENUM_REASON) FG_REASON_COUNT };
#undef FG_ENUM_REASON

#define FG_ENUM_ACTION(name, label) FG_ACTION_##name,
enum fg_action { FG_ACTION_LIST(FG_ENUM_ACTION) FG_ACTION_COUNT };
#undef FG_ENUM_ACTION

#endif /* FG_REASONS_H */
