#!/usr/bin/env python3
"""Checks what export-grayscale wrote to DVID uint8blk instances, through DVID's own GET /raw.

  check_export_dvid.py --n5 CONTAINER --dataset DS --server URL --uuid UUID --name NAME
                       --max-scale N [--box x0,y0,z0,x1,y1,z1] [--voxel-size 8]

Reference: the N5 dataset read with tensorstore, its pyramid computed with numpy (scale s covers
[floor(lo/2^s), ceil(hi/2^s)); uint16 sum of the 2x2x2 children, outside voxels 0, floor /8).
For every scale s, instance NAME (s = 0) or NAME_s must be a uint8blk with 64^3 blocks and
voxel size voxel-size*2^s, its extents must contain the scale box, and GET /raw of the scale box
must return the reference exactly (or, for jpeg-compressed instances, within --min-psnr dB); the zero
padding of the partial blocks around the box must read back as zeros.
"""
import argparse
import json
import sys
import urllib.request

import numpy as np
import tensorstore as ts

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from check_export_grayscale import block_mean  # noqa: E402


def get(url):
    with urllib.request.urlopen(url, timeout=120) as r:
        return r.read()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n5", required=True)
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--server", required=True)
    ap.add_argument("--uuid", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--max-scale", type=int, required=True)
    ap.add_argument("--box", default=None)
    ap.add_argument("--voxel-size", type=float, default=8.0)
    ap.add_argument("--min-psnr", type=float, default=None,
                    help="instances stored with jpeg compression: PSNR bound instead of exact voxels")
    args = ap.parse_args()
    if args.uuid.startswith("@"):
        args.uuid = open(args.uuid[1:]).read().strip()

    src = ts.open({"driver": "n5", "kvstore": {"driver": "file", "path": args.n5}, "path": args.dataset}).result()
    full = np.asarray(src.read().result()).transpose(2, 1, 0)
    if args.box:
        b = [int(v) for v in args.box.split(",")]
        lo, hi = np.array(b[:3]), np.array(b[3:])
    else:
        lo, hi = np.zeros(3, int), np.array(full.shape[::-1])
    ref, ref_lo = full[lo[2]:hi[2], lo[1]:hi[1], lo[0]:hi[0]], lo

    failures = []
    for s in range(args.max_scale + 1):
        if s > 0:
            ref, ref_lo = block_mean(ref, ref_lo)
        name = args.name if s == 0 else f"{args.name}_{s}"
        base = f"{args.server}/api/node/{args.uuid}/{name}"
        info = json.loads(get(base + "/info"))
        ext = info["Extended"]
        if info["Base"]["TypeName"] != "uint8blk" or ext["BlockSize"] != [64, 64, 64]:
            failures.append(f"{name}: {info['Base']['TypeName']} with blocks {ext['BlockSize']}")
        if ext["VoxelSize"] != [args.voxel_size * 2 ** s] * 3:
            failures.append(f"{name}: voxel size {ext['VoxelSize']}, expected {args.voxel_size * 2 ** s}")
        box_lo = [int(v) for v in ref_lo]
        box_hi = [box_lo[a] + ref.shape[2 - a] for a in range(3)]
        mn, mx = ext["MinPoint"], ext["MaxPoint"]
        if mn is None or any(mn[a] > box_lo[a] or mx[a] < box_hi[a] - 1 for a in range(3)):
            failures.append(f"{name}: extents {mn}..{mx} do not contain {box_lo}..{box_hi}")
        # The scale box, and the block-aligned box around it (padding must be zeros).
        blo = [(v // 64) * 64 for v in box_lo]
        bhi = [-(-v // 64) * 64 for v in box_hi]
        size = [bhi[a] - blo[a] for a in range(3)]
        raw = get(f"{base}/raw/0_1_2/{size[0]}_{size[1]}_{size[2]}/{blo[0]}_{blo[1]}_{blo[2]}")
        got = np.frombuffer(raw, np.uint8).reshape(size[::-1])
        o = [box_lo[a] - blo[a] for a in range(3)]
        inner = got[o[2]:o[2] + ref.shape[0], o[1]:o[1] + ref.shape[1], o[0]:o[0] + ref.shape[2]]
        bad = int(np.count_nonzero(inner != ref))
        if args.min_psnr is not None:
            from check_export_grayscale import psnr
            p = psnr(inner, ref)
            print(f"{name}: PSNR {p:.2f} dB against the numpy pyramid (DVID's jpeg storage, quality 80)")
            if p < args.min_psnr:
                failures.append(f"{name}: PSNR {p:.2f} dB < {args.min_psnr}")
            bad = 0
        pad = got.copy()
        pad[o[2]:o[2] + ref.shape[0], o[1]:o[1] + ref.shape[1], o[0]:o[0] + ref.shape[2]] = 0
        nonzero_pad = int(np.count_nonzero(pad))
        print(f"{name}: GET /raw {size} at {blo}: {bad} of {inner.size} voxels differ from the numpy pyramid, "
              f"{nonzero_pad} non-zero padding voxels")
        if bad:
            failures.append(f"{name}: {bad} voxels differ")
        if nonzero_pad and args.min_psnr is None:  # JPEG ringing spreads into the padding
            failures.append(f"{name}: {nonzero_pad} padding voxels are not 0")
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print(f"OK: {args.max_scale + 1} uint8blk scales read back through DVID as expected"
          + (" (exactly)" if args.min_psnr is None else f" (PSNR >= {args.min_psnr} dB)"))


if __name__ == "__main__":
    main()
