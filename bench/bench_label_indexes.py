#!/usr/bin/env python3
"""ingest-label-indexes against the real DVID: our label-index construction + POST rate, and the
same POST bodies sent by curl (DVID's own limit for this workload).

A synthetic block-statistics table (default 3,000,000 rows: 300,000 supervoxels in ~10 blocks each
around a random centre of a 2048^3 volume, written with h5py) and a mapping (bodies of 5
supervoxels) are ingested into a FRESH DVID (scripts/dvid-server.sh start-fresh on --port, default
18600) three ways, each on a freshly started server:

  ours      `ingest-label-indexes --operation indexes` end to end (read h5, map, sort, build
            protobufs, POST /indices with --threads workers): rows/s and bodies/s
  build     bench_label_indexes: the same construction with no POSTs (writes the bodies to files)
  curl      those exact bodies POSTed to /indices by curl, --threads at a time (xargs -P): what
            DVID accepts per second when the client costs nothing

and prints ours/curl: our share of the server's limit (1.00 = we post as fast as DVID accepts).
Without --mapping-mode both: runs "sv" (no mapping: one index per supervoxel) and "agglo" (bodies
of 5 supervoxels + tombstones).

Usage (venv python): bench/bench_label_indexes.py --bin <build>/bin [--rows N] [--threads T]
                     [--batch-size B] [--port P] [--dir D] [--modes sv,agglo]
The server is started and stopped with scripts/dvid-server.sh (DFLOW_DVID_SERVER_SCRIPT overrides it).
"""
import argparse
import json
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import h5py
import numpy as np

from bench_support import dvid, new_instance, new_repo

DTYPE = [('segment_id', '<u8'), ('z', '<i4'), ('y', '<i4'), ('x', '<i4'), ('count', '<u4')]


def make_table(path, rows, seed=7):
    if path.exists():
        with h5py.File(path, 'r') as f:
            if len(f['stats']) >= rows * 0.95:
                return len(f['stats'])
    rng = np.random.default_rng(seed)
    nsv = rows // 10
    per = 12  # draw a few extra, then drop repeated (sv, block) pairs
    sv = np.repeat(np.arange(1, nsv + 1, dtype=np.uint64), per)
    centre = rng.integers(2, 30, size=(nsv, 3))
    blocks = np.repeat(centre, per, axis=0) + rng.integers(-2, 3, size=(nsv * per, 3))
    key = (sv << np.uint64(20)) | (blocks[:, 0].astype(np.uint64) << np.uint64(12)) | \
          (blocks[:, 1].astype(np.uint64) << np.uint64(6)) | blocks[:, 2].astype(np.uint64)
    _, first = np.unique(key, return_index=True)
    first = np.sort(first)[:rows]
    rec = np.zeros(len(first), dtype=DTYPE)
    rec['segment_id'] = sv[first]
    rec['z'] = blocks[first, 0] * 64
    rec['y'] = blocks[first, 1] * 64
    rec['x'] = blocks[first, 2] * 64
    rec['count'] = rng.integers(1, 262144, len(first))
    rec = rec[rng.permutation(len(rec))]
    with h5py.File(path, 'w') as f:
        f.create_dataset('stats', data=rec, maxshape=(None,), chunks=True)
    with open(path.with_name('bench-mapping.csv'), 'w') as f:
        f.write('sv,body\n')
        s = np.arange(1, nsv + 1)
        body = (s - 1) // 5 * 5 + 1
        np.savetxt(f, np.stack([s, body], axis=1), fmt='%d', delimiter=',')
    return len(rec)


def new_labelmap(server, data_dir):
    uuid = new_repo(server, data_dir)
    new_instance(server, uuid, 'labelmap', 'segmentation', BlockSize='64,64,64')
    return uuid


def run_ours(args, server, uuid, stats, mapping, work):
    cmd = [str(Path(args.bin) / 'ingest-label-indexes'), '--server', server, '--uuid', uuid, '--instance', 'segmentation',
           '--stats', str(stats), '--operation', 'indexes', '--threads', str(args.threads), '--batch-size', str(args.batch_size),
           '--work-dir', str(work), '--last-mutid', '1']
    if mapping:
        cmd += ['--mapping', str(mapping)]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f'ingest-label-indexes failed:\n{p.stderr}')
    m = re.search(r'label indexes posted: (\d+) bodies \((\d+) supervoxel tombstones\) in (\d+) batches', p.stdout)
    return dt, int(m.group(1)), int(m.group(2)), int(m.group(3))


def run_build(args, stats, mapping, out):
    shutil.rmtree(out, ignore_errors=True)
    p = subprocess.run([str(Path(args.bin) / 'bench_label_indexes'), str(stats), str(mapping) if mapping else '-', str(out),
                        str(args.batch_size), str(args.threads)], capture_output=True, text=True, check=True)
    return json.loads(p.stdout.strip().splitlines()[-1])


def run_curl(args, server, uuid, dump_dir):
    files = sorted(str(p) for p in Path(dump_dir).glob('batch-*.pb'))
    url = f'{server}/api/node/{uuid}/segmentation/indices'
    t0 = time.perf_counter()
    p = subprocess.run(['xargs', '-0', '-P', str(args.threads), '-I{}', 'curl', '-sS', '-f', '-o', '/dev/null',
                        '-H', 'Expect:', '--data-binary', '@{}', url], input='\0'.join(files), text=True)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit('curl posting failed')
    return dt


def check_same(server, uuid_a, uuid_b, labels):
    """Both ways stored the same indexes (spot check: serialized size and voxel total)."""
    for label in labels:
        got = []
        for u in (uuid_a, uuid_b):
            base = f'{server}/api/node/{u}/segmentation/index/{label}'
            try:
                with urllib.request.urlopen(base) as r:
                    size = len(r.read())
                with urllib.request.urlopen(base + '?metadata-only=true') as r:
                    got.append((size, json.loads(r.read())['num_voxels']))
            except urllib.error.HTTPError as e:
                got.append((-e.code, 0))
        if got[0] != got[1] or got[0][0] <= 0:
            sys.exit(f'label {label}: ours (bytes, voxels) {got[0]}, curl {got[1]}')


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--bin', required=True, help='build bin directory (ingest-label-indexes, bench_label_indexes)')
    ap.add_argument('--rows', type=int, default=3_000_000)
    ap.add_argument('--threads', type=int, default=4)
    ap.add_argument('--batch-size', type=int, default=100_000)
    ap.add_argument('--port', type=int, default=18600)
    ap.add_argument('--dir', default='/tmp/dflow-bench-label-indexes')
    ap.add_argument('--modes', default='sv,agglo')
    args = ap.parse_args()
    work = Path(args.dir)
    work.mkdir(parents=True, exist_ok=True)
    stats = work / 'bench-stats.h5'
    t0 = time.perf_counter()
    rows = make_table(stats, args.rows)
    print(f'table: {rows} rows ({time.perf_counter() - t0:.1f} s to make), {args.threads} threads, batch {args.batch_size} rows')
    dvid_dir = work / 'dvid'
    results = []
    try:
        for mode in args.modes.split(','):
            mapping = work / 'bench-mapping.csv' if mode == 'agglo' else None
            build = run_build(args, stats, mapping, work / f'dump-{mode}')
            server = dvid('start-fresh', dvid_dir, args.port)
            uuid_ours = new_labelmap(server, dvid_dir)
            for f in work.glob('ingest-label-indexes-*.progress'):
                f.unlink()
            ours, bodies, tomb, batches = run_ours(args, server, uuid_ours, stats, mapping, work)
            server = dvid('start-fresh', dvid_dir, args.port)  # fresh store for the curl run
            uuid_curl = new_labelmap(server, dvid_dir)
            raw = run_curl(args, server, uuid_curl, work / f'dump-{mode}')
            r = dict(mode=mode, rows=rows, bodies=bodies, tombstones=tomb, batches=batches, mb=build['bytes'] / 1e6,
                     ours_s=ours, build_s=build['seconds'], curl_s=raw)
            results.append(r)
            print(f"{mode:6s} ours {ours:7.2f} s = {rows / ours:10.0f} rows/s {bodies / ours:9.0f} bodies/s | "
                  f"build only {build['seconds']:6.2f} s = {rows / build['seconds']:10.0f} rows/s | "
                  f"curl (DVID limit) {raw:7.2f} s = {rows / raw:10.0f} rows/s | ours/curl rate {raw / ours:.2f}  "
                  f"({bodies} bodies, {tomb} tombstones, {batches} POSTs, {build['bytes'] / 1e6:.0f} MB)", flush=True)
            # Spot check that curl's bodies stored what our program stores (on the same server).
            uuid_ours2 = new_labelmap(server, dvid_dir)
            for f in work.glob('ingest-label-indexes-*.progress'):
                f.unlink()
            run_ours(args, server, uuid_ours2, stats, mapping, work)
            check_same(server, uuid_ours2, uuid_curl, [1, 6, 11, 100001, 200001])
    finally:
        dvid('stop', dvid_dir)
    (work / 'results.json').write_text(json.dumps(results, indent=1))


if __name__ == '__main__':
    main()
