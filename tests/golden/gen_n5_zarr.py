#!/usr/bin/env python3
"""Writes N5 and Zarr v2 arrays with the REFERENCE writers for the C++ reader tests.

zarr 2.18.3 (DirectoryStore, NestedDirectoryStore, N5Store; numcodecs 0.15.1 compressors) and
tensorstore 0.1.86 (n5 and zarr drivers). Shapes are not multiples of the (non-cubic) chunk
shape; some chunks equal the fill value and are therefore not stored, so the readers' "missing
chunk = fill" path is exercised (the manifest names one such chunk file, asserted absent).

Expected voxels are what the reference reads back, stored as raw little-endian numpy C order
(z, y, x) .bin files, described by manifest.json:
  {"arrays": [{"name", "kind": "n5"|"zarr", "store", "path", "dataset", "dtype", "shape": [x,y,z],
               "chunks": [x,y,z], "fill": "<decimal>", "expected", "missing_chunk", "writer"}],
   "codecs": [{"name", "codec", "file", "plain"}]}

Usage: gen_n5_zarr.py <golden dir>   (writes <golden dir>/n5zarr/...)
"""
import gzip
import json
import shutil
import sys
import warnings
import zlib
from pathlib import Path

import numcodecs
import numpy as np
import tensorstore as ts
import zarr
from numcodecs import GZip, Blosc, Zlib, Zstd

warnings.simplefilter("ignore", FutureWarning)  # N5Store / NestedDirectoryStore deprecation notes

SHAPE_ZYX = (21, 30, 45)   # x=45, y=30, z=21: no axis a multiple of its chunk size
CHUNKS_ZYX = (8, 12, 16)   # x=16, y=12, z=8
U64_BIG_FILL = 2**64 - 5


def volume(dtype, fill):
    z, y, x = np.indices(SHAPE_ZYX)
    if dtype == np.uint8:
        v = ((x * 7 + y * 13 + z * 29 + (x * y) % 11) % 251).astype(np.uint8)
    elif dtype == np.uint16:
        v = (x * 1000 + y * 31 + z * 7 + 1).astype(np.uint16)
    else:  # label ids near 2^64 so both 32-bit halves and byte order matter
        v = (np.uint64(2**64 - 1) - (x // 3).astype(np.uint64) - (y // 4).astype(np.uint64) * np.uint64(1000)
             - (z // 2).astype(np.uint64) * np.uint64(10**9))
        v[5:9, 3:20, 30:40] = 1  # a small id among the huge ones
    v = v.astype(dtype)
    # Two whole chunks (0,0,0) and (1,1,1) (z,y,x grid) hold only the fill value, so they are not stored.
    v[0:8, 0:12, 0:16] = fill
    v[8:16, 12:24, 16:32] = fill
    return v


class Golden:
    def __init__(self, root):
        self.root = root
        self.arrays = []
        self.codecs = []
        self.expected = {}

    def expect(self, data, key):
        if key not in self.expected:
            name = f"expected/{key}.bin"
            (self.root / "expected").mkdir(parents=True, exist_ok=True)
            np.ascontiguousarray(data).astype(data.dtype.newbyteorder("<")).tofile(self.root / name)
            self.expected[key] = name
        return self.expected[key]

    def add(self, name, kind, store, path, dataset, dtype, fill, readback, missing_chunk, writer):
        key = f"{np.dtype(dtype).name}_fill{fill}"
        ref = volume(dtype, fill)
        assert np.array_equal(readback, ref), f"{name}: reference did not read back what it wrote"
        assert missing_chunk is None or not (self.root / missing_chunk).exists(), f"{name}: {missing_chunk} exists"
        self.arrays.append({
            "name": name, "kind": kind, "store": store, "path": path, "dataset": dataset,
            "dtype": np.dtype(dtype).name, "shape": list(SHAPE_ZYX[::-1]), "chunks": list(CHUNKS_ZYX[::-1]),
            "fill": str(fill), "expected": self.expect(ref, key), "missing_chunk": missing_chunk,
            "writer": writer,
        })


def zarr_case(g, name, store_kind, dtype, compressor, order="C", fill=0, dimension_separator=None):
    path = f"zarr/{name}.zarr"
    full = g.root / path
    if store_kind == "DirectoryStore":
        store = zarr.DirectoryStore(str(full), dimension_separator=dimension_separator)
    elif store_kind == "NestedDirectoryStore":
        store = zarr.NestedDirectoryStore(str(full))
    else:
        store = zarr.N5Store(str(full))
    a = zarr.create(store=store, path="vol", shape=SHAPE_ZYX, chunks=CHUNKS_ZYX, dtype=dtype,
                    compressor=compressor, order=order, fill_value=fill, write_empty_chunks=False,
                    overwrite=True)
    a[...] = volume(np.dtype(dtype).newbyteorder("="), fill)
    readback = zarr.open(store=store, path="vol", mode="r")[...]
    if store_kind == "N5Store":
        missing = f"{path}/vol/1/1/1"  # N5 chunk paths are x/y/z
    else:
        sep = "/" if store_kind == "NestedDirectoryStore" or dimension_separator == "/" else "."
        missing = f"{path}/vol/1{sep}1{sep}1"
    g.add(name, "zarr", store_kind, path, "vol", np.dtype(dtype).newbyteorder("="), fill, readback, missing,
          f"zarr {zarr.__version__}")


def ts_n5_case(g, name, dtype, compression):
    path = f"n5/{name}.n5"
    spec = {"driver": "n5", "kvstore": {"driver": "file", "path": str(g.root / path / "s0")},
            "metadata": {"dimensions": list(SHAPE_ZYX[::-1]), "blockSize": list(CHUNKS_ZYX[::-1]),
                         "dataType": np.dtype(dtype).name, "compression": compression},
            "create": True, "delete_existing": True}
    t = ts.open(spec).result()
    t[...] = volume(dtype, 0).transpose(2, 1, 0)  # the n5 driver indexes [x, y, z]
    readback = ts.open({k: v for k, v in spec.items() if k not in ("create", "delete_existing", "metadata")}
                       ).result()[...].read().result().transpose(2, 1, 0)
    g.add(name, "n5", None, path, "s0", dtype, 0, readback, f"{path}/s0/1/1/1", "tensorstore 0.1.86 n5")


def ts_zarr_case(g, name, dtype, compressor, fill=0):
    path = f"zarr/{name}.zarr"
    spec = {"driver": "zarr", "kvstore": {"driver": "file", "path": str(g.root / path / "vol")},
            "metadata": {"shape": list(SHAPE_ZYX), "chunks": list(CHUNKS_ZYX), "dtype": np.dtype(dtype).str,
                         "compressor": compressor, "fill_value": fill},
            "create": True, "delete_existing": True}
    t = ts.open(spec).result()
    t[...] = volume(dtype, fill)
    readback = ts.open({k: v for k, v in spec.items() if k not in ("create", "delete_existing", "metadata")}
                       ).result()[...].read().result()
    g.add(name, "zarr", "DirectoryStore", path, "vol", dtype, fill, readback, f"{path}/vol/1.1.1",
          "tensorstore 0.1.86 zarr")


def codec_vectors(g):
    """Single compressed buffers from numcodecs / python's zlib and gzip, for the codec unit tests."""
    d = g.root / "codecs"
    d.mkdir(parents=True, exist_ok=True)
    plain = volume(np.uint64, 0)[:4].tobytes()  # 43 KB of uint64 labels: shuffles matter
    (d / "plain.bin").write_bytes(plain)

    def put(name, codec, data):
        (d / f"{name}.bin").write_bytes(data)
        g.codecs.append({"name": name, "codec": codec, "file": f"codecs/{name}.bin", "plain": "codecs/plain.bin"})

    arr = np.frombuffer(plain, dtype=np.uint64)
    for cname in ("lz4", "lz4hc", "zstd", "zlib", "blosclz"):
        for shuffle in (Blosc.NOSHUFFLE, Blosc.SHUFFLE, Blosc.BITSHUFFLE):
            put(f"blosc_{cname}_s{shuffle}", "blosc", Blosc(cname=cname, clevel=5, shuffle=shuffle).encode(arr))
    put("zlib_py", "zlib", zlib.compress(plain, 6))
    put("gzip_py", "gzip", gzip.compress(plain, 6))
    put("gzip_numcodecs", "gzip", GZip(level=5).encode(plain))
    half = len(plain) // 2
    put("gzip_multimember", "gzip", gzip.compress(plain[:half]) + gzip.compress(plain[half:]))
    put("zstd_numcodecs", "zstd", Zstd(level=3).encode(plain))


def main():
    root = Path(sys.argv[1]) / "n5zarr"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    g = Golden(root)
    u8, u16, u64 = np.uint8, np.uint16, np.uint64

    # zarr 2.18.3, DirectoryStore ("." keys): every compressor, both dtypes.
    compressors = {
        "blosc_lz4_shuffle": Blosc(cname="lz4", clevel=5, shuffle=Blosc.SHUFFLE),
        "blosc_zstd_bitshuffle": Blosc(cname="zstd", clevel=3, shuffle=Blosc.BITSHUFFLE),
        "blosc_zlib_noshuffle": Blosc(cname="zlib", clevel=4, shuffle=Blosc.NOSHUFFLE),
        "zlib": Zlib(level=5),
        "gzip": GZip(level=5),
        "zstd": Zstd(level=3),
        "raw": None,
    }
    for cname, comp in compressors.items():
        for dt in (u8, u64):
            zarr_case(g, f"dir_{cname}_{np.dtype(dt).name}", "DirectoryStore", dt, comp)
    # Fortran order, big-endian dtypes, non-zero fill values over missing chunks.
    zarr_case(g, "dir_order_f_uint64", "DirectoryStore", u64, Blosc(cname="lz4"), order="F")
    zarr_case(g, "dir_order_f_uint8", "DirectoryStore", u8, Zlib(level=1), order="F")
    zarr_case(g, "dir_bigendian_uint64", "DirectoryStore", ">u8", Zstd(level=1))
    zarr_case(g, "dir_bigendian_order_f_uint16", "DirectoryStore", ">u2", GZip(level=1), order="F")
    zarr_case(g, "dir_fill_uint64", "DirectoryStore", u64, Blosc(cname="zstd"), fill=U64_BIG_FILL)
    zarr_case(g, "dir_fill_uint8", "DirectoryStore", u8, None, fill=7)
    zarr_case(g, "dir_slash_uint64", "DirectoryStore", u64, Zlib(), dimension_separator="/")
    # NestedDirectoryStore ("/" keys).
    zarr_case(g, "nested_blosc_uint64", "NestedDirectoryStore", u64, Blosc(cname="lz4", shuffle=Blosc.SHUFFLE))
    zarr_case(g, "nested_gzip_uint8", "NestedDirectoryStore", u8, GZip())
    zarr_case(g, "nested_nosep_uint8", "NestedDirectoryStore", u8, Zlib())
    # An older .zarray without dimension_separator: the store's "/" applies (as in zarr 2.18).
    meta = g.root / "zarr/nested_nosep_uint8.zarr/vol/.zarray"
    m = json.loads(meta.read_text())
    del m["dimension_separator"]
    meta.write_text(json.dumps(m))
    assert np.array_equal(zarr.open(store=zarr.NestedDirectoryStore(str(meta.parent.parent)), path="vol", mode="r")[...],
                          volume(u8, 0))
    # N5Store (an N5 dataset written through zarr: reversed axes, N5 chunk headers, full edge chunks).
    zarr_case(g, "n5store_gzip_uint8", "N5Store", u8, GZip(level=5))
    zarr_case(g, "n5store_zlib_uint64", "N5Store", u64, Zlib(level=5))
    zarr_case(g, "n5store_blosc_uint64", "N5Store", u64, Blosc(cname="zstd", shuffle=Blosc.BITSHUFFLE))
    zarr_case(g, "n5store_zstd_uint64", "N5Store", u64, Zstd(level=3))
    zarr_case(g, "n5store_raw_uint8", "N5Store", u8, None)

    # tensorstore 0.1.86 n5 driver.
    n5_compressions = {
        "raw": {"type": "raw"},
        "gzip": {"type": "gzip"},
        "gzip_zlib": {"type": "gzip", "useZlib": True},
        "blosc_lz4": {"type": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1},
        "blosc_zstd": {"type": "blosc", "cname": "zstd", "clevel": 5, "shuffle": 2},
        "zstd": {"type": "zstd", "level": 3},
    }
    for cname, comp in n5_compressions.items():
        for dt in (u8, u64):
            ts_n5_case(g, f"ts_{cname}_{np.dtype(dt).name}", dt, comp)
    # The pre-1.0 "compressionType" spelling, on a copy of a raw dataset.
    shutil.copytree(g.root / "n5/ts_raw_uint8.n5", g.root / "n5/old_compressiontype_uint8.n5")
    attrs_path = g.root / "n5/old_compressiontype_uint8.n5/s0/attributes.json"
    attrs = json.loads(attrs_path.read_text())
    del attrs["compression"]
    attrs["compressionType"] = "raw"
    attrs_path.write_text(json.dumps(attrs))
    g.add("old_compressiontype_uint8", "n5", None, "n5/old_compressiontype_uint8.n5", "s0", u8, 0,
          volume(u8, 0), "n5/old_compressiontype_uint8.n5/s0/1/1/1", "tensorstore 0.1.86 n5, edited")

    # tensorstore 0.1.86 zarr driver.
    ts_zarr_case(g, "ts_zarr_blosc_uint64", u64, {"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1})
    ts_zarr_case(g, "ts_zarr_zlib_uint8", u8, {"id": "zlib", "level": 5})
    ts_zarr_case(g, "ts_zarr_zstd_fill_uint64", u64, {"id": "zstd", "level": 3}, fill=U64_BIG_FILL)

    codec_vectors(g)
    (root / "manifest.json").write_text(json.dumps({"arrays": g.arrays, "codecs": g.codecs}, indent=1))
    print(f"wrote {len(g.arrays)} arrays and {len(g.codecs)} codec vectors to {root}")


if __name__ == "__main__":
    main()
