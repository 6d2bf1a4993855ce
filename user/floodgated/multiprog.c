// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "multiprog.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <xdp/libxdp.h>

#include "log.h"
#include "xdp.h"

#define FG_PROG_NAME "floodgate_xdp"

/* libxdp and, under it, libbpf narrate the dispatcher attempt in a dozen
 * lines, warnings included when it fails. All go to debug; the reason
 * floodgate logs in its one line is libxdp's first notice about the
 * dispatcher (its compatibility check), else the last warning. */
static char dispatcher_warning[256], last_warning[256];

/* warn: a warning; important: a libxdp line at info level or above. */
static void keep(int warn, int important, const char *fmt, va_list ap)
{
	char line[sizeof(last_warning)];
	size_t n;

	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	if (warn)
		memcpy(last_warning, line, sizeof(line));
	/* libxdp says it at info level: "Compatibility check for
	 * dispatcher program failed: ..." */
	if (important && !dispatcher_warning[0] && strstr(line, "dispatcher"))
		memcpy(dispatcher_warning, line, sizeof(line));
	log_debug("libxdp", "detail=%s", fg_q(line));
}

static int quiet_libxdp(enum libxdp_print_level level, const char *fmt,
			va_list ap)
{
	keep(level == LIBXDP_WARN, level <= LIBXDP_INFO, fmt, ap);
	return 0;
}

static int quiet_libbpf(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	keep(level == LIBBPF_WARN, 0, fmt, ap);
	return 0;
}

/* Floodgate components of the dispatcher other than keep_id (a
 * restarted daemon's predecessor), out. */
static void drop_older(int ifindex, __u32 keep_id)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	struct xdp_program *p;

	if (libxdp_get_error(mp))
		return;
	if (!xdp_multiprog__is_legacy(mp)) {
		for (p = xdp_multiprog__next_prog(NULL, mp); p;
		     p = xdp_multiprog__next_prog(p, mp)) {
			if (!strcmp(xdp_program__name(p), FG_PROG_NAME) &&
			    xdp_program__id(p) != keep_id)
				xdp_program__detach(
				    p, ifindex, xdp_multiprog__attach_mode(mp),
				    0);
		}
	}
	xdp_multiprog__close(mp);
}

/* libxdp's own detach refuses the copy it attached alone (seen with
 * libxdp 1.3): take it off the interface directly, and only if it is
 * still that copy that runs there (XDP_FLAGS_REPLACE). */
static void detach_copy(int ifindex, int prog_fd)
{
	struct bpf_xdp_attach_opts opts = {.sz = sizeof(opts),
					   .old_prog_fd = prog_fd};

	if (bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE | XDP_FLAGS_REPLACE,
			   &opts))
		log_debug("removing libxdp's single-program attach failed",
			  "error=%s", fg_q(strerror(errno)));
}

/* Through libxdp. 1: in the dispatcher; 0: libxdp could not (why in
 * reason), nothing of ours left attached by it. */
static int try_dispatcher(const struct fg_loader *l, int ifindex, char *reason,
			  size_t len)
{
	struct xdp_program_opts opts = {.sz = sizeof(opts),
					.prog_name = FG_PROG_NAME};
	libbpf_print_fn_t old_bpf = libbpf_set_print(quiet_libbpf);
	libxdp_print_fn_t old_xdp = libxdp_set_print(quiet_libxdp);
	struct xdp_multiprog *mp = NULL;
	struct xdp_program *prog = NULL;
	struct bpf_object *obj;
	int rc, in = 0;

	last_warning[0] = dispatcher_warning[0] = '\0';
	obj = fg_loader_open_copy(l);
	if (!obj) {
		snprintf(reason, len, "opening the object: %s",
			 strerror(errno));
		goto out;
	}
	opts.obj = obj;
	prog = xdp_program__create(&opts);
	if (libxdp_get_error(prog)) {
		snprintf(reason, len, "libxdp: %s", strerror(errno));
		prog = NULL;
		goto out;
	}
	xdp_program__set_run_prio(prog, FG_MULTIPROG_PRIORITY);
	rc = xdp_program__attach(prog, ifindex, XDP_MODE_NATIVE, 0);
	if (rc) {
		snprintf(reason, len, "%s",
			 dispatcher_warning[0] ? dispatcher_warning
			 : last_warning[0]     ? last_warning
					       : strerror(-rc));
		goto out;
	}
	/* libxdp falls back to attaching the program alone when the
	 * dispatcher cannot load: floodgate does that itself, through its
	 * pinned link (fail-static), so that copy goes. */
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	if (!libxdp_get_error(mp) && !xdp_multiprog__is_legacy(mp)) {
		in = 1;
		drop_older(ifindex, xdp_program__id(prog));
	} else {
		snprintf(reason, len, "%s",
			 dispatcher_warning[0] ? dispatcher_warning
			 : last_warning[0]     ? last_warning
					       : "libxdp attached without its "
						 "dispatcher");
		detach_copy(ifindex, xdp_program__fd(prog));
	}
out:
	if (mp && !libxdp_get_error(mp))
		xdp_multiprog__close(mp);
	xdp_program__close(prog);
	bpf_object__close(obj);
	libxdp_set_print(old_xdp);
	libbpf_set_print(old_bpf);
	return in;
}

int fg_multiprog_attach(const struct fg_loader *l, const char *ifname,
			enum fg_multiprog_state *state, const char **used,
			char *err, size_t errlen)
{
	int ifindex = (int)if_nametoindex(ifname), rc;
	char reason[256] = "";

	if (!ifindex) {
		snprintf(err, errlen, "no such interface");
		return -ENODEV;
	}
	/* floodgate's own link already holds the interface (it fell back
	 * before): keep it, and swap the program in without a gap. */
	if (fg_xdp_attached_mode(l->pin_dir, ifname)) {
		snprintf(reason, sizeof(reason),
			 "floodgate's pinned link already holds the interface "
			 "(attached alone before; floodgate detach, then "
			 "start, to try the dispatcher again)");
	} else if (try_dispatcher(l, ifindex, reason, sizeof(reason))) {
		*state = FG_MULTIPROG_DISPATCHER;
		*used = "dispatcher";
		return 0;
	}
	rc = fg_xdp_attach(l->pin_dir, ifname, l->prog_fd, FG_XDP_AUTO, used,
			   err, errlen);
	if (rc)
		return rc;
	*state = FG_MULTIPROG_FALLBACK;
	log_warn("libxdp dispatcher unavailable; floodgate attached alone "
		 "(xdp_mode: multiprog)",
		 "iface=%s mode=%s reason=%s", ifname, *used, fg_q(reason));
	return 0;
}

int fg_multiprog_detach(const char *ifname)
{
	int ifindex = (int)if_nametoindex(ifname), rc = -ENOENT;
	libbpf_print_fn_t old_bpf = libbpf_set_print(quiet_libbpf);
	libxdp_print_fn_t old = libxdp_set_print(quiet_libxdp);
	struct xdp_multiprog *mp;
	struct xdp_program *p;

	if (!ifindex)
		goto out;
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	if (libxdp_get_error(mp))
		goto out;
	if (!xdp_multiprog__is_legacy(mp)) {
		for (p = xdp_multiprog__next_prog(NULL, mp); p;
		     p = xdp_multiprog__next_prog(p, mp)) {
			if (strcmp(xdp_program__name(p), FG_PROG_NAME))
				continue;
			if (!xdp_program__detach(
				p, ifindex, xdp_multiprog__attach_mode(mp), 0))
				rc = 0;
		}
	}
	xdp_multiprog__close(mp);
out:
	libxdp_set_print(old);
	libbpf_set_print(old_bpf);
	return rc;
}
