// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * User lookup and the capability drop, with libcap-ng: clear everything,
 * add back CAP_BPF if the daemon still talks to maps, change uid/gid with
 * supplementary groups dropped and the bounding set cleared, then
 * PR_SET_NO_NEW_PRIVS so nothing executed later can regain anything.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include <cap-ng.h>

#include "log.h"
#include "privs.h"

#ifndef CAP_BPF
#define CAP_BPF 39 /* Linux 5.8 */
#endif

int privs_lookup(const struct config *cfg, struct privs_user *u, char *err,
		 size_t errlen)
{
	/* The package's system user, else the traditional one. */
	static const char *const defaults[] = { "xdpdns", "nobody" };
	const char *name = cfg->user;
	struct passwd *pw = NULL;

	memset(u, 0, sizeof(*u));
	if (name && !*name)
		return 0; /* --user "": keep root */
	if (name) {
		pw = getpwnam(name);
		if (!pw) {
			snprintf(err, errlen, "--user %s: no such user", name);
			return -ENOENT;
		}
	}
	for (size_t i = 0; !name && i < 2; i++) {
		pw = getpwnam(defaults[i]);
		if (pw)
			name = defaults[i];
	}
	if (!pw)
		return 0; /* neither exists: stay root, as documented */
	if (pw->pw_uid == 0)
		return 0;
	u->drop = true;
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	snprintf(u->name, sizeof(u->name), "%s", name);
	return 0;
}

int privs_drop(const struct privs_user *u, bool keep_bpf)
{
	int ret;

	if (!u->drop)
		return 0;
	capng_clear(CAPNG_SELECT_BOTH);
	if (keep_bpf &&
	    capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
			 CAP_BPF)) {
		log_err("cannot keep CAP_BPF for user %s", u->name);
		return -EPERM;
	}
	ret = capng_change_id(u->uid, u->gid,
			      CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING);
	if (ret) {
		log_err("cannot switch to user %s (uid %u): libcap-ng error %d",
			u->name, (unsigned int)u->uid, ret);
		return -EPERM;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		log_warn("cannot set no_new_privs: %s", strerror(errno));
	log_info("running as %s with %s", u->name,
		 keep_bpf ? "CAP_BPF only" : "no capabilities");
	return 0;
}
