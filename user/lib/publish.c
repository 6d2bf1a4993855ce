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
	c->ports = calloc(FG_PORTS, sizeof(*c->ports));
	if (!c->cfg || !c->ports) {
		fg_compiled_free(c);
		return -ENOMEM;
	}
	return 0;
}

void fg_compiled_free(struct fg_compiled *c)
{
	free(c->cfg);
	free(c->ports);
	c->cfg = NULL;
	c->ports = NULL;
}

/* The names and prefixes user space shows for the config, and its own
 * kill-switch and mode, which `floodgate status` compares with the
 * running ones (the program never reads them). */
static void compile_meta(const struct fg_settings *s, struct fg_meta *meta)
{
	memset(meta, 0, sizeof(*meta));
	meta->nrules = s->nrules;
	meta->ipv4_prefix = s->ipv4_prefix;
	meta->ipv6_prefix = s->ipv6_prefix;
	meta->config_enabled = s->enabled;
	meta->config_dry_run = s->dry_run;
	snprintf(meta->rule_names[FG_RULE_DEFAULT], FG_RULE_NAME_LEN,
		 "default");
	for (unsigned int i = 0; i < s->nrules; i++)
		snprintf(meta->rule_names[i + 1], FG_RULE_NAME_LEN, "%s",
			 s->rules[i].name);
}

int fg_compile(const struct fg_settings *s, __u64 tick_ns,
	       struct fg_compiled *out, char *err, size_t errlen)
{
	int rc =
	    fg_ruleset_compile(s, tick_ns, out->cfg, out->ports, err, errlen);

	if (rc)
		return rc;
	compile_meta(s, &out->meta);
	return 0;
}

int fg_publish_stage(struct fg_maps *m, const struct fg_compiled *c)
{
	return fg_maps_stage_config(m, c->cfg, c->ports, &c->meta);
}

int fg_publish(struct fg_maps *m, const struct fg_compiled *c)
{
	return fg_maps_apply_config(m, c->cfg, c->ports, &c->meta);
}
