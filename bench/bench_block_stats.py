#!/usr/bin/env python3
"""Rank 0's peak memory writing block-statistics.h5: the parallel writer vs the old gather-to-rank-0 path.

For each row count, runs `mpirun -np RANKS block-stats-synth --rows N --h5 FILE` twice in this run:
  ours: --writer parallel  every rank writes its share with parallel HDF5 (lib/stats/block_stats_parallel),
                           batches of 1M rows;
  peer: --writer gather    the pipeline's path before it: every rank's rows in a result blob gathered to
                           rank 0 (MPI_Gatherv), concatenated, sorted, one H5Dwrite (serial HDF5).
Both write the same synthetic table (a function of the row index) to the same file system; the file is
deleted after each run. Prints rank 0's peak RSS (getrusage ru_maxrss) and wall time of the write for both,
and the ratios ours / peer (< 1 = we use less / are faster).

The peer needs about 80 bytes per row on rank 0 (8 GB at 10^8 rows): --max-peer-rows skips it above that.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile


def run(args, writer, rows, path):
    cmd = [args.mpirun, "--allow-run-as-root", "--oversubscribe", "-np", str(args.ranks), args.synth,
           "--rows", str(rows), "--h5", path, "--writer", writer]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if os.path.exists(path):
        os.remove(path)
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    peak0 = float(re.search(r"rank 0: rows \d+ peak-rss-mib ([0-9.]+)", p.stdout).group(1))
    peaks = [float(x) for x in re.findall(r"peak-rss-mib ([0-9.]+)", p.stdout)]
    secs = float(re.search(r"seconds ([0-9.]+)", p.stdout).group(1))
    return peak0, max(peaks), secs


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default="build/bin", help="directory holding block-stats-synth")
    ap.add_argument("--mpirun", default="mpirun")
    ap.add_argument("--ranks", type=int, default=2)
    ap.add_argument("--rows", default="1000000,10000000,100000000")
    ap.add_argument("--max-peer-rows", type=int, default=100_000_000)
    ap.add_argument("--dir", default=None, help="where the files go (default: a temporary directory)")
    args = ap.parse_args()
    args.synth = os.path.join(args.bin, "block-stats-synth")
    work = args.dir or tempfile.mkdtemp(prefix="bench-block-stats-")
    os.makedirs(work, exist_ok=True)
    path = os.path.join(work, "block-statistics.h5")
    print(f"{args.ranks} ranks; rank 0 peak RSS (MiB) and seconds writing block-statistics.h5")
    print(f"{'rows':>12} | {'ours rank0':>10} {'ours max':>9} {'ours s':>7} | {'peer rank0':>10} {'peer s':>7} | "
          f"{'mem ratio':>9} {'time ratio':>10}")
    for rows in [int(r) for r in args.rows.split(",")]:
        o0, omax, os_ = run(args, "parallel", rows, path)
        if rows <= args.max_peer_rows:
            p0, _, ps = run(args, "gather", rows, path)
            print(f"{rows:>12} | {o0:>10.1f} {omax:>9.1f} {os_:>7.2f} | {p0:>10.1f} {ps:>7.2f} | "
                  f"{o0 / p0:>9.3f} {os_ / ps:>10.2f}")
        else:
            print(f"{rows:>12} | {o0:>10.1f} {omax:>9.1f} {os_:>7.2f} | {'skipped':>10} {'':>7} |")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
