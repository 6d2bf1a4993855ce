// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The configured interfaces: attached when configured or when they
 * appear, detached when dropped from the config; and what shares the
 * hook with floodgate (the chain slot, libxdp's dispatcher). */
#include <bpf/bpf.h>
#include <errno.h>
#include <string.h>

#include "daemon_priv.h"
#include "chainslot.h"
#include "log.h"
#include "multiprog.h"
#include "xdp.h"

bool daemon_iface_listed(const struct fg_settings *s, const char *name)
{
	for (unsigned int i = 0; i < s->nifaces; i++)
		if (!strcmp(s->ifaces[i], name))
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

void daemon_attach_all(struct fg_daemon *d, const struct fg_settings *s)
{
	d->multiprog_state = FG_MULTIPROG_OFF;
	for (unsigned int i = 0; i < s->nifaces; i++)
		attach_one(d, s->ifaces[i], s->xdp_mode, "config");
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

/* A configured interface that appears, or is created again, gets the
 * program; our own attach also sends RTM_NEWLINK, hence the check. */
void daemon_on_link(enum fg_link_event ev, const char *ifname, int ifindex,
		    void *arg)
{
	struct fg_daemon *d = arg;

	if (!daemon_iface_listed(&d->cfg, ifname))
		return;
	if (ev == FG_LINK_DEL) {
		log_warn("interface removed; attaching when it returns",
			 "iface=%s ifindex=%d", ifname, ifindex);
		return;
	}
	if (!fg_xdp_attached_mode(d->opts.pin_dir, ifname)) {
		attach_one(d, ifname, d->cfg.xdp_mode, "link-appeared");
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
