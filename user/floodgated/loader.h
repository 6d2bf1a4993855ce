/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Loads the XDP program and its maps, adopting pinned maps a previous
 * daemon left (counters and source state survive a restart), and pins
 * what it creates.
 */
#ifndef FG_LOADER_H
#define FG_LOADER_H

#include <limits.h>
#include <stdbool.h>

#include "mapio.h"

struct bpf_object;
struct floodgate_bpf;

struct fg_loader {
	struct floodgate_bpf *skel;
	struct fg_maps maps;
	char pin_dir[PATH_MAX];
	bool adopted; /* fg_ctl came from a pin: keep its kill-switch */
	int prog_fd;
};

/* pin_dir exists and was checked (fg_pin_dir_prepare). */
int fg_loader_open(struct fg_loader *l, const char *pin_dir, __u32 max_sources);
void fg_loader_close(struct fg_loader *l);

/* Another copy of the program's object, opened but not loaded, its maps
 * those of the loaded one (through the pins): for a loader of its own,
 * libxdp's. NULL with errno set on failure. */
struct bpf_object *fg_loader_open_copy(const struct fg_loader *l);

#endif /* FG_LOADER_H */
