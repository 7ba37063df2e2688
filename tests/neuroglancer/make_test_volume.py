#!/usr/bin/env python3
"""Writes the neuroglancer check's input with cloud-volume 12.15.2: a uint8 JPEG precomputed volume
(2 scales) at OUT/gray, and the z-slice the viewer will show, as cloud-volume decodes it, at
OUT/expected-slice.bin (uint8, y-major, x fastest) with OUT/expected-slice.json {z, width, height}; and OUT/black, the same
volume with every voxel 0 (the check must report that nothing is drawn).
The export-grayscale tests can point check_neuroglancer.mjs at their own output instead."""
import argparse
import json
import os
import shutil

import numpy as np
from cloudvolume import CloudVolume

SIZE = (256, 256, 64)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    out = ap.parse_args().out
    path = os.path.join(out, "gray")
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(out, exist_ok=True)
    x, y, z = np.meshgrid(np.arange(SIZE[0]), np.arange(SIZE[1]), np.arange(SIZE[2]), indexing="ij")
    # Large, smooth features so what the viewer draws can be matched to the data pixel by pixel.
    vol = (128 + 90 * np.sin(x / 17.0) * np.cos(y / 23.0) + 30 * np.cos((x + 2 * y) / 41.0 + z / 9.0))
    vol = vol.clip(0, 255).astype(np.uint8)
    info = CloudVolume.create_new_info(num_channels=1, layer_type="image", data_type="uint8", encoding="jpeg",
                                       resolution=[8, 8, 8], voxel_offset=[0, 0, 0], volume_size=list(SIZE),
                                       chunk_size=[64, 64, 64])
    cv = CloudVolume("file://" + path, info=info, compress=False, progress=False)
    cv.add_scale((2, 2, 2), chunk_size=[64, 64, 64], encoding="jpeg")
    cv.commit_info()
    cv[:, :, :] = vol[..., np.newaxis]
    down = vol.reshape(SIZE[0] // 2, 2, SIZE[1] // 2, 2, SIZE[2] // 2, 2).mean(axis=(1, 3, 5))
    CloudVolume("file://" + path, mip=1, compress=False, progress=False)[:, :, :] = np.round(down).astype(np.uint8)[..., np.newaxis]
    black = os.path.join(out, "black")
    shutil.rmtree(black, ignore_errors=True)
    CloudVolume("file://" + black, info=CloudVolume.create_new_info(
        num_channels=1, layer_type="image", data_type="uint8", encoding="jpeg", resolution=[8, 8, 8],
        voxel_offset=[0, 0, 0], volume_size=list(SIZE), chunk_size=[64, 64, 64]), compress=False, progress=False).commit_info()
    CloudVolume("file://" + black, compress=False, progress=False)[:, :, :] = np.zeros(SIZE + (1,), np.uint8)
    zs = SIZE[2] // 2
    decoded = np.asarray(CloudVolume("file://" + path, progress=False)[:, :, zs])[:, :, 0, 0]  # x, y
    decoded.T.copy().tofile(os.path.join(out, "expected-slice.bin"))
    json.dump({"z": zs, "width": SIZE[0], "height": SIZE[1], "voxel_size_nm": [8, 8, 8], "source": "gray"},
              open(os.path.join(out, "expected-slice.json"), "w"))
    print(f"wrote {path} and the expected slice z={zs}")


if __name__ == "__main__":
    main()
