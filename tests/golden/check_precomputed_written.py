#!/usr/bin/env python3
"""Checks the precomputed volumes our C++ writer produced (test_precomputed_write_golden) with
the reference readers: cloud-volume 12.15.2 and tensorstore 0.1.86 must read exactly the voxels
our own reader returns (jpeg: max abs diff from the manifest), and every compressed_segmentation
chunk must be byte-identical to the compressed_segmentation package's encoding of its voxels.

Usage: check_precomputed_written.py <golden dir>   (reads <golden dir>/precomputed-written)
"""
import json
import sys
from pathlib import Path

import compressed_segmentation as cseg
import numpy as np
import tensorstore as ts
from cloudvolume import CloudVolume


def main():
    root = Path(sys.argv[1]) / "precomputed-written"
    manifest = json.loads((root / "manifest.json").read_text())
    failures = []
    for v in manifest["volumes"]:
        name, scale = v["name"], v["scale"]
        lo, hi = v["bounds"]
        shape_zyx = tuple(h - l for l, h in zip(lo, hi))[::-1]
        expected = np.fromfile(root / v["expected"], dtype=np.dtype(v["dtype"]).newbyteorder("<")).reshape(shape_zyx)
        tol = v["max_abs_diff"]

        def check(who, got_xyz):
            got = np.ascontiguousarray(got_xyz.transpose(2, 1, 0))
            if got.shape != expected.shape:
                failures.append(f"{name} s{scale} {who}: shape {got.shape} != {expected.shape}")
                return
            diff = np.abs(got.astype(np.int64) - expected.astype(np.int64)) if v["dtype"] == "uint8" else (got != expected)
            worst = int(diff.max()) if diff.size else 0
            bad = int(np.count_nonzero(diff))
            print(f"{name} s{scale} {who}: {bad} of {got.size} voxels differ, max diff {worst}")
            if (tol == 0 and bad) or worst > tol:
                failures.append(f"{name} s{scale} {who}: {bad} voxels differ (max {worst}, allowed {tol})")

        cv = CloudVolume("file://" + v["path"], mip=scale, progress=False)
        assert list(cv.bounds.minpt) == lo and list(cv.bounds.maxpt) == hi, (cv.bounds, lo, hi)
        check("cloud-volume", np.asarray(cv[cv.bounds])[..., 0])

        store = ts.open({"driver": "neuroglancer_precomputed", "kvstore": {"driver": "file", "path": v["path"] + "/"},
                         "scale_index": scale}).result()
        assert list(store.domain.inclusive_min[:3]) == lo, store.domain
        check("tensorstore", np.asarray(store[..., 0].read().result()))

        if v["encoding"] == "compressed_segmentation":
            info = json.loads((Path(v["path"]) / "info").read_text())
            s = info["scales"][scale]
            block = s["compressed_segmentation_block_size"]
            cx, cy, cz = s["chunk_sizes"][0]
            n = 0
            for f in sorted((Path(v["path"]) / s["key"]).iterdir()):
                (x0, x1), (y0, y1), (z0, z1) = [map(int, r.split("-")) for r in f.name.split("_")]
                sub = expected[z0 - lo[2]:z1 - lo[2], y0 - lo[1]:y1 - lo[1], x0 - lo[0]:x1 - lo[0]]
                ref = cseg.compress(np.asfortranarray(sub.transpose(2, 1, 0)), block_size=block, order="F")
                if bytes(ref) != f.read_bytes():
                    failures.append(f"{f}: cseg bytes differ from compressed_segmentation.compress "
                                    f"({len(f.read_bytes())} vs {len(ref)} bytes)")
                n += 1
            print(f"{name}: compared {n} cseg chunks with compressed_segmentation.compress")
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print(f"OK: {len(manifest['volumes'])} volume scales read identically by cloud-volume and tensorstore")


if __name__ == "__main__":
    main()
