// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer: the CLI's command line (user/floodgate/args.c). The input is
 * argv after "floodgate", NUL-separated. A parse either fails as a usage
 * error with a message, or yields a command whose verb word is the
 * verb's full name or, only for verbs that cannot lower protection, a
 * unique prefix of it; its arguments are in range (unblock's --rule NAME
 * is the word after --rule, only for unblock); argv is not changed.
 */
#include <stdbool.h>

#include "args.h"
#include "timedswitch.h"
#include "fuzz.h"

#define ARGS_MAX 64

/* The model of the words: every argument that is not a global option
 * (or --pin-dir's value), in order; the first is the verb. */
static int plain_words(int argc, char *const argv[], const char **words,
		       bool *json)
{
	int n = 0;

	*json = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j"))
			*json = true;
		else if (!strcmp(argv[i], "--pin-dir"))
			i++;
		else if (strncmp(argv[i], "--pin-dir=", 10))
			words[n++] = argv[i];
	}
	return n;
}

static bool points_into(const char *p, int argc, char *const argv[])
{
	for (int i = 0; i < argc; i++)
		if (p >= argv[i] && p <= argv[i] + strlen(argv[i]))
			return true;
	return false;
}

static void check_verb(const char *word, enum fg_verb verb)
{
	const struct fg_verb_info *v = &fg_verbs[verb];
	size_t n = strlen(word);
	int begun = 0;

	if (verb == FG_VERB_HELP) {
		FUZZ_CHECK(!strcmp(word, "help") || !strcmp(word, "--help") ||
			       !strcmp(word, "-h"),
			   "\"%s\" taken for help", word);
		return;
	}
	FUZZ_CHECK(v->name, "verb %d has no name", verb);
	if (!strcmp(word, v->name))
		return;
	FUZZ_CHECK(!v->full_name_only,
		   "\"%s\" ran %s, which takes only its full name", word,
		   v->name);
	FUZZ_CHECK(n && !strncmp(v->name, word, n), "\"%s\" ran %s", word,
		   v->name);
	for (int k = 0; k < FG_VERB_COUNT; k++)
		begun +=
		    fg_verbs[k].name && !strncmp(fg_verbs[k].name, word, n);
	FUZZ_CHECK(begun == 1, "\"%s\" is ambiguous but ran %s", word, v->name);
}

/* unblock: ADDR alone, or with --rule NAME before or after it. */
static void check_unblock(const char **words, int n, const struct fg_cmdline *a)
{
	int rule_at = -1;

	for (int k = 1; k < n; k++)
		if (!strcmp(words[k], "--rule") && rule_at < 0) {
			rule_at = k;
			k++;
		}
	if (rule_at < 0) {
		FUZZ_CHECK(n == 2 && !a->rule, "unblock with %d words, rule %s",
			   n, a->rule ? a->rule : "none");
		FUZZ_CHECK(a->cidr_text == words[1],
			   "unblock's address is not its argument");
		return;
	}
	FUZZ_CHECK(n == 4, "unblock --rule with %d words", n);
	FUZZ_CHECK(a->rule == words[rule_at + 1] && *a->rule,
		   "--rule's name is not the word after it");
	FUZZ_CHECK(a->cidr_text == words[rule_at == 1 ? 3 : 1],
		   "unblock's address is not the word besides --rule NAME");
}

static void check_parsed(int argc, char *const argv[],
			 const struct fg_cmdline *a)
{
	const char *words[ARGS_MAX + 1];
	bool json;
	int n = plain_words(argc, argv, words, &json);
	struct fg_cidr cidr;
	const char *why;

	FUZZ_CHECK(a->verb < FG_VERB_COUNT, "verb %d", a->verb);
	FUZZ_CHECK(n > 0, "a command without a verb word");
	FUZZ_CHECK(a->json == json, "json %d, want %d", a->json, json);
	FUZZ_CHECK(!a->pin_dir || points_into(a->pin_dir, argc, argv),
		   "pin_dir does not come from argv");
	/* Only what lowers protection is timed, from 1 s to 24 h. */
	FUZZ_CHECK(!a->for_ns || a->verb == FG_VERB_DISABLE ||
		       (a->verb == FG_VERB_MODE && a->dry_run),
		   "--for taken by %s", fg_verbs[a->verb].name);
	FUZZ_CHECK(!a->for_ns || (a->for_ns >= 1000000000ULL &&
				  a->for_ns <= FG_SWITCH_FOR_MAX_NS),
		   "--for %llu ns", (unsigned long long)a->for_ns);
	FUZZ_CHECK(!a->rule || a->verb == FG_VERB_UNBLOCK,
		   "--rule %s taken by %s", a->rule, fg_verbs[a->verb].name);
	check_verb(words[0], a->verb);
	switch (a->verb) {
	case FG_VERB_ALLOW:
	case FG_VERB_DENY:
		if (a->list_op == FG_LIST_OP_LIST)
			break;
		FUZZ_CHECK(a->list_op == FG_LIST_OP_ADD ||
			       a->list_op == FG_LIST_OP_DEL,
			   "list op %d", a->list_op);
		/* fall through */
	case FG_VERB_UNBLOCK:
		if (a->verb == FG_VERB_UNBLOCK)
			check_unblock(words, n, a);
		FUZZ_CHECK(a->cidr_text &&
			       points_into(a->cidr_text, argc, argv),
			   "no CIDR text");
		FUZZ_CHECK(!fg_parse_cidr(a->cidr_text, &cidr, &why) &&
			       !memcmp(&cidr, &a->cidr, sizeof(cidr)),
			   "\"%s\": the parsed CIDR differs", a->cidr_text);
		break;
	case FG_VERB_TOP:
		FUZZ_CHECK(a->top_n >= 1 && a->top_n <= FG_TOP_MAX, "top -n %u",
			   a->top_n);
		FUZZ_CHECK(a->top_interval_ns >= FG_TOP_INTERVAL_MIN_NS &&
			       a->top_interval_ns <= FG_TOP_INTERVAL_MAX_NS,
			   "top --interval %llu ns",
			   (unsigned long long)a->top_interval_ns);
		FUZZ_CHECK(a->top_by == FG_TOP_BY_DROPS ||
			       a->top_by == FG_TOP_BY_PACKETS,
			   "top --by %d", a->top_by);
		break;
	default:
		break;
	}
}

static void check_refused(const struct fg_args_error *err)
{
	bool known = !err->usage;

	FUZZ_CHECK(err->msg[0], "a usage error without a message");
	FUZZ_CHECK(memchr(err->msg, '\0', sizeof(err->msg)),
		   "message not terminated");
	for (int k = 0; k < FG_VERB_COUNT && !known; k++)
		known = err->usage == fg_verbs[k].usage;
	FUZZ_CHECK(known, "usage line \"%s\" is no verb's", err->usage);
}

static bool same_cmdline(const struct fg_cmdline *a, const struct fg_cmdline *b)
{
	return a->json == b->json && a->pin_dir == b->pin_dir &&
	       a->verb == b->verb && a->dry_run == b->dry_run &&
	       a->list_op == b->list_op && a->cidr_text == b->cidr_text &&
	       !memcmp(a->cidr.addr, b->cidr.addr, sizeof(a->cidr.addr)) &&
	       a->cidr.prefixlen == b->cidr.prefixlen &&
	       a->cidr.is_v4 == b->cidr.is_v4 && a->top_n == b->top_n &&
	       a->top_by == b->top_by && a->top_watch == b->top_watch &&
	       a->top_n_set == b->top_n_set &&
	       a->top_interval_ns == b->top_interval_ns &&
	       a->for_ns == b->for_ns && a->rule == b->rule;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[ARGS_MAX + 2], *copy[ARGS_MAX + 2];
	struct fg_cmdline a, b;
	struct fg_args_error err, err2;
	int argc = 1, rc;
	size_t start = 0;

	argv[0] = fuzz_cstr((const uint8_t *)"floodgate", 9);
	for (size_t i = 0; i <= size && argc <= ARGS_MAX; i++) {
		if (i < size && data[i])
			continue;
		argv[argc++] = fuzz_cstr(data + start, i - start);
		start = i + 1;
	}
	argv[argc] = NULL;
	for (int i = 0; i < argc; i++)
		copy[i] = argv[i];

	rc = fg_args_parse(argc, argv, &a, &err);
	FUZZ_CHECK(rc == 0 || rc == EXIT_USAGE, "rc %d", rc);
	if (rc)
		check_refused(&err);
	else
		check_parsed(argc, argv, &a);
	FUZZ_CHECK(fg_args_parse(argc, argv, &b, &err2) == rc &&
		       (rc ? !strcmp(err.msg, err2.msg) : same_cmdline(&a, &b)),
		   "a second parse differs");
	for (int i = 0; i < argc; i++) {
		FUZZ_CHECK(argv[i] == copy[i], "argv[%d] replaced", i);
		free(argv[i]);
	}
	return 0;
}
