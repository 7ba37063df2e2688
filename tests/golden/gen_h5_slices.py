#!/usr/bin/env python3
"""Golden inputs for the HDF5 and TIFF/PNG slice readers, written by the reference libraries.

    gen_h5_slices.py OUT_DIR            write inputs, expected voxels and manifest.json
    gen_h5_slices.py --check-written F  verify the file our Hdf5Writer test produced (via h5py)

HDF5 through h5py, TIFF through tifffile (and Pillow's libtiff path for LZW/PackBits), PNG through
Pillow. Expected voxels are raw little-endian numpy C-order (z,y,x) .bin files; manifest.json lists
every case. Error cases (gaps, mismatched slices, RGB, ...) are listed under "errors" with the file
the error message has to name.
"""
import json
import shutil
import sys
from pathlib import Path

import h5py
import numpy as np
import tifffile
from PIL import Image

RNG = np.random.default_rng(20240531)


def save_expected(out: Path, name: str, vol: np.ndarray) -> str:
    rel = f"expected/{name}.bin"
    (out / "expected").mkdir(parents=True, exist_ok=True)
    vol.astype(vol.dtype.newbyteorder("<"), copy=False).tofile(out / rel)
    return rel


def smooth_gray(shape, dtype):
    """Structured data (gradients plus noise), so a transposed or shifted read cannot pass by chance."""
    z, y, x = np.indices(shape)
    info = np.iinfo(dtype)
    v = (x * 7 + y * 13 + z * 31 + RNG.integers(0, 5, size=shape)) * (1 if info.max < 256 else 257)
    return (v % (int(info.max) + 1)).astype(dtype)


def write_hdf5(out: Path, manifest: dict):
    d = out / "hdf5"
    d.mkdir(parents=True)
    cases = []

    def case(name, file, dataset, vol, note):
        cases.append({"name": name, "file": f"hdf5/{file}", "dataset": dataset, "dtype": str(vol.dtype.newbyteorder("=").name),
                      "shape_zyx": list(vol.shape), "expected": save_expected(out, name, vol), "note": note})

    u8 = smooth_gray((13, 33, 47), np.uint8)
    with h5py.File(d / "u8_contiguous.h5", "w") as f:
        f.create_dataset("volume", data=u8)  # no chunks: contiguous layout
        assert f["volume"].chunks is None
    case("h5_u8_contiguous", "u8_contiguous.h5", "volume", u8, "uint8 contiguous")

    # Label ids close to 2^64 catch any signed or floating-point detour; chunk grid does not divide the shape.
    labels = RNG.integers(0, 6, size=(19, 40, 37), dtype=np.uint64)
    big = np.array([0, 1, 2**63, 2**64 - 1, 2**64 - 2, 0x0123456789ABCDEF], dtype=np.uint64)
    labels = big[labels]
    labels[3:9, 10:30, 5:20] = np.uint64(2**64 - 12345)
    with h5py.File(d / "u64_gzip.h5", "w") as f:
        f.create_dataset("seg/labels", data=labels, chunks=(8, 16, 16), compression="gzip", compression_opts=6)
    case("h5_u64_gzip", "u64_gzip.h5", "/seg/labels", labels, "uint64 chunked gzip, ids near 2^64")

    # Big-endian on disk: HDF5 must convert to native order on read.
    u16be = smooth_gray((6, 21, 29), np.uint16).astype(">u2")
    f32 = (RNG.standard_normal((5, 9, 11)) * 1000).astype(np.float32)
    i16 = RNG.integers(-30000, 30000, size=(4, 7, 9), dtype=np.int16)
    with h5py.File(d / "misc.h5", "w") as f:
        f.create_dataset("u16be", data=u16be, chunks=(2, 8, 8), shuffle=True, compression="gzip")
        f.create_dataset("float32", data=f32)
        f.create_dataset("int16", data=i16, chunks=(4, 7, 9))
        f.create_dataset("flat", data=np.zeros((10, 12), np.uint8))
        f.create_dataset("strings", data=np.array([[[b"a", b"b"]]], dtype="S1"))
        f.create_dataset("lzf", data=u8[:2], chunks=(1, 16, 16), compression="lzf")
        f.create_group("just/a/group")
    case("h5_u16_bigendian", "misc.h5", "u16be", u16be.astype(np.uint16), "big-endian uint16 on disk, shuffle+gzip")
    case("h5_float32", "misc.h5", "float32", f32, "float32 contiguous")
    case("h5_int16", "misc.h5", "int16", i16, "int16, one chunk")
    manifest["hdf5"] = cases

    (d / "not_hdf5.h5").write_bytes(b"this is not an HDF5 file\n" * 10)
    manifest["errors"] += [
        {"kind": "hdf5", "file": "hdf5/missing.h5", "dataset": "volume", "names": "hdf5/missing.h5", "says": "no such file"},
        {"kind": "hdf5", "file": "hdf5/not_hdf5.h5", "dataset": "volume", "names": "hdf5/not_hdf5.h5", "says": "not an HDF5 file"},
        {"kind": "hdf5", "file": "hdf5/misc.h5", "dataset": "nothere", "names": "hdf5/misc.h5", "says": "no dataset '/nothere'"},
        {"kind": "hdf5", "file": "hdf5/misc.h5", "dataset": "just/b/c", "names": "hdf5/misc.h5", "says": "no '/just/b'"},
        {"kind": "hdf5", "file": "hdf5/misc.h5", "dataset": "just/a", "names": "hdf5/misc.h5", "says": "is a group"},
        {"kind": "hdf5", "file": "hdf5/misc.h5", "dataset": "flat", "names": "hdf5/misc.h5", "says": "has 2 dimensions (shape [10,12])"},
        {"kind": "hdf5", "file": "hdf5/misc.h5", "dataset": "strings", "names": "hdf5/misc.h5", "says": "unsupported data type (string)"},
        {"kind": "hdf5", "file": "hdf5/misc.h5", "dataset": "lzf", "names": "hdf5/misc.h5", "says": "compression filter 32000"},
    ]


def write_stack(out: Path, name: str, pattern: str, z0: int, vol: np.ndarray, save, note: str, manifest: dict):
    """One file per z: pattern.format(z0 + i) <- vol[i]."""
    (out / name).mkdir(parents=True)
    for i, plane in enumerate(vol):
        path = out / name / pattern.format(z0 + i)
        path.parent.mkdir(parents=True, exist_ok=True)
        save(path, plane)
    manifest["slices"].append({"name": name, "pattern": f"{name}/{pattern}", "z0": z0, "dtype": vol.dtype.name,
                               "shape_zyx": list(vol.shape), "expected": save_expected(out, name, vol), "note": note})


def write_slices(out: Path, manifest: dict):
    manifest["slices"] = []
    m = manifest

    # TIFF via tifffile: uncompressed strips of 8 rows.
    v = smooth_gray((7, 45, 61), np.uint8)
    write_stack(out, "tif_u8", "z{:05d}.tif", 3, v, lambda p, a: tifffile.imwrite(p, a, rowsperstrip=8),
                "uint8 uncompressed, 8-row strips", m)
    # Deflate with horizontal predictor, several strips.
    v = smooth_gray((5, 50, 70), np.uint16)
    write_stack(out, "tif_u16_zlib", "slice_{:04d}.tiff", 17, v,
                lambda p, a: tifffile.imwrite(p, a, compression="zlib", predictor=True, rowsperstrip=16),
                "uint16 deflate+predictor", m)
    # Tiled, big-endian, tile grid not dividing the image.
    v = smooth_gray((4, 40, 52), np.uint16)
    write_stack(out, "tif_u16_tiled_be", "t{:03d}.tif", 100, v,
                lambda p, a: tifffile.imwrite(p, a, tile=(16, 32), byteorder=">", compression="zlib"),
                "uint16 tiled 16x32, big-endian, deflate", m)
    v = smooth_gray((3, 37, 33), np.uint8)
    write_stack(out, "tif_u8_tiled", "t{:03d}.tif", 0, v, lambda p, a: tifffile.imwrite(p, a, tile=(16, 16)),
                "uint8 tiled 16x16 uncompressed", m)
    # LZW and PackBits through Pillow (which uses libtiff's encoders).
    v = smooth_gray((4, 31, 43), np.uint8)
    write_stack(out, "tif_u8_lzw", "lzw{:02d}.tif", 5, v,
                lambda p, a: Image.fromarray(a, mode="L").save(p, compression="tiff_lzw"), "uint8 LZW (Pillow)", m)
    v = smooth_gray((3, 29, 41), np.uint8)
    write_stack(out, "tif_u8_packbits", "pb{:02d}.tif", 1, v,
                lambda p, a: Image.fromarray(a, mode="L").save(p, compression="packbits"), "uint8 PackBits (Pillow)", m)

    # PNG via Pillow; unpadded "{}" numbering crossing a digit boundary (8, 9, 10, 11, 12).
    v = smooth_gray((5, 27, 35), np.uint8)
    write_stack(out, "png_u8", "img_{}.png", 8, v, lambda p, a: Image.fromarray(a, mode="L").save(p),
                "uint8 'L' PNG, unpadded numbering", m)
    v = smooth_gray((4, 23, 31), np.uint16)
    v[0, 0, :4] = [0, 1, 256, 65535]  # byte order check
    write_stack(out, "png_u16", "s{:04d}.png", 2, v,
                lambda p, a: Image.frombytes("I;16", (a.shape[1], a.shape[0]), a.astype("<u2").tobytes()).save(p),
                "16-bit grayscale PNG from Pillow 'I;16'", m)
    # The number in a directory name, with a stray directory that has no image in it.
    v = smooth_gray((3, 11, 13), np.uint8)
    write_stack(out, "nested", "{:03d}/image.png", 40, v, lambda p, a: Image.fromarray(a, mode="L").save(p),
                "numbered directories, one image.png each", m)
    (out / "nested" / "043").mkdir()


def write_slice_errors(out: Path, manifest: dict):
    errs = manifest["errors"]
    gray = smooth_gray((6, 12, 14), np.uint8)

    d = out / "err_gap"
    d.mkdir()
    for z in (1, 2, 4, 5):
        tifffile.imwrite(d / f"z{z:03d}.tif", gray[z])
    (d / "z7.tif").write_bytes(b"")  # not a round-trip of {:03d}: ignored, not a gap
    errs.append({"kind": "slices", "pattern": "err_gap/z{:03d}.tif", "names": "err_gap/z003.tif", "says": "slice z=3 is missing"})

    d = out / "err_size"
    d.mkdir()
    for z in range(3):
        a = gray[z] if z != 1 else gray[z, :, :10]
        Image.fromarray(a).save(d / f"z{z:03d}.png")
    errs.append({"kind": "slices", "pattern": "err_size/z{:03d}.png", "names": "err_size/z001.png",
                 "says": "image is 10x12 uint8, but the stack", "on": "read"})

    d = out / "err_type"
    d.mkdir()
    for z in range(3):
        a = gray[z] if z != 2 else gray[z].astype(np.uint16)
        tifffile.imwrite(d / f"z{z:03d}.tif", a)
    errs.append({"kind": "slices", "pattern": "err_type/z{:03d}.tif", "names": "err_type/z002.tif",
                 "says": "image is 14x12 uint16", "on": "read"})

    d = out / "err_rgb"
    d.mkdir()
    Image.fromarray(np.stack([gray[0]] * 3, axis=-1), mode="RGB").save(d / "z000.png")
    errs.append({"kind": "slices", "pattern": "err_rgb/z{:03d}.png", "names": "err_rgb/z000.png", "says": "RGB PNG"})

    d = out / "err_palette"
    d.mkdir()
    Image.fromarray(gray[0]).convert("P").save(d / "z000.png")
    errs.append({"kind": "slices", "pattern": "err_palette/z{:03d}.png", "names": "err_palette/z000.png", "says": "palette PNG"})

    d = out / "err_rgb_tif"
    d.mkdir()
    tifffile.imwrite(d / "z000.tif", np.stack([gray[0]] * 3, axis=-1), photometric="rgb")
    errs.append({"kind": "slices", "pattern": "err_rgb_tif/z{:03d}.tif", "names": "err_rgb_tif/z000.tif", "says": "color TIFF"})

    d = out / "err_multipage"
    d.mkdir()
    tifffile.imwrite(d / "z000.tif", gray[:4], photometric="minisblack")  # 4 pages
    errs.append({"kind": "slices", "pattern": "err_multipage/z{:03d}.tif", "names": "err_multipage/z000.tif",
                 "says": "more than one page"})

    d = out / "err_notimage"
    d.mkdir()
    (d / "z000.png").write_text("hello\n")
    errs.append({"kind": "slices", "pattern": "err_notimage/z{:03d}.png", "names": "err_notimage/z000.png",
                 "says": "not a TIFF or PNG file"})

    d = out / "err_truncated"
    d.mkdir()
    Image.fromarray(gray[0]).save(d / "z000.png")
    raw = (d / "z000.png").read_bytes()
    (d / "z000.png").write_bytes(raw[: len(raw) // 2])
    errs.append({"kind": "slices", "pattern": "err_truncated/z{:03d}.png", "names": "err_truncated/z000.png",
                 "says": "cannot decode", "on": "read"})

    d = out / "err_unpadded"
    d.mkdir()
    Image.fromarray(gray[0]).save(d / "z7.png")
    errs.append({"kind": "slices", "pattern": "err_unpadded/z{:03d}.png", "names": "err_unpadded/z{:03d}.png",
                 "says": "1 name(s) like 'z7.png' fit"})

    errs.append({"kind": "slices", "pattern": "err_none/z{:03d}.png", "names": "err_none", "says": "does not exist"})
    (out / "err_empty").mkdir()
    errs.append({"kind": "slices", "pattern": "err_empty/z{:03d}.png", "names": "err_empty/z", "says": "no files match"})
    errs.append({"kind": "slices", "pattern": "tif_u8/z%05d.tif", "names": "tif_u8/z%05d.tif", "says": "printf-style"})


def check_written(path: Path):
    """Our Hdf5Writer wrote `path` with dataset 'written/u64' and the pattern below: h5py must agree."""
    with h5py.File(path, "r") as f:
        ds = f["written/u64"]
        assert ds.dtype == np.uint64, ds.dtype
        assert ds.shape == (9, 20, 30), ds.shape
        assert ds.chunks == (4, 8, 8), ds.chunks
        assert ds.compression == "gzip", ds.compression
        z, y, x = np.indices(ds.shape, dtype=np.uint64)
        expected = np.uint64(2**64 - 1) - (x + np.uint64(100) * y + np.uint64(10000) * z)
        got = ds[...]
        assert (got == expected).all(), f"{np.count_nonzero(got != expected)} voxels differ"
        u8 = f["written/u8"]
        assert u8.dtype == np.uint8 and u8.shape == (9, 20, 30)
        assert (u8[...] == ((x + y + z) % 256).astype(np.uint8)).all()
    print(f"{path}: h5py reads what Hdf5Writer wrote")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--check-written":
        check_written(Path(sys.argv[2]))
        return
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = Path(sys.argv[1]) / "h5slices"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    manifest = {"errors": []}
    write_hdf5(out, manifest)
    write_slices(out, manifest)
    write_slice_errors(out, manifest)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    print(f"wrote {len(manifest['hdf5'])} HDF5 cases, {len(manifest['slices'])} slice stacks, "
          f"{len(manifest['errors'])} error cases to {out}")


if __name__ == "__main__":
    main()
