#!/usr/bin/env python3
"""Supervoxel meshes: lib/mesh (bench_meshes) vs zmesh 1.15.0 (igneous' mesher), same labels, one core.

Both mesh every supervoxel of the same labels (the example's supervoxels, X,Y,Z voxels, closed at the
volume's faces), simplify each to the same triangle count and encode it; times are CPU seconds of
one thread:
  zmesh: Mesher((1,1,1)).mesh(labels, close=True); per label get(reduction_factor=R, max_error=E)
         (its marching cubes + quadric simplifier), then the encoding: Mesh.to_precomputed() for
         ngmesh, DracoPy 1.7.0 encode(quantization_bits=14, compression_level=7) for drc.
  ours:  marching_cubes over the volume as one brick, simplify() with max_triangles = the number of
         triangles zmesh produced for that label (same budget per label), encode() (drc as the
         reference: 14-bit positions, level 7, with normals); run twice: with that budget only, and
         with the budget plus max_error (--our-max-error voxels), which keeps more triangles where
         meshoptimizer's collapses would move the surface more.
Surface error, both against our unsimplified mesh (the voxel-face-centre surface both marching cubes
produce; zmesh's vertices are shifted by -0.5 into our frame): mean distance from its vertices to the
simplified surface, and the two-sided Hausdorff distance sampled at the vertices of both, in voxels.
Prints a table and ratio = ours / zmesh CPU time (lower is better).
"""
import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import zmesh
import DracoPy


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default="build/bin", help="directory holding bench_meshes")
    ap.add_argument("--work", default="/tmp/dvidflow-bench-meshes")
    ap.add_argument("--size", default="256,256,256")
    ap.add_argument("--reduction", type=int, default=10, help="zmesh reduction_factor (flyemflows decimation 0.1)")
    ap.add_argument("--max-error", type=float, default=5.0, help="zmesh max_error in voxels (igneous: 40 nm at 8 nm)")
    ap.add_argument("--format", default="drc", choices=["drc", "ngmesh"])
    ap.add_argument("--our-max-error", type=float, default=0.3,
                    help="second run of ours: also stop simplifying before a vertex moves this many voxels")
    a = ap.parse_args()
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    exe = str(Path(a.bin) / "bench_meshes")
    subprocess.run([exe, "dump", str(work), a.size], check=True)
    sx, sy, sz = (int(x) for x in (work / "shape.txt").read_text().split())
    vol = np.fromfile(work / "labels.u64", "<u8").reshape(sz, sy, sx)
    labels = vol.T  # x,y,z view (Fortran order), as igneous hands cutouts to zmesh

    peer = work / "zmesh"
    peer.mkdir(exist_ok=True)
    for f in peer.glob("*.ngmesh"):
        f.unlink()
    t0 = time.process_time()
    mesher = zmesh.Mesher((1, 1, 1))
    mesher.mesh(labels, close=True)
    t_mc = time.process_time() - t0
    t_simplify = t_encode = 0.0
    budget, nbytes, meshes = {}, 0, {}
    for label in mesher.ids():
        t1 = time.process_time()
        m = mesher.get(label, normals=False, reduction_factor=a.reduction, max_error=a.max_error)
        mesher.erase(label)
        t2 = time.process_time()
        if a.format == "drc":
            b = DracoPy.encode(m.vertices, m.faces, quantization_bits=14, compression_level=7)
        else:
            b = m.to_precomputed()
        t3 = time.process_time()
        t_simplify += t2 - t1
        t_encode += t3 - t2
        nbytes += len(b)
        budget[int(label)] = len(m.faces)
        meshes[int(label)] = m
    mesher.clear()
    z_total = t_mc + t_simplify + t_encode
    # Outside the timing: the peer's meshes for the error, in our frame and voxel units.
    for label, m in meshes.items():
        v = np.asarray(m.vertices, np.float32) - np.float32(0.5)
        f = np.asarray(m.faces, np.uint32)
        (peer / f"{label}.ngmesh").write_bytes(np.uint32(len(v)).tobytes() + v.tobytes() + f.tobytes())
    (work / "budget.txt").write_text("".join(f"{l} {n}\n" for l, n in budget.items()))

    def ours(max_error):
        out = subprocess.run([exe, "run", str(work), str(work / "budget.txt"), a.format, str(max_error), str(peer)],
                             check=True, capture_output=True, text=True).stdout
        return json.loads(out)

    same = ours("inf")
    bounded = ours(a.our_max_error)
    nsv, mvox = same["supervoxels"], same["voxels"] / 1e6
    if nsv != len(budget):
        print(f"warning: {nsv} supervoxels meshed by us, {len(budget)} by zmesh", file=sys.stderr)
    print(f"volume {a.size} ({mvox:.1f} Mvoxel), {nsv} supervoxels, format {a.format}, zmesh reduction_factor "
          f"{a.reduction} max_error {a.max_error} voxels")
    print(f"{'':34} {'march s':>8} {'simpl. s':>8} {'encode s':>8} {'total s':>8} {'sv/s':>6} {'Mvox/s':>7} "
          f"{'triangles':>10} {'bytes':>9} {'mean err':>8} {'Hausdorff mean/max':>18}")
    pe = same["peer_error"]

    def row(name, mc, si, en, tris, nbytes, e):
        total = mc + si + en
        print(f"{name:34} {mc:8.3f} {si:8.3f} {en:8.3f} {total:8.3f} {nsv / total:6.0f} {mvox / total:7.1f} "
              f"{tris:10d} {nbytes:9d} {e['mean']:8.4f} {e['hausdorff_mean']:9.3f}/{e['hausdorff_max']:.3f}")
        return total

    z_total = row("zmesh", t_mc, t_simplify, t_encode, same["peer_triangles"], nbytes, pe)
    totals = []
    for name, r in ((f"ours, zmesh's triangles", same), (f"ours, same + max_error {a.our_max_error} voxel", bounded)):
        totals.append((name, r, row(name, r["mc_s"], r["simplify_s"], r["encode_s"], r["triangles_after"], r["bytes"], r["error"])))
    print(f"ours with 64^3 bricks + merge_pieces instead of one brick: marching {same['bricks64_mc_s']:.3f} s + merge "
          f"{same['merge_s']:.3f} s")
    for name, r, total in totals:
        e = r["error"]
        print(f"ratio {name} / zmesh CPU time (lower is better): {total / z_total:.2f} (speed-up {z_total / total:.2f}x; "
              f"marching {r['mc_s'] / t_mc:.2f}, simplification {r['simplify_s'] / max(t_simplify, 1e-9):.2f}, "
              f"encoding {r['encode_s'] / max(t_encode, 1e-9):.2f}); triangles {r['triangles_after'] / same['peer_triangles']:.2f}, "
              f"error ratio mean {e['mean'] / max(pe['mean'], 1e-12):.2f}, Hausdorff mean "
              f"{e['hausdorff_mean'] / max(pe['hausdorff_mean'], 1e-12):.2f}, max {e['hausdorff_max'] / max(pe['hausdorff_max'], 1e-12):.2f}")


if __name__ == "__main__":
    main()
