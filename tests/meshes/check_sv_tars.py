"""Reads supervoxel-mesh tarballs with Python's tarfile and decodes every member with the reference
decoder (DracoPy for .drc, the neuroglancer legacy layout for .ngmesh), for tests/meshes.

  check_sv_tars.py OUT.json SOURCE...
      SOURCE: a directory (every *.tar below it) or a .tar file. Writes OUT.json:
      {SOURCE: {member name: {"sha256", "bytes", "points", "faces"}}}. Exit 1 naming the member if a
      name occurs twice in one SOURCE, a member is not a regular file, or a mesh does not decode
      (faces must index existing points).
"""
import glob
import hashlib
import json
import os
import struct
import sys
import tarfile

import DracoPy


def decode(name, data):
    if not data:
        return 0, 0
    if name.endswith(".drc"):
        m = DracoPy.decode(data)
        faces = m.faces.reshape(-1, 3) if len(m.faces) else m.faces
        n = len(m.points)
        if len(faces) and (faces.max() >= n or faces.min() < 0):
            raise ValueError("face index out of range")
        return n, len(faces)
    if name.endswith(".ngmesh"):
        (nv,) = struct.unpack_from("<I", data, 0)
        rest = len(data) - 4 - 12 * nv
        if rest < 0 or rest % 12:
            raise ValueError(f"bad ngmesh size {len(data)} for {nv} vertices")
        idx = struct.unpack_from(f"<{rest // 4}I", data, 4 + 12 * nv)
        if idx and max(idx) >= nv:
            raise ValueError("face index out of range")
        return nv, rest // 12
    return 0, 0


def main():
    out = {}
    for src in sys.argv[2:]:
        files = sorted(glob.glob(os.path.join(src, "**", "*.tar"), recursive=True)) if os.path.isdir(src) else [src]
        members = {}
        for f in files:
            with tarfile.open(f, "r:") as t:
                for m in t.getmembers():
                    if not m.isreg():
                        sys.exit(f"{f}: {m.name}: not a regular file")
                    if m.name in members:
                        sys.exit(f"{src}: {m.name} occurs twice ({f})")
                    data = t.extractfile(m).read()
                    try:
                        points, faces = decode(m.name, data)
                    except Exception as e:  # noqa: BLE001 - report which member
                        sys.exit(f"{f}: {m.name}: does not decode: {e}")
                    members[m.name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data),
                                       "points": int(points), "faces": int(faces)}
        out[src] = members
    with open(sys.argv[1], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
