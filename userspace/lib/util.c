// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The out-of-line half of lib/util.h: what cannot be a static inline.
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lib/util.h"

socklen_t util_sockaddr(struct sockaddr_storage *ss, int family,
			const uint8_t *addr, const uint8_t *port)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, addr, 4);
		memcpy(&sin->sin_port, port, 2);
		return sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, addr, 16);
		memcpy(&sin6->sin6_port, port, 2);
		return sizeof(*sin6);
	}
}

int util_if_ioctl(const char *ifname, unsigned long req, struct ifreq *ifr)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", ifname);
	if (ioctl(fd, req, ifr))
		ret = -errno;
	close(fd);
	return ret;
}

unsigned int util_if_mtu(const char *ifname)
{
	struct ifreq ifr = { 0 };

	if (util_if_ioctl(ifname, SIOCGIFMTU, &ifr) || ifr.ifr_mtu <= 0)
		return 0;
	return (unsigned int)ifr.ifr_mtu;
}

void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}
