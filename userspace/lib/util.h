/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Small helpers the daemon, the tools and the tests would otherwise each
 * keep a copy of: the counter updates the metrics thread reads without a
 * lock, the clock the XDP program reads, the one hash of the daemon's
 * tables, and the formatter of "char *err, size_t errlen" messages.
 */
#ifndef XDPDNS_UTIL_H
#define XDPDNS_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#ifndef NSEC_PER_SEC
#define NSEC_PER_SEC 1000000000ULL
#endif

/*
 * Counters with one writer (the event loop) and readers on other threads
 * (the metrics server): relaxed loads and stores, so a reader never sees a
 * torn value and never takes a lock. An update is a load and a store, not
 * a read-modify-write: with one writer nothing is lost, and it costs what
 * a plain increment does.
 */
static inline uint64_t stat_get(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline void stat_set(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static inline void stat_add(uint64_t *p, uint64_t n)
{
	stat_set(p, stat_get(p) + n);
}

static inline void stat_inc(uint64_t *p)
{
	stat_add(p, 1);
}

/* The same for a sum of seconds (the recursion-time histogram). */
static inline double stat_get_double(const double *p)
{
	double v;

	__atomic_load(p, &v, __ATOMIC_RELAXED);
	return v;
}

static inline void stat_add_double(double *p, double n)
{
	double v = stat_get_double(p) + n;

	__atomic_store(p, &v, __ATOMIC_RELAXED);
}

/*
 * CLOCK_MONOTONIC in ns: the clock bpf_ktime_get_ns() reads, so times taken
 * here compare directly with the ones the XDP program stores and checks.
 */
static inline uint64_t util_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/*
 * 32-bit FNV-1a over @n bytes at @p, continuing from @h (UTIL_HASH_INIT to
 * start), so a key of several fields hashes field by field. The hash of the
 * daemon's chained tables and of the tests' reference models; not seeded.
 */
#define UTIL_HASH_INIT 2166136261u

static inline uint32_t util_hash(uint32_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

/*
 * The hash of a question key: @qname_len bytes of wire name, then qtype,
 * qclass and the XDPDNS_KEY_* flags. The in-flight table, the answer cache
 * and the refresher's index all key on this.
 */
static inline uint32_t util_qkey_hash(const uint8_t *qname, size_t qname_len,
				      uint16_t qtype, uint16_t qclass,
				      uint8_t flags)
{
	uint32_t h = util_hash(UTIL_HASH_INIT, qname, qname_len);

	h = util_hash(h, &qtype, sizeof(qtype));
	h = util_hash(h, &qclass, sizeof(qclass));
	return util_hash(h, &flags, sizeof(flags));
}

/*
 * util_sockaddr() - @ss set to the @family (AF_INET, AF_INET6) address
 * @addr (4 or 16 bytes) and port @port (2 bytes, network order), as packets
 * and the XDP program's events carry them. Return: its length.
 */
socklen_t util_sockaddr(struct sockaddr_storage *ss, int family,
			const uint8_t *addr, const uint8_t *port);

struct ifreq;

/*
 * util_if_ioctl() - ioctl @req (SIOCGIFMTU, SIOCETHTOOL, ...) on interface
 * @ifname with @ifr, whose name it sets. Return: 0 or -errno.
 */
int util_if_ioctl(const char *ifname, unsigned long req, struct ifreq *ifr);

/* util_if_mtu() - the MTU of interface @ifname, or 0 when unknown. */
unsigned int util_if_mtu(const char *ifname);

/**
 * seterr() - format a failure message into the caller's buffer.
 * @err, @errlen: the "char *err, size_t errlen" of the function failing;
 *                NULL or 0 writes nothing. The text is truncated to fit.
 */
void seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* XDPDNS_UTIL_H */
