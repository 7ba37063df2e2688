"""block-statistics.h5 layout checks against h5py (flyemflows' writer).

  write DIR: writes DIR/reference.h5 exactly as flyemflows' CopySegmentation does (dataset created
             with shape (0,), maxshape (None,), chunks=True, then resize + slice assignment of records
             that carry an extra 'index' field) and DIR/reference.json with the expected rows.
  check DIR: checks DIR/written.h5 (made by test_block_stats) has exactly the reference dtype
             (names, formats, offsets, itemsize 24, little-endian), no attributes, and the rows listed
             in DIR/written.json; also DIR/written.csv.
"""
import json
import os
import sys

import h5py
import numpy as np

BLOCK_STATS_DTYPES = [('segment_id', '<u8'), ('z', '<i4'), ('y', '<i4'), ('x', '<i4'), ('count', '<u4')]


def rows_example():
    # Include values that exercise every byte: large ids, negative corners, counts near 2^18.
    return [
        (1, 0, 0, 0, 262144),
        (2**63 + 5, 64, 128, 192, 7),
        (42, -64, 0, 64, 1),
        (7, 1024, 2048, 4096, 100000),
    ]


def write(d):
    os.makedirs(d, exist_ok=True)
    rows = rows_example()
    path = os.path.join(d, 'reference.h5')
    if os.path.exists(path):
        os.remove(path)
    with h5py.File(path, 'w') as f:
        ds = f.create_dataset('stats', shape=(0,), maxshape=(None,), chunks=True, dtype=BLOCK_STATS_DTYPES)
        # Two appends, as two slabs would; records with an extra leading 'index' field like
        # DataFrame.to_records() (h5py/HDF5 convert by member name and drop it).
        for part in (rows[:2], rows[2:]):
            rec = np.array([(i,) + r for i, r in enumerate(part)], dtype=[('index', '<i8')] + BLOCK_STATS_DTYPES)
            old = len(ds)
            ds.resize((old + len(rec),))
            ds[old:] = rec[[n for n, _ in BLOCK_STATS_DTYPES]]
    with open(os.path.join(d, 'reference.json'), 'w') as f:
        json.dump([list(map(int, r)) for r in rows], f)


def check(d):
    path = os.path.join(d, 'written.h5')
    with open(os.path.join(d, 'written.json')) as f:
        expected = [tuple(r) for r in json.load(f)]
    errors = []
    with h5py.File(path, 'r') as f:
        if list(f.keys()) != ['stats']:
            errors.append(f'datasets {list(f.keys())}, expected only stats')
        ds = f['stats']
        if len(f.attrs) or len(ds.attrs):
            errors.append('unexpected attributes')
        want = np.dtype(BLOCK_STATS_DTYPES)
        dt = ds.dtype
        if dt != want or dt.itemsize != 24:
            errors.append(f'dtype {dt} (itemsize {dt.itemsize}), expected {want}')
        offsets = [dt.fields[n][1] for n in dt.names]
        if offsets != [0, 8, 12, 16, 20]:
            errors.append(f'offsets {offsets}')
        for n, fmt in BLOCK_STATS_DTYPES:
            if dt.fields[n][0].str != fmt:
                errors.append(f'field {n}: {dt.fields[n][0].str}, expected {fmt}')
        if ds.ndim != 1 or ds.maxshape != (None,) or ds.chunks is None:
            errors.append(f'shape {ds.shape} maxshape {ds.maxshape} chunks {ds.chunks}: expected 1-D extendible, chunked')
        got = [tuple(int(v) for v in r) for r in ds[:]]
        if got != expected:
            errors.append(f'rows {got} != expected {expected}')
        # The file must be appendable the way flyemflows appends on restart.
    csv_path = os.path.join(d, 'written.csv')
    with open(csv_path) as f:
        lines = f.read().splitlines()
    if lines[0] != 'segment_id,z,y,x,count':
        errors.append(f'csv header {lines[0]!r}')
    if [tuple(int(v) for v in l.split(',')) for l in lines[1:]] != expected:
        errors.append('csv rows differ')
    for e in errors:
        print('block_stats_h5 check:', e)
    if errors:
        sys.exit(1)
    print(f'block_stats_h5 check: OK ({len(expected)} rows)')


if __name__ == '__main__':
    {'write': write, 'check': check}[sys.argv[1]](sys.argv[2])
