"""Python's tarfile as the reference for lib/archive/tar (tests/meshes/test_tar.cpp).

  check_tar.py write DIR      writes ustar.tar, gnu.tar, pax.tar (same members, long names and sizes
                              around the 512-byte block) and members.json {name: hex of the bytes}
  check_tar.py verify TAR MANIFEST
                              reads TAR with tarfile (which checks every header checksum) and compares
                              names, order, sizes, types and bytes with MANIFEST ([[name, hex], ...]);
                              exit 1 with the first difference
"""
import io
import json
import sys
import tarfile


def members():
    out = []
    for i, size in enumerate([0, 1, 511, 512, 513, 1500]):
        out.append((f"{1000 + i}.drc", bytes((i * 7 + k) % 251 for k in range(size))))
    out.append(("9223372036854775807.drc", b"largest"))
    out.append(("d" * 60 + "/" + "x" * 80 + ".long", b"long name"))  # needs prefix (ustar), 'L' (gnu) or path (pax)
    return out


def write(directory):
    ms = members()
    for fmt, name in [(tarfile.USTAR_FORMAT, "ustar"), (tarfile.GNU_FORMAT, "gnu"), (tarfile.PAX_FORMAT, "pax")]:
        with tarfile.open(f"{directory}/{name}.tar", "w", format=fmt) as t:
            for n, data in ms:
                info = tarfile.TarInfo(n)
                info.size = len(data)
                info.mtime = 1700000000
                t.addfile(info, io.BytesIO(data))
    with open(f"{directory}/members.json", "w") as f:
        json.dump([[n, d.hex()] for n, d in ms], f)


def verify(path, manifest):
    want = json.load(open(manifest))
    with tarfile.open(path, "r:") as t:
        got = t.getmembers()
        if [m.name for m in got] != [n for n, _ in want]:
            sys.exit(f"names differ: {[m.name for m in got]} vs {[n for n, _ in want]}")
        for m, (n, hexdata) in zip(got, want):
            if not m.isreg():
                sys.exit(f"{n}: not a regular file (type {m.type!r})")
            data = t.extractfile(m).read()
            if data.hex() != hexdata or m.size != len(data):
                sys.exit(f"{n}: bytes differ ({m.size} bytes, want {len(hexdata) // 2})")
            if m.mode != 0o644 or m.mtime != 0 or m.uid != 0 or m.gid != 0:
                sys.exit(f"{n}: mode {oct(m.mode)} mtime {m.mtime} uid {m.uid} gid {m.gid}")
    print(f"tarfile read {len(want)} members of {path}: OK")


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2])
    else:
        verify(sys.argv[2], sys.argv[3])
