#!/usr/bin/env python3
"""Our DVID label block codec (lib/codec/dvid_labels) vs DVID's own Go codec (v1.0.0,
datatype/common/labels: MakeBlock + MarshalBinary, UnmarshalBinary + MakeLabelVolume) on the SAME
blocks, one thread each, best of --reps repetitions per block:

  dvid/*       DVID's four 64^3 fixture volumes (test_data/ of the DVID Go module)
  example      every non-empty 64^3 block of the embedded example's segmentation (make-example;
               edge blocks padded with 0, as ingest-supervoxels posts them)
  synthetic/*  solid, two labels split by a plane, two labels at random, all voxels distinct

Prints ns per block and MB/s (of uint64 voxels, 1 MB = 1e6 bytes) for both, and ours/DVID time
(< 1: we are faster). Also checks, and fails otherwise, that both encodings of every block have the
same size (sizes do not depend on label order) and that each side decodes the other's encoding
to the original voxels.

The Go program (bench/go-labels) is built from the Go module proxy (GOFLAGS=-mod=mod, cgo on) into
~/.cache/dvidflow/bench-go/ and rebuilt only when its sources change.

Usage: bench/bench_codec.py --bin <build>/bin [--reps 5] [--min-ms 20] [--work DIR] [--test-data DIR]
                            [--example DIR_WITH_example.n5]
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GO_SRC = ROOT / 'bench' / 'go-labels'
DVID_MODULE = 'github.com/janelia-flyem/dvid@v1.0.0'


def cache_dir():
    base = os.environ.get('DFLOW_CACHE') or Path(os.environ.get('XDG_CACHE_HOME', Path.home() / '.cache')) / 'dvidflow'
    return Path(base) / 'bench-go'


def go_env():
    return dict(os.environ, CGO_ENABLED='1', GOFLAGS='-mod=mod')


def module_dir(workdir):
    """The DVID module's directory in the Go module cache (downloading it from the proxy if needed)."""
    workdir.mkdir(parents=True, exist_ok=True)
    p = subprocess.run(['go', 'mod', 'download', '-json', DVID_MODULE], cwd=workdir, env=go_env(),
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f'go mod download {DVID_MODULE} failed:\n{p.stdout}{p.stderr}')
    return Path(json.loads(p.stdout)['Dir'])


def cmake_test_data(bindir):
    """DVID_TEST_DATA from the build's CMakeCache.txt (the build dir is the parent of --bin), if set."""
    cache = bindir.resolve().parent / 'CMakeCache.txt'
    if cache.exists():
        for line in cache.read_text().splitlines():
            if line.startswith('DVID_TEST_DATA:') and line.split('=', 1)[1]:
                return line.split('=', 1)[1]
    return None


def build_go():
    """Builds bench/go-labels in a copy under the cache (the source tree is never written)."""
    files = ['go.mod', 'go.sum', 'main.go']
    h = hashlib.sha256(b''.join((GO_SRC / f).read_bytes() for f in files)).hexdigest()[:16]
    cache = cache_dir()
    exe = cache / f'go-labels-{h}'
    if exe.exists():
        return exe
    src = cache / f'src-{h}'
    shutil.rmtree(src, ignore_errors=True)
    src.mkdir(parents=True)
    for f in files:
        shutil.copy(GO_SRC / f, src / f)
    print(f'building {GO_SRC.relative_to(ROOT)} against {DVID_MODULE} (Go module proxy, cgo) ...', file=sys.stderr)
    p = subprocess.run(['go', 'build', '-o', str(exe), '.'], cwd=src, env=go_env(), capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f'go build of bench/go-labels failed:\n{p.stderr}')
    return exe


def run_json_lines(cmd):
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f'{" ".join(map(str, cmd))} failed:\n{p.stderr}')
    return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]


def group_of(name):
    return 'example' if name.startswith('example/') else name


def table(ours, dvid):
    groups = {}
    for o, d in zip(ours, dvid):
        g = groups.setdefault(group_of(o['name']), {'n': 0, 'vox': 0, 'bytes': 0, 'oe': 0.0, 'de': 0.0, 'od': 0.0, 'dd': 0.0})
        g['n'] += 1
        g['vox'] += o['voxels']
        g['bytes'] += o['bytes']
        g['oe'] += o['encode_ns']
        g['de'] += d['encode_ns']
        g['od'] += o['decode_ns']
        g['dd'] += d['decode_ns']
    keys = ('n', 'vox', 'bytes', 'oe', 'de', 'od', 'dd')
    real = {k: sum(g[k] for name, g in groups.items() if not name.startswith('synthetic/')) for k in keys}
    total = {k: sum(g[k] for g in groups.values()) for k in keys}
    rows = list(groups.items()) + [('real (dvid/* + example)', real), ('all blocks', total)]

    def mbs(vox, ns):
        return vox * 8 / 1e6 / (ns / 1e9)

    head = (f'{"blocks":<28}{"n":>4}{"bytes/blk":>11} | {"encode us/blk":>15}{"MB/s":>14}{"ours/DVID":>10} | '
            f'{"decode us/blk":>15}{"MB/s":>14}{"ours/DVID":>10}')
    sub = f'{"":<28}{"":>4}{"":>11} | {"ours":>7}{"DVID":>8}{"ours":>7}{"DVID":>7}{"":>10} | {"ours":>7}{"DVID":>8}{"ours":>7}{"DVID":>7}'
    lines = [head, sub, '-' * len(head)]
    for name, g in rows:
        n = g['n']
        lines.append(f'{name:<28}{n:>4}{g["bytes"] / n:>11.0f} | {g["oe"] / n / 1e3:>7.0f}{g["de"] / n / 1e3:>8.0f}'
                     f'{mbs(g["vox"], g["oe"]):>7.0f}{mbs(g["vox"], g["de"]):>7.0f}{g["oe"] / g["de"]:>10.2f} | '
                     f'{g["od"] / n / 1e3:>7.0f}{g["dd"] / n / 1e3:>8.0f}{mbs(g["vox"], g["od"]):>7.0f}{mbs(g["vox"], g["dd"]):>7.0f}'
                     f'{g["od"] / g["dd"]:>10.2f}')
    return '\n'.join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--bin', required=True, help='build bin directory (bench_codec, make-example)')
    ap.add_argument('--reps', type=int, default=5)
    ap.add_argument('--min-ms', type=float, default=20, help='minimum duration of one timed repetition')
    ap.add_argument('--work', default='/tmp/dvidflow-bench-codec')
    ap.add_argument('--test-data', help="DVID's test_data/ (default: $DVID_TEST_DATA, the build's DVID_TEST_DATA, "
                    "or the module's from go mod download)")
    ap.add_argument('--example', help='directory holding example.n5 (default: make-example into --work)')
    args = ap.parse_args()
    bindir, work = Path(args.bin), Path(args.work)
    work.mkdir(parents=True, exist_ok=True)

    go_exe = build_go()
    test_data = Path(args.test_data or os.environ.get('DVID_TEST_DATA') or cmake_test_data(bindir)
                     or module_dir(cache_dir()) / 'test_data')
    example = Path(args.example) if args.example else work / 'example'
    if not (example / 'example.n5').exists():
        subprocess.run([str(bindir / 'make-example'), '--output', str(example)], check=True, stdout=subprocess.DEVNULL)

    raw, ours_enc, dvid_enc = work / 'blocks.raw', work / 'ours.enc', work / 'dvid.enc'
    n = run_json_lines([bindir / 'bench_codec', 'dump', raw, '--test-data', test_data, '--n5', example / 'example.n5',
                        '--dataset', 'segmentation/s0'])[0]['blocks']
    print(f'{n} blocks; timing ours (C++) ...', file=sys.stderr)
    timing = ['--reps', args.reps, '--min-ms', args.min_ms]
    ours = run_json_lines([bindir / 'bench_codec', 'time', raw, '--write', ours_enc] + timing)
    print('timing DVID (Go) ...', file=sys.stderr)
    dvid = run_json_lines([go_exe, '-blocks', raw, '-write', dvid_enc, '-reps', args.reps, '-min-ms', args.min_ms])

    # Same blocks, same sizes, each side decodes the other's output.
    if [o['name'] for o in ours] != [d['name'] for d in dvid]:
        sys.exit('the two programs timed different blocks')
    bad = [(o['name'], o['bytes'], d['bytes']) for o, d in zip(ours, dvid) if o['bytes'] != d['bytes']]
    if bad:
        sys.exit(f'encoded sizes differ (block, ours, DVID): {bad[:5]}')
    go_check = run_json_lines([go_exe, '-blocks', raw, '-check', ours_enc])[-1]
    our_check = run_json_lines([bindir / 'bench_codec', 'check', raw, dvid_enc])[-1]
    print(table(ours, dvid))
    print(f'\nchecks: encoded sizes identical for all {len(ours)} blocks; DVID decodes ours: {go_check["check"]} '
          f'({go_check["blocks"]} blocks); we decode DVID\'s: {our_check["check"]} ({our_check["blocks"]} blocks)')
    print(f'timing: best of {args.reps} repetitions of >= {args.min_ms:g} ms per block and operation, one thread '
          f'(Go: GOMAXPROCS=1); ours/DVID < 1 means we are faster; MB/s of uint64 voxels (1 MB = 1e6 bytes)')
    (work / 'results.json').write_text(json.dumps({'ours': ours, 'dvid': dvid}, indent=1))


if __name__ == '__main__':
    main()
