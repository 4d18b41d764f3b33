#!/usr/bin/env python3
"""Which crates' code a running breadbox keeps resident (benches/README.md, "Memory").

Reads the process's page table (/proc/PID/pagemap, needs root) for the binary's mappings and
attributes each resident page to the symbols of an *unstripped* build of the same code and
profile (`CARGO_PROFILE_RELEASE_STRIP=false cargo build --release`; stripping changes no
loaded section, so the running binary may be the stripped one), summed by crate.

Usage: sudo benches/tools/resident_text.py PID UNSTRIPPED_BINARY [TOP]
"""
import collections
import os
import re
import struct
import subprocess
import sys

PAGE = 4096


def load_segments(binary):
    """(file offset, virtual address, size) of each LOAD segment."""
    out = subprocess.run(["readelf", "-lW", binary], capture_output=True, text=True, check=True)
    segs = []
    for line in out.stdout.splitlines():
        f = line.split()
        if f and f[0] == "LOAD":
            segs.append((int(f[1], 16), int(f[2], 16), int(f[4], 16)))
    return segs


def resident_pages(pid, segs):
    """ELF virtual page numbers of the binary that are resident in the process."""
    def vaddr(offset):
        for off, va, size in segs:
            if off <= offset < off + size:
                return va + (offset - off)
        return None

    pages = set()
    exe = os.readlink(f"/proc/{pid}/exe")
    with open(f"/proc/{pid}/pagemap", "rb") as pagemap, open(f"/proc/{pid}/maps") as maps:
        for line in maps:
            f = line.split()
            if len(f) < 6 or f[5] != exe:
                continue
            start, end = (int(x, 16) for x in f[0].split("-"))
            offset = int(f[2], 16)
            pagemap.seek(start // PAGE * 8)
            entries = pagemap.read((end - start) // PAGE * 8)
            for i in range((end - start) // PAGE):
                if struct.unpack_from("<Q", entries, i * 8)[0] >> 63:
                    va = vaddr(offset + i * PAGE)
                    if va is not None:
                        pages.add(va // PAGE)
    return pages


def crate_of(symbol):
    s = re.sub(r"^[<&]*(dyn |impl |mut )?", "", symbol)
    if s.startswith("sqlite3"):
        return "sqlite (C)"
    m = re.match(r"[A-Za-z0-9_]+", s)
    return m.group(0) if m else "?"


def main():
    pid, binary = sys.argv[1], sys.argv[2]
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 40
    pages = resident_pages(pid, load_segments(binary))
    nm = subprocess.run(["nm", "-C", "-S", "--defined-only", binary],
                        capture_output=True, text=True, check=True).stdout
    resident, total = collections.Counter(), collections.Counter()
    for line in nm.splitlines():
        f = line.split(" ", 3)
        if len(f) != 4 or f[2] not in "tTrR":
            continue
        addr, size, crate = int(f[0], 16), int(f[1], 16), crate_of(f[3])
        total[crate] += size
        for page in range(addr // PAGE, (addr + max(size, 1) - 1) // PAGE + 1):
            if page in pages:
                resident[crate] += min(addr + size, (page + 1) * PAGE) - max(addr, page * PAGE)
    print(f"{len(pages)} resident pages ({len(pages) * PAGE / 2**20:.1f} MiB) of the binary")
    print(f"{'crate':32} {'resident KiB':>12} {'total KiB':>10}")
    for crate, size in resident.most_common(top):
        print(f"{crate:32} {size / 1024:12.0f} {total[crate] / 1024:10.0f}")


if __name__ == "__main__":
    main()
