#!/usr/bin/env python3
"""Write an rpm NDB `Packages.db` from header blobs.

Debian's rpm is built without the ndb backend, so this writes the file in
the layout rpm's lib/backend/ndb/rpmpkg.c uses:

  page 0..N-1 (4096 bytes each): 32-byte db header, then 16-byte slots
  blobs: 16-byte-block aligned; head, header blob, zero pad, tail

Usage: make-ndb.py OUT  < lines of "HNUM|HEXBLOB"

To exercise what a long-lived database looks like, the slot for the last
package is written before the others, a free slot sits between used ones,
and a freed gap of blocks lies between two blobs.
"""
import struct
import sys
import zlib

PAGE = 4096
BLK = 16
SLOTS_PER_PAGE = PAGE // 16


def blob_record(pkgidx, generation, blob):
    head = struct.pack("<4sIII", b"BlbS", pkgidx, generation, len(blob))
    total = 16 + len(blob) + 12
    pad = (-total) % BLK
    body = head + blob + b"\0" * pad
    adler = zlib.adler32(body) & 0xFFFFFFFF
    return body + struct.pack("<II4s", adler, len(blob), b"BlbE")


def main():
    out = sys.argv[1]
    pkgs = []
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        hnum, hexblob = line.split("|")
        pkgs.append((int(hnum), bytes.fromhex(hexblob)))
    pkgs.sort()
    generation = 7
    slotnpages = 1
    # Slot order: last package first, then a free slot, then the rest.
    order = [pkgs[-1], None] + pkgs[:-1]
    data = bytearray()
    blkoff = slotnpages * PAGE // BLK
    slots = []
    for i, p in enumerate(order):
        if p is None:
            slots.append(struct.pack("<4sIII", b"Slot", 0, 0, 0))
            continue
        rec = blob_record(p[0], generation, p[1])
        slots.append(struct.pack("<4sIII", b"Slot", p[0], blkoff, len(rec) // BLK))
        data += rec
        blkoff += len(rec) // BLK
        if i == 0:
            # A freed area, as left behind when a package is erased.
            data += b"\0" * (3 * BLK)
            blkoff += 3
    header = struct.pack(
        "<4sIIII12x", b"RpmP", 0, generation, slotnpages, max(p[0] for p in pkgs) + 1
    )
    page = bytearray(header)
    for s in slots:
        page += s
    while len(page) < slotnpages * PAGE:
        page += struct.pack("<4sIII", b"Slot", 0, 0, 0)
    assert len(page) == slotnpages * PAGE
    with open(out, "wb") as f:
        f.write(page + data)


if __name__ == "__main__":
    main()
