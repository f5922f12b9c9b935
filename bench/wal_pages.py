#!/usr/bin/python3
"""bench/wal_pages.py: what heraldd's commits write, page by page.

    wal_pages.py truncate DB     checkpoint DB's WAL and empty it
    wal_pages.py count DB ORDERS the frames of DB's WAL (written since the
                                 last truncate) by table or index, per
                                 order and per commit

The WAL (DB-wal) holds every page each commit wrote, with its page
number; SQLite's dbstat table names the b-tree each page belongs to.
Pages that no b-tree holds (the header page, freelist pages) are named
"(page 1)" and "(other)".  Used by bench/orders_pages.sh; see
bench/README.md.  The database must be idle while this runs.
"""

import collections
import sqlite3
import struct
import sys

WAL_MAGIC = (0x377F0682, 0x377F0683)


def wal_frames(path):
    """The valid frames of a WAL: [(page number, commit size)]."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 32:
        return [], 0
    magic, _, page_size, _, salt1, salt2 = struct.unpack(">6I", data[:24])
    if magic not in WAL_MAGIC:
        sys.exit("wal_pages: %s is not a WAL" % path)
    frames = []
    off = 32
    while off + 24 + page_size <= len(data):
        pgno, commit, s1, s2 = struct.unpack(">4I", data[off:off + 16])
        # Frames of an older generation (before a reset) end the log.
        if (s1, s2) != (salt1, salt2):
            break
        frames.append((pgno, commit))
        off += 24 + page_size
    return frames, page_size


def names(db):
    """Page number -> the table or index it belongs to."""
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        return {p: n for n, p in con.execute("SELECT name, pageno FROM dbstat")}
    finally:
        con.close()


def truncate(db):
    con = sqlite3.connect(db)
    try:
        busy, _, _ = con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        con.close()
    if busy:
        sys.exit("wal_pages: the checkpoint could not finish (heraldd busy)")


def count(db, orders):
    frames, page_size = wal_frames(db + "-wal")
    # Only whole commits: a transaction still being written is left out.
    last = max((i for i, (_, c) in enumerate(frames) if c), default=-1)
    frames = frames[:last + 1]
    commits = sum(1 for _, c in frames if c)
    byname = collections.Counter()
    pagemap = names(db)
    for pgno, _ in frames:
        if pgno == 1:
            byname["(page 1)"] += 1
        else:
            byname[pagemap.get(pgno, "(other)")] += 1
    n = len(frames)
    per = float(orders) if orders else 1.0
    print("orders %d commits %d frames %d page_size %d" %
          (orders, commits, n, page_size))
    print("per_order frames %.1f commits %.2f kb %.1f" %
          (n / per, commits / per, n * (page_size + 24) / 1024 / per))
    if commits:
        print("per_commit frames %.1f" % (n / commits))
    for name, k in byname.most_common():
        print("table %-24s %6.2f per order" % (name, k / per))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "truncate":
        truncate(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "count":
        count(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit("usage: wal_pages.py truncate DB | count DB ORDERS")


if __name__ == "__main__":
    main()
