/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The one list of verdict reasons and actions. It generates the BPF enum,
 * the CLI strings and the Prometheus label values, so they cannot drift.
 * Append only: the numeric values index the pinned counter map, and a
 * daemon adopting pins from an older build must read them the same way.
 */
#ifndef FG_REASONS_H
#define FG_REASONS_H

/* FG_REASON(enum suffix, label) */
#define FG_REASON_LIST(X)                       \
	X(UNDER_LIMIT, "under_limit")           \
	X(ALLOW_LIST, "allow_list")             \
	X(DENY_LIST, "deny_list")               \
	X(BLOCKED, "blocked")                   \
	X(RATE_PACKETS, "rate_packets")         \
	X(RATE_BYTES, "rate_bytes")             \
	X(RATE_CONNECTIONS, "rate_connections") \
	X(RATE_AGGREGATE, "rate_aggregate")     \
	X(DRY_RUN, "dry_run")                   \
	X(DISABLED, "disabled")                 \
	X(NOT_IP, "not_ip")                     \
	X(MALFORMED, "malformed")               \
	X(LOOKUP_FAILED, "lookup_failed")

/* FG_ACTION(enum suffix, label) */
#define FG_ACTION_LIST(X) \
	X(PASS, "pass")   \
	X(DROP, "drop")

#define FG_ENUM_REASON(name, label) FG_REASON_##name,
enum fg_reason { FG_REASON_LIST(FG_ENUM_REASON) FG_REASON_COUNT };
#undef FG_ENUM_REASON

#define FG_ENUM_ACTION(name, label) FG_ACTION_##name,
enum fg_action { FG_ACTION_LIST(FG_ENUM_ACTION) FG_ACTION_COUNT };
#undef FG_ENUM_ACTION

#endif /* FG_REASONS_H */
