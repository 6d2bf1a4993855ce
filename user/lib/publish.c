// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "publish.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ruleset.h"

int fg_compiled_init(struct fg_compiled *c)
{
	memset(c, 0, sizeof(*c));
	c->cfg = calloc(1, sizeof(*c->cfg));
	c->match = calloc(1, sizeof(*c->match));
	if (!c->cfg || !c->match) {
		fg_compiled_free(c);
		return -ENOMEM;
	}
	return 0;
}

void fg_compiled_free(struct fg_compiled *c)
{
	free(c->cfg);
	free(c->match);
	c->cfg = NULL;
	c->match = NULL;
}

/* The names and prefixes user space shows for the config, and its own
 * kill-switch and mode, which `floodgate status` compares with the
 * running ones (the program never reads them). Names by rule slot, as
 * ruleset.c assigned them: the next compile reads them back (prev). */
static void compile_meta(const struct fg_settings *s,
			 const struct fg_config *cfg,
			 const struct fg_rule_match *m, struct fg_meta *meta)
{
	memset(meta, 0, sizeof(*meta));
	meta->nrules = cfg->nrules;
	meta->ipv4_prefix = s->ipv4_prefix;
	meta->ipv6_prefix = s->ipv6_prefix;
	meta->config_enabled = s->enabled;
	meta->config_dry_run = s->dry_run;
	snprintf(meta->rule_names[FG_RULE_DEFAULT], FG_RULE_NAME_LEN,
		 "default");
	for (unsigned int i = 0; i < s->nrules; i++) {
		snprintf(meta->rule_names[m->rule_slot[i]], FG_RULE_NAME_LEN,
			 "%s", s->rules[i].name);
		meta->rule_config_dry_run[m->rule_slot[i]] =
		    s->rules[i].dry_run;
	}
	for (unsigned int k = 0; k < s->nclasses; k++) {
		snprintf(meta->class_names[k + 1], FG_CLASS_NAME_LEN, "%s",
			 s->classes[k].name);
		if (m->class_slot[k + 1] != FG_RULE_DEFAULT)
			snprintf(meta->rule_names[m->class_slot[k + 1]],
				 FG_RULE_NAME_LEN, FG_SCALED_DEFAULT_FMT,
				 s->classes[k].name);
	}
}

int fg_compile(const struct fg_settings *s, __u64 tick_ns,
	       const struct fg_meta *prev, struct fg_compiled *out, char *err,
	       size_t errlen)
{
	int rc = fg_ruleset_compile(s, tick_ns, prev ? prev->rule_names : NULL,
				    out->cfg, out->match, err, errlen);

	if (rc)
		return rc;
	compile_meta(s, out->cfg, out->match, &out->meta);
	return 0;
}

int fg_publish_stage(struct fg_maps *m, const struct fg_compiled *c)
{
	return fg_maps_stage_config(m, c->cfg, c->match, &c->meta);
}

int fg_publish(struct fg_maps *m, const struct fg_compiled *c)
{
	return fg_maps_apply_config(m, c->cfg, c->match, &c->meta);
}
