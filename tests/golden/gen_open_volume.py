#!/usr/bin/env python3
"""Golden inputs for the volume-source factory (lib/io/open_volume.cpp).

    gen_open_volume.py OUT_DIR     writes OUT_DIR/open_volume/

One small uint8 volume (z,y,x = 20,24,32) and its 2x subsample, stored in every format the factory
dispatches to, each written by the reference library: N5 and Zarr (NestedDirectoryStore) through
zarr, HDF5 through h5py, PNG slices through Pillow, neuroglancer precomputed through cloud-volume.
Expected voxels: expected/s0.bin and expected/s1.bin, raw numpy C order (z,y,x).
"""
import shutil
import sys
from pathlib import Path

import h5py
import numpy as np
import zarr
from cloudvolume import CloudVolume
from PIL import Image

SHAPE = (20, 24, 32)  # z, y, x
CHUNKS = (8, 8, 8)


def main(root: Path):
    out = root / "open_volume"
    shutil.rmtree(out, ignore_errors=True)
    (out / "expected").mkdir(parents=True)
    z, y, x = np.indices(SHAPE)
    s0 = ((x + 3 * y + 7 * z) % 251).astype(np.uint8)
    s1 = np.ascontiguousarray(s0[::2, ::2, ::2])
    s0.tofile(out / "expected/s0.bin")
    s1.tofile(out / "expected/s1.bin")

    n5 = zarr.group(store=zarr.N5Store(str(out / "vol.n5")))
    n5.create_dataset("s0", data=s0, chunks=CHUNKS)
    n5.create_dataset("s1", data=s1, chunks=CHUNKS)

    zg = zarr.group(store=zarr.NestedDirectoryStore(str(out / "vol.zarr")))
    zg.create_dataset("s0", data=s0, chunks=CHUNKS)
    zg.create_dataset("s1", data=s1, chunks=CHUNKS)

    with h5py.File(out / "vol.h5", "w") as f:
        f.create_dataset("vol", data=s0, chunks=CHUNKS)

    # z = 10..29; file numbers are the global z.
    (out / "slices").mkdir()
    for i in range(SHAPE[0]):
        Image.fromarray(s0[i]).save(out / f"slices/z{i + 10:05d}.png")

    info = CloudVolume.create_new_info(num_channels=1, layer_type="image", data_type="uint8", encoding="raw",
                                       resolution=[8, 8, 8], voxel_offset=[0, 0, 0], chunk_size=[8, 8, 8],
                                       volume_size=[SHAPE[2], SHAPE[1], SHAPE[0]])
    url = "file://" + str(out / "vol.precomputed")
    cv = CloudVolume(url, info=info, progress=False)
    cv.add_scale((2, 2, 2), chunk_size=[8, 8, 8])
    cv.commit_info()
    cv[:, :, :] = s0.transpose()  # cloud-volume is x,y,z
    CloudVolume(url, mip=1, progress=False)[:, :, :] = s1.transpose()
    print(f"wrote {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
