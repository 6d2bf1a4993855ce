// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The configured interfaces: attached when configured or when they
 * appear, detached when dropped from the config. */
#include <errno.h>
#include <string.h>

#include "daemon_priv.h"
#include "log.h"
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
	const char *used = NULL;
	char err[256] = "";
	int rc = fg_xdp_attach(d->opts.pin_dir, name, d->loader.prog_fd, mode,
			       &used, err, sizeof(err));

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
	for (unsigned int i = 0; i < s->nifaces; i++)
		attach_one(d, s->ifaces[i], s->xdp_mode, "config");
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
	if (!fg_xdp_attached_mode(d->opts.pin_dir, ifname))
		attach_one(d, ifname, d->cfg.xdp_mode, "link-appeared");
}

void daemon_detach_iface(struct fg_daemon *d, const char *name)
{
	if (!fg_xdp_detach(d->opts.pin_dir, name))
		log_info("detached", "iface=%s", name);
}
