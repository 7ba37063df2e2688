#!/usr/bin/env python3
"""Checks an export-grayscale precomputed output with readers we did not write.

  check_export_grayscale.py --n5 CONTAINER --dataset DS --output DIR --max-scale N
                            [--box x0,y0,z0,x1,y1,z1] [--min-psnr DB]

Reference input: the N5 dataset read with tensorstore's n5 driver (cropped to --box, default the
whole dataset). Reference pyramid: numpy, independently of our code: scale s covers
[floor(lo/2^s), ceil(hi/2^s)); each voxel is the uint16 sum of its 2x2x2 children (children outside
the level below count as 0) floor-divided by 8.

For every scale, tensorstore 0.1.86 AND cloud-volume 12.15.2 must open the output and return
  raw:  exactly the reference pyramid, and exactly the 2x2x2 block mean of the level below as read
        back by the same reader;
  jpeg: the reference pyramid within --min-psnr dB PSNR (default 30; the example at quality 85
        measures 33-36 dB: its noise costs JPEG), and every chunk must decode exactly like Pillow's
        libjpeg-turbo encoding of the reference chunk at the info's jpeg_quality.
The files are checked too: every chunk of the grid exists under "x0-x1_y0-y1_z0-z1" (edge chunks
truncated), raw chunks have exactly their voxels' bytes, jpeg chunks are 1-component images of
width X and height Y*Z; or, for sharded scales, the expected "<hex>.shard" files exist and no
unsharded chunk files.
"""
import argparse
import io
import json
import math
import sys
from pathlib import Path

import numpy as np
import tensorstore as ts
from cloudvolume import CloudVolume
from PIL import Image


def block_mean(a, lo):
    """a: zyx uint8 array over [lo, lo+shape) (lo in xyz). Returns (mean array, its lo) one scale up."""
    lo = np.array(lo)
    hi = lo + np.array(a.shape[::-1])
    plo, phi = (lo // 2) * 2, -((-hi) // 2) * 2
    padded = np.zeros(tuple((phi - plo)[::-1]), np.uint16)
    off = lo - plo
    padded[off[2]:off[2] + a.shape[0], off[1]:off[1] + a.shape[1], off[0]:off[0] + a.shape[2]] = a
    z, y, x = padded.shape
    s = padded.reshape(z // 2, 2, y // 2, 2, x // 2, 2).sum(axis=(1, 3, 5), dtype=np.uint16)
    return (s // 8).astype(np.uint8), plo // 2


def psnr(a, b):
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(255.0 ** 2 / mse)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n5", required=True)
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--output", required=True)
    ap.add_argument("--max-scale", type=int, required=True)
    ap.add_argument("--box", default=None)
    ap.add_argument("--min-psnr", type=float, default=30.0)
    args = ap.parse_args()

    src = ts.open({"driver": "n5", "kvstore": {"driver": "file", "path": args.n5}, "path": args.dataset}).result()
    full = np.asarray(src.read().result()).transpose(2, 1, 0)  # the n5 driver indexes [x, y, z]
    if args.box:
        b = [int(v) for v in args.box.split(",")]
        lo, hi = np.array(b[:3]), np.array(b[3:])
    else:
        lo, hi = np.zeros(3, int), np.array(full.shape[::-1])
    ref = full[lo[2]:hi[2], lo[1]:hi[1], lo[0]:hi[0]]
    ref_lo = lo

    out = Path(args.output)
    info = json.loads((out / "info").read_text())
    failures = []
    print(f"output {out}: {len(info['scales'])} scales, encoding {info['scales'][0]['encoding']}")
    if len(info["scales"]) != args.max_scale + 1:
        failures.append(f"info has {len(info['scales'])} scales, expected {args.max_scale + 1}")

    below = {}  # reader -> (array, lo) of the previous scale as that reader returned it
    for s in range(args.max_scale + 1):
        if s > 0:
            ref, ref_lo = block_mean(ref, ref_lo)
        sc = info["scales"][s]
        enc = sc["encoding"]
        exp_lo = [int(v) for v in ref_lo]
        exp_size = list(ref.shape[::-1])
        if sc["voxel_offset"] != exp_lo or sc["size"] != exp_size:
            failures.append(f"scale {s}: info box offset {sc['voxel_offset']} size {sc['size']}, expected {exp_lo} {exp_size}")
            continue

        readers = {}
        cv = CloudVolume("file://" + str(out), mip=s, progress=False, fill_missing=False)
        readers["cloud-volume"] = np.asarray(cv[cv.bounds])[..., 0].transpose(2, 1, 0)
        store = ts.open({"driver": "neuroglancer_precomputed", "kvstore": {"driver": "file", "path": str(out) + "/"},
                         "scale_index": s}).result()
        assert list(store.domain.inclusive_min[:3]) == exp_lo, store.domain
        readers["tensorstore"] = np.asarray(store[..., 0].read().result()).transpose(2, 1, 0)

        for who, got in readers.items():
            if got.shape != ref.shape:
                failures.append(f"scale {s} {who}: shape {got.shape} != {ref.shape}")
                continue
            if enc == "raw":
                bad = int(np.count_nonzero(got != ref))
                msg = f"scale {s} {who}: {bad} voxels differ from the numpy pyramid"
                if bad:
                    failures.append(msg)
                if who in below:
                    mean, _ = block_mean(*below[who])
                    bad2 = int(np.count_nonzero(mean != got))
                    msg += f", {bad2} from the block mean of its own scale {s - 1}"
                    if bad2:
                        failures.append(f"scale {s} {who}: {bad2} voxels differ from the block mean of scale {s - 1}")
                print(msg)
            else:
                p = psnr(got, ref)
                msg = f"scale {s} {who}: PSNR {p:.2f} dB vs the numpy pyramid, max abs diff {int(np.abs(got.astype(int) - ref).max())}"
                if p < args.min_psnr:
                    failures.append(f"scale {s} {who}: PSNR {p:.2f} dB < {args.min_psnr}")
                if who in below:
                    mean, _ = block_mean(*below[who])
                    p2 = psnr(got, mean)
                    msg += f"; {p2:.2f} dB vs the block mean of its own scale {s - 1}"
                    if p2 < args.min_psnr:
                        failures.append(f"scale {s} {who}: PSNR {p2:.2f} dB vs block mean of scale {s - 1} < {args.min_psnr}")
                print(msg)
            below[who] = (got, exp_lo)
        if not np.array_equal(readers["cloud-volume"], readers["tensorstore"]):
            failures.append(f"scale {s}: cloud-volume and tensorstore return different voxels")

        # The files themselves.
        key_dir = out / sc["key"]
        chunk = sc["chunk_sizes"][0]
        grid = [-(-exp_size[a] // chunk[a]) for a in range(3)]
        names = {p.name for p in key_dir.iterdir()}
        if "sharding" in sc:
            if any(not n.endswith(".shard") for n in names):
                failures.append(f"scale {s}: sharded scale holds non-shard files {sorted(names)[:3]}")
            print(f"scale {s}: {len(names)} shard files")
            continue
        n = same_bytes = 0
        for gz in range(grid[2]):
            for gy in range(grid[1]):
                for gx in range(grid[0]):
                    b0 = [exp_lo[a] + g * chunk[a] for a, g in enumerate((gx, gy, gz))]
                    b1 = [min(b0[a] + chunk[a], exp_lo[a] + exp_size[a]) for a in range(3)]
                    name = f"{b0[0]}-{b1[0]}_{b0[1]}-{b1[1]}_{b0[2]}-{b1[2]}"
                    if name not in names:
                        failures.append(f"scale {s}: chunk file {name} missing")
                        continue
                    data = (key_dir / name).read_bytes()
                    ext = [b1[a] - b0[a] for a in range(3)]
                    if enc == "raw" and len(data) != ext[0] * ext[1] * ext[2]:
                        failures.append(f"scale {s}: {name} has {len(data)} bytes, expected {ext[0] * ext[1] * ext[2]}")
                    if enc == "jpeg":
                        im = Image.open(io.BytesIO(data))
                        if im.mode != "L" or im.size != (ext[0], ext[1] * ext[2]):
                            failures.append(f"scale {s}: {name} is a {im.mode} image of {im.size}, expected L {(ext[0], ext[1] * ext[2])}")
                            continue
                        # Pillow's libjpeg-turbo at the info's quality, on the reference voxels of
                        # this chunk, must give the same image (it gives the same bytes today).
                        r0 = [b0[a] - exp_lo[a] for a in range(3)]
                        sub = ref[r0[2]:r0[2] + ext[2], r0[1]:r0[1] + ext[1], r0[0]:r0[0] + ext[0]]
                        buf = io.BytesIO()
                        Image.fromarray(np.ascontiguousarray(sub).reshape(ext[2] * ext[1], ext[0])).save(
                            buf, format="JPEG", quality=sc["jpeg_quality"])
                        same_bytes += buf.getvalue() == data
                        if not np.array_equal(np.asarray(im), np.asarray(Image.open(buf))):
                            failures.append(f"scale {s}: {name} decodes differently from Pillow's JPEG of the reference voxels")
                    n += 1
        if len(names) != n:
            failures.append(f"scale {s}: {len(names)} files, expected {n} chunks: {sorted(names - set())[:5]}")
        print(f"scale {s}: {n} chunk files named and sized as expected"
              + (f"; all decode like Pillow's JPEG (q{sc['jpeg_quality']}) of the reference, {same_bytes} byte-identical"
                 if enc == "jpeg" else ""))

    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print(f"OK: {args.max_scale + 1} scales read by tensorstore and cloud-volume match the reference")


if __name__ == "__main__":
    main()
