#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Generate the offline DNS hierarchy used by the netns tests.

Writes into OUTDIR a fake root zone, the TLD zones and the leaf zones they
delegate (with glue), the NSD zone stanzas for each server role, a root hints
file for resolvers, and a manifest of names with the answer each must get, so
tests compare real recursion against known data. Stdlib only, deterministic:
the same arguments always give the same files.

Manifest (names.txt), one query per line, whitespace-separated:
  qname qtype rcode kind ttl chain count [rdata...]
    rcode  NOERROR | NXDOMAIN | SERVFAIL
    kind   addr multi short cname xcname wild glueless nodata ent
           nxdomain big many mid mx txt servfail
    ttl    TTL the zone gives the final RRset (negative: SOA minimum)
    chain  CNAME targets in order, comma-separated, or "-"
    count  number of RRs of qtype in the final RRset (0: NODATA/NXDOMAIN)
    rdata  the final RRset's data sorted, when it is one word per RR

Also written: root.zone, <tld>.zone, <leaf>.zone; root.nsd, tld.nsd and
leaf.nsd (NSD zone: stanzas per server role); root.hints; tlds.txt; and two
query lists in dnsperf's "name TYPE" format: hot.txt (a few popular names per
zone, for cache-hit benchmarks) and all.txt (every positive query).
"""

import argparse
import ipaddress
import os

TLDS = ("test", "example", "lab")
DEFAULT_TTL = 3600
SHORT_TTL = 30
NEG_TTL = 300


def soa(origin, ns):
    return (f"@ {DEFAULT_TTL} IN SOA {ns} hostmaster.{origin} "
            f"1 3600 900 604800 {NEG_TTL}")


class Manifest:
    def __init__(self):
        self.lines = []

    def add(self, qname, qtype, rcode, kind, ttl, chain=(), rdata=(),
            count=None):
        n = len(rdata) if count is None else count
        ch = ",".join(chain) if chain else "-"
        words = [qname, qtype, rcode, kind, str(ttl), ch, str(n)]
        words += sorted(rdata)
        self.lines.append(" ".join(words))


def leaf_name(tld, i):
    return f"z{i:03d}.{tld}."


def v6(zi, n):
    """Canonical (RFC 5952) form, as dig and kdig print it."""
    return str(ipaddress.IPv6Address((0x20010db8ff00 << 16 | zi) << 64 | n))


def host_addrs(zi, h):
    """A and AAAA data of hostH in zone number zi (never contacted)."""
    a = [f"198.19.{zi}.{h + 1}"]
    aaaa = [v6(zi, h + 1)]
    if h % 11 == 1:
        a += [f"198.19.{zi}.{100 + h}", f"198.19.{zi}.{160 + h}"]
        aaaa += [v6(zi, 0x10000 + h)]
    if h % 5 == 0:
        aaaa = []
    elif h % 7 == 3:
        a = []
    return a, aaaa


def host_kind(h, a):
    if h % 13 == 2:
        return "short", SHORT_TTL
    if len(a) > 1:
        return "multi", DEFAULT_TTL
    return "addr", DEFAULT_TTL


def gen_leaf(out, tld, i, zi, ntld, nzones, hosts, srv, man, hot):
    origin = leaf_name(tld, i)
    rr = [f"$ORIGIN {origin}", f"$TTL {DEFAULT_TTL}",
          soa(origin, "ns1." + origin),
          "@ NS ns1", "@ NS ns2",
          f"ns1 A {srv['leaf4'][0]}", f"ns1 AAAA {srv['leaf6'][0]}",
          f"ns2 A {srv['leaf4'][1]}", f"ns2 AAAA {srv['leaf6'][1]}",
          f"@ A 198.19.{zi}.250", "@ MX 10 mail", f"mail A 198.19.{zi}.251",
          '@ TXT "v=spf1 -all"']
    man.add(origin, "A", "NOERROR", "addr", DEFAULT_TTL,
            rdata=[f"198.19.{zi}.250"])
    man.add(origin, "MX", "NOERROR", "mx", DEFAULT_TTL, count=1)
    man.add(origin, "TXT", "NOERROR", "txt", DEFAULT_TTL, count=1)
    man.add("mail." + origin, "AAAA", "NOERROR", "nodata", NEG_TTL)

    www_a = [f"198.19.{zi}.240"]
    www_aaaa = [v6(zi, 0xf0)]
    rr += [f"www A {www_a[0]}", f"www AAAA {www_aaaa[0]}"]
    man.add("www." + origin, "A", "NOERROR", "addr", DEFAULT_TTL,
            rdata=www_a)
    man.add("www." + origin, "AAAA", "NOERROR", "addr", DEFAULT_TTL,
            rdata=www_aaaa)
    hot += [f"www.{origin} A", f"www.{origin} AAAA"]

    for h in range(hosts):
        name = f"host{h}"
        fq = f"{name}.{origin}"
        a, aaaa = host_addrs(zi, h)
        kind, ttl = host_kind(h, a)
        tfield = f" {ttl}" if ttl != DEFAULT_TTL else ""
        rr += [f"{name}{tfield} A {x}" for x in a]
        rr += [f"{name}{tfield} AAAA {x}" for x in aaaa]
        for qtype, data in (("A", a), ("AAAA", aaaa)):
            if data:
                man.add(fq, qtype, "NOERROR", kind, ttl, rdata=data)
                if h < 4:
                    hot.append(f"{fq} {qtype}")
            else:
                man.add(fq, qtype, "NOERROR", "nodata", NEG_TTL)

    # A TTL short enough that expiry and refresh are seen within a test.
    rr.append(f"ttl5 5 A 198.19.{zi}.252")
    man.add("ttl5." + origin, "A", "NOERROR", "short", 5,
            rdata=[f"198.19.{zi}.252"])

    # CNAME chain of three links inside the zone.
    rr += ["c1 CNAME c2", "c2 CNAME c3", "c3 CNAME www"]
    chain = [f"c2.{origin}", f"c3.{origin}", f"www.{origin}"]
    man.add("c1." + origin, "A", "NOERROR", "cname", DEFAULT_TTL,
            chain=chain, rdata=www_a)
    man.add("c1." + origin, "AAAA", "NOERROR", "cname", DEFAULT_TTL,
            chain=chain, rdata=www_aaaa)
    rr.append("alias CNAME host1")
    a1, aaaa1 = host_addrs(zi, 1)
    man.add("alias." + origin, "A", "NOERROR", "cname", DEFAULT_TTL,
            chain=["host1." + origin], rdata=a1)
    hot.append(f"alias.{origin} A")
    # CNAME to a name that does not exist: NXDOMAIN carrying the CNAME.
    rr.append("dangling CNAME nothing-here")
    man.add("dangling." + origin, "A", "NXDOMAIN", "cname", NEG_TTL,
            chain=["nothing-here." + origin])

    # Cross-zone chain: xc.zI.T -> xm.zI+1.T+1 -> www.zI+2.T+2 (3 zones).
    nxt = leaf_name(TLDS[(ntld + 1) % len(TLDS)], (i + 1) % nzones)
    far_t = (ntld + 2) % len(TLDS)
    far_i = (i + 2) % nzones
    far = leaf_name(TLDS[far_t], far_i)
    far_zi = far_t * nzones + far_i
    rr.append(f"xc CNAME xm.{nxt}")
    rr.append(f"xm CNAME www.{nxt}")
    man.add("xc." + origin, "A", "NOERROR", "xcname", DEFAULT_TTL,
            chain=[f"xm.{nxt}", f"www.{far}"],
            rdata=[f"198.19.{far_zi}.240"])

    # Wildcard, empty non-terminal, names that do not exist.
    rr.append(f"*.wild A 198.19.{zi}.253")
    man.add("any.wild." + origin, "A", "NOERROR", "wild", DEFAULT_TTL,
            rdata=[f"198.19.{zi}.253"])
    man.add("wild." + origin, "A", "NOERROR", "ent", NEG_TTL)
    rr.append(f"leaf.ent A 198.19.{zi}.254")
    man.add("ent." + origin, "A", "NOERROR", "ent", NEG_TTL)
    for k in range(3):
        man.add(f"nx{k}.{origin}", "A", "NXDOMAIN", "nxdomain", NEG_TTL)
    man.add(f"nx.host0.{origin}", "AAAA", "NXDOMAIN", "nxdomain", NEG_TTL)

    if i == 0:
        # Answers that do not fit a 1232-byte (or 512-byte) UDP buffer.
        chunk = "x" * 250
        rr.append("big TXT " + " ".join(f'"{k}{chunk}"' for k in range(8)))
        man.add("big." + origin, "TXT", "NOERROR", "big", DEFAULT_TTL,
                count=1)
        many = [f"198.18.{200 + ntld}.{k + 1}" for k in range(100)]
        rr += [f"many A {x}" for x in many]
        man.add("many." + origin, "A", "NOERROR", "many", DEFAULT_TTL,
                rdata=many)
        mid = [f"198.18.{210 + ntld}.{k + 1}" for k in range(40)]
        rr += [f"mid A {x}" for x in mid]
        man.add("mid." + origin, "A", "NOERROR", "mid", DEFAULT_TTL,
                rdata=mid)

    with open(os.path.join(out, f"{origin}zone"), "w") as f:
        f.write("\n".join(rr) + "\n")
    return origin


def gen_glueless(out, man):
    """lab. delegates glueless.lab. to names in another TLD without glue."""
    origin = "glueless.lab."
    ns1 = "ns1." + leaf_name("test", 0)
    ns2 = "ns2." + leaf_name("test", 0)
    rr = [f"$ORIGIN {origin}", f"$TTL {DEFAULT_TTL}", soa(origin, ns1),
          f"@ NS {ns1}", f"@ NS {ns2}", "www A 198.19.254.1"]
    man.add("www." + origin, "A", "NOERROR", "glueless", DEFAULT_TTL,
            rdata=["198.19.254.1"])
    # lame.lab. points at the same servers, which do not serve it.
    man.add("www.lame.lab.", "A", "SERVFAIL", "servfail", 0)
    with open(os.path.join(out, f"{origin}zone"), "w") as f:
        f.write("\n".join(rr) + "\n")
    return origin


def delegation(zone, names, addr4, addr6):
    """NS records of zone for the servers names, then their glue."""
    rr = [f"{zone} NS {n}" for n in names]
    for n, a4, a6 in zip(names, addr4, addr6):
        rr += [f"{n} A {a4}", f"{n} AAAA {a6}"]
    return rr


def gen_tld(out, tld, leaves, srv):
    origin = tld + "."
    rr = [f"$ORIGIN {origin}", f"$TTL {DEFAULT_TTL}",
          soa(origin, f"ns1.nic.{origin}"),
          f"@ NS ns1.nic.{origin}", f"@ NS ns2.nic.{origin}",
          f"ns1.nic A {srv['tld4'][0]}", f"ns1.nic AAAA {srv['tld6'][0]}",
          f"ns2.nic A {srv['tld4'][1]}", f"ns2.nic AAAA {srv['tld6'][1]}"]
    for leaf in leaves:
        rr += delegation(leaf, [f"ns1.{leaf}", f"ns2.{leaf}"],
                         srv["leaf4"], srv["leaf6"])
    if tld == "lab":
        for k, a4 in enumerate(srv["root4"]):
            rr += [f"{chr(97 + k)}.root-servers A {a4}",
                   f"{chr(97 + k)}.root-servers AAAA {srv['root6'][k]}"]
        z0 = leaf_name("test", 0)
        rr += [f"glueless NS ns1.{z0}", f"glueless NS ns2.{z0}",
               f"lame NS ns1.{z0}", f"lame NS ns2.{z0}"]
    with open(os.path.join(out, f"{origin}zone"), "w") as f:
        f.write("\n".join(rr) + "\n")


def gen_root(out, srv):
    roots = [f"{chr(97 + k)}.root-servers.lab."
             for k in range(len(srv["root4"]))]
    rr = ["$ORIGIN .", "$TTL 86400",
          f". 86400 IN SOA {roots[0]} hostmaster.nic.lab. "
          f"1 1800 900 604800 {NEG_TTL}"]
    rr += delegation(".", roots, srv["root4"], srv["root6"])
    for tld in TLDS:
        rr += delegation(f"{tld}.", [f"ns1.nic.{tld}.", f"ns2.nic.{tld}."],
                         srv["tld4"], srv["tld6"])
    with open(os.path.join(out, "root.zone"), "w") as f:
        f.write("\n".join(rr) + "\n")
    with open(os.path.join(out, "root.hints"), "w") as f:
        for r in roots:
            f.write(f".\t3600000\tNS\t{r}\n")
        for k, r in enumerate(roots):
            f.write(f"{r}\t3600000\tA\t{srv['root4'][k]}\n")
            f.write(f"{r}\t3600000\tAAAA\t{srv['root6'][k]}\n")


def stanza(names, files):
    return "".join(f'zone:\n\tname: "{n}"\n\tzonefile: "{f}"\n'
                   for n, f in zip(names, files))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("outdir")
    p.add_argument("--zones", type=int, default=20,
                   help="leaf zones per TLD (max 80)")
    p.add_argument("--hosts", type=int, default=60,
                   help="hostN names per leaf zone (max 60)")
    for role in ("root", "tld", "leaf"):
        p.add_argument(f"--{role}4", required=True,
                       help="comma-separated IPv4 addresses")
        p.add_argument(f"--{role}6", required=True,
                       help="comma-separated IPv6 addresses")
    a = p.parse_args()
    if not (1 <= a.zones <= 80 and 4 <= a.hosts <= 60):
        p.error("--zones 1..80, --hosts 4..60")
    srv = {k: getattr(a, k).split(",") for k in
           ("root4", "root6", "tld4", "tld6", "leaf4", "leaf6")}
    for k in ("tld4", "tld6", "leaf4", "leaf6"):
        if len(srv[k]) != 2:
            p.error(f"--{k} needs two addresses")
    if len(srv["root4"]) != len(srv["root6"]):
        p.error("--root4 and --root6 need the same number of addresses")

    out = a.outdir
    os.makedirs(out, exist_ok=True)
    man = Manifest()
    hot = []
    leaves = {t: [] for t in TLDS}
    for ntld, tld in enumerate(TLDS):
        for i in range(a.zones):
            zi = ntld * a.zones + i
            leaves[tld].append(gen_leaf(out, tld, i, zi, ntld, a.zones,
                                        a.hosts, srv, man, hot))
    glueless = gen_glueless(out, man)
    for tld in TLDS:
        gen_tld(out, tld, leaves[tld], srv)
    gen_root(out, srv)

    all_leaves = [z for t in TLDS for z in leaves[t]] + [glueless]
    with open(os.path.join(out, "root.nsd"), "w") as f:
        f.write(stanza(["."], ["root.zone"]))
    with open(os.path.join(out, "tld.nsd"), "w") as f:
        f.write(stanza([t + "." for t in TLDS], [t + ".zone" for t in TLDS]))
    with open(os.path.join(out, "leaf.nsd"), "w") as f:
        f.write(stanza(all_leaves, [z + "zone" for z in all_leaves]))

    with open(os.path.join(out, "names.txt"), "w") as f:
        head = __doc__[__doc__.index("Manifest"):__doc__.index("\n\nAlso")]
        f.write("".join(f"# {h}".rstrip() + "\n" for h in head.split("\n")))
        f.write("\n".join(man.lines) + "\n")
    with open(os.path.join(out, "hot.txt"), "w") as f:
        f.write("\n".join(hot) + "\n")
    with open(os.path.join(out, "all.txt"), "w") as f:
        for line in man.lines:
            w = line.split()
            if w[2] == "NOERROR" and int(w[6]) > 0:
                f.write(f"{w[0]} {w[1]}\n")
    with open(os.path.join(out, "tlds.txt"), "w") as f:
        f.write("\n".join(TLDS) + "\n")


if __name__ == "__main__":
    main()
