// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The hot set (lib/hotset.h): collected from a walk of the XDP cache,
 * written as text or JSON for a peer, and read back line by line by the
 * importing node.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cachemap.h"
#include "lib/hotset.h"
#include "lib/observe.h"

void hotset_init(struct hotset *h, size_t top, uint64_t min_hits)
{
	memset(h, 0, sizeof(*h));
	h->top = top ? top : HOTSET_TOP_DEFAULT;
	if (h->top > HOTSET_TOP_MAX)
		h->top = HOTSET_TOP_MAX;
	h->min_hits = min_hits;
}

void hotset_free(struct hotset *h)
{
	free(h->rows);
	h->rows = NULL;
	h->n = h->cap = 0;
}

static int hotset_row_cmp(const void *pa, const void *pb)
{
	const struct hotset_row *a = pa, *b = pb;
	size_t len = a->qname_len < b->qname_len ? a->qname_len : b->qname_len;
	int c;

	if (a->hits != b->hits)
		return a->hits > b->hits ? -1 : 1;
	c = memcmp(a->qname, b->qname, len);
	if (c)
		return c;
	if (a->qname_len != b->qname_len)
		return a->qname_len < b->qname_len ? -1 : 1;
	if (a->qtype != b->qtype)
		return a->qtype < b->qtype ? -1 : 1;
	return (int)a->flags - (int)b->flags;
}

void hotset_finish(struct hotset *h)
{
	if (h->n > 1)
		qsort(h->rows, h->n, sizeof(h->rows[0]), hotset_row_cmp);
	if (h->n > h->top)
		h->n = h->top;
}

int hotset_add(struct hotset *h, const struct xdpdns_cache_key *key,
	       uint64_t hits)
{
	struct hotset_row *r;
	int len;

	h->walked++;
	if (hits < h->min_hits || key->qclass != DNS_CLASS_IN)
		return 0;
	len = dnswire_name_len(key->qname, sizeof(key->qname));
	if (len < 0)
		return 0;
	if (h->n == h->cap) {
		size_t cap;

		/* Bounded: at 2 x top, sort and drop the coldest half. */
		if (h->cap >= 2 * h->top) {
			hotset_finish(h);
		} else {
			cap = h->cap ? 2 * h->cap : 256;
			if (cap > 2 * h->top)
				cap = 2 * h->top;
			r = realloc(h->rows, cap * sizeof(*r));
			if (!r)
				return -ENOMEM;
			h->rows = r;
			h->cap = cap;
		}
	}
	r = &h->rows[h->n++];
	memset(r, 0, sizeof(*r));
	memcpy(r->qname, key->qname, (size_t)len);
	dnswire_name_lower(r->qname, (size_t)len);
	r->qname_len = (uint8_t)len;
	r->flags = key->flags & (XDPDNS_KEY_DO | XDPDNS_KEY_CD);
	r->qtype = key->qtype;
	r->hits = hits;
	return 0;
}

static int hotset_walk_cb(void *arg, const struct xdpdns_cache_key *key,
			  const struct xdpdns_cache_entry *e)
{
	return hotset_add(arg, key, e->hits);
}

int hotset_collect(const struct xdpmaps_fds *fds, struct hotset *h)
{
	const int slot_fds[XDPDNS_SLOT_CLASSES] = { fds->slot0, fds->slot1,
						    fds->slot2, fds->slot3 };
	/* A walk reads the slots only: the hash key is not needed. */
	const struct xdpdns_hash_key none = { 0 };
	struct cachemap *cm;
	int err;

	if (fds->cache < 0)
		return -EBADF;
	err = cachemap_open(fds->cache, slot_fds, &none, 0, util_mono_ns(), &cm,
			    NULL, 0);
	if (err)
		return err;
	err = cachemap_walk(cm, hotset_walk_cb, h);
	cachemap_close(cm);
	hotset_finish(h);
	return err;
}

static const char *hotset_flags_text(uint8_t flags)
{
	return observe_key_flags(flags);
}

int hotset_format_row(const struct hotset_row *r, char *buf, size_t cap)
{
	char name[DNSWIRE_NAME_TEXT_MAX + 4], type[16];
	const char *flags = hotset_flags_text(r->flags);
	const char *esc = "";
	int n;

	if (dnswire_name_to_text(r->qname, r->qname_len, name, sizeof(name)) <
		    0 ||
	    dnswire_type_to_text(r->qtype, type, sizeof(type)) < 0)
		return -ENOSPC;
	/* '#' starts a comment: a name that begins with it is escaped. */
	if (name[0] == '#')
		esc = "\\035";
	n = snprintf(buf, cap, "%s%s %s %" PRIu64 "%s%s", esc,
		     name + (esc[0] != '\0'), type, r->hits,
		     flags[0] ? " " : "", flags);
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	return n;
}

int hotset_write_text(const struct hotset *h, FILE *f)
{
	char line[HOTSET_LINE_MAX];

	if (fprintf(f,
		    "# xdpdns hot set: NAME TYPE HITS [FLAGS], most hit "
		    "first, %zu entries\n",
		    h->n) < 0)
		return -EIO;
	for (size_t i = 0; i < h->n; i++) {
		if (hotset_format_row(&h->rows[i], line, sizeof(line)) < 0)
			continue;
		if (fprintf(f, "%s\n", line) < 0)
			return -EIO;
	}
	return ferror(f) ? -EIO : 0;
}

json_t *hotset_json(const struct hotset *h)
{
	char name[DNSWIRE_NAME_TEXT_MAX], type[16];
	json_t *doc = json_object(), *a = json_array();

	if (!doc || !a)
		goto fail;
	json_object_set_new(doc, "version", json_integer(HOTSET_JSON_VERSION));
	for (size_t i = 0; i < h->n; i++) {
		const struct hotset_row *r = &h->rows[i];
		json_t *o;

		if (dnswire_name_to_text(r->qname, r->qname_len, name,
					 sizeof(name)) < 0 ||
		    dnswire_type_to_text(r->qtype, type, sizeof(type)) < 0)
			continue;
		o = json_pack("{s:s, s:s, s:s, s:I}", "name", name, "type",
			      type, "flags", hotset_flags_text(r->flags),
			      "hits", (json_int_t)r->hits);
		if (!o || json_array_append_new(a, o))
			goto fail;
	}
	if (json_object_set_new(doc, "entries", a))
		goto fail_doc;
	return doc;
fail:
	json_decref(a);
fail_doc:
	json_decref(doc);
	errno = ENOMEM;
	return NULL;
}

/* Splits off the next blank-separated field of *@s into @buf. Return: its
 * length, 0 at the end, -EINVAL when it does not fit. */
static int hotset_field(const char **s, char *buf, size_t cap)
{
	const char *p = *s;
	size_t n = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	while (*p && !isspace((unsigned char)*p)) {
		if (n + 1 >= cap)
			return -EINVAL;
		buf[n++] = *p++;
	}
	buf[n] = '\0';
	*s = p;
	return (int)n;
}

static int hotset_parse_flags(const char *s, uint8_t *flags)
{
	static const struct {
		const char *text;
		uint8_t bits;
	} names[] = {
		{ "do", XDPDNS_KEY_DO },
		{ "cd", XDPDNS_KEY_CD },
		{ "do,cd", XDPDNS_KEY_DO | XDPDNS_KEY_CD },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i].text)) {
			*flags = names[i].bits;
			return 0;
		}
	}
	return -EINVAL;
}

static int hotset_parse_hits(const char *s, uint64_t *hits)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		uint64_t d = (uint64_t)(*s - '0');

		if (*s < '0' || *s > '9' || v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*hits = v;
	return 0;
}

int hotset_parse_line(const char *line, struct hotset_row *r)
{
	char f[DNSWIRE_NAME_TEXT_MAX + 2];
	const char *p = line;
	int len, type;

	memset(r, 0, sizeof(*r));
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '#' || *p == '\0' || *p == '\n' ||
	    (p[0] == '\r' && p[1] == '\n') || (p[0] == '\r' && !p[1]))
		return 0;
	if (hotset_field(&p, f, sizeof(f)) <= 0)
		return -EINVAL;
	len = dnswire_name_from_text(f, r->qname, sizeof(r->qname));
	if (len < 0)
		return -EINVAL;
	dnswire_name_lower(r->qname, (size_t)len);
	r->qname_len = (uint8_t)len;
	if (hotset_field(&p, f, sizeof(f)) <= 0)
		return -EINVAL;
	type = dnswire_type_from_text(f);
	if (type < 0)
		return -EINVAL;
	r->qtype = (uint16_t)type;
	len = hotset_field(&p, f, sizeof(f));
	if (len < 0 || (len > 0 && hotset_parse_hits(f, &r->hits)))
		return -EINVAL;
	if (len > 0) {
		len = hotset_field(&p, f, sizeof(f));
		if (len < 0 || (len > 0 && hotset_parse_flags(f, &r->flags)))
			return -EINVAL;
	}
	/* Nothing may follow but the end of the line. */
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return *p ? -EINVAL : 1;
}
