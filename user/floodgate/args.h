/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The floodgate CLI's command line: argv into one parsed command, or a
 * usage error. Pure: no I/O, no allocation, no globals written, so the
 * CLI and its fuzzer (tests/fuzz/fuzz_cli.c) run the same code.
 */
#ifndef FG_ARGS_H
#define FG_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "top.h"
#include "units.h"

#define EXIT_USAGE 2
#define FG_TOP_MAX 10000
#define FG_ARGS_MSG_MAX 256
#define FG_TOP_INTERVAL_DEFAULT_NS 2000000000ULL
#define FG_TOP_INTERVAL_MIN_NS 100000000ULL	    /* 100ms */
#define FG_TOP_INTERVAL_MAX_NS 3600000000000ULL	    /* 1h */
#define FG_ADVISE_SINCE_DEFAULT_NS 3600000000000ULL /* 1h */
#define FG_ADVISE_SINCE_MAX_NS (7 * 86400000000000ULL)

enum fg_verb {
	FG_VERB_HELP, /* help, --help, -h */
	FG_VERB_STATUS,
	FG_VERB_ENABLE,
	FG_VERB_DISABLE,
	FG_VERB_MODE,
	FG_VERB_ALLOW,
	FG_VERB_DENY,
	FG_VERB_TOP,
	FG_VERB_BLOCKED,
	FG_VERB_UNBLOCK,
	FG_VERB_RELOAD,
	FG_VERB_DETACH,
	FG_VERB_VERSION,
	FG_VERB_NEXT,
	FG_VERB_ADVISE,
	FG_VERB_EXPLAIN,
	FG_VERB_COUNT,
};

enum fg_list_op { FG_LIST_OP_LIST, FG_LIST_OP_ADD, FG_LIST_OP_DEL };
enum fg_next_op { FG_NEXT_OP_SHOW, FG_NEXT_OP_SET, FG_NEXT_OP_CLEAR };

struct fg_verb_info {
	const char *name;
	const char *usage; /* after "floodgate " */
	/* Can lower protection (let traffic through unlimited, or remove
	 * the datapath): matched only by its full name, never a prefix. */
	bool full_name_only;
};

/* The verbs, indexed by enum fg_verb (help has no entry: name NULL). */
extern const struct fg_verb_info fg_verbs[FG_VERB_COUNT];

struct fg_cmdline {
	bool json;	     /* --json, -j */
	const char *pin_dir; /* --pin-dir; NULL when not given */
	enum fg_verb verb;
	bool dry_run;		 /* mode */
	__u64 for_ns;		 /* disable, mode dry-run --for; 0: for good */
	enum fg_list_op list_op; /* allow, deny */
	struct fg_cidr cidr;	 /* allow/deny add|del, unblock */
	const char *cidr_text;	 /* ... as typed */
	const char *rule;   /* unblock, advise --rule NAME; NULL: every rule */
	const char *config; /* unblock --config FILE: the fleet's too */
	unsigned int top_n; /* top */
	bool top_n_set;	    /* -n given (--watch fills the screen) */
	enum fg_top_by top_by;
	bool top_watch;
	__u64 top_interval_ns;	 /* top --watch --interval */
	enum fg_next_op next_op; /* next */
	const char *next_pin;	 /* next set: the program's pin path */
	__u64 since_ns;		 /* advise --since */
	__u64 min_observed_ns;	 /* advise --min-observed */
	__u64 min_sources;	 /* advise --min-sources */
	/* explain ADDR (in cidr) [--port P] [--proto tcp|udp|icmp]
	 * [--dst ADDR] */
	unsigned int explain_pclass; /* enum fg_proto_class */
	__u16 explain_port;
	bool explain_has_dst;
	struct fg_cidr explain_dst;
};

struct fg_args_error {
	char msg[FG_ARGS_MSG_MAX];
	/* The failing command's usage line, or NULL: the whole usage. */
	const char *usage;
};

/* Fills *out and returns 0, or returns EXIT_USAGE with *err set. Global
 * options (--json, --pin-dir) may stand anywhere. argv is not changed;
 * out's strings point into it. */
int fg_args_parse(int argc, char *const argv[], struct fg_cmdline *out,
		  struct fg_args_error *err);

#endif /* FG_ARGS_H */
