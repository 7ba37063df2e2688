#!/usr/bin/env python3
"""Our N5 / Zarr readers (bench_read) against tensorstore 0.1.86 on the same files.

Writes 512x512x256 (x,y,z) volumes with tensorstore, 64^3 chunks: uint8 grayscale and uint64
labels, as N5 (gzip, blosc-zstd) and zarr v2 (blosc-zstd, zlib). Then reads the full volume and an
unaligned subregion, with one thread on both sides (tensorstore: data_copy_concurrency and
file_io_concurrency limit 1, no chunk cache), `--repeats` times each, after one warm-up read so
both see the page cache. Each read fills a freshly allocated (uninitialised) result buffer on both
sides, so both pay the same page faults. Reports the median seconds per read and ours/tensorstore
(LOWER is better for us: 0.80 means we take 80% of tensorstore's time). Both results are checked
to be the same voxels (wrapping uint64 checksums).

Usage (venv python): bench/bench_readers.py --bench-read <build>/bin/bench_read [--dir D] [--repeats N]
"""
import argparse
import json
import statistics
import subprocess
import time
from pathlib import Path

import numpy as np
import tensorstore as ts

SHAPE_XYZ = (512, 512, 256)
CHUNK = [64, 64, 64]
SUB_BOX = ((37, 21, 13), (411, 390, 201))  # unaligned on every side
TS_CONTEXT = {"data_copy_concurrency": {"limit": 1}, "file_io_concurrency": {"limit": 1},
              "cache_pool": {"total_bytes_limit": 0}}


def volumes():
    x, y, z = np.meshgrid(*[np.arange(n, dtype=np.int64) for n in SHAPE_XYZ], indexing="ij", sparse=True)
    rng = np.random.default_rng(1)
    gray = 128 + 50 * np.sin(x / 17.0) * np.cos(y / 23.0) + (z % 40)
    gray = np.clip(gray + rng.normal(0, 6, SHAPE_XYZ), 0, 255).astype(np.uint8)
    # Supervoxel-like labels: blocks of ~20 voxels, ids above 2^40.
    lab = (np.uint64(1) << np.uint64(40)) + ((x // 20) + 100 * (y // 24) + 10000 * (z // 16)).astype(np.uint64)
    lab = np.broadcast_to(lab, SHAPE_XYZ).copy()
    return {"uint8": gray, "uint64": lab}  # indexed [x, y, z]


def create(root):
    vols = volumes()
    datasets = []
    n5_comp = {"gzip": {"type": "gzip"},
               "blosc-zstd": {"type": "blosc", "cname": "zstd", "clevel": 5, "shuffle": 1}}
    zarr_comp = {"blosc-zstd": {"id": "blosc", "cname": "zstd", "clevel": 5, "shuffle": 1},
                 "zlib": {"id": "zlib", "level": 5}}
    for dt, vol in vols.items():
        for cname, comp in n5_comp.items():
            path = root / f"n5_{cname}_{dt}.n5" / "s0"
            spec = {"driver": "n5", "kvstore": {"driver": "file", "path": str(path)},
                    "metadata": {"dimensions": list(SHAPE_XYZ), "blockSize": CHUNK, "dataType": dt,
                                 "compression": comp}}
            if not (path / "attributes.json").exists():
                t = ts.open(dict(spec, create=True, delete_existing=True)).result()
                t[...].write(vol).result()
            datasets.append({"name": f"N5 {cname} {dt}", "kind": "n5", "container": str(path.parent),
                             "dataset": "s0", "ts": {"driver": "n5", "kvstore": spec["kvstore"]}, "zyx": False})
        for cname, comp in zarr_comp.items():
            path = root / f"zarr_{cname}_{dt}.zarr" / "vol"
            spec = {"driver": "zarr", "kvstore": {"driver": "file", "path": str(path)},
                    "metadata": {"shape": list(SHAPE_XYZ[::-1]), "chunks": CHUNK, "dtype": np.dtype(dt).str,
                                 "compressor": comp, "fill_value": 0}}
            if not (path / ".zarray").exists():
                t = ts.open(dict(spec, create=True, delete_existing=True)).result()
                t[...].write(vol.transpose(2, 1, 0)).result()
            datasets.append({"name": f"zarr {cname} {dt}", "kind": "zarr", "container": str(path.parent),
                             "dataset": "vol", "ts": {"driver": "zarr", "kvstore": spec["kvstore"]}, "zyx": True})
    return datasets


def checksums(a):
    v = np.ascontiguousarray(a).reshape(-1).astype(np.uint64)
    w = (np.arange(v.size, dtype=np.uint64) % np.uint64(251)) + np.uint64(1)
    with np.errstate(over="ignore"):
        return str(int(v.sum(dtype=np.uint64))), str(int((v * w).sum(dtype=np.uint64)))


def bench_tensorstore(d, box, repeats):
    t = ts.open(dict(d["ts"], open=True, context=TS_CONTEXT)).result()
    (x0, y0, z0), (x1, y1, z1) = box
    view = t[z0:z1, y0:y1, x0:x1] if d["zyx"] else t[x0:x1, y0:y1, z0:z1]
    out = view.read().result()  # warm-up (page cache), not timed
    secs = []
    for _ in range(repeats):
        s = time.perf_counter()
        out = view.read().result()
        secs.append(time.perf_counter() - s)
    zyx = out if d["zyx"] else out.transpose(2, 1, 0)  # our layout: z-major, x fastest
    return secs, checksums(zyx)


def bench_ours(exe, d, box, repeats):
    (x0, y0, z0), (x1, y1, z1) = box
    cmd = [exe, d["kind"], d["container"], d["dataset"], f"{x0},{y0},{z0},{x1},{y1},{z1}", str(repeats + 1)]
    res = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    return res["seconds"][1:], (res["sum"], res["weighted"])  # first read = warm-up


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench-read", required=True, help="path of the bench_read executable")
    ap.add_argument("--dir", default="/tmp/dflow-bench-readers", help="where the test volumes live (reused)")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    root = Path(args.dir)
    root.mkdir(parents=True, exist_ok=True)
    datasets = create(root)
    boxes = {"full 512x512x256": ((0, 0, 0), SHAPE_XYZ), "sub 374x369x188": SUB_BOX}

    rows = []
    for d in datasets:
        for bname, box in boxes.items():
            ours, ours_cs = bench_ours(args.bench_read, d, box, args.repeats)
            theirs, ts_cs = bench_tensorstore(d, box, args.repeats)
            if ours_cs != ts_cs:
                raise SystemExit(f"{d['name']} {bname}: our voxels differ from tensorstore's ({ours_cs} vs {ts_cs})")
            o, t = statistics.median(ours), statistics.median(theirs)
            rows.append((d["name"], bname, o, t, o / t))
            print(f"  {d['name']:<24} {bname:<18} ours {o * 1000:8.1f} ms   tensorstore {t * 1000:8.1f} ms   "
                  f"ratio {o / t:5.2f}", flush=True)

    print()
    print(f"Median seconds per read, 1 thread each, {args.repeats} reads after a warm-up; "
          f"ratio = ours / tensorstore (lower is better for us).")
    print(f"| {'dataset':<24} | {'region':<18} | {'ours (ms)':>10} | {'tensorstore (ms)':>16} | {'ratio':>6} |")
    print(f"|{'-' * 26}|{'-' * 20}|{'-' * 12}|{'-' * 18}|{'-' * 8}|")
    for name, bname, o, t, r in rows:
        print(f"| {name:<24} | {bname:<18} | {o * 1000:10.1f} | {t * 1000:16.1f} | {r:6.2f} |")
    ratios = [r[4] for r in rows]
    print(f"geometric mean ratio: {float(np.exp(np.mean(np.log(ratios)))):.2f}")


if __name__ == "__main__":
    main()
