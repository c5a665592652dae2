#!/bin/bash
# Regenerates the rpmdb fixtures in this directory.
#
# Needs (Debian bookworm): apt-get install -y rpm db5.3-util sqlite3 python3
# Run from anywhere; everything temporary goes to a mktemp dir.
#
# What is made, and how:
#   sqlite/rpmdb.sqlite  rpm 4.18 (`_db_backend sqlite`) installs the three
#                        packages built from specs/; then sqlite3 rewrites it
#                        with 1024-byte pages (rpm's 4096-byte pages make a
#                        ~240 KB file, mostly empty index tables) and puts it
#                        back into WAL mode, as rpm leaves it.
#   bdb-hash/Packages    db5.3_load -t hash, pagesize 4096, host (little)
#                        endian: key = 4-byte host-order package number,
#                        value = the exact header blob from the sqlite db,
#                        plus rpm's key-0 record. Every blob is larger than a
#                        quarter page, so all values sit on overflow pages;
#                        beta's 13 KB blob spans several.
#   bdb-hash-be/Packages db5.3_load -t hash, pagesize 16384, db_lorder=4321
#                        (big-endian, keys big-endian as a big-endian rpm
#                        writes them): small blobs are stored on-page.
#   bdb-btree/Packages   db5.3_load -t btree, pagesize 512: long overflow
#                        chains.
#   ndb/Packages.db      Debian's rpm has no ndb backend, so make-ndb.py
#                        writes it (layout from rpm's ndb/rpmpkg.c) from the
#                        same blobs. rpm cannot read it back here.
#   */expected.txt       rpm -qa --qf (see QF) run on each fixture file
#                        copied into a fresh dbpath; for ndb, the sqlite
#                        reading of the same blobs.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

export SOURCE_DATE_EPOCH=1700000000
QF='@PKG\t%{NAME}\t%{EPOCH}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\t%{SIZE}\t%{LONGSIZE}\t%{SOURCERPM}\t%{VENDOR}\n[@REQ\t%{REQUIRENAME}\n][@PROV\t%{PROVIDENAME}\n][@FILE\t%{FILENAMES}\t%{LONGFILESIZES}\t%{FILEMODES:octal}\t%{FILEFLAGS}\n]'

# 1. Build the packages.
for s in alpha beta gamma; do
    rpmbuild -bb --quiet \
        --define "_topdir $tmp/top" \
        --define 'use_source_date_epoch_as_buildtime 1' \
        --define 'clamp_mtime_to_source_date_epoch 1' \
        --define '_buildhost fixture.invalid' \
        "$here/specs/$s.spec" >"$tmp/build-$s.log" 2>&1
done

# 2. Install them into an sqlite rpmdb.
root="$tmp/inst"
mkdir -p "$root"
rpmq() { # rpmq BACKEND ROOT ARGS...
    local be=$1 r=$2
    shift 2
    rpm --root "$r" --dbpath /var/lib/rpm --define "_db_backend $be" "$@"
}
rpmq sqlite "$root" --initdb
# --force-debian: Debian's rpm refuses plain installs otherwise.
rpmq sqlite "$root" -i --nodeps --ignorearch --noscripts --force-debian \
    "$tmp"/top/RPMS/*/*.rpm 2>/dev/null
sqldb="$root/var/lib/rpm/rpmdb.sqlite"
sqlite3 "$sqldb" 'PRAGMA journal_mode=DELETE;' >/dev/null
sqlite3 "$sqldb" 'PRAGMA page_size=1024; VACUUM;'
sqlite3 "$sqldb" 'PRAGMA journal_mode=WAL;' >/dev/null
rm -f "$sqldb-wal" "$sqldb-shm"

# expected BACKEND FILE OUTDIR: query FILE with rpm itself, in a fresh root.
expected() {
    local be=$1 file=$2 out=$3
    local q
    q="$tmp/query-$(basename "$out")"
    rm -rf "$q"
    mkdir -p "$q/var/lib/rpm"
    cp "$file" "$q/var/lib/rpm/"
    # rpm warns about the index files it is not given; they are not needed.
    rpmq "$be" "$q" -qa --qf "$QF" >"$out/expected.txt" 2>"$tmp/qa.log"
    test -s "$out/expected.txt"
}

mkdir -p "$here/sqlite"
cp "$sqldb" "$here/sqlite/rpmdb.sqlite"
expected sqlite "$here/sqlite/rpmdb.sqlite" "$here/sqlite"

# 3. The header blobs, exactly as stored: "HNUM|HEX" lines.
sqlite3 "$sqldb" 'SELECT hnum, hex(blob) FROM Packages ORDER BY hnum;' >"$tmp/blobs.txt"

# BerkeleyDB load input in db_dump's bytevalue format. Key 0 holds the
# next free package number, as rpm's BDB backend kept it.
bdb_input() { # bdb_input TYPE little|big
    python3 - "$1" "$2" "$tmp/blobs.txt" <<'EOF'
import struct, sys
typ, order, path = sys.argv[1:4]
fmt = "<I" if order == "little" else ">I"
rows = [l.strip().split("|") for l in open(path) if l.strip()]
print("VERSION=3\nformat=bytevalue\ntype=%s\nHEADER=END" % typ)
nxt = max(int(h) for h, _ in rows) + 1
print(" " + struct.pack(fmt, 0).hex())
print(" " + struct.pack(fmt, nxt).hex())
for h, blob in rows:
    print(" " + struct.pack(fmt, int(h)).hex())
    print(" " + blob.lower())
print("DATA=END")
EOF
}

make_bdb() { # make_bdb DIR TYPE ORDER PAGESIZE LORDER
    local dir=$1 typ=$2 order=$3 ps=$4 lorder=$5
    mkdir -p "$here/$dir"
    rm -f "$here/$dir/Packages"
    bdb_input "$typ" "$order" >"$tmp/$dir.dump"
    db5.3_load -t "$typ" -c db_pagesize="$ps" -c db_lorder="$lorder" \
        -f "$tmp/$dir.dump" "$here/$dir/Packages"
    expected bdb_ro "$here/$dir/Packages" "$here/$dir"
}
make_bdb bdb-hash hash little 4096 1234
make_bdb bdb-hash-be hash big 16384 4321
make_bdb bdb-btree btree little 512 1234

# 4. NDB.
mkdir -p "$here/ndb"
python3 "$here/make-ndb.py" "$here/ndb/Packages.db" <"$tmp/blobs.txt"
cp "$here/sqlite/expected.txt" "$here/ndb/expected.txt"

# Every reading must list the same three packages.
for d in sqlite bdb-hash bdb-hash-be bdb-btree ndb; do
    n=$(grep -c '^@PKG' "$here/$d/expected.txt")
    test "$n" = 3 || { echo "$d: rpm listed $n packages" >&2; exit 1; }
done
ls -l "$here"/*/expected.txt "$here"/sqlite/rpmdb.sqlite "$here"/bdb-*/Packages "$here"/ndb/Packages.db
