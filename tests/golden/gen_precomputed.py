#!/usr/bin/env python3
"""Writes neuroglancer precomputed volumes with the reference writers for the C++ reader tests.

cloud-volume 12.15.2 (file://, unsharded; raw/cseg chunks gzip'd under CloudFiles' ".gz" names
unless compress=False) and tensorstore 0.1.86 (neuroglancer_precomputed driver, sharded).
For every volume/scale the expected voxels are what the REFERENCE reads back (so lossy JPEG is
compared decoder to decoder), stored as raw little-endian numpy C order (z, y, x) .bin files,
described by manifest.json:
  {"volumes": [{"name", "path", "scale", "dtype", "bounds": [[x0,y0,z0],[x1,y1,z1]],
                "chunk": [cx,cy,cz], "expected", "writer", "encoding", "sharded", "max_abs_diff"}]}

Usage: gen_precomputed.py <golden dir>   (writes <golden dir>/precomputed/...)
"""
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import tensorstore as ts
from cloudvolume import CloudVolume

RNG = np.random.default_rng(20261125)


def image_u8(shape_xyz, smooth):
    x, y, z = np.meshgrid(*[np.arange(n) for n in shape_xyz], indexing="ij")
    if smooth:  # JPEG-friendly: gradients plus mild noise
        base = 128 + 60 * np.sin(x / 9.0) * np.cos(y / 13.0) + 2 * z
        base = base + RNG.normal(0, 4, shape_xyz)
        return np.clip(base, 0, 255).astype(np.uint8)
    return RNG.integers(0, 256, shape_xyz, dtype=np.uint8)


def labels(shape_xyz, dtype, offset=(0, 0, 0)):
    # Blocky segments with ids above 2^32 (uint64) so both table words matter, plus a few
    # maximal ids and background zeros.
    x, y, z = np.meshgrid(*[np.arange(n) + o for n, o in zip(shape_xyz, offset)], indexing="ij")
    if dtype == np.uint64:
        lab = (np.uint64(1) << np.uint64(40)) + (x // 7).astype(np.uint64) * 1000 + (y // 5).astype(np.uint64) * 10 + (z // 3).astype(np.uint64)
        lab[(x + y + z) % 97 == 0] = np.uint64(2**64 - 1)
    else:
        lab = ((x // 6) * 100 + (y // 4) * 10 + (z // 5)).astype(np.uint32) + np.uint32(3_000_000_000)
    lab[(x // 11 + z // 9) % 5 == 0] = 0
    return lab.astype(dtype)


class Golden:
    def __init__(self, root):
        self.root = root / "precomputed"
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True)
        self.volumes = []

    def add(self, name, path, scale, arr_xyz, offset, chunk, writer, encoding, sharded, max_abs_diff=0):
        expected = f"{name}.s{scale}.bin"
        np.ascontiguousarray(arr_xyz.transpose(2, 1, 0)).astype(arr_xyz.dtype.newbyteorder("<")).tofile(self.root / expected)
        hi = [int(o + n) for o, n in zip(offset, arr_xyz.shape)]
        self.volumes.append({
            "name": name, "path": str(path), "scale": scale, "dtype": str(arr_xyz.dtype),
            "bounds": [[int(o) for o in offset], hi], "chunk": [int(c) for c in chunk], "expected": expected,
            "writer": writer, "encoding": encoding, "sharded": sharded, "max_abs_diff": max_abs_diff,
        })

    def write_manifest(self):
        (self.root / "manifest.json").write_text(json.dumps({"volumes": self.volumes}, indent=1))


def cv_volume(g, name, arr_xyz, layer_type, encoding, offset, chunk, block=(8, 8, 8), compress=None,
              second_scale=None, write_box=None):
    """cloud-volume writes scale 0 (and optionally a (2,2,1) downsample written from arr[::2, ::2])."""
    path = g.root / name
    info = CloudVolume.create_new_info(
        num_channels=1, layer_type=layer_type, data_type=str(arr_xyz.dtype), encoding=encoding,
        resolution=[8, 8, 40], voxel_offset=list(offset), volume_size=list(arr_xyz.shape), chunk_size=list(chunk),
        compressed_segmentation_block_size=list(block))
    cv = CloudVolume("file://" + str(path), info=info, compress=compress, progress=False)
    if second_scale:
        cv.add_scale(second_scale)
    cv.commit_info()
    if write_box is None:
        bx = tuple(slice(o, o + n) for o, n in zip(offset, arr_xyz.shape))
        cv[bx] = arr_xyz
    else:  # only part of the volume is written: the rest is missing chunks (zeros)
        lo, hi = write_box
        cv[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]] = arr_xyz[lo[0] - offset[0]:hi[0] - offset[0],
                                                             lo[1] - offset[1]:hi[1] - offset[1],
                                                             lo[2] - offset[2]:hi[2] - offset[2]]
    rb = CloudVolume("file://" + str(path), mip=0, fill_missing=True, progress=False)
    back = np.asarray(rb[rb.bounds])[..., 0]
    g.add(name, path, 0, back, offset, chunk, "cloud-volume", encoding, False)
    if second_scale:
        cv1 = CloudVolume("file://" + str(path), mip=1, compress=compress, progress=False)
        b1 = cv1.bounds
        data1 = arr_xyz[::second_scale[0], ::second_scale[1], ::second_scale[2]]
        assert tuple(data1.shape) == tuple(b1.size3()), (data1.shape, b1)
        cv1[b1] = data1
        rb1 = CloudVolume("file://" + str(path), mip=1, fill_missing=True, progress=False)
        back1 = np.asarray(rb1[rb1.bounds])[..., 0]
        g.add(name, path, 1, back1, tuple(int(v) for v in b1.minpt), cv1.chunk_size, "cloud-volume", encoding, False)
    return back


def ts_volume(g, name, arr_xyz, layer_type, encoding, offset, chunk, sharding, block=(8, 8, 8),
              write_box=None, jpeg_quality=None):
    path = g.root / name
    scale = {"size": list(arr_xyz.shape), "voxel_offset": list(offset), "chunk_size": list(chunk),
             "resolution": [8, 8, 40], "encoding": encoding, "sharding": sharding}
    if encoding == "compressed_segmentation":
        scale["compressed_segmentation_block_size"] = list(block)
    if jpeg_quality is not None:
        scale["jpeg_quality"] = jpeg_quality
    spec = {"driver": "neuroglancer_precomputed", "kvstore": {"driver": "file", "path": str(path) + "/"},
            "multiscale_metadata": {"type": layer_type, "data_type": str(arr_xyz.dtype), "num_channels": 1},
            "scale_metadata": scale, "create": True, "delete_existing": True}
    store = ts.open(spec).result()
    # tensorstore indexes in absolute (voxel_offset-based) coordinates.
    lo, hi = write_box if write_box else (offset, [o + n for o, n in zip(offset, arr_xyz.shape)])
    sub = arr_xyz[lo[0] - offset[0]:hi[0] - offset[0], lo[1] - offset[1]:hi[1] - offset[1], lo[2] - offset[2]:hi[2] - offset[2]]
    store[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2], 0].write(sub).result()
    back = ts.open({"driver": "neuroglancer_precomputed", "kvstore": {"driver": "file", "path": str(path) + "/"}}).result()
    data = back[..., 0].read().result()
    assert data.shape == arr_xyz.shape
    g.add(name, path, 0, np.asarray(data), offset, chunk, "tensorstore", encoding, True)
    return data


def main():
    g = Golden(Path(sys.argv[1]))

    # --- cloud-volume, unsharded -------------------------------------------------------------
    # uint8 raw, not a chunk multiple, nonzero offset, two scales; gzip'd ".gz" chunk names.
    a = image_u8((100, 70, 45), smooth=False)
    back = cv_volume(g, "cv_u8_raw", a, "image", "raw", (5, 10, 3), (32, 32, 16), second_scale=(2, 2, 1))
    assert np.array_equal(back, a)
    # uint8 jpeg, two scales; expected = cloud-volume's own decode.
    a = image_u8((96, 80, 40), smooth=True)
    back = cv_volume(g, "cv_u8_jpeg", a, "image", "jpeg", (64, 0, 8), (64, 32, 16), second_scale=(2, 2, 1))
    assert np.abs(back.astype(int) - a.astype(int)).max() < 64
    # uint64 compressed_segmentation, partial blocks and chunks, gzip'd.
    a = labels((70, 50, 30), np.uint64)
    back = cv_volume(g, "cv_u64_cseg", a, "segmentation", "compressed_segmentation", (64, 0, 7), (32, 32, 16),
                     second_scale=(2, 2, 1))
    assert np.array_equal(back, a)
    # uint32 cseg with an odd block size, uncompressed (plain chunk names).
    a = labels((45, 37, 20), np.uint32)
    back = cv_volume(g, "cv_u32_cseg_plain", a, "segmentation", "compressed_segmentation", (0, 3, 0), (16, 16, 8),
                     block=(6, 5, 4), compress=False)
    assert np.array_equal(back, a)
    # uint64 raw; only part written: the other chunks are missing and read as zeros.
    a = labels((40, 33, 17), np.uint64)
    cv_volume(g, "cv_u64_raw_partial", a, "segmentation", "raw", (16, 0, 0), (16, 16, 16),
              write_box=((16, 0, 0), (48, 32, 16)))

    # --- tensorstore, sharded ----------------------------------------------------------------
    a = labels((100, 90, 50), np.uint64)
    back = ts_volume(g, "ts_u64_raw_sharded", a, "segmentation", "raw", (3, 5, 7), (16, 16, 16),
                     {"@type": "neuroglancer_uint64_sharded_v1", "hash": "identity", "preshift_bits": 1,
                      "minishard_bits": 2, "shard_bits": 3, "minishard_index_encoding": "gzip", "data_encoding": "gzip"},
                     write_box=((3, 5, 7), (83, 95, 57)))
    a = labels((64, 48, 40), np.uint64, offset=(5, 5, 5))
    back = ts_volume(g, "ts_u64_cseg_sharded_murmur", a, "segmentation", "compressed_segmentation", (0, 0, 0),
                     (16, 16, 8),
                     {"@type": "neuroglancer_uint64_sharded_v1", "hash": "murmurhash3_x86_128", "preshift_bits": 0,
                      "minishard_bits": 3, "shard_bits": 2, "minishard_index_encoding": "raw", "data_encoding": "gzip"})
    assert np.array_equal(back, a)
    a = labels((50, 40, 30), np.uint32)
    back = ts_volume(g, "ts_u32_cseg_sharded_raw", a, "segmentation", "compressed_segmentation", (10, 0, 0),
                     (32, 16, 16),
                     {"@type": "neuroglancer_uint64_sharded_v1", "hash": "identity", "preshift_bits": 0,
                      "minishard_bits": 0, "shard_bits": 0, "minishard_index_encoding": "raw", "data_encoding": "raw"},
                     block=(8, 8, 4))
    assert np.array_equal(back, a)
    a = image_u8((90, 64, 36), smooth=True)
    ts_volume(g, "ts_u8_jpeg_sharded", a, "image", "jpeg", (0, 16, 4), (32, 32, 16),
              {"@type": "neuroglancer_uint64_sharded_v1", "hash": "identity", "preshift_bits": 2,
               "minishard_bits": 1, "shard_bits": 2, "minishard_index_encoding": "gzip", "data_encoding": "raw"},
              jpeg_quality=90)

    g.write_manifest()
    print(f"wrote {len(g.volumes)} precomputed volume scales to {g.root}")


if __name__ == "__main__":
    main()
