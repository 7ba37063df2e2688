"""The parallel block-statistics writer at several rank counts, checked with h5py and numpy.

For each rank count, runs `mpirun -np N block-stats-synth --rows ROWS --h5 FILE --max-rss-mib M`
(every rank writes its share of a synthetic table with lib/stats' parallel writer), then checks:
  - every rank's peak memory (getrusage ru_maxrss, printed by the program) is at most M MiB;
  - the file as h5py sees it: dataset `stats`, exactly flyemflows' packed compound dtype, chunks of
    16384 rows, maxshape (None,), no attributes, ROWS rows;
  - its multiset of rows: an order-independent fingerprint (row count and the wrapping sum of a 64-bit
    hash of each 24-byte row), computed chunk-wise, equals the fingerprint of the table generated
    here in numpy from the formula (independently of the C++ generator).
The same for 100,003 rows in batches of 4,099 (ranks run different numbers of collective writes), and for
the CSV form (--csv) on CSV_ROWS rows, parsed by numpy. Files are deleted after each run.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

import h5py
import numpy as np

DTYPE = np.dtype({"names": ["segment_id", "z", "y", "x", "count"],
                  "formats": ["<u8", "<i4", "<i4", "<i4", "<u4"],
                  "offsets": [0, 8, 12, 16, 20], "itemsize": 24})
CHUNK = 1 << 22  # rows per numpy step (~100 MB of the table)
M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def u64(x):
    return np.uint64(x)


def splitmix64(x):
    z = x + u64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> u64(30))) * u64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> u64(27))) * u64(0x94D049BB133111EB)
    return z ^ (z >> u64(31))


def expected_chunk(lo, hi):
    """Rows lo..hi of the synthetic table, from the formula in block_stats_synth.cpp's comment."""
    i = np.arange(lo, hi, dtype=np.uint64)
    h = splitmix64(i)
    out = np.empty(hi - lo, dtype=DTYPE)
    out["segment_id"] = h
    out["z"] = ((i >> u64(20)) * u64(64)).astype(np.int32)
    out["y"] = (((i >> u64(10)) & u64(1023)) * u64(64)).astype(np.int32)
    out["x"] = ((i & u64(1023)).astype(np.int64) * 64 - 32768).astype(np.int32)
    out["count"] = ((h >> u64(45)) + u64(1)).astype(np.uint32)
    return out


def fingerprint_rows(rows):
    """Wrapping sum of a hash of each row's 24 bytes (three little-endian 64-bit words)."""
    w = np.ascontiguousarray(rows).view("<u8").reshape(-1, 3)
    v = w[:, 0] * u64(0x9E3779B97F4A7C15) + w[:, 1] * u64(0xC2B2AE3D27D4EB4F) + w[:, 2] * u64(0x165667B19E3779F9)
    return int(splitmix64(v).sum(dtype=np.uint64))


def fingerprint_expected(n):
    total = 0
    for lo in range(0, n, CHUNK):
        total = (total + fingerprint_rows(expected_chunk(lo, min(n, lo + CHUNK)))) & 0xFFFFFFFFFFFFFFFF
    return total


def run_synth(args, np_, extra):
    cmd = [args.mpirun, "--allow-run-as-root", "--oversubscribe", "-np", str(np_), args.synth,
           "--max-rss-mib", str(args.max_rss_mib)] + extra
    p = subprocess.run(cmd, capture_output=True, text=True)
    sys.stdout.write(p.stdout)
    if p.returncode != 0:
        sys.stdout.write(p.stderr)
        raise SystemExit(f"FAILED: {' '.join(cmd)} exited with {p.returncode}")
    peaks = [float(m) for m in re.findall(r"peak-rss-mib ([0-9.]+)", p.stdout)]
    if len(peaks) != np_:
        raise SystemExit(f"FAILED: expected {np_} peak-memory lines, got {len(peaks)}")
    # Checked here too, so a program that forgot to compare cannot pass.
    if max(peaks) > args.max_rss_mib:
        raise SystemExit(f"FAILED: peak memory {max(peaks)} MiB > bound {args.max_rss_mib} MiB at {np_} ranks")
    return peaks


def check_h5(path, n):
    with h5py.File(path, "r") as f:
        if list(f.keys()) != ["stats"]:
            raise SystemExit(f"FAILED: {path}: datasets {list(f.keys())}, want ['stats']")
        d = f["stats"]
        if d.dtype != DTYPE or d.dtype.itemsize != 24:
            raise SystemExit(f"FAILED: {path}: dtype {d.dtype}, want {DTYPE}")
        if d.shape != (n,) or d.maxshape != (None,) or d.chunks != (16384,):
            raise SystemExit(f"FAILED: {path}: shape {d.shape} maxshape {d.maxshape} chunks {d.chunks}")
        if len(d.attrs) or len(f.attrs):
            raise SystemExit(f"FAILED: {path}: unexpected attributes")
        total = 0
        for lo in range(0, n, CHUNK):
            total = (total + fingerprint_rows(d[lo:min(n, lo + CHUNK)])) & 0xFFFFFFFFFFFFFFFF
    return total


def check_csv(path, n):
    with open(path) as f:
        header = f.readline()
        if header != "segment_id,z,y,x,count\n":
            raise SystemExit(f"FAILED: {path}: header {header!r}")
        cols = np.loadtxt(f, delimiter=",", dtype=np.int64, usecols=(1, 2, 3, 4), ndmin=2)
    with open(path) as f:
        f.readline()
        ids = np.array([int(line.split(",", 1)[0]) for line in f], dtype=np.uint64)
    if len(ids) != n:
        raise SystemExit(f"FAILED: {path}: {len(ids)} rows, want {n}")
    rows = np.empty(n, dtype=DTYPE)
    rows["segment_id"] = ids
    for k, name in enumerate(["z", "y", "x", "count"]):
        rows[name] = cols[:, k]
    return fingerprint_rows(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--synth", required=True)
    ap.add_argument("--mpirun", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--rows", type=int, default=100_000_000)
    ap.add_argument("--ranks", default="1,2,4")
    ap.add_argument("--max-rss-mib", type=int, default=200)
    ap.add_argument("--csv-rows", type=int, default=1_000_000)
    args = ap.parse_args()
    ranks = [int(r) for r in args.ranks.split(",")]
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    np.seterr(over="ignore")

    want = fingerprint_expected(args.rows)
    print(f"numpy formula: {args.rows} rows, fingerprint {want:#018x}")
    failures = []
    worst = 0.0
    for n in ranks:
        path = os.path.join(args.work, f"np{n}.h5")
        peaks = run_synth(args, n, ["--rows", str(args.rows), "--h5", path])
        worst = max(worst, max(peaks))
        got = check_h5(path, args.rows)
        os.remove(path)
        print(f"{n} ranks: h5py reads {args.rows} rows, fingerprint {got:#018x}, peak memory per rank "
              f"{', '.join(f'{p:.0f}' for p in peaks)} MiB")
        if got != want:
            failures.append(f"{n} ranks: the rows differ from the formula's (fingerprint {got:#x} != {want:#x})")

    # Uneven shares and batches: ranks run different numbers of collective rounds, batches straddle chunks.
    odd = 100_003
    want_odd = fingerprint_expected(odd)
    for n in ranks:
        path = os.path.join(args.work, f"odd{n}.h5")
        run_synth(args, n, ["--rows", str(odd), "--h5", path, "--batch-rows", "4099"])
        got = check_h5(path, odd)
        os.remove(path)
        print(f"{n} ranks: {odd} rows in batches of 4099, fingerprint {got:#018x}")
        if got != want_odd:
            failures.append(f"{n} ranks: {odd} rows in batches of 4099 differ from the formula's")

    want_csv = fingerprint_expected(args.csv_rows)
    for n in ranks:
        path = os.path.join(args.work, f"np{n}.csv")
        run_synth(args, n, ["--rows", str(args.csv_rows), "--csv", path])
        got = check_csv(path, args.csv_rows)
        os.remove(path)
        print(f"{n} ranks: CSV of {args.csv_rows} rows, fingerprint {got:#018x}")
        if got != want_csv:
            failures.append(f"{n} ranks: the CSV rows differ from the formula's")
    shutil.rmtree(args.work, ignore_errors=True)
    for f in failures:
        print("FAILED:", f)
    if failures:
        sys.exit(1)
    print(f"OK: identical rows at {args.ranks} ranks; worst peak memory {worst:.0f} MiB per rank "
          f"(bound {args.max_rss_mib} MiB)")


if __name__ == "__main__":
    main()
