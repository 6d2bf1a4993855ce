// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer: the config loader (user/lib/config.c), YAML bytes to
 * validated settings. A refused text must say where ("<fuzz>:LINE:COL:
 * ...") and leave the caller's struct untouched; an accepted one must
 * satisfy every invariant of settings_check.h, load the same again, and
 * compile into map images. ASan and LSan see every path, errors
 * included.
 */
#include "fuzz.h"
#include "ruleset.h"
#include "settings_check.h"

#define NAME "<fuzz>"
#define TICK_NS 4000000ULL /* a 250 Hz kernel's jiffy */

static struct fg_config cfg;
static struct fg_rule_match match;

static bool same_settings(const struct fg_settings *a,
			  const struct fg_settings *b)
{
	struct fg_settings x = *a, y = *b;

	x.allow = y.allow = NULL;
	x.deny = y.deny = NULL;
	/* Both start from fg_config_defaults()'s memset and are filled by
	 * the same code, padding included: a byte compare is meaningful. */
	// NOLINTNEXTLINE(bugprone-suspicious-memory-comparison)
	return !memcmp(&x, &y, sizeof(x)) && a->nallow == b->nallow &&
	       a->ndeny == b->ndeny &&
	       (!a->nallow ||
		!memcmp(a->allow, b->allow, a->nallow * sizeof(*a->allow))) &&
	       (!a->ndeny ||
		!memcmp(a->deny, b->deny, a->ndeny * sizeof(*a->deny)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fg_settings s, again;
	char err[FG_ERR_MAX], msg[FG_ERR_MAX];
	/* An exact-size copy: a read past the text is an ASan report. */
	char *text = malloc(size ? size : 1);
	int rc;

	if (!text)
		abort();
	if (size)
		memcpy(text, data, size);
	memset(&s, 0xa5, sizeof(s));
	rc = fg_config_load_string(text, size, NAME, &s, err, sizeof(err));
	if (rc) {
		FUZZ_CHECK(rc < 0, "rc %d", rc);
		FUZZ_CHECK(!strncmp(err, NAME ":", strlen(NAME ":")) &&
			       strlen(err) > strlen(NAME ": "),
			   "error without its place: \"%s\"", err);
		for (size_t i = 0; i < sizeof(s); i++)
			FUZZ_CHECK(((const uint8_t *)&s)[i] == 0xa5,
				   "a refused config wrote byte %zu", i);
		free(text);
		return 0;
	}
	check_settings(&s);
	FUZZ_CHECK(
	    !fg_config_load_string(text, size, NAME, &again, err, sizeof(err)),
	    "accepted once, refused again: %s", err);
	FUZZ_CHECK(same_settings(&s, &again), "two loads differ");
	fg_config_free(&again);
	for (__u64 tick = 0; tick <= TICK_NS; tick += TICK_NS) {
		msg[0] = '\0';
		rc = fg_ruleset_compile(&s, tick, NULL, &cfg, &match, msg,
					sizeof(msg));
		FUZZ_CHECK(!rc || strstr(msg, "collide"),
			   "compile refused an accepted config: %d %s", rc,
			   msg);
	}
	fg_config_free(&s);
	free(text);
	return 0;
}
