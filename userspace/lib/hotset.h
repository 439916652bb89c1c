/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The hot set: the cache entries XDP is answering, most hit first, as one
 * node hands them to another (`xdpdnsctl hotset export|import|pull`,
 * xdpdnsd's /api/hotset). Both the tool and the daemon's metrics server
 * build it here, from the pinned maps alone, so the two print the same.
 *
 * The text form, one entry a line (README, "Sharing the hot set"):
 *
 *   NAME TYPE HITS [FLAGS]
 *
 * NAME in presentation form, absolute (a leading '#' escaped as \035 so
 * no name reads as a comment), TYPE the mnemonic of dnswire's list or
 * RFC 3597 TYPEn, HITS the answers XDP served from the entry, FLAGS only
 * when the key carries query bits: "do", "cd" or "do,cd". Lines starting
 * with '#' and blank lines are comments. Only class IN is ever cached,
 * so no class travels. What travels is what to ask; never records, TTLs
 * or rate-limit state: the importing node resolves every name itself.
 */
#ifndef XDPDNS_HOTSET_H
#define XDPDNS_HOTSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "maps/xdpdns.h"
#include "lib/dnswire.h"
#include "lib/xdpmaps.h"

/* Entries a hot set holds unless told otherwise, and at most. */
#ifndef HOTSET_TOP_DEFAULT
#define HOTSET_TOP_DEFAULT 10000
#endif
#define HOTSET_TOP_MAX 100000
/* Longest line of the text form, newline and NUL included. */
#define HOTSET_LINE_MAX (DNSWIRE_NAME_TEXT_MAX + 64)
/* Version of the JSON form; bump on a breaking change. */
#define HOTSET_JSON_VERSION 1

/* One entry: a question to ask again, and how hot it was. */
struct hotset_row {
	uint8_t qname[DNS_NAME_MAX]; /* lower-cased wire name */
	uint8_t qname_len;
	uint8_t flags; /* XDPDNS_KEY_DO, XDPDNS_KEY_CD */
	uint16_t qtype;
	uint64_t hits;
};

struct hotset {
	struct hotset_row *rows;
	size_t n, cap;
	size_t top; /* rows kept after hotset_finish() */
	uint64_t min_hits; /* entries with fewer hits are left out */
	uint64_t walked; /* cache entries seen */
};

/* An empty set keeping the @top most hit entries with >= @min_hits. */
void hotset_init(struct hotset *h, size_t top, uint64_t min_hits);
void hotset_free(struct hotset *h);

/*
 * Offer one cache entry. Entries under min_hits, of another class than
 * IN or without a valid name are skipped. Memory stays bounded by 2 x top
 * rows: the set is cut down to top whenever it reaches that.
 * Return: 0 or -ENOMEM.
 */
int hotset_add(struct hotset *h, const struct xdpdns_cache_key *key,
	       uint64_t hits);

/*
 * Sort (hits descending; then name, type and flags, so equal counts come
 * out in one order every time) and keep the first top rows.
 */
void hotset_finish(struct hotset *h);

/**
 * hotset_collect() - the hot set of the XDP cache of @fds (its index and
 * slot maps), finished.
 * Return: 0, -EBADF without a cache map, or -errno of the walk.
 */
int hotset_collect(const struct xdpmaps_fds *fds, struct hotset *h);

/*
 * One row as a text line, without the newline.
 * Return: its length, or -ENOSPC when @cap (HOTSET_LINE_MAX is enough) is
 * too small.
 */
int hotset_format_row(const struct hotset_row *r, char *buf, size_t cap);

/* Every row of @h as text lines after one '#' header line. Return: 0 or
 * -EIO. */
int hotset_write_text(const struct hotset *h, FILE *f);

/* {"version": 1, "entries": [{"name", "type", "flags", "hits"}...]}.
 * Return: a new reference, or NULL (out of memory). */
json_t *hotset_json(const struct hotset *h);

/*
 * Read one line of the text form into @r: "NAME TYPE [HITS [FLAGS]]",
 * fields separated by blanks, a trailing newline allowed; the name is
 * lower-cased, HITS defaults to 0.
 * Return: 1 a row, 0 a comment or blank line, -EINVAL a bad line.
 */
int hotset_parse_line(const char *line, struct hotset_row *r);

#endif /* XDPDNS_HOTSET_H */
