// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "loader.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "floodgate.skel.h"
#include "log.h"

/* A pinned map this build cannot use (an older layout, another table
 * size) is replaced, and the state it held is lost: say so. */
static void drop_incompatible_pin(struct bpf_map *map, const char *path)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(path);

	if (fd < 0)
		return;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
	    (info.type != bpf_map__type(map) ||
	     info.key_size != bpf_map__key_size(map) ||
	     info.value_size != bpf_map__value_size(map) ||
	     info.max_entries != bpf_map__max_entries(map) ||
	     info.map_flags != bpf_map__map_flags(map))) {
		log_warn(
		    "replacing incompatible pinned map; its state is reset",
		    "map=%s pinned_max_entries=%u max_entries=%u",
		    bpf_map__name(map), info.max_entries,
		    bpf_map__max_entries(map));
		unlink(path);
	}
	close(fd);
}

/* Every state map of obj to its pin under pin_dir: load reuses what is
 * pinned, and pins what it creates. */
static int use_pins(struct bpf_object *obj, const char *pin_dir,
		    bool drop_incompatible)
{
	char path[PATH_MAX];
	struct bpf_map *map;
	int err;

	/* A map an earlier release pinned and this one does without. */
	snprintf(path, sizeof(path), "%s/%s", pin_dir,
		 FG_MAP_RETIRED_RULE_STATS);
	if (drop_incompatible && !unlink(path))
		fg_log(FG_LOG_INFO, "removed a retired pinned map", "map=%s",
		       FG_MAP_RETIRED_RULE_STATS);

	bpf_object__for_each_map(map, obj)
	{
		if (bpf_map__is_internal(map))
			continue; /* .rodata/.bss: per program, not state */
		snprintf(path, sizeof(path), "%s/%s", pin_dir,
			 bpf_map__name(map));
		if (drop_incompatible)
			drop_incompatible_pin(map, path);
		err = bpf_map__set_pin_path(map, path);
		if (err)
			return err;
	}
	return 0;
}

int fg_loader_open(struct fg_loader *l, const char *pin_dir, __u32 max_sources)
{
	char path[PATH_MAX];
	int err;

	memset(l, 0, sizeof(*l));
	fg_maps_init(&l->maps);
	l->prog_fd = -1;
	snprintf(l->pin_dir, sizeof(l->pin_dir), "%s", pin_dir);
	l->skel = floodgate_bpf__open();
	if (!l->skel)
		return -errno;
	err = bpf_map__set_max_entries(l->skel->maps.fg_sources, max_sources);
	if (!err)
		err = bpf_map__set_max_entries(l->skel->maps.fg_src_class,
					       max_sources);
	if (err)
		goto fail;

	err = use_pins(l->skel->obj, pin_dir, true);
	if (err)
		goto fail;
	/* What is still pinned (and compatible) is what load adopts. */
	snprintf(path, sizeof(path), "%s/%s", pin_dir, FG_MAP_CTL);
	l->adopted = access(path, F_OK) == 0;

	err = floodgate_bpf__load(l->skel);
	if (err)
		goto fail;
	l->prog_fd = bpf_program__fd(l->skel->progs.floodgate_xdp);

	/* The program's pin lets the CLI tell which interfaces run it. */
	snprintf(path, sizeof(path), "%s/%s", pin_dir, FG_PIN_PROG);
	unlink(path);
	if (bpf_obj_pin(l->prog_fd, path)) {
		err = -errno;
		goto fail;
	}
	err = fg_maps_from_object(l->skel->obj, &l->maps);
	if (err)
		goto fail;
	return 0;
fail:
	fg_loader_close(l);
	return err;
}

struct bpf_object *fg_loader_open_copy(const struct fg_loader *l)
{
	struct bpf_object_open_opts opts = {.sz = sizeof(opts),
					    .object_name = "floodgate_bpf"};
	struct bpf_object *obj;
	size_t size = 0;
	const void *elf = floodgate_bpf__elf_bytes(&size);
	struct bpf_map *sources;
	int err;

	obj = bpf_object__open_mem(elf, size, &opts);
	if (!obj)
		return NULL;
	sources = bpf_object__find_map_by_name(obj, FG_MAP_SOURCES);
	err = sources
		  ? bpf_map__set_max_entries(
			sources, bpf_map__max_entries(l->skel->maps.fg_sources))
		  : -ENOENT;
	sources = bpf_object__find_map_by_name(obj, FG_MAP_SRC_CLASS);
	if (!err)
		err = sources ? bpf_map__set_max_entries(
				    sources, bpf_map__max_entries(
						 l->skel->maps.fg_src_class))
			      : -ENOENT;
	if (!err)
		err = use_pins(obj, l->pin_dir, false);
	if (err) {
		bpf_object__close(obj);
		errno = -err;
		return NULL;
	}
	return obj;
}

void fg_loader_close(struct fg_loader *l)
{
	fg_maps_close(&l->maps);
	floodgate_bpf__destroy(l->skel);
	l->skel = NULL;
	l->prog_fd = -1;
}
