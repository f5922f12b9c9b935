#!/usr/bin/python3
"""bench/heap_census.py: what a process's glibc heap holds, by chunk size.

    heap_census.py snap PID >FILE
    heap_census.py diff N NAME=BEFORE,AFTER [NAME=BEFORE,AFTER ...]

"snap" reads the [heap] mappings of PID through /proc/PID/mem (as root)
and walks glibc's chunks from the start of the heap: each chunk's size
field, and whether it is in use (the next chunk's PREV_INUSE bit).  It
prints one "SIZE COUNT" line per chunk size in use, and a "# " line
with the bytes in use and free.  Only the main arena's heap (brk) is
read: a single-threaded process such as net or an nginx worker keeps its
allocations there; mmap'd blocks (128 KiB or more, or a program's own
arrays) are not in it.

"diff" takes two snapshots of each process, before and after it took N
connections, and prints the allocations gained per connection, by chunk
size (the size malloc hands out: the request rounded up to 16 bytes with
8 of overhead), one column per process, and the bytes per connection.
bench/idle_vs_nginx.sh -c runs it on heraldd's net and nginx's worker.
"""
import collections
import struct
import sys


def heap_ranges(pid):
    ranges = []
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            if line.rstrip().endswith("[heap]"):
                a, b = (int(x, 16) for x in line.split()[0].split("-"))
                if ranges and ranges[-1][1] == a:
                    ranges[-1] = (ranges[-1][0], b)
                else:
                    ranges.append((a, b))
    return ranges


def snap(pid):
    inuse = collections.Counter()
    used = free = 0
    with open(f"/proc/{pid}/mem", "rb") as mem:
        for a, b in heap_ranges(pid):
            mem.seek(a)
            data = mem.read(b - a)
            off = 0
            while off + 16 <= len(data):
                size = struct.unpack_from("<Q", data, off + 8)[0] & ~7
                if size == 0 or off + size > len(data):
                    break  # the top chunk ends the heap
                nxt = off + size
                prev_inuse = 1
                if nxt + 16 <= len(data):
                    prev_inuse = struct.unpack_from("<Q", data,
                                                    nxt + 8)[0] & 1
                if prev_inuse:
                    inuse[size] += 1
                    used += size
                else:
                    free += size
                off = nxt
    for size in sorted(inuse):
        print(size, inuse[size])
    print(f"# used {used} free {free}")


def load(path):
    counts = collections.Counter()
    with open(path) as f:
        for line in f:
            if not line.startswith("#"):
                size, n = line.split()
                counts[int(size)] = int(n)
    return counts


def diff(n, specs):
    names, gains = [], []
    for spec in specs:
        name, files = spec.split("=", 1)
        before, after = files.split(",")
        a, b = load(before), load(after)
        names.append(name)
        gains.append({s: (b[s] - a[s]) / n for s in set(a) | set(b)})
    sizes = sorted({s for g in gains for s, v in g.items() if abs(v) >= 0.05},
                   key=lambda s: -max(abs(g.get(s, 0)) * s for g in gains))
    print(f"{'chunk B':>8}" + "".join(f"{x:>10}" for x in names) +
          "   (allocations per connection)")
    for s in sizes:
        print(f"{s:>8}" + "".join(f"{g.get(s, 0):>10.2f}" for g in gains))
    print(f"{'B/conn':>8}" +
          "".join(f"{sum(s * v for s, v in g.items()):>10.0f}" for g in gains))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "snap":
        snap(int(sys.argv[2]))
    elif len(sys.argv) >= 4 and sys.argv[1] == "diff":
        diff(int(sys.argv[2]), sys.argv[3:])
    else:
        sys.exit(__doc__.split("\n\n")[1])


if __name__ == "__main__":
    main()
