/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * DNS protocol constants, one vocabulary for the XDP program and user space
 * (only macros: the BPF object includes this as it is). Product limits and
 * map layouts are XDPDNS_* in maps/xdpdns.h; these are the protocol's.
 */
#ifndef XDPDNS_MAPS_DNS_H
#define XDPDNS_MAPS_DNS_H

#define DNS_HEADER_LEN 12
/* Longest wire-format name, root label included (RFC 1035 2.3.4). */
#define DNS_NAME_MAX 255
#define DNS_LABEL_MAX 63
/* Type, class, TTL and RDLENGTH after an owner name. */
#define DNS_RR_FIXED_LEN 10
/* An OPT record without options: root owner and the fixed part. */
#define DNS_OPT_LEN (1 + DNS_RR_FIXED_LEN)
/* The DO bit in the OPT record's TTL field (RFC 3225). */
#define DNS_OPT_DO 0x8000
/* What a client without EDNS can take (RFC 1035 4.2.1). */
#define DNS_UDP_PLAIN_MAX 512

/* Header flag bits in the second 16-bit word, host order. */
#define DNS_F_QR 0x8000
#define DNS_F_OPCODE 0x7800
#define DNS_F_AA 0x0400
#define DNS_F_TC 0x0200
#define DNS_F_RD 0x0100
#define DNS_F_RA 0x0080
#define DNS_F_Z 0x0040
#define DNS_F_AD 0x0020
#define DNS_F_CD 0x0010
#define DNS_F_RCODE 0x000f

#define DNS_CLASS_IN 1
#define DNS_CLASS_ANY 255

#define DNS_TYPE_A 1
#define DNS_TYPE_NS 2
#define DNS_TYPE_MD 3
#define DNS_TYPE_MF 4
#define DNS_TYPE_CNAME 5
#define DNS_TYPE_SOA 6
#define DNS_TYPE_MB 7
#define DNS_TYPE_MG 8
#define DNS_TYPE_MR 9
#define DNS_TYPE_PTR 12
#define DNS_TYPE_MINFO 14
#define DNS_TYPE_MX 15
#define DNS_TYPE_TXT 16
#define DNS_TYPE_RP 17
#define DNS_TYPE_AFSDB 18
#define DNS_TYPE_RT 21
#define DNS_TYPE_SIG 24
#define DNS_TYPE_KEY 25
#define DNS_TYPE_PX 26
#define DNS_TYPE_AAAA 28
#define DNS_TYPE_NXT 30
#define DNS_TYPE_SRV 33
#define DNS_TYPE_NAPTR 35
#define DNS_TYPE_KX 36
#define DNS_TYPE_DNAME 39
#define DNS_TYPE_OPT 41
#define DNS_TYPE_DS 43
#define DNS_TYPE_RRSIG 46
#define DNS_TYPE_NSEC 47
#define DNS_TYPE_DNSKEY 48
#define DNS_TYPE_NSEC3 50
#define DNS_TYPE_NSEC3PARAM 51
#define DNS_TYPE_SVCB 64
#define DNS_TYPE_HTTPS 65
#define DNS_TYPE_TKEY 249
#define DNS_TYPE_TSIG 250
#define DNS_TYPE_IXFR 251
#define DNS_TYPE_AXFR 252
#define DNS_TYPE_MAILB 253
#define DNS_TYPE_MAILA 254
#define DNS_TYPE_ANY 255
#define DNS_TYPE_CAA 257

#define DNS_RCODE_NOERROR 0
#define DNS_RCODE_FORMERR 1
#define DNS_RCODE_SERVFAIL 2
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_NOTIMP 4
#define DNS_RCODE_REFUSED 5
/* Extended rcode (OPT): an EDNS version we do not speak (RFC 6891). */
#define DNS_RCODE_BADVERS 16
/* Extended rcode: a server cookie that is not valid (RFC 7873 8). */
#define DNS_RCODE_BADCOOKIE 23

/* EDNS option codes. */
#define DNS_OPT_COOKIE 10 /* RFC 7873 */

#endif /* XDPDNS_MAPS_DNS_H */
