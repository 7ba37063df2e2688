#!/usr/bin/env python3
"""Reads the N5 datasets our C++ N5Writer produced (test_n5_writer) with readers we did not write:
tensorstore 0.1.86 (n5 driver) and zarr 2.18.3 (N5Store), and compares every voxel with the
expected volume the C++ test stored next to them (raw little-endian, numpy C order z,y,x).

Usage: check_n5_writer.py <dir holding manifest.json>
"""
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import tensorstore as ts
import zarr

warnings.simplefilter("ignore", FutureWarning)


def main():
    root = Path(sys.argv[1])
    cases = json.loads((root / "manifest.json").read_text())
    assert len(cases) >= 18, f"only {len(cases)} datasets in the manifest"
    failures = []
    for c in cases:
        x, y, z = c["shape"]
        expected = np.fromfile(root / c["expected"], dtype=np.dtype(c["dtype"]).newbyteorder("<")).reshape(z, y, x)
        where = f"{c['container']}/{c['dataset']}"
        t = ts.open({"driver": "n5", "kvstore": {"driver": "file", "path": str(root / c["container"] / c["dataset"])},
                     "open": True}).result()
        if t.dtype.numpy_dtype != expected.dtype or tuple(t.shape) != (x, y, z):
            failures.append(f"{where}: tensorstore sees {t.dtype} {t.shape}")
            continue
        got = t[...].read().result().transpose(2, 1, 0)  # tensorstore's n5 axes are x,y,z
        if not np.array_equal(got, expected):
            failures.append(f"{where}: tensorstore read {np.count_nonzero(got != expected)} differing voxels")
        za = zarr.open(store=zarr.N5Store(str(root / c["container"])), path=c["dataset"], mode="r")
        zgot = za[...]  # zarr's N5Store axes are z,y,x
        if not np.array_equal(zgot, expected):
            failures.append(f"{where}: zarr N5Store read {np.count_nonzero(zgot != expected)} differing voxels")
        print(f"ok {where} ({c['dtype']}, {x}x{y}x{z})" if not failures or not failures[-1].startswith(where) else failures[-1])
    if failures:
        print("\n".join(failures), file=sys.stderr)
        sys.exit(1)
    print(f"all {len(cases)} datasets written by N5Writer read identically with tensorstore and zarr")


if __name__ == "__main__":
    main()
