#!/usr/bin/env python3
"""ingest-supervoxels end to end vs the rate DVID accepts the same blocks pre-encoded: our pipeline's
share of the server's limit. Scale 0 only (pyramid-depth 0, MaxDownresLevel 0), the embedded example's
segmentation (make-example; --size for another size), a real DVID v1.0.0 (scripts/dvid-server.sh
start-fresh on --port, default 18700), freshly started for each measurement:

  components  bench_ingest, one thread, thread CPU time, best of --reps: read (our N5 reader, the pipeline's bricks),
              block statistics, cut 64^3 blocks, encode (DVID label blocks), gzip with libdeflate at
              level 1 and at level 6: Mvox/s per core of each step and of the whole chain
  limit       bench_ingest: every block encoded + gzip'd ONCE into the very request bodies the pipeline
              sends at scale 0 (same bricks, batch-blocks 64 split over concurrency 4), held in memory;
              only the POSTs to /ingest-supervoxels are timed, with --threads connections (default
              4 = one rank's concurrency, and 8 = two ranks'); best of --reps, each into a new instance
  ours        launchflow -n N workflows/03a-ingest-supervoxels (pipeline defaults, pyramid-depth 0) into
              a fresh instance, for N in --ranks (default 1,2): the stage's own time from
              ingest-supervoxels.json (read + stats + encode + gzip + POST + block-statistics.h5), and
              the wall time of launchflow (adds mpirun start-up)

Prints Mvox/s and blocks/s of each and ours/limit = our time / limit time (1.00 = as fast as DVID accepts pre-encoded blocks;
the limit used is the best over the thread counts tried).

--scales all: the whole pyramid (max-scale --max-scale, pyramid-depth -1) instead of scale 0. Then a first,
untimed run of ours records every request body it sends (DFLOW_RECORD_POSTS), the limit posts exactly those
bodies (bench_ingest --replay), and ours is also given per core: input voxels / client CPU seconds
(launchflow + mpirun + ranks), beside flyemflows' quickstart figure of 3.9 Mvox/s per worker end to end
(DESIGN-NOTES: 89 Gvox, 124 workers, 3:05 for scale 0 of CopyGrayscale; no labelmap figure exists).

Usage: bench/bench_ingest.py --bin <build>/bin [--reps 3] [--ranks 1,2] [--threads 4,8] [--port 18700]
                             [--work DIR] [--size X,Y,Z] [--scales 0|all] [--max-scale 3]
"""
import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench_support import dvid, dvid_cpu, example_data, new_repo

ROOT = Path(__file__).resolve().parent.parent






def children_cpu():
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime




FLYEMFLOWS_MVOX_PER_WORKER = 3.9


def run_limit(args, server, uuid, n5, dvid_dir, replay=None):
    cmd = [str(Path(args.bin) / 'bench_ingest'), '--n5', str(n5), '--dataset', 'segmentation/s0', '--reps', str(args.reps),
           '--server', server, '--uuid', uuid, '--threads', args.threads,
           '--server-pid', (Path(dvid_dir) / 'dvid.pid').read_text().strip()] + (['--replay', str(replay)] if replay else [])
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f'bench_ingest failed:\n{p.stderr}')
    return json.loads(p.stdout.strip().splitlines()[-1])


def run_ours(args, server, uuid, n5, ranks, work, dvid_dir, record=None):
    """launchflow on a copy of workflows/03a-ingest-supervoxels; returns (ingest-supervoxels.json, wall s,
    client CPU s (launchflow, mpirun and the ranks), DVID CPU s)."""
    tpl = work / f'03a-ingest-supervoxels-n{ranks}'
    shutil.rmtree(tpl, ignore_errors=True)
    for old in work.glob(f'{tpl.name}-2*'):
        shutil.rmtree(old)
    shutil.copytree(ROOT / 'workflows/03a-ingest-supervoxels', tpl)
    text = (tpl / 'workflow.yaml').read_text()
    for key, value in {'path': str(n5), 'server': server, 'uuid': uuid, 'segmentation-name': 'segmentation',
                       'create-if-necessary': 'true',
                       'max-scale': str(args.max_scale) if args.scales == 'all' else '0',
                       'pyramid-depth': '-1' if args.scales == 'all' else '0'}.items():
        text, n = re.subn(rf'^(\s*{re.escape(key)}:).*$', rf'\g<1> {value}', text, count=1, flags=re.M)
        if n != 1:
            sys.exit(f'workflows/03a-ingest-supervoxels/workflow.yaml has no "{key}:" line')
    (tpl / 'workflow.yaml').write_text(text)
    cpu0, server0, t0 = children_cpu(), dvid_cpu(dvid_dir), time.perf_counter()
    env = dict(os.environ, **({'DFLOW_RECORD_POSTS': str(record)} if record else {}))
    p = subprocess.run([str(Path(args.bin) / 'launchflow'), '-n', str(ranks), str(tpl)], capture_output=True, text=True, env=env)
    wall, cpu, server_cpu = time.perf_counter() - t0, children_cpu() - cpu0, dvid_cpu(dvid_dir) - server0
    runs = sorted(work.glob(f'{tpl.name}-2*'))
    if p.returncode != 0 or not runs or not (runs[-1] / 'ingest-supervoxels.json').exists():
        log = runs[-1] / 'output.log' if runs else None
        sys.exit(f'ingest-supervoxels -n {ranks} failed:\n{p.stderr[-3000:]}\n(log: {log})')
    return json.loads((runs[-1] / 'ingest-supervoxels.json').read_text()), wall, cpu, server_cpu


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--bin', required=True, help='build bin directory (bench_ingest, ingest-supervoxels, launchflow, make-example)')
    ap.add_argument('--reps', type=int, default=3)
    ap.add_argument('--ranks', default='1,2')
    ap.add_argument('--threads', default='4,8', help='connections for the limit (comma-separated)')
    ap.add_argument('--port', type=int, default=18700)
    ap.add_argument('--work', default='/tmp/dvidflow-bench-ingest')
    ap.add_argument('--size', help='make-example --size X,Y,Z (default: the example\'s own size)')
    ap.add_argument('--scales', choices=['0', 'all'], default='0', help='scale 0 only, or the whole pyramid')
    ap.add_argument('--max-scale', type=int, default=3, help='MaxDownresLevel with --scales all')
    args = ap.parse_args()
    work = Path(args.work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    data = example_data(args.bin, work, args.size)
    n5 = data / 'example.n5'
    dvid_dir, server = work / 'dvid', f'http://127.0.0.1:{args.port}'

    try:
        record = None
        if args.scales == 'all':
            record = work / 'recorded'
            shutil.rmtree(record, ignore_errors=True)
            record.mkdir()
            dvid('start-fresh', dvid_dir, args.port)
            run_ours(args, server, new_repo(server, dvid_dir), n5, 1, work, dvid_dir, record=record)
        dvid('start-fresh', dvid_dir, args.port)
        lim = run_limit(args, server, new_repo(server, dvid_dir), n5, dvid_dir, replay=record)
        ours = {}
        for n in [int(x) for x in args.ranks.split(',')]:
            dvid('start-fresh', dvid_dir, args.port)
            ours[n] = run_ours(args, server, new_repo(server, dvid_dir), n5, n, work, dvid_dir)
    finally:
        dvid('stop', dvid_dir)

    vox, c, b = lim['voxels'], lim['components'], lim['bodies']
    blocks = b['blocks']
    mv = lambda s: vox / 1e6 / s  # noqa: E731
    print(f'input: {lim["input"]}, {vox / 1e6:.1f} Mvox, {blocks} non-empty 64^3 blocks in {lim["bricks"]} bricks; '
          f'{b["requests"]} requests of {b["min-blocks"]}..{b["max-blocks"]} blocks, gzip level {b["gzip-level"]}: '
          f'{b["bytes"] / 1e6:.1f} MB')
    print(f'\ncomponents, one thread, thread CPU seconds (best of {args.reps}; the pass took {c["wall-s"]:.2f} s wall '
          f'with both gzip levels):')
    print(f'  {"step":<30}{"CPU s":>9}{"Mvox/s":>9}{"out MB":>9}')
    for name, key, out in [('read (N5, bricks 256^3)', 'read-s', None), ('block statistics', 'stats-s', None),
                           ('cut 64^3 blocks', 'cut-s', None), ('encode (DVID label blocks)', 'encode-s', c['encoded-bytes']),
                           ('gzip level 1 (libdeflate)', 'gzip1-s', c['gzip1-bytes']),
                           ('gzip level 6 (libdeflate)', 'gzip6-s', c['gzip6-bytes'])]:
        print(f'  {name:<30}{c[key]:>9.3f}{mv(c[key]):>9.1f}' + (f'{out / 1e6:>9.2f}' if out is not None else ''))
    for lvl in (1, 6):
        chain = c['read-s'] + c['stats-s'] + c['cut-s'] + c['encode-s'] + c[f'gzip{lvl}-s']
        print(f'  {"whole chain, gzip " + str(lvl):<30}{chain:>9.3f}{mv(chain):>9.1f}')
    print(f'  gzip 6 vs 1: {c["gzip6-s"] / c["gzip1-s"]:.2f}x the time, {c["gzip6-bytes"] / c["gzip1-bytes"]:.3f}x the bytes')

    print(f'\n  {"run":<44}{"seconds":>9}{"Mvox/s":>9}{"blocks/s":>10}{"client CPU s":>14}{"DVID CPU s":>12}{"ours/limit":>12}')
    best_limit = min(l['best-s'] for l in lim['limit'])
    for l in lim['limit']:
        s = l['best-s']
        print(f'  {"limit: POST pre-encoded bodies, " + str(l["threads"]) + " conn.":<44}{s:>9.3f}{mv(s):>9.1f}{blocks / s:>10.0f}'
              f'{l["best-client-cpu-s"]:>14.2f}{l["best-server-cpu-s"]:>12.2f}')
    for n, (j, wall, cpu, server_cpu) in ours.items():
        scales = j['scales'] if args.scales == 'all' else j['scales'][:1]
        written, gz, req = (sum(sc[k] for sc in scales) for k in ('blocks-written', 'gzip-bytes', 'requests'))
        # Recorded bodies are whole request bodies (block headers included), so only blocks and requests compare.
        same = (written, req) == (blocks, b['requests']) if args.scales == 'all' else \
            (written, gz, req) == (blocks, b['bytes'], b['requests'])
        if not same:
            sys.exit(f'ingest-supervoxels -n {n} posted {written} blocks, {gz} bytes in {req} requests; the limit run '
                     f'{blocks}, {b["bytes"]}, {b["requests"]}: not the same work')
        s = j['seconds']
        print(f'  {f"ours: ingest-supervoxels -n {n} (stage time)":<44}{s:>9.3f}{mv(s):>9.1f}{blocks / s:>10.0f}{"":>14}{"":>12}'
              f'{s / best_limit:>12.2f}')
        print(f'  {f"ours: -n {n} wall (launchflow + mpirun)":<44}{wall:>9.3f}{mv(wall):>9.1f}{blocks / wall:>10.0f}{cpu:>14.2f}'
              f'{server_cpu:>12.2f}{wall / best_limit:>12.2f}')
    print(f'\nours/limit = our time / limit time, against the best limit ({best_limit:.3f} s); 1.00 = we ingest as fast as '
          f'DVID accepts pre-encoded blocks, above 1 DVID could take more. CPU: user + system seconds (client: '
          f'bench_ingest\'s POST threads, or launchflow + mpirun + ranks; DVID: the server process). The machine\'s cores '
          f'are shared: DVID, the client and other users run on the same cores.')
    print(f'\nper core (input voxels / client CPU seconds, every process of the run but DVID), scales '
          f'{"0.." + str(args.max_scale) if args.scales == "all" else "0"}; flyemflows\' quickstart: '
          f'{FLYEMFLOWS_MVOX_PER_WORKER} Mvox/s per worker end to end:')
    for n, (j, wall, cpu, server_cpu) in ours.items():
        per_core = mv(cpu)
        print(f'  ours -n {n}: {per_core:.1f} Mvox/s per core; our CPU time / flyemflows\' worker time for the same '
              f'voxels = {FLYEMFLOWS_MVOX_PER_WORKER / per_core:.3f}')
    (work / 'results.json').write_text(json.dumps({'limit': lim, 'ours': {
        str(n): {'json': j, 'wall': w, 'client-cpu': c, 'dvid-cpu': d} for n, (j, w, c, d) in ours.items()}}, indent=1))


if __name__ == '__main__':
    main()
