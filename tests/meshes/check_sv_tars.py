"""Reads supervoxel-mesh tarballs with Python's tarfile and decodes every member with the reference
decoder (DracoPy for .drc, the neuroglancer legacy layout for .ngmesh), for tests/meshes.

  check_sv_tars.py OUT.json SOURCE...
      SOURCE: a directory (every *.tar below it) or a .tar file. Writes OUT.json:
      {SOURCE: {member name: {"sha256", "bytes", "points", "faces", "min": [x,y,z], "max": [x,y,z]}}}. Exit 1 naming the member if a
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
import numpy


def bounds(points):
    if len(points) == 0:
        return [0, 0, 0], [0, 0, 0]
    return [float(v) for v in points.min(axis=0)], [float(v) for v in points.max(axis=0)]


def decode(name, data):
    """(points, faces, min, max) of a mesh."""
    if not data:
        return 0, 0, [0, 0, 0], [0, 0, 0]
    if name.endswith(".drc"):
        m = DracoPy.decode(data)
        faces = m.faces.reshape(-1, 3) if len(m.faces) else m.faces
        pts = numpy.asarray(m.points).reshape(-1, 3)
        n = len(pts)
        if len(faces) and (faces.max() >= n or faces.min() < 0):
            raise ValueError("face index out of range")
        return (n, len(faces)) + bounds(pts)
    if name.endswith(".ngmesh"):
        (nv,) = struct.unpack_from("<I", data, 0)
        rest = len(data) - 4 - 12 * nv
        if rest < 0 or rest % 12:
            raise ValueError(f"bad ngmesh size {len(data)} for {nv} vertices")
        idx = struct.unpack_from(f"<{rest // 4}I", data, 4 + 12 * nv)
        if idx and max(idx) >= nv:
            raise ValueError("face index out of range")
        pts = numpy.frombuffer(data, dtype="<f4", count=3 * nv, offset=4).reshape(-1, 3)
        return (nv, rest // 12) + bounds(pts)
    return 0, 0, [0, 0, 0], [0, 0, 0]


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
                        points, faces, lo, hi = decode(m.name, data)
                    except Exception as e:  # noqa: BLE001 - report which member
                        sys.exit(f"{f}: {m.name}: does not decode: {e}")
                    members[m.name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data),
                                       "points": int(points), "faces": int(faces),
                                       "min": lo, "max": hi}
        out[src] = members
    with open(sys.argv[1], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
