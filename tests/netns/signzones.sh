#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Signs part of the offline hierarchy gen-zones.py wrote into ZONES_DIR, in
# place, with ldnsutils (ECDSA P-256, one key per zone, NSEC), bottom up so
# every parent carries its signed children's DS:
#   z000.lab. .. z002.lab.  signed, DS in lab.: secure
#   z003.lab.               signed with signatures that expired in 2020,
#                           DS in lab.: bogus
#   z004.lab. and up, glueless.lab., every leaf of test. and example.
#                           unsigned, no DS: insecure delegations
#   lab.                    signed, DS in the root
#   test., example.         unsigned, no DS in the root: insecure
#   .                       signed; ZONES_DIR/root.ta is its DS, the trust
#                           anchor (unbound's trust-anchor-file format)
# The zone files keep their names, so NSD's configs stay as they are.
# Usage: signzones.sh ZONES_DIR
set -euo pipefail
dir=${1:?usage: signzones.sh ZONES_DIR}
cd "$dir"
for t in ldns-keygen ldns-signzone ldns-key2ds; do
	command -v "$t" >/dev/null || {
		echo "signzones: $t not found (ldnsutils)" >&2
		exit 2
	}
done

# sign ZONE [ldns-signzone options]: signs ZONE's file in place, appends
# ZONE's DS to the file named by DS_TO (the parent's zone file).
sign() {
	local zone=$1 file key
	shift
	file=${zone%.}.zone
	[ "$zone" = . ] && file=root.zone
	key=$(ldns-keygen -a ECDSAP256SHA256 -k "$zone")
	ldns-signzone -f "$file.signed" "$@" "$file" "$key"
	mv "$file.signed" "$file"
	ldns-key2ds -n -2 "$key.key" >"$key.ds.txt"
	rm -f "$key.private" "$key.ds"
	echo "$key.ds.txt"
}

for z in z000.lab. z001.lab. z002.lab.; do
	cat "$(sign "$z")" >>lab.zone
done
cat "$(sign z003.lab. -i 20200101000000 -e 20200201000000)" >>lab.zone
cat "$(sign lab.)" >>root.zone
cp "$(sign .)" root.ta
