#!/usr/bin/env python3
"""Independent oracle for ingest-supervoxels, computed with numpy from the input alone (not by the
code under test): the label pyramid by DVID's rule and the block-statistics table, compared with
what the real DVID serves and with the block-statistics.h5 the stage wrote.

Usage: oracle.py N5_CONTAINER DATASET DVID_URL UUID INSTANCE TOP_SCALE BLOCK_STATS_H5
Exit 0 when every scale's voxels and every statistics row agree; otherwise prints what differs.

DVID's downsampling rule (datatype/labelmap, and neuclease's docs): each 2x2x2 cell becomes its most
frequent non-zero label, ties to the smallest id; an all-zero cell stays 0. The volume is padded with
zeros to whole 64^3 blocks at every scale.
"""
import json
import sys
import urllib.request

import h5py
import numpy as np
import tensorstore as ts


def read_n5(path, dataset):
    store = ts.open({"driver": "n5", "kvstore": {"driver": "file", "path": path}, "path": dataset}).result()
    return np.asarray(store.read().result())  # tensorstore gives N5 in (x, y, z) order


def downsample(a):
    """a: (z, y, x) uint64 with even sides -> half size by DVID's label rule."""
    z, y, x = a.shape
    cells = a.reshape(z // 2, 2, y // 2, 2, x // 2, 2).transpose(0, 2, 4, 1, 3, 5).reshape(-1, 8)
    cells = np.sort(cells, axis=1)
    counts = (cells[:, :, None] == cells[:, None, :]).sum(axis=2)
    counts[cells == 0] = 0  # zero never wins against a label
    best = np.argmax(counts, axis=1)  # first maximum = smallest label among the most frequent (sorted)
    out = cells[np.arange(cells.shape[0]), best]
    return out.reshape(z // 2, y // 2, x // 2)


def pad_to(a, multiple):
    shape = [-(-s // multiple) * multiple for s in a.shape]
    out = np.zeros(shape, dtype=a.dtype)
    out[: a.shape[0], : a.shape[1], : a.shape[2]] = a
    return out


def block_stats(seg):
    """Rows (segment_id, z, y, x, count) of every 64^3 block, label 0 excluded, sorted."""
    padded = pad_to(seg, 64)
    rows = []
    for bz in range(0, padded.shape[0], 64):
        for by in range(0, padded.shape[1], 64):
            for bx in range(0, padded.shape[2], 64):
                ids, counts = np.unique(padded[bz:bz + 64, by:by + 64, bx:bx + 64], return_counts=True)
                for i, c in zip(ids, counts):
                    if i != 0:
                        rows.append((int(i), bz, by, bx, int(c)))
    return sorted(rows)


def dvid_raw(url, uuid, instance, scale, shape_zyx):
    z, y, x = shape_zyx
    req = f"{url}/api/node/{uuid}/{instance}/raw/0_1_2/{x}_{y}_{z}/0_0_0?scale={scale}&supervoxels=true"
    with urllib.request.urlopen(req, timeout=120) as r:
        return np.frombuffer(r.read(), dtype="<u8").reshape(z, y, x)


def main():
    n5, dataset, url, uuid, instance, top, stats_h5 = sys.argv[1:8]
    top = int(top)
    seg = np.ascontiguousarray(read_n5(n5, dataset).transpose(2, 1, 0)).astype(np.uint64)  # -> (z, y, x)
    failures = []

    want_rows = block_stats(seg)
    with h5py.File(stats_h5, "r") as f:
        got = f["stats"][:]
    got_rows = sorted(zip(got["segment_id"].tolist(), got["z"].tolist(), got["y"].tolist(), got["x"].tolist(),
                          got["count"].tolist()))
    if got_rows != want_rows:
        missing = set(want_rows) - set(got_rows)
        extra = set(got_rows) - set(want_rows)
        failures.append(f"block statistics: {len(got_rows)} rows, want {len(want_rows)}; {len(missing)} missing "
                        f"(e.g. {sorted(missing)[:3]}), {len(extra)} unexpected (e.g. {sorted(extra)[:3]})")

    level = pad_to(seg, 1 << top)
    for scale in range(top + 1):
        if scale:
            level = downsample(level)
        want = pad_to(level, 64)
        got = dvid_raw(url, uuid, instance, scale, want.shape)
        diff = int((got != want).sum())
        if diff:
            failures.append(f"scale {scale}: {diff} of {want.size} voxels differ from the numpy pyramid")
        print(f"scale {scale}: {want.size} voxels compared, {diff} differ")

    print(f"block statistics: {len(want_rows)} rows compared")
    for f in failures:
        print("FAILED:", f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
