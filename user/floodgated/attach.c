// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The configured interfaces: attached when configured or when they
 * appear, detached when dropped from the config. An entry may be a glob
 * (`eth*`): every interface it matches is attached, present or future,
 * and one that vanishes is let go. And what shares the hook with
 * floodgate (the chain slot, libxdp's dispatcher). */
#include <bpf/bpf.h>
#include <errno.h>
#include <fnmatch.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "daemon_priv.h"
#include "chainslot.h"
#include "log.h"
#include "multiprog.h"
#include "xdp.h"

static bool is_glob(const char *entry)
{
	return strpbrk(entry, "*?[") != NULL;
}

bool daemon_iface_listed(const struct fg_settings *s, const char *name)
{
	for (unsigned int i = 0; i < s->nifaces; i++)
		if (!fnmatch(s->ifaces[i], name, 0))
			return true;
	return false;
}

/* Listed by name, not only through a glob: an interface the operator
 * named is waited for when absent. */
static bool iface_named(const struct fg_settings *s, const char *name)
{
	for (unsigned int i = 0; i < s->nifaces; i++)
		if (!is_glob(s->ifaces[i]) && !strcmp(s->ifaces[i], name))
			return true;
	return false;
}

static void attach_one(struct fg_daemon *d, const char *name,
		       enum fg_xdp_mode mode, const char *why)
{
	enum fg_multiprog_state mp = FG_MULTIPROG_OFF;
	const char *used = NULL;
	char err[256] = "";
	int rc;

	if (mode == FG_XDP_MULTIPROG)
		rc = fg_multiprog_attach(&d->loader, name, &mp, &used, err,
					 sizeof(err));
	else
		rc = fg_xdp_attach(d->opts.pin_dir, name, d->loader.prog_fd,
				   mode, &used, err, sizeof(err));
	/* One interface attached alone makes the whole "fallback". */
	if (!rc && mp > d->multiprog_state)
		d->multiprog_state = mp;

	if (rc == -ENODEV)
		log_warn("interface not present; attaching when it appears",
			 "iface=%s", name);
	else if (rc)
		log_error("attach failed", "iface=%s error=%s", name,
			  fg_q(err));
	else
		log_info("attached", "iface=%s mode=%s reason=%s", name, used,
			 why);
}

/*
 * The interfaces metrics and the daemon speak of: every name the config
 * gives, then every present interface a glob matches. Taken from the
 * system each time, so a glob's list never goes stale.
 */
static void refresh_known(struct fg_daemon *d, const struct fg_settings *s)
{
	static struct fg_log_limit full = FG_LOG_LIMIT(600, 1);
	struct if_nameindex *all = if_nameindex();
	unsigned int n = 0, over = 0;

	pthread_mutex_lock(&d->lock);
	for (unsigned int i = 0; i < s->nifaces; i++)
		if (!is_glob(s->ifaces[i]))
			snprintf(d->ifaces[n++], IF_NAMESIZE, "%s",
				 s->ifaces[i]);
	for (struct if_nameindex *p = all; p && p->if_index; p++) {
		if (iface_named(s, p->if_name) ||
		    !daemon_iface_listed(s, p->if_name))
			continue;
		if (n == DAEMON_MAX_KNOWN_IFACES) {
			over++;
			continue;
		}
		snprintf(d->ifaces[n++], IF_NAMESIZE, "%s", p->if_name);
	}
	d->nifaces = n;
	pthread_mutex_unlock(&d->lock);
	if_freenameindex(all);
	if (over)
		fg_log_limited(&full, FG_LOG_WARN,
			       "more interfaces match than metrics show",
			       "shown=%u not_shown=%u", n, over);
}

void daemon_attach_all(struct fg_daemon *d, const struct fg_settings *s)
{
	struct if_nameindex *all = NULL;

	d->multiprog_state = FG_MULTIPROG_OFF;
	for (unsigned int i = 0; i < s->nifaces; i++) {
		if (!is_glob(s->ifaces[i])) {
			attach_one(d, s->ifaces[i], s->xdp_mode, "config");
			continue;
		}
		if (!all)
			all = if_nameindex();
		for (struct if_nameindex *p = all; p && p->if_index; p++) {
			/* First entry that matches attaches: once each. */
			bool first = !fnmatch(s->ifaces[i], p->if_name, 0);

			for (unsigned int j = 0; first && j < i; j++)
				first = fnmatch(s->ifaces[j], p->if_name, 0);
			if (first)
				attach_one(d, p->if_name, s->xdp_mode, "glob");
		}
	}
	if (all)
		if_freenameindex(all);
	refresh_known(d, s);
	daemon_publish_multiprog(d);
}

void daemon_publish_multiprog(struct fg_daemon *d)
{
	struct fg_maps *m = &d->loader.maps;
	__u32 slot = __atomic_load_n(&m->ctl_mem->cfg_slot, __ATOMIC_ACQUIRE);
	struct fg_meta meta;

	/* The live slot's meta, that field changed: nothing else writes it
	 * between a reload's commit and here (the daemon's own thread). */
	if (fg_maps_read_meta(m, &meta))
		return;
	meta.multiprog_state = d->multiprog_state;
	bpf_map_update_elem(m->meta, &slot, &meta, BPF_ANY);
}

/* Links pinned for interfaces the settings no longer list (a reload, or
 * a start on another config than the pinned state's) are let go. */
void daemon_detach_unlisted(struct fg_daemon *d, const struct fg_settings *s)
{
	enum { MAX_PINNED = 256 };
	char names[MAX_PINNED][IF_NAMESIZE];
	int n = fg_xdp_pinned_ifaces(d->opts.pin_dir, names, MAX_PINNED);

	if (n > MAX_PINNED)
		n = MAX_PINNED; /* the rest go on the next reload */
	for (int i = 0; i < n; i++)
		if (!s || !daemon_iface_listed(s, names[i]))
			daemon_detach_iface(d, names[i]);
}

/* A configured interface that appears, or is created again, gets the
 * program; our own attach also sends RTM_NEWLINK, hence the check. */
void daemon_on_link(enum fg_link_event ev, const char *ifname, int ifindex,
		    void *arg)
{
	struct fg_daemon *d = arg;

	if (!daemon_iface_listed(&d->cfg, ifname))
		return;
	if (ev == FG_LINK_DEL) {
		if (iface_named(&d->cfg, ifname)) {
			log_warn("interface removed; attaching when it returns",
				 "iface=%s ifindex=%d", ifname, ifindex);
			return;
		}
		/* Only a glob matched it: forget it, and its link's pin
		 * (the kernel already took the program off). */
		fg_xdp_detach(d->opts.pin_dir, ifname);
		log_info("interface removed; no longer attached",
			 "iface=%s ifindex=%d reason=glob", ifname, ifindex);
		refresh_known(d, &d->cfg);
		return;
	}
	if (!fg_xdp_attached_mode(d->opts.pin_dir, ifname)) {
		attach_one(d, ifname, d->cfg.xdp_mode, "link-appeared");
		refresh_known(d, &d->cfg);
		daemon_publish_multiprog(d);
	}
}

void daemon_detach_iface(struct fg_daemon *d, const char *name)
{
	/* A dispatcher's component has no floodgate link: ask libxdp. */
	if (!fg_xdp_detach(d->opts.pin_dir, name) || !fg_multiprog_detach(name))
		log_info("detached", "iface=%s", name);
}

void daemon_adopt_chain(struct fg_daemon *d)
{
	struct fg_chain_state st;

	if (fg_chain_reconcile(&d->loader.maps))
		log_warn("chain slot empty; hand-off turned off",
			 "pin=%s/" FG_MAP_NEXT, fg_q(d->opts.pin_dir));
	else if (!fg_chain_read(&d->loader.maps, &st) && st.prog_id)
		log_info("chain slot adopted",
			 "prog_id=%u prog_name=%s active=%d", st.prog_id,
			 fg_q(st.prog_name), st.active);
}
