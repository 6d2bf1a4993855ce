/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A YAML document walked key by key (libfyaml), with located errors: every
 * failure writes one line "NAME:LINE:COL: KEY.PATH: message" and returns
 * -EINVAL. Generic: the schema (which keys, what values) is the caller's,
 * reached through yw_ctx.user.
 */
#ifndef FG_YAMLWALK_H
#define FG_YAMLWALK_H

#include <libfyaml.h>
#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#define YW_VALUE_MAX 256 /* longest scalar taken from a document */

struct yw_loc {
	int line, col; /* 1-based; 0 = unknown */
};

struct yw_ctx {
	const char *name; /* what messages call the text */
	char *err;
	size_t errlen;
	char path[256]; /* key path of what is being read */
	size_t plen;
	struct yw_loc fb; /* where to point when a node has no mark */
	void *user;	  /* the caller's: what the schema fills */
};

/* What yw_pop restores. */
struct yw_frame {
	size_t plen;
	struct yw_loc fb;
};

/* --- Locations, key paths, messages --- */

bool yw_node_loc(struct fy_node *n, struct yw_loc *l);
/* keynode (may be NULL) is where later errors without a mark point. */
struct yw_frame yw_push_key(struct yw_ctx *c, const char *key,
			    struct fy_node *keynode);
struct yw_frame yw_push_index(struct yw_ctx *c, size_t i);
void yw_pop(struct yw_ctx *c, struct yw_frame f);
/* At l, or at the current key when l is unknown. */
__attribute__((format(printf, 3, 4))) int
yw_fail_at(struct yw_ctx *c, const struct yw_loc *l, const char *fmt, ...);
/* At n, or at the current key when n has no mark. */
__attribute__((format(printf, 3, 4))) int
yw_fail(struct yw_ctx *c, struct fy_node *n, const char *fmt, ...);
/* "NAME: out of memory", -ENOMEM. */
int yw_no_memory(struct yw_ctx *c);
/* A value as messages show it: quoted, unprintables as '?', shortened.
 * One per message: the buffer is reused. */
const char *yw_shown(const char *v);

/* --- Node access --- */

/* The text of a single value; "" on error. */
int yw_scalar(struct yw_ctx *c, struct fy_node *n, char buf[YW_VALUE_MAX]);
/* 1: a mapping to read, 0: nothing there (null), <0: error. */
int yw_mapping(struct yw_ctx *c, struct fy_node *n);
/* 1: a list to read, 0: nothing there (null), <0: error. example is how
 * the message shows a list. */
int yw_sequence(struct yw_ctx *c, struct fy_node *n, const char *example);

typedef int (*yw_key_fn)(struct yw_ctx *c, int key, struct fy_node *v,
			 void *arg);
/* Calls fn for each key of map, by its index in keys (NULL-ended); an
 * unknown key fails with the list of allowed ones. */
int yw_walk_map(struct yw_ctx *c, struct fy_node *map, const char *const *keys,
		yw_key_fn fn, void *arg);

/* --- Typed values --- */

int yw_get_bool(struct yw_ctx *c, struct fy_node *n, bool *out);
/* One of names (NULL-ended), *out its index; allowed is how the message
 * lists them. */
int yw_get_enum(struct yw_ctx *c, struct fy_node *n, const char *const *names,
		const char *allowed, int *out);
int yw_get_uint(struct yw_ctx *c, struct fy_node *n, __u64 min, __u64 max,
		__u64 *out);
int yw_get_prefix(struct yw_ctx *c, struct fy_node *n, unsigned int max,
		  __u8 *out);
/* An absolute path, or "" when empty_ok (turns the feature off). */
int yw_get_path(struct yw_ctx *c, struct fy_node *n, bool empty_ok, char *out,
		size_t outlen);

/* --- Documents --- */

typedef int (*yw_root_fn)(struct yw_ctx *c, struct fy_node *root);
/* Checks text is UTF-8 and one YAML document, then calls read on its root
 * (NULL when empty). libfyaml's own errors become "NAME:LINE:COL: yaml:
 * message". */
int yw_parse(struct yw_ctx *c, const char *text, size_t len, yw_root_fn read);

#endif /* FG_YAMLWALK_H */
