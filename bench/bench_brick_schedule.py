#!/usr/bin/env python3
"""The dynamic brick queue vs the static plan on a skewed volume: how evenly the ranks are busy.

The volume (tests/mpi/make_skewed_volume.py, N5 uint64, 64^3 chunks) has about 50x the labels per
block in one region: `octant` (the low x,y,z corner, issue 10's case) and `slab` (x in [64,128): a
layer of dense tissue one brick thick). Each stage of --stages runs through `launchflow -n N` with
DFLOW_BRICK_SCHEDULE=static (the old plan: fixed shares, Z-order round robin) and =dynamic (rank 0's
queue, largest first, to whichever rank is free), alternating, --reps times each:

  sv-meshes      64^3 bricks, tars into a directory: marching cubes, whose cost follows the labels'
                 surface (a dense brick costs ~5x a sparse one)
  survey-volume  64^3 bricks, segmentation statistics: mostly reading (a dense brick costs ~1.5x)

Per run it reads launchflow's end summary line

  balance: <phase> (dynamic schedule, 4 ranks): busy seconds per rank max .., mean .., min .., max/mean 1.02

(busy = the seconds a rank spent in bricks, from the timing records in progress/) and the brick
phase's time from the `timings:` line, and checks both schedules wrote identical outputs. Prints the
median max/mean busy of each schedule and ratio = dynamic / static (< 1: the queue spreads the work
more evenly), and the brick phase's time ratio the same way.

Usage: bench/bench_brick_schedule.py --bin <build>/bin [--ranks 4] [--reps 3] [--size 512,512,256]
                                     [--dense octant,slab] [--stages sv-meshes,survey-volume] [--work DIR]
                                     [--python PY]
"""
import argparse
import filecmp
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


STAGES = {
    "sv-meshes": ("output:\n  directory-of-tarfiles: tars\nsv-meshes:\n  brick-shape: [64, 64, 64]\n  threads: 1\n",
                  ["sv-meshes-supervoxels.csv", "tars"]),
    "survey-volume": ("survey:\n  brick-shape: [64, 64, 64]\n  kind: segmentation\n  block-statistics-csv: true\n",
                      ["survey.json", "block-statistics.csv"]),
}


def same(a, b):
    if a.is_dir():
        return sorted(p.name for p in a.iterdir()) == sorted(p.name for p in b.iterdir()) and all(
            same(p, b / p.name) for p in a.iterdir())
    return filecmp.cmp(a, b, shallow=False)


def run_stage(bin_dir, template, ranks, schedule, phase):
    env = dict(os.environ, DFLOW_BRICK_SCHEDULE=schedule)
    before = set(template.parent.glob(template.name + "-*"))
    r = subprocess.run([str(bin_dir / "launchflow"), "-n", str(ranks), str(template)], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        sys.exit(f"launchflow failed ({r.returncode}):\n{r.stdout[-4000:]}")
    (exec_dir,) = set(template.parent.glob(template.name + "-*")) - before
    log = (exec_dir / "output.log").read_text()
    m = re.search(rf"balance: {phase} \((\w+) schedule, (\d+) ranks?\): busy seconds per rank max ([\d.]+), "
                  r"mean ([\d.]+), min ([\d.]+), max/mean ([\d.]+)", log)
    t = re.search(rf"timings: .*\| {phase} ([\d.]+) s \(", log)
    if not m or not t or m.group(1) != schedule:
        sys.exit(f"{exec_dir}/output.log: no balance/timings line for the {schedule} schedule")
    return {"exec_dir": exec_dir, "ratio": float(m.group(6)), "busy_max": float(m.group(3)),
            "busy_mean": float(m.group(4)), "seconds": float(t.group(1)), "line": m.group(0)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True, type=Path)
    ap.add_argument("--ranks", type=int, default=4)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--size", default="512,512,256")
    ap.add_argument("--dense", default="octant,slab")
    ap.add_argument("--stages", default="sv-meshes,survey-volume")
    ap.add_argument("--work", type=Path, default=ROOT / "build" / "bench-brick-schedule")
    ap.add_argument("--python", default=sys.executable, help="a Python with numpy, zarr 2.18, numcodecs")
    a = ap.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    a.work.mkdir(parents=True)
    rows = []
    for dense in a.dense.split(","):
        vol = a.work / f"skew-{dense}.n5"
        made = subprocess.run([a.python, str(ROOT / "tests/mpi/make_skewed_volume.py"), str(vol), "--size", a.size,
                               "--dense", dense], check=True, stdout=subprocess.PIPE, text=True).stdout
        info = json.loads(made.strip().splitlines()[-1])
        print(f"{dense}: {a.size}, {info['labels_per_block_dense']} labels per block in {info['blocks_dense']} dense blocks, "
              f"{info['labels_per_block_other']} in the other {info['blocks_other']} ({info['ratio']}x)", flush=True)
        for stage in a.stages.split(","):
            extra, outputs = STAGES[stage]
            template = a.work / f"{stage}-{dense}"
            template.mkdir()
            (template / "workflow.yaml").write_text(
                f"workflow-name: {stage}\ninput:\n  n5:\n    path: {vol}\n    dataset: segmentation/s0\n{extra}")
            runs = {"static": [], "dynamic": []}
            for rep in range(a.reps):
                for schedule in ("static", "dynamic"):
                    r = run_stage(a.bin, template, a.ranks, schedule, stage)
                    runs[schedule].append(r)
                    print(f"  {stage} rep {rep + 1} {schedule:>7}: brick phase {r['seconds']:.1f} s; {r['line']}", flush=True)
            ref = runs["static"][0]["exec_dir"]
            for r in runs["static"] + runs["dynamic"]:
                for f in outputs:
                    if not same(ref / f, r["exec_dir"] / f):
                        sys.exit(f"{r['exec_dir'] / f} differs from {ref / f}")
            med = {k: statistics.median(x["ratio"] for x in runs[k]) for k in runs}
            sec = {k: statistics.median(x["seconds"] for x in runs[k]) for k in runs}
            rows.append((f"{stage}, {dense}", med, sec))
    print(f"\n{a.ranks} ranks, {a.reps} runs each (medians); outputs identical across schedules")
    print(f"{'stage, volume':>22} | {'static max/mean busy':>20} | {'dynamic max/mean busy':>21} | {'ratio dyn/static':>16} | "
          f"{'phase s static':>14} | {'phase s dynamic':>15} | {'ratio':>5}")
    for dense, med, sec in rows:
        print(f"{dense:>22} | {med['static']:>20.3f} | {med['dynamic']:>21.3f} | {med['dynamic'] / med['static']:>16.3f} | "
              f"{sec['static']:>14.1f} | {sec['dynamic']:>15.1f} | {sec['dynamic'] / sec['static']:>5.2f}")


if __name__ == "__main__":
    main()
