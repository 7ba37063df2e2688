#!/usr/bin/env python3
"""export-grayscale vs igneous on one core, and both against libjpeg-turbo's limit.

  python bench/bench_export_grayscale.py [--build build] [--size 512] [--max-scale K] [--repeat 3]
                                         [--quality 85] [--work DIR]

The same export both ways, in one run: a raw precomputed volume (64^3 chunks; made from the
embedded example, `make-example --size S,S,S`, by our own program) is re-encoded as JPEG
(quality 85, 64^3 chunks) at scale 0 plus a 2x2x2 averaged pyramid up to max-scale
(default: down to one 64^3 chunk):
  ours     mpirun -n 1 export-grayscale (default memory budget)
  igneous  igneous-pipeline 4.37.0's transfer + downsample tasks in LocalTaskQueue(parallel=1)
           (bench/bench_export_grayscale_igneous.py, in the venv of scripts/setup-bench-python.sh)
  limit    every chunk of the pyramid JPEG-encoded in a tight loop with the same libjpeg-turbo
           call we use (bench_export_grayscale_limit): the encode time alone
Times are the programs' own (after start-up: no mpirun/interpreter launch): CPU seconds (user +
system, the comparison that survives a shared, loaded machine) and wall seconds, each the best of
--repeat runs; "launch s" is the whole process including mpirun / interpreter start-up. Prints a table, the ratio igneous/ours and the share of our
time that libjpeg-turbo's encoding accounts for. Run it with the bench venv's python (it reads the
outputs with cloud-volume to report their PSNR against the input).
"""
import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(cmd, **kw):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{p.stdout}\n{p.stderr}")
    return p.stdout, time.perf_counter() - t0


def write_config(path, yaml):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml)


def psnr(a, b):
    import numpy as np
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(255.0 ** 2 / mse)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=str(ROOT / "build"))
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--max-scale", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quality", type=int, default=85)
    ap.add_argument("--work", default=None)
    args = ap.parse_args()
    bin_dir = Path(args.build) / "bin"
    work = Path(args.work or Path(args.build) / "bench-export-grayscale")
    size = args.size
    max_scale = args.max_scale if args.max_scale is not None else max(0, int(math.log2(size // 64)))
    bench_python = sys.executable
    mpirun = shutil.which("mpirun") or "mpirun"
    root_flags = ["--allow-run-as-root"] if os.geteuid() == 0 else []

    # The input: the example at SIZE^3, as a raw precomputed volume.
    example = work / f"example-{size}"
    if not (example / "example.n5").exists():
        print(f"making the {size}^3 example ...", flush=True)
        run([bin_dir / "make-example", "--size", f"{size},{size},{size}", "--output", example])
    src = work / f"input-{size}"
    if not (src / "info").exists():
        write_config(work / "input" / "workflow.yaml", f"""workflow-name: export-grayscale
input:
  n5: {{path: {example}/example.n5, dataset: grayscale/s0}}
output:
  precomputed: {{path: {src}, encoding: raw}}
export-grayscale: {{max-pyramid-scale: 0}}
""")
        shutil.rmtree(work / "input" / "journal", ignore_errors=True)
        run([mpirun, *root_flags, "-n", "1", bin_dir / "export-grayscale", "--config", work / "input" / "workflow.yaml"])
    voxels = size ** 3

    ours_s, ours_wall, ig_s, ig_wall, limit_s = [], [], [], [], []
    ours_cpu, ig_cpu, limit_cpu = [], [], []
    ours_out, ig_out = work / "ours", work / "igneous"
    for r in range(args.repeat):
        # ours
        shutil.rmtree(ours_out, ignore_errors=True)
        exec_dir = work / "ours-exec"
        shutil.rmtree(exec_dir, ignore_errors=True)
        write_config(exec_dir / "workflow.yaml", f"""workflow-name: export-grayscale
input:
  precomputed: {{path: {src}}}
output:
  precomputed: {{path: {ours_out}, encoding: jpeg, jpeg-quality: {args.quality}}}
export-grayscale: {{max-pyramid-scale: {max_scale}}}
""")
        _, wall = run([mpirun, *root_flags, "-n", "1", bin_dir / "export-grayscale", "--config", exec_dir / "workflow.yaml"])
        summary = json.loads((exec_dir / "export-grayscale.json").read_text())
        ours_s.append(summary["seconds"])
        ours_cpu.append(summary["cpu-seconds-rank0"])
        ours_wall.append(wall)
        # igneous
        shutil.rmtree(ig_out, ignore_errors=True)
        out, wall = run([bench_python, ROOT / "bench" / "bench_export_grayscale_igneous.py", src, ig_out,
                         "--max-scale", str(max_scale), "--quality", str(args.quality)])
        ig = json.loads(out.strip().splitlines()[-1])
        if ig["scales"] != max_scale + 1:
            sys.exit(f"igneous wrote {ig['scales']} scales, expected {max_scale + 1}")
        ig_s.append(ig["seconds"])
        ig_cpu.append(ig["cpu-seconds"])
        ig_wall.append(wall)
        # libjpeg-turbo's limit
        out, _ = run([bin_dir / "bench_export_grayscale_limit", "--input", src, "--max-scale", str(max_scale),
                      "--quality", str(args.quality)])
        limit = json.loads(out)
        limit_s.append(limit["seconds"])
        limit_cpu.append(limit["cpu-seconds"])
        print(f"run {r + 1}: ours {ours_s[-1]:.3f} s ({ours_cpu[-1]:.3f} CPU), igneous {ig_s[-1]:.3f} s "
              f"({ig_cpu[-1]:.3f} CPU), jpeg limit {limit_s[-1]:.3f} s ({limit_cpu[-1]:.3f} CPU)", flush=True)

    # What each wrote, and how close to the input (scale 0) it is.
    import numpy as np
    from cloudvolume import CloudVolume
    ref = np.asarray(CloudVolume("file://" + str(src), mip=0, progress=False)[:, :, :])
    q = {}
    for name, path in (("ours", ours_out), ("igneous", ig_out)):
        got = np.asarray(CloudVolume("file://" + str(path), mip=0, progress=False)[:, :, :])
        nbytes = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
        q[name] = (psnr(got, ref), nbytes)

    best = min
    o, i, l = best(ours_cpu), best(ig_cpu), best(limit_cpu)
    pyr_vox = limit["voxels"]
    print()
    print(f"export-grayscale benchmark: {size}^3 uint8 ({voxels / 1e6:.0f} Mvox) raw precomputed -> JPEG q{args.quality}, "
          f"64^3 chunks, scales 0..{max_scale} ({limit['chunks']} chunks, {pyr_vox / 1e6:.0f} Mvox incl. pyramid), "
          f"one core, best of {args.repeat}")
    print("CPU s = user+system CPU seconds of the work (robust on a shared machine); wall s = elapsed seconds of the "
          "work, best run; Mvox/s = scale-0 voxels per CPU second")
    print(f"{'':<22}{'CPU s':>8}{'Mvox/s':>9}{'wall s':>8}{'median':>8}{'launch s':>10}{'PSNR s0':>9}{'MiB':>7}")
    rows = (("ours (mpirun -n 1)", ours_cpu, ours_s, ours_wall, q["ours"]),
            ("igneous (parallel=1)", ig_cpu, ig_s, ig_wall, q["igneous"]),
            ("libjpeg-turbo encode", limit_cpu, limit_s, None, None))
    for name, cpu, wall, launch, qual in rows:
        line = f"{name:<22}{best(cpu):>8.3f}{voxels / best(cpu) / 1e6:>9.1f}{best(wall):>8.3f}{statistics.median(wall):>8.3f}"
        if launch:
            line += f"{best(launch):>10.2f}{qual[0]:>9.2f}{qual[1] / 2**20:>7.1f}"
        print(line)
    print(f"igneous / ours (CPU): {i / o:.2f}x   (wall, best: {best(ig_s) / best(ours_s):.2f}x)")
    print(f"libjpeg-turbo's encoding of the same chunks is {100 * l / o:.0f}% of our CPU time: the rest is reading, "
          f"the block means, chunk copies and file writes")

if __name__ == "__main__":
    main()
