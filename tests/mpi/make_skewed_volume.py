#!/usr/bin/env python3
"""Writes a skewed uint64 segmentation as N5 (zarr 2.18 N5Store, gzip, 64^3 chunks) for the brick
schedule test and benchmark: supervoxels are cells of a warped grid, coarse everywhere (spacing
--coarse) except in one region where they are fine (spacing --fine), so blocks there hold about 50x
the labels. The region is either the first octant (`--dense octant`, the low x,y,z corner) or a slab
one brick thick across x (`--dense slab`: x in [64, 128), every y and z), a layer of dense tissue.

usage: make_skewed_volume.py OUT.n5 --size X,Y,Z [--dense octant|slab] [--coarse 128] [--fine 10.6]
Prints one JSON line: labels per 64^3 block (mean) inside and outside the dense region, their ratio.
"""
import argparse
import warnings
import json
import sys

import numcodecs
import numpy as np
import zarr


def cell_ids(z0, y0, x0, shape, spacing, base):
    """Labels of the block at (z0,y0,x0): cells of `spacing`, with a smooth warp so the boundaries
    are not planes, numbered from `base` (ids are unique in the volume, never 0)."""
    z, y, x = np.meshgrid(np.arange(z0, z0 + shape[0]), np.arange(y0, y0 + shape[1]), np.arange(x0, x0 + shape[2]),
                          indexing="ij")
    w = 0.3 * spacing
    xs = x + w * np.sin(y / 7.0 + z / 11.0)
    ys = y + w * np.sin(z / 5.0 + x / 9.0)
    zs = z + w * np.sin(x / 6.0 + y / 13.0)
    cx = np.floor(xs / spacing).astype(np.int64) + 8
    cy = np.floor(ys / spacing).astype(np.int64) + 8
    cz = np.floor(zs / spacing).astype(np.int64) + 8
    return (base + cx + 4096 * (cy + 4096 * cz)).astype(np.uint64)


def main():
    warnings.filterwarnings("ignore", category=FutureWarning)  # zarr 2.18: N5Store is deprecated in v3
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--size", required=True, help="X,Y,Z")
    ap.add_argument("--dense", choices=["octant", "slab"], default="octant")
    ap.add_argument("--coarse", type=float, default=128.0)
    ap.add_argument("--fine", type=float, default=10.6)
    a = ap.parse_args()
    sx, sy, sz = (int(v) for v in a.size.split(","))
    store = zarr.N5Store(a.out)
    root = zarr.group(store=store, overwrite=True)
    arr = root.create_dataset("segmentation/s0", shape=(sz, sy, sx), chunks=(64, 64, 64), dtype="uint64",
                              compressor=numcodecs.GZip(level=5))

    def dense(z, y, x):  # the block at (z,y,x) lies in the dense region
        if a.dense == "octant":
            return x < sx // 2 and y < sy // 2 and z < sz // 2
        return 64 <= x < 128

    counts = {True: [], False: []}
    for z in range(0, sz, 64):
        for y in range(0, sy, 64):
            for x in range(0, sx, 64):
                shape = (min(64, sz - z), min(64, sy - y), min(64, sx - x))
                d = dense(z, y, x)
                block = cell_ids(z, y, x, shape, a.fine if d else a.coarse, 1 << 40 if d else 1)
                arr[z:z + shape[0], y:y + shape[1], x:x + shape[2]] = block
                counts[d].append(len(np.unique(block)))
    inside, outside = float(np.mean(counts[True])), float(np.mean(counts[False]))
    print(json.dumps({"size": [sx, sy, sz], "dense": a.dense, "blocks_dense": len(counts[True]),
                      "blocks_other": len(counts[False]), "labels_per_block_dense": round(inside, 1),
                      "labels_per_block_other": round(outside, 1), "ratio": round(inside / outside, 1)}))


if __name__ == "__main__":
    sys.exit(main())
