#!/usr/bin/env python3
"""igneous' side of bench_export_grayscale.py (run with the bench venv's python,
scripts/setup-bench-python.sh): the same export as export-grayscale, i.e. a raw precomputed input
re-encoded as JPEG at scale 0 plus a 2x2x2 averaged pyramid, with igneous' Python API on ONE
process (LocalTaskQueue(parallel=1)), as `igneous image xfer --volumetric` would plan it.

  bench_export_grayscale_igneous.py SRC DEST --max-scale K [--chunk 64] [--quality 85]
Prints one JSON line: {"seconds": .., "cpu-seconds": .., "tasks": .., "scales": ..}.
"""
import argparse
import json
import resource
import time

import igneous.task_creation as tc
from cloudvolume import CloudVolume
from taskqueue import LocalTaskQueue


def cpu():
    """User + system CPU seconds of this process and its finished children (task processes, if any)."""
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dest")
    ap.add_argument("--max-scale", type=int, required=True)
    ap.add_argument("--chunk", type=int, default=64)
    ap.add_argument("--quality", type=int, default=85)
    args = ap.parse_args()
    src, dest = "file://" + args.src, "file://" + args.dest

    t0, c0 = time.perf_counter(), cpu()
    tq = LocalTaskQueue(parallel=1, progress=False)
    # One task = chunk * 2^K voxels per axis: it writes its scale-0 chunks and all K downsamples.
    shape = (args.chunk * 2 ** args.max_scale,) * 3
    tasks = list(tc.create_transfer_tasks(src, dest, chunk_size=(args.chunk,) * 3, shape=shape, encoding="jpeg",
                                          encoding_level=args.quality, factor=(2, 2, 2), max_mips=args.max_scale,
                                          compress=False))
    tq.insert(tasks)
    tq.execute(progress=False)
    n = len(tasks)
    scales = len(CloudVolume(dest).info["scales"])
    if scales < args.max_scale + 1:  # igneous stopped early (memory target): downsample the rest
        more = list(tc.create_downsampling_tasks(dest, mip=scales - 1, num_mips=args.max_scale + 1 - scales,
                                                 factor=(2, 2, 2), encoding="jpeg", encoding_level=args.quality))
        tq.insert(more)
        tq.execute(progress=False)
        n += len(more)
        scales = len(CloudVolume(dest).info["scales"])
    print(json.dumps({"seconds": time.perf_counter() - t0, "cpu-seconds": cpu() - c0, "tasks": n, "scales": scales}))


if __name__ == "__main__":
    main()
