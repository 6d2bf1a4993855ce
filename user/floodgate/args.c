// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The CLI's command line: global options, the verb, its arguments. */
#include "args.h"

#include "advise.h"
#include "config.h"
#include "fg_abi.h"
#include "timedswitch.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define TOP_USAGE \
	"top [-n N] [--by drops|packets] [--watch [--interval DURATION]]"
#define DISABLE_USAGE "disable [--for DURATION]"
#define MODE_USAGE \
	"mode enforce|dry-run [--rule NAME] | mode dry-run --for DURATION"
#define NEXT_USAGE "next [set PROG_PIN | clear]"
#define ADVISE_USAGE                                                         \
	"advise [--rule NAME] [--since DURATION] [--min-observed DURATION] " \
	"[--min-sources N] [--json]"
#define EXPLAIN_USAGE \
	"explain ADDR [--port P] [--proto tcp|udp|icmp] [--dst ADDR] [--json]"

const struct fg_verb_info fg_verbs[FG_VERB_COUNT] = {
    [FG_VERB_STATUS] = {"status", "status [--json]", false},
    [FG_VERB_ENABLE] = {"enable", "enable", false},
    [FG_VERB_DISABLE] = {"disable", DISABLE_USAGE, true},
    [FG_VERB_MODE] = {"mode", MODE_USAGE, true},
    [FG_VERB_ALLOW] = {"allow", "allow add|del CIDR | allow list", true},
    [FG_VERB_DENY] = {"deny", "deny add|del CIDR | deny list", true},
    [FG_VERB_TOP] = {"top", TOP_USAGE, false},
    [FG_VERB_BLOCKED] = {"blocked", "blocked [--json]", false},
    [FG_VERB_UNBLOCK] = {"unblock",
			 "unblock ADDR [--rule NAME] [--config FILE]", true},
    [FG_VERB_RELOAD] = {"reload", "reload", false},
    [FG_VERB_DETACH] = {"detach", "detach", true},
    [FG_VERB_VERSION] = {"version", "version", false},
    [FG_VERB_NEXT] = {"next", NEXT_USAGE, false},
    [FG_VERB_ADVISE] = {"advise", ADVISE_USAGE, false},
    [FG_VERB_EXPLAIN] = {"explain", EXPLAIN_USAGE, false},
};

/* The arguments that are not global options, wherever those stand. */
struct words {
	int argc;
	char *const *argv;
};

static bool is_flag(const char *a, bool *takes_value)
{
	*takes_value = !strcmp(a, "--pin-dir");
	return *takes_value || !strcmp(a, "--json") || !strcmp(a, "-j") ||
	       !strncmp(a, "--pin-dir=", 10);
}

/* The k-th word, or NULL. */
static const char *word(const struct words *w, int k)
{
	bool takes_value;

	for (int i = 1; i < w->argc; i++) {
		if (is_flag(w->argv[i], &takes_value)) {
			i += takes_value;
			continue;
		}
		if (k-- == 0)
			return w->argv[i];
	}
	return NULL;
}

static int usage_error(struct fg_args_error *err, const char *usage,
		       const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int usage_error(struct fg_args_error *err, const char *usage,
		       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	err->usage = usage;
	return EXIT_USAGE;
}

static int global_opts(const struct words *w, struct fg_cmdline *out,
		       struct fg_args_error *err)
{
	for (int i = 1; i < w->argc; i++) {
		const char *a = w->argv[i];

		if (!strcmp(a, "--json") || !strcmp(a, "-j")) {
			out->json = true;
		} else if (!strcmp(a, "--pin-dir")) {
			if (i + 1 >= w->argc)
				return usage_error(
				    err, NULL, "--pin-dir needs a directory");
			out->pin_dir = w->argv[++i];
		} else if (!strncmp(a, "--pin-dir=", 10)) {
			out->pin_dir = a + 10;
		}
	}
	return 0;
}

/* Exact name, or the one verb it begins (not a full-name-only one). */
static int find_verb(const char *name, enum fg_verb *verb,
		     struct fg_args_error *err)
{
	size_t n = strlen(name);
	int match = -1;

	if (!strcmp(name, "help") || !strcmp(name, "--help") ||
	    !strcmp(name, "-h")) {
		*verb = FG_VERB_HELP;
		return 0;
	}
	for (int v = 0; v < FG_VERB_COUNT; v++) {
		const char *full = fg_verbs[v].name;

		if (!full)
			continue;
		if (!strcmp(full, name)) {
			*verb = (enum fg_verb)v;
			return 0;
		}
		if (n && !strncmp(full, name, n)) {
			if (match >= 0)
				return usage_error(err, NULL,
						   "floodgate: \"%s\" is "
						   "ambiguous",
						   name);
			match = v;
		}
	}
	if (match < 0)
		return usage_error(err, NULL,
				   "floodgate: unknown command \"%s\"", name);
	if (fg_verbs[match].full_name_only)
		return usage_error(err, NULL,
				   "floodgate: \"%s\": did you mean \"%s\"? It "
				   "can lower protection, so type it in full",
				   name, fg_verbs[match].name);
	*verb = (enum fg_verb)match;
	return 0;
}

static int no_more(const struct words *w, int from, enum fg_verb verb,
		   struct fg_args_error *err)
{
	const char *extra = word(w, from);

	if (!extra)
		return 0;
	return usage_error(err, fg_verbs[verb].usage, "%s: unexpected \"%s\"",
			   fg_verbs[verb].name, extra);
}

/* --for DURATION at words k, k+1 of a command that lowers protection
 * for a while; nothing may follow. */
static int parse_for(const struct words *w, int k, const char *use,
		     const char *name, struct fg_cmdline *out,
		     struct fg_args_error *err)
{
	const char *val = word(w, k + 1), *why = NULL;

	if (!val)
		return usage_error(err, use,
				   "%s --for: expected a duration "
				   "(30s, 15m, 1h)",
				   name);
	if (fg_parse_duration(val, &out->for_ns, &why))
		return usage_error(err, use, "%s --for: \"%s\": %s", name, val,
				   why);
	if (out->for_ns < 1000000000ULL || out->for_ns > FG_SWITCH_FOR_MAX_NS)
		return usage_error(err, use,
				   "%s --for: \"%s\": from 1s to 24h (for "
				   "longer, leave out --for)",
				   name, val);
	return no_more(w, k + 2, out->verb, err);
}

static int parse_disable(const struct words *w, struct fg_cmdline *out,
			 struct fg_args_error *err)
{
	const char *a = word(w, 1);

	if (a && !strcmp(a, "--for"))
		return parse_for(w, 1, DISABLE_USAGE, "disable", out, err);
	return no_more(w, 1, out->verb, err);
}

/* enable and mode enforce take no --for: a timer only ever returns to
 * protection, it never lowers it by itself. */
static int refuse_for(const struct words *w, int k, const char *use,
		      const char *name, struct fg_args_error *err)
{
	const char *a = word(w, k);

	if (a && !strcmp(a, "--for"))
		return usage_error(err, use,
				   "%s: no --for: only what lowers protection "
				   "(disable, mode dry-run) can be timed, and "
				   "its end restores protection",
				   name);
	return 0;
}

/* mode enforce|dry-run --rule NAME: one rule's shadow mode. Not timed:
 * it stays until changed, across reloads. */
static int parse_mode_rule(const struct words *w, struct fg_cmdline *out,
			   struct fg_args_error *err)
{
	const char *name = word(w, 3);

	if (!name || name[0] == '-')
		return usage_error(err, MODE_USAGE,
				   "mode --rule: expected a rule name");
	out->rule = name;
	if (word(w, 4) && !strcmp(word(w, 4), "--for"))
		return usage_error(err, MODE_USAGE,
				   "mode --rule: a rule's mode is not timed; "
				   "set it back with mode enforce --rule %s",
				   name);
	return no_more(w, 4, out->verb, err);
}

static int parse_mode(const struct words *w, struct fg_cmdline *out,
		      struct fg_args_error *err)
{
	const char *m = word(w, 1);

	if (!m)
		return usage_error(err, MODE_USAGE,
				   "mode: expected enforce or dry-run");
	if (!strcmp(m, "enforce")) {
		out->dry_run = false;
		if (refuse_for(w, 2, MODE_USAGE, "mode enforce", err))
			return EXIT_USAGE;
		if (word(w, 2) && !strcmp(word(w, 2), "--rule"))
			return parse_mode_rule(w, out, err);
	} else if (!strcmp(m, "dry-run")) {
		out->dry_run = true;
		if (word(w, 2) && !strcmp(word(w, 2), "--rule"))
			return parse_mode_rule(w, out, err);
		if (word(w, 2) && !strcmp(word(w, 2), "--for"))
			return parse_for(w, 2, MODE_USAGE, "mode dry-run", out,
					 err);
	} else {
		return usage_error(err, MODE_USAGE,
				   "mode: \"%s\": expected enforce or dry-run",
				   m);
	}
	if (word(w, 2))
		return usage_error(err, MODE_USAGE, "mode: unexpected \"%s\"",
				   word(w, 2));
	return 0;
}

static int parse_list(const struct words *w, struct fg_cmdline *out,
		      struct fg_args_error *err)
{
	const char *name = fg_verbs[out->verb].name;
	const char *use = fg_verbs[out->verb].usage;
	const char *op = word(w, 1), *why = NULL;

	if (!op)
		return usage_error(err, use, "%s: missing add, del or list",
				   name);
	if (!strcmp(op, "list")) {
		out->list_op = FG_LIST_OP_LIST;
		if (word(w, 2))
			return usage_error(err, use,
					   "%s list: unexpected \"%s\"", name,
					   word(w, 2));
		return 0;
	}
	if (!strcmp(op, "add"))
		out->list_op = FG_LIST_OP_ADD;
	else if (!strcmp(op, "del"))
		out->list_op = FG_LIST_OP_DEL;
	else
		return usage_error(err, use, "%s: unknown \"%s\"", name, op);
	out->cidr_text = word(w, 2);
	if (!out->cidr_text || word(w, 3))
		return usage_error(err, use, "%s %s: expected one CIDR", name,
				   op);
	if (fg_parse_cidr(out->cidr_text, &out->cidr, &why))
		return usage_error(err, use, "%s: \"%s\": %s", name,
				   out->cidr_text, why);
	return 0;
}

/* ADDR, --rule NAME and --config FILE, in any order. */
static int parse_unblock(const struct words *w, struct fg_cmdline *out,
			 struct fg_args_error *err)
{
	const char *use = fg_verbs[FG_VERB_UNBLOCK].usage;
	const char *a, *why = NULL;

	for (int k = 1; (a = word(w, k)); k++) {
		if (!strcmp(a, "--rule")) {
			const char *name = word(w, ++k);

			if (!name || !*name)
				return usage_error(err, use,
						   "unblock --rule: expected a "
						   "rule name");
			if (out->rule)
				return usage_error(err, use,
						   "unblock: --rule given "
						   "twice");
			out->rule = name;
		} else if (!strcmp(a, "--config")) {
			const char *file = word(w, ++k);

			if (!file || !*file)
				return usage_error(err, use,
						   "unblock --config: expected "
						   "a file");
			if (out->config)
				return usage_error(err, use,
						   "unblock: --config given "
						   "twice");
			out->config = file;
		} else if (!out->cidr_text) {
			out->cidr_text = a;
		} else {
			return usage_error(err, use,
					   "unblock: unexpected \"%s\"", a);
		}
	}
	if (!out->cidr_text)
		return usage_error(err, use, "unblock: expected one address");
	if (fg_parse_cidr(out->cidr_text, &out->cidr, &why))
		return usage_error(err, use, "unblock: \"%s\": %s",
				   out->cidr_text, why);
	return 0;
}

static int parse_top(const struct words *w, struct fg_cmdline *out,
		     struct fg_args_error *err)
{
	const char *a, *why = NULL;
	bool interval_given = false;
	__u64 n;

	out->top_n = 10;
	out->top_by = FG_TOP_BY_DROPS;
	out->top_interval_ns = FG_TOP_INTERVAL_DEFAULT_NS;
	for (int k = 1; (a = word(w, k)); k++) {
		const char *val = word(w, k + 1);

		if (!strcmp(a, "-n") && val) {
			k++;
			if (fg_parse_uint(val, 1, FG_TOP_MAX, &n, &why))
				return usage_error(err, TOP_USAGE,
						   "top -n: \"%s\": %s", val,
						   why);
			out->top_n = (unsigned int)n;
			out->top_n_set = true;
		} else if (!strcmp(a, "--by") && val) {
			k++;
			if (!strcmp(val, "drops"))
				out->top_by = FG_TOP_BY_DROPS;
			else if (!strcmp(val, "packets"))
				out->top_by = FG_TOP_BY_PACKETS;
			else
				return usage_error(err, TOP_USAGE,
						   "top --by: \"%s\": expected "
						   "drops or packets",
						   val);
		} else if (!strcmp(a, "--watch")) {
			out->top_watch = true;
		} else if (!strcmp(a, "--interval") && val) {
			k++;
			if (fg_parse_duration(val, &out->top_interval_ns, &why))
				return usage_error(err, TOP_USAGE,
						   "top --interval: \"%s\": %s",
						   val, why);
			if (out->top_interval_ns < FG_TOP_INTERVAL_MIN_NS ||
			    out->top_interval_ns > FG_TOP_INTERVAL_MAX_NS)
				return usage_error(err, TOP_USAGE,
						   "top --interval: \"%s\": "
						   "from 100ms to 1h",
						   val);
			interval_given = true;
		} else {
			return usage_error(err, TOP_USAGE,
					   "top: unexpected \"%s\"", a);
		}
	}
	if (interval_given && !out->top_watch)
		return usage_error(err, TOP_USAGE,
				   "top: --interval goes with --watch");
	return 0;
}

/* next | next set PROG_PIN | next clear */
static int parse_next(const struct words *w, struct fg_cmdline *out,
		      struct fg_args_error *err)
{
	const char *op = word(w, 1);

	if (!op) {
		out->next_op = FG_NEXT_OP_SHOW;
		return 0;
	}
	if (!strcmp(op, "set")) {
		out->next_op = FG_NEXT_OP_SET;
		out->next_pin = word(w, 2);
		if (!out->next_pin || !*out->next_pin)
			return usage_error(err, NEXT_USAGE,
					   "next set: expected the path of a "
					   "pinned XDP program");
		return no_more(w, 3, FG_VERB_NEXT, err);
	}
	if (!strcmp(op, "clear")) {
		out->next_op = FG_NEXT_OP_CLEAR;
		return no_more(w, 2, FG_VERB_NEXT, err);
	}
	return usage_error(err, NEXT_USAGE,
			   "next: \"%s\": expected set PROG_PIN or clear", op);
}

/* --min-observed DURATION and --min-sources N: the floors under which
 * advise refuses to suggest (advise.h says why these defaults). */
static int parse_advise_floor(const char *a, const char *val,
			      struct fg_cmdline *out, struct fg_args_error *err)
{
	const char *why = NULL;

	if (!val)
		return usage_error(
		    err, ADVISE_USAGE, "advise %s: expected %s", a,
		    strcmp(a, "--min-sources") ? "a duration (10m, 1h)"
					       : "a number of sources");
	if (!strcmp(a, "--min-sources")) {
		if (fg_parse_uint(val, 1, 100000000, &out->min_sources, &why))
			return usage_error(err, ADVISE_USAGE,
					   "advise --min-sources: \"%s\": %s",
					   val, why);
		return 0;
	}
	if (fg_parse_duration(val, &out->min_observed_ns, &why))
		return usage_error(err, ADVISE_USAGE,
				   "advise --min-observed: \"%s\": %s", val,
				   why);
	if (out->min_observed_ns < 1000000000ULL ||
	    out->min_observed_ns > FG_ADVISE_SINCE_MAX_NS)
		return usage_error(err, ADVISE_USAGE,
				   "advise --min-observed: \"%s\": from 1s to "
				   "168h",
				   val);
	return 0;
}

/* --rule NAME, --since DURATION and the floors, in any order. */
static int parse_advise(const struct words *w, struct fg_cmdline *out,
			struct fg_args_error *err)
{
	const char *a, *why = NULL;
	bool since_given = false;

	out->since_ns = FG_ADVISE_SINCE_DEFAULT_NS;
	out->min_observed_ns = FG_ADVISE_MIN_OBSERVED_S * 1000000000ULL;
	out->min_sources = FG_ADVISE_MIN_SOURCES;
	for (int k = 1; (a = word(w, k)); k++) {
		const char *val = word(w, k + 1);

		if (!strcmp(a, "--min-observed") ||
		    !strcmp(a, "--min-sources")) {
			int rc = parse_advise_floor(a, val, out, err);

			if (rc)
				return rc;
			k++;
		} else if (!strcmp(a, "--rule")) {
			if (!val || !*val)
				return usage_error(err, ADVISE_USAGE,
						   "advise --rule: expected a "
						   "rule name");
			if (out->rule)
				return usage_error(
				    err, ADVISE_USAGE,
				    "advise: --rule given twice");
			out->rule = val;
			k++;
		} else if (!strcmp(a, "--since")) {
			if (!val)
				return usage_error(err, ADVISE_USAGE,
						   "advise --since: expected a "
						   "duration (15m, 1h, 24h)");
			if (since_given)
				return usage_error(err, ADVISE_USAGE,
						   "advise: --since given "
						   "twice");
			if (fg_parse_duration(val, &out->since_ns, &why))
				return usage_error(err, ADVISE_USAGE,
						   "advise --since: \"%s\": %s",
						   val, why);
			if (out->since_ns < 1000000000ULL ||
			    out->since_ns > FG_ADVISE_SINCE_MAX_NS)
				return usage_error(err, ADVISE_USAGE,
						   "advise --since: \"%s\": "
						   "from 1s to 168h",
						   val);
			since_given = true;
			k++;
		} else {
			return usage_error(err, ADVISE_USAGE,
					   "advise: unexpected \"%s\"", a);
		}
	}
	return 0;
}

/* One host address (no prefix), as the datapath sees a packet's. */
static int explain_addr(const char *what, const char *text, struct fg_cidr *out,
			struct fg_args_error *err)
{
	const char *why = NULL;

	if (fg_parse_cidr(text, out, &why))
		return usage_error(err, EXPLAIN_USAGE, "explain%s: \"%s\": %s",
				   what, text, why);
	if (out->prefixlen != 128)
		return usage_error(err, EXPLAIN_USAGE,
				   "explain%s: \"%s\": expected one address, "
				   "not a prefix",
				   what, text);
	return 0;
}

/* A config protocol name as the datapath's protocol class; "any" is
 * no one packet's protocol. */
static int explain_proto(const char *name)
{
	for (int i = 0; name && fg_protocol_names[i]; i++) {
		if (strcmp(name, fg_protocol_names[i]) != 0)
			continue;
		switch ((enum fg_protocol)i) {
		case FG_PROTO_TCP:
			return FG_PCLASS_TCP;
		case FG_PROTO_UDP:
			return FG_PCLASS_UDP;
		case FG_PROTO_ICMP:
			return FG_PCLASS_ICMP;
		case FG_PROTO_ANY:
			return -1;
		}
	}
	return -1;
}

static int parse_explain(const struct words *w, struct fg_cmdline *out,
			 struct fg_args_error *err)
{
	bool port_given = false, proto_given = false;
	const char *a, *why = NULL, *addr = NULL;
	__u64 n;

	out->explain_pclass = FG_PCLASS_TCP;
	out->explain_port = 80;
	for (int k = 1; (a = word(w, k)); k++) {
		const char *val = word(w, k + 1);

		if (!strcmp(a, "--port")) {
			if (!val || port_given)
				return usage_error(
				    err, EXPLAIN_USAGE, "explain --port: %s",
				    val ? "given twice" : "expected a port");
			if (fg_parse_uint(val, 0, 65535, &n, &why))
				return usage_error(err, EXPLAIN_USAGE,
						   "explain --port: \"%s\": %s",
						   val, why);
			out->explain_port = (__u16)n;
			port_given = true;
			k++;
		} else if (!strcmp(a, "--proto")) {
			int p = explain_proto(val);

			if (p < 0 || proto_given)
				return usage_error(
				    err, EXPLAIN_USAGE, "explain --proto: %s",
				    proto_given ? "given twice"
						: "expected tcp, udp or icmp");
			out->explain_pclass = (unsigned int)p;
			proto_given = true;
			k++;
		} else if (!strcmp(a, "--dst")) {
			if (!val || out->explain_has_dst)
				return usage_error(err, EXPLAIN_USAGE,
						   "explain --dst: %s",
						   val ? "given twice"
						       : "expected an address");
			if (explain_addr(" --dst", val, &out->explain_dst, err))
				return EXIT_USAGE;
			out->explain_has_dst = true;
			k++;
		} else if (!addr && a[0] != '-') {
			addr = a;
		} else {
			return usage_error(err, EXPLAIN_USAGE,
					   "explain: unexpected \"%s\"", a);
		}
	}
	if (!addr)
		return usage_error(err, EXPLAIN_USAGE,
				   "explain: expected one address");
	if (port_given && out->explain_pclass == FG_PCLASS_ICMP)
		return usage_error(err, EXPLAIN_USAGE,
				   "explain: --port needs --proto tcp or udp");
	out->cidr_text = addr;
	return explain_addr("", addr, &out->cidr, err);
}

int fg_args_parse(int argc, char *const argv[], struct fg_cmdline *out,
		  struct fg_args_error *err)
{
	const struct words w = {argc, argv};
	const char *verb;
	int rc;

	memset(out, 0, sizeof(*out));
	err->msg[0] = '\0';
	err->usage = NULL;
	rc = global_opts(&w, out, err);
	if (rc)
		return rc;
	verb = word(&w, 0);
	if (!verb)
		return usage_error(err, NULL, "missing command");
	rc = find_verb(verb, &out->verb, err);
	if (rc)
		return rc;
	switch (out->verb) {
	case FG_VERB_DISABLE:
		return parse_disable(&w, out, err);
	case FG_VERB_ENABLE:
		if (refuse_for(&w, 1, fg_verbs[FG_VERB_ENABLE].usage, "enable",
			       err))
			return EXIT_USAGE;
		return no_more(&w, 1, out->verb, err);
	case FG_VERB_MODE:
		return parse_mode(&w, out, err);
	case FG_VERB_ALLOW:
	case FG_VERB_DENY:
		return parse_list(&w, out, err);
	case FG_VERB_UNBLOCK:
		return parse_unblock(&w, out, err);
	case FG_VERB_TOP:
		return parse_top(&w, out, err);
	case FG_VERB_NEXT:
		return parse_next(&w, out, err);
	case FG_VERB_ADVISE:
		return parse_advise(&w, out, err);
	case FG_VERB_EXPLAIN:
		return parse_explain(&w, out, err);
	case FG_VERB_HELP:
		return 0;
	default:
		return no_more(&w, 1, out->verb, err);
	}
}
