/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The operator's config (DESIGN.md §3): YAML through libfyaml into one
 * validated struct. Nothing here touches BPF; ruleset.c turns a validated
 * config into the ABI structs.
 */
#ifndef FG_CONFIG_H
#define FG_CONFIG_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#include "fg_abi.h"
#include "redisurl.h"
#include "units.h"

#define FG_CONFIG_PATH_DEFAULT "/etc/floodgate/floodgate.yaml"
#define FG_MAX_IFACES 32
#define FG_MAX_PORT_RANGES 32
#define FG_MAX_RULE_DESTS 16
#define FG_RULE_NAME_MAX 48
#define FG_LISTEN_MAX 128
#define FG_ERR_MAX 512
/* Inline lists (YAML) hold at most this many entries together; more
 * go in list files (lists.allow_files, deny_files). */
#define FG_MAX_INLINE_LIST_ENTRIES 131072
#define FG_MAX_LIST_FILES 16
#define FG_LIST_FILE_PATH_MAX 256

/* One list's files, and which of the list's entries each gave: the
 * inline entries first, then each file's in order. */
struct fg_list_files {
	unsigned int n;
	char path[FG_MAX_LIST_FILES][FG_LIST_FILE_PATH_MAX];
	size_t first[FG_MAX_LIST_FILES], count[FG_MAX_LIST_FILES];
};

/*
 * The range of a rate and its burst, so that what ruleset.c compiles
 * means what the config says. The datapath charges each packet its cost
 * in whole nanoseconds, rounded down: at least FG_COUNT_NS_MIN ns a
 * packet, connection or new source keeps the rate and the burst within
 * 1 % (at most 10 000 000/s), and at least FG_BYTE_NS_MIN ns a byte keeps
 * a byte limit within one byte a frame (at most 1 GB/s = 8 Gbit/s). A
 * burst lasts at most FG_BURST_NS_MAX at its rate (146 years), so its
 * tolerance fits 64 bits with room for the clock.
 */
#define FG_COUNT_NS_MIN 100
#define FG_BYTE_NS_MIN 1
#define FG_BURST_NS_MAX (1ULL << 62)

/* xdp_mode values and their names, for the config, --xdp-mode and the
 * logs. multiprog: through libxdp's dispatcher, or alone when it cannot
 * load (README, "Sharing the XDP hook"). */
/* clang-format off */
#define FG_XDP_MODE_LIST(X)                                                    \
	X(FG_XDP_AUTO, "auto")                                                 \
	X(FG_XDP_NATIVE, "native")                                             \
	X(FG_XDP_GENERIC, "generic")                                           \
	X(FG_XDP_MULTIPROG, "multiprog")
/* clang-format on */
#define FG_XDP_MODES_ALLOWED "auto, native, generic or multiprog"
#define FG_XDP_MODE_ENUM(e, name) e,
enum fg_xdp_mode { FG_XDP_MODE_LIST(FG_XDP_MODE_ENUM) FG_XDP_MODE_COUNT };
#undef FG_XDP_MODE_ENUM
/* Indexed by enum fg_xdp_mode, NULL after the last. */
extern const char *const fg_xdp_mode_names[FG_XDP_MODE_COUNT + 1];
/* 0, or -EINVAL for a name not in the list. */
int fg_xdp_mode_parse(const char *name, enum fg_xdp_mode *out);

/* The enforcement modes, global (`mode`) and per rule (DESIGN.md §9). */
/* clang-format off */
#define FG_MODE_LIST(X)                                                        \
	X(FG_MODE_ENFORCE, "enforce")                                          \
	X(FG_MODE_DRY_RUN, "dry-run")
/* clang-format on */
#define FG_MODES_ALLOWED "enforce or dry-run"
#define FG_MODE_ENUM(e, name) e,
enum fg_mode { FG_MODE_LIST(FG_MODE_ENUM) FG_MODE_COUNT };
#undef FG_MODE_ENUM
/* Indexed by enum fg_mode, NULL after the last. */
extern const char *const fg_mode_names[FG_MODE_COUNT + 1];
/* The name of a dry-run flag's mode. */
const char *fg_mode_name(bool dry_run);

/* A rule's protocol values and their names, for the config and the
 * printers; any (0) is the default. */
/* clang-format off */
#define FG_PROTOCOL_LIST(X)                                                    \
	X(FG_PROTO_ANY, "any")                                                 \
	X(FG_PROTO_TCP, "tcp")                                                 \
	X(FG_PROTO_UDP, "udp")                                                 \
	X(FG_PROTO_ICMP, "icmp")
/* clang-format on */
#define FG_PROTOCOLS_ALLOWED "tcp, udp, icmp or any"
#define FG_PROTOCOL_ENUM(e, name) e,
enum fg_protocol { FG_PROTOCOL_LIST(FG_PROTOCOL_ENUM) };
#undef FG_PROTOCOL_ENUM
/* Counted outside enum fg_protocol, so that a switch over the protocols
 * still warns about one it misses (ruleset.c). A sum: no parentheses. */
#define FG_PROTOCOL_ONE(e, name) +1 /* NOLINT(bugprone-macro-parentheses) */
enum { FG_PROTOCOL_COUNT = 0 FG_PROTOCOL_LIST(FG_PROTOCOL_ONE) };
#undef FG_PROTOCOL_ONE
/* Indexed by enum fg_protocol, NULL after the last. */
extern const char *const fg_protocol_names[FG_PROTOCOL_COUNT + 1];

/* One dimension: rate plus burst (units the dimension counts). A zero
 * rate amount is unlimited and its burst is ignored. */
struct fg_dim_limit {
	struct fg_rate rate;
	__u64 burst;
};

struct fg_aggregate_spec {
	bool enabled;
	__u8 ipv4_prefix; /* 0..32 */
	__u8 ipv6_prefix; /* 0..128 */
	struct fg_dim_limit dim[FG_DIM_COUNT];
};

struct fg_rule_spec {
	char name[FG_RULE_NAME_MAX];
	enum fg_protocol protocol;
	unsigned int nports; /* 0 = any port */
	struct fg_port_range ports[FG_MAX_PORT_RANGES];
	struct fg_dim_limit dim[FG_DIM_COUNT];
	__u64 block_ns; /* the (first) box; 0 = none */
	enum fg_block_scope
	    block_scope; /* what a boxed source is dropped for */
	/* Escalating block ({first, repeat_factor, max, window}); a plain
	 * duration leaves factor 1 (0 reads as 1: no escalation), max 0
	 * (read as block_ns) and window 0. */
	unsigned int block_factor;
	__u64 block_max_ns, block_window_ns;
	enum fg_rule_action action;
	struct fg_aggregate_spec aggregate;
	/* Fleet-wide per-source limit (DESIGN.md §8); any rate set = on. */
	bool has_fleet;
	struct fg_dim_limit fleet[FG_DIM_COUNT];
	/* DESIGN.md §9: the classes the rule matches (bit = class id; 0 =
	 * any source), the destinations it matches (none = any), and
	 * shadow mode (`mode: dry-run`). */
	__u32 sources;
	unsigned int ndests;
	struct fg_cidr dests[FG_MAX_RULE_DESTS];
	bool dry_run;
};

/* A source class (DESIGN.md §9): its id is its place in the config
 * plus one; its CIDRs are in fg_settings.class_entries. */
#define FG_CLASS_NAME_MAX FG_CLASS_NAME_LEN
#define FG_SCALE_ONE 1000 /* limits_scale in thousandths */
struct fg_class_spec {
	char name[FG_CLASS_NAME_MAX];
	__u32 limits_scale; /* thousandths; FG_SCALE_ONE = as the defaults */
};
struct fg_class_entry {
	struct fg_cidr cidr;
	unsigned int class_id;
};

#define FG_FLEET_NAME_MAX 64
#define FG_FLEET_SYNC_NS_DEFAULT 250000000ULL
#define FG_FLEET_SYNC_NS_MIN 10000000ULL    /* 10ms */
#define FG_FLEET_SYNC_NS_MAX 60000000000ULL /* 60s */

/* The fleet section. redis "" = no fleet (the default). */
struct fg_fleet_spec {
	char redis[FG_REDIS_URL_MAX];
	struct fg_redis_addr addr; /* redis, parsed */
	char password_file[256];   /* "" = no AUTH */
	char name[FG_FLEET_NAME_MAX];
	char host[FG_FLEET_NAME_MAX]; /* "" = the host name */
	__u64 sync_ns;
};

/* The metrics.web_config file, in the exporter-toolkit's web.config.file
 * format: TLS and basic auth for /metrics. */
#define FG_WEB_USERS_MAX 32
#define FG_WEB_USER_MAX 64
#define FG_BCRYPT_LEN 60 /* "$2y$10$" + 22 salt + 31 hash characters */
#define FG_BCRYPT_COST_MAX 12
struct fg_web_user {
	char name[FG_WEB_USER_MAX];
	char hash[FG_BCRYPT_LEN + 1];
};
struct fg_web_config {
	char path[256];
	char *cert_pem, *key_pem; /* NULL: no TLS */
	size_t cert_len, key_len;
	unsigned int nusers; /* 0: no basic auth */
	struct fg_web_user users[FG_WEB_USERS_MAX];
};

struct fg_settings {
	unsigned int nifaces;
	char ifaces[FG_MAX_IFACES][IF_NAMESIZE];
	enum fg_xdp_mode xdp_mode;
	bool enabled;
	bool dry_run;
	bool malformed_drop;
	bool detach_on_exit;
	char metrics_listen[FG_LISTEN_MAX]; /* "" = metrics off */
	char metrics_web_config[256];	    /* "" = plain HTTP, no auth */
	/* metrics_web_config as loaded by fg_web_config_load_file (the
	 * caller's job), freed by fg_config_free. */
	struct fg_web_config *web;
	unsigned int top_sources;
	__u32 max_sources;
	/* table.new_sources: sources admitted per period, for all new ones
	 * together. per_ns 0: not configured (max_sources/16 per second);
	 * amount 0: no admission limit. burst 0: one second's worth. */
	struct fg_dim_limit admit;
	__u8 ipv4_prefix;
	__u8 ipv6_prefix;
	/* log.source_prefix: addresses in log lines are cut to these (PII);
	 * 32 and 128 (whole addresses) by default. */
	__u8 log_ipv4_prefix;
	__u8 log_ipv6_prefix;
	struct fg_dim_limit defaults[FG_DIM_COUNT];
	unsigned int nrules;
	struct fg_rule_spec rules[FG_MAX_RULES];
	/* Heap arrays: the inline entries, then the files' (together at
	 * most FG_MAX_LIST_ENTRIES). */
	size_t nallow, ndeny;
	struct fg_cidr *allow;
	struct fg_cidr *deny;
	unsigned int nclasses;
	struct fg_class_spec classes[FG_MAX_CLASSES];
	size_t nclass_entries; /* heap array */
	struct fg_class_entry *class_entries;
	struct fg_list_files allow_files, deny_files;
	struct fg_list_files class_files; /* every class's `files`, in order */
	struct fg_fleet_spec fleet;
};

/* table.new_sources as it applies: the configured limit, or by default
 * max_sources/16 per second (a source that sends at least every 16 s
 * keeps its entry under any flood); burst by default a second's worth.
 * A zero rate amount: no admission limit. */
struct fg_dim_limit fg_admit_limit(const struct fg_settings *s);
/* A default limit times a class's limits_scale (thousandths), rate and
 * burst alike (the burst rounded up, at least 1): exact, in 128 bits.
 * -ERANGE when the result does not fit fg_dim_limit's 64 bits; the
 * config refuses that, and a rate too fast or a burst too long, at the
 * class's limits_scale. */
int fg_scale_limit(const struct fg_dim_limit *in, __u32 scale,
		   struct fg_dim_limit *out);

/* The built-in default config (DESIGN.md §3 without rules, no
 * interfaces: the daemon's -i names them). */
void fg_config_defaults(struct fg_settings *s);

/*
 * Parses and validates. On error returns -EINVAL (or -errno for I/O) and
 * writes one line to err: "FILE:LINE:COL: KEY: what is wrong, what is
 * allowed", e.g. "fg.yaml:12:14: rules[1].ports: "80-70": range start
 * above end". `name` is what messages call the text.
 */
int fg_config_load_file(const char *path, struct fg_settings *out, char *err,
			size_t errlen);
int fg_config_load_string(const char *text, size_t len, const char *name,
			  struct fg_settings *out, char *err, size_t errlen);
void fg_config_free(struct fg_settings *s);

/*
 * Reads a web config file (tls_server_config: cert_file, key_file;
 * basic_auth_users: NAME: BCRYPT_HASH) and the certificate and key it
 * names. Errors as fg_config_load_file's, "FILE:LINE:COL: KEY: ...".
 * *out is malloc'd; free it with fg_web_config_free.
 */
int fg_web_config_load_file(const char *path, struct fg_web_config **out,
			    char *err, size_t errlen);
int fg_web_config_load_string(const char *text, size_t len, const char *name,
			      struct fg_web_config **out, char *err,
			      size_t errlen);
void fg_web_config_free(struct fg_web_config *w);
struct fg_web_config *fg_web_config_dup(const struct fg_web_config *w);
/* Same TLS material and users (NULL: none of either). */
bool fg_web_config_equal(const struct fg_web_config *a,
			 const struct fg_web_config *b);

const char *fg_xdp_mode_name(enum fg_xdp_mode m);
const char *fg_protocol_name(enum fg_protocol p);

#endif /* FG_CONFIG_H */
