"""Test data for ingest-label-indexes, written by the reference tools (numpy, h5py).

  gen_label_indexes.py DIR

DIR/seg.bin                 uint64 supervoxels, z-major (numpy C order), shape and origin in expected.json;
                            the volume starts at a NEGATIVE x so sign-magnitude block keys are exercised
DIR/block-statistics.h5     the voxel counts of seg.bin per 64^3 block, written as flyemflows'
                            CopySegmentation does (dataset 'stats', shape (0,), maxshape (None,),
                            chunks=True, appended by resize + slice assignment of records with an extra
                            'index' field), rows shuffled, plus repeated (block, sv) rows with SMALLER
                            counts and one exact repeat (the largest count must win, as in flyemflows)
DIR/mapping.csv             sv,body with a header; mapping-noheader.csv the same rows without one
DIR/mapping.npy             the same rows as an (N,2) uint64 array; mapping-fortran.npy in Fortran order;
                            mapping-struct.npy as a structured array (segment_id, body_id)
DIR/bad-*.csv, bad-*.npy    mapping files with one bad row each; expected.json lists the error text
DIR/large-stats.h5          a synthetic table of LARGE_ROWS rows (random blocks and supervoxels, repeats
                            included) with large-mapping.csv, for the external-sort and batching tests
DIR/expected.json           expected label indexes (per supervoxel and per body), tombstones, mapping
"""
import json
import os
import sys

import h5py
import numpy as np

BLOCK_STATS_DTYPES = [('segment_id', '<u8'), ('z', '<i4'), ('y', '<i4'), ('x', '<i4'), ('count', '<u4')]
SHAPE_ZYX = (130, 150, 200)
ORIGIN_XYZ = (-64, 0, 64)       # block-aligned; x from -64 to 136 (blocks -1..2)
LARGE_ROWS = 200_000


def make_segmentation(rng):
    """Voronoi cells of random seeds with varied ids (small, > 2^32), plus a background slab."""
    nseeds = 36
    seeds = rng.uniform([0, 0, 0], SHAPE_ZYX, size=(nseeds, 3))
    ids = np.concatenate([rng.choice(np.arange(1, 1000), 18, replace=False),
                          5_000_000_000 + rng.choice(np.arange(1, 10**6), 18, replace=False)]).astype(np.uint64)
    seg = np.empty(SHAPE_ZYX, np.uint64)
    zz, yy, xx = np.meshgrid(np.arange(SHAPE_ZYX[1]), np.arange(SHAPE_ZYX[2]), [0], indexing='ij')
    for z in range(SHAPE_ZYX[0]):
        pts = np.stack([np.full(zz.shape[:2], z), zz[:, :, 0], yy[:, :, 0]], axis=-1).astype(np.float32)
        d = ((pts[:, :, None, :] - seeds[None, None, :, :].astype(np.float32)) ** 2).sum(-1)
        seg[z] = ids[np.argmin(d, axis=-1)]
    seg[:, :, 170:] = 0               # background on the +x side
    seg[:3] = 0                       # and in the first slices
    return seg


def block_stats(seg):
    rows = []
    ox, oy, oz = ORIGIN_XYZ
    Z, Y, X = seg.shape
    for z0 in range(0, Z, 64):
        for y0 in range(0, Y, 64):
            for x0 in range(0, X, 64):
                blk = seg[z0:z0 + 64, y0:y0 + 64, x0:x0 + 64]
                labels, counts = np.unique(blk, return_counts=True)
                for l, c in zip(labels, counts):
                    if l != 0:
                        rows.append((int(l), oz + z0, oy + y0, ox + x0, int(c)))
    return rows


def write_stats_h5(path, rows, rng):
    """As flyemflows' CopySegmentation appends slabs: resize + slice assignment of DataFrame.to_records()."""
    if os.path.exists(path):
        os.remove(path)
    with h5py.File(path, 'w') as f:
        ds = f.create_dataset('stats', shape=(0,), maxshape=(None,), chunks=True, dtype=BLOCK_STATS_DTYPES)
        cut = len(rows) // 3
        for part in (rows[:cut], rows[cut:]):
            rec = np.zeros(len(part), dtype=[('index', '<i8')] + BLOCK_STATS_DTYPES)
            rec['index'] = np.arange(len(part))
            arr = np.array(part, dtype=BLOCK_STATS_DTYPES)
            for n, _ in BLOCK_STATS_DTYPES:
                rec[n] = arr[n]
            old = len(ds)
            ds.resize((old + len(rec),))
            ds[old:] = rec[[n for n, _ in BLOCK_STATS_DTYPES]]


def block_key(bx, by, bz):
    """DVID's sign-magnitude EncodeBlockIndex (datatype/common/labels/index.go)."""
    def field(v):
        return abs(v) | ((1 << 20) if v < 0 else 0)
    return field(bz) << 42 | field(by) << 21 | field(bx)


def agglomerate(svs, rng):
    """Groups of 1-4 svs. Body = smallest member, except one group whose body is a NEW id (all of its
    supervoxels need tombstones). Two svs are left out of the mapping (implicit identity)."""
    svs = [int(s) for s in rng.permutation(np.array(sorted(svs), dtype=np.uint64))]
    groups, i = [], 0
    while i < len(svs):
        n = int(rng.integers(1, 5))
        groups.append(sorted(svs[i:i + n]))
        i += n
    new_body = 9_000_000_000_001
    rows, body_of, omitted = [], {}, []
    for gi, g in enumerate(groups):
        if len(g) == 1 and len(omitted) < 2:
            omitted.append(g[0])
            body_of[g[0]] = g[0]
            continue
        body = new_body if gi == 0 else g[0]
        for s in g:
            rows.append((s, body))
            body_of[s] = body
    # A mapped supervoxel that is not in the volume: posted to /mappings, no index.
    extra_sv = 123_456_789
    rows.append((extra_sv, rows[0][1]))
    order = rng.permutation(len(rows))
    rows = [rows[k] for k in order]
    return rows, body_of, omitted, extra_sv


def write_csv(path, rows, header):
    with open(path, 'w') as f:
        if header:
            f.write(header + '\n')
        for sv, body in rows:
            f.write(f'{sv},{body}\n')


def write_bad_files(d, rows):
    """Each file has exactly one bad row; returns {file: expected message fragment}."""
    good = rows[:6]
    bad = {}
    write_csv(os.path.join(d, 'bad-nonnumeric.csv'), good[:2] + [('12', 'abc')] + good[2:], 'sv,body')
    bad['bad-nonnumeric.csv'] = 'bad-nonnumeric.csv:4: '
    write_csv(os.path.join(d, 'bad-sv0.csv'), good[:1] + [(0, 5)] + good[1:], None)
    bad['bad-sv0.csv'] = 'bad-sv0.csv:2: supervoxel 0'
    write_csv(os.path.join(d, 'bad-body0.csv'), good[:3] + [(77, 0)] + good[3:], 'sv,body')
    bad['bad-body0.csv'] = 'bad-body0.csv:5: body 0'
    conflict = good[:1] + [(31337, 7)] + good[1:4] + [(31337, 9)] + good[4:]
    write_csv(os.path.join(d, 'bad-conflict.csv'), conflict, 'sv,body')
    bad['bad-conflict.csv'] = 'bad-conflict.csv:7: supervoxel 31337 is mapped to body 9 here but to body 7 on line 3'
    with open(os.path.join(d, 'bad-columns.csv'), 'w') as f:
        for k, (sv, body) in enumerate(good):
            f.write(f'{sv},{body}\n' if k != 2 else f'{sv}\n')
    bad['bad-columns.csv'] = 'bad-columns.csv:3: '
    arr = np.array(conflict, dtype=np.uint64)
    np.save(os.path.join(d, 'bad-conflict.npy'), arr)
    bad['bad-conflict.npy'] = 'bad-conflict.npy: row 5: supervoxel 31337 is mapped to body 9 here but to body 7 in row 1'
    neg = np.array([(int(a), int(b)) for a, b in good], dtype=np.int64)
    neg[2, 1] = -3
    np.save(os.path.join(d, 'bad-negative.npy'), neg)
    bad['bad-negative.npy'] = 'bad-negative.npy: row 2: body is negative'
    return bad


def write_large(d, rng):
    """A synthetic table for the sort and batching tests: LARGE_ROWS rows over 40,000 supervoxels."""
    nsv = 40_000
    sv = rng.integers(1, nsv + 1, LARGE_ROWS).astype(np.uint64)
    blocks = rng.integers(-20, 60, size=(LARGE_ROWS, 3)) * 64
    count = rng.integers(1, 262144, LARGE_ROWS).astype(np.uint32)
    rows = [(int(s), int(b[0]), int(b[1]), int(b[2]), int(c)) for s, b, c in zip(sv, blocks, count)]
    rows += [(r[0], r[1], r[2], r[3], r[4] + 1) for r in rows[:500]]   # repeats with larger counts
    rows += rows[1000:1200]                                              # exact repeats
    order = rng.permutation(len(rows))
    rows = [rows[k] for k in order]
    write_stats_h5(os.path.join(d, 'large-stats.h5'), rows, rng)
    # bodies: sv -> (sv-1)//7*7+1 for most (groups of 7, body = smallest), some svs unmapped
    with open(os.path.join(d, 'large-mapping.csv'), 'w') as f:
        f.write('segment_id,body_id\n')
        for s in range(1, nsv + 1):
            if s % 13 == 0:
                continue
            f.write(f'{s},{(s - 1) // 7 * 7 + 1}\n')
    return len(rows)


def main(d):
    os.makedirs(d, exist_ok=True)
    rng = np.random.default_rng(20261125)
    seg = make_segmentation(rng)
    seg.tofile(os.path.join(d, 'seg.bin'))
    rows = block_stats(seg)
    true_rows = list(rows)
    # Repeats: smaller counts for three (block, sv) pairs, and one exact repeat.
    for k in (0, 5, 9):
        r = rows[k]
        rows.append((r[0], r[1], r[2], r[3], max(r[4] - 5, 1)))
    rows.append(rows[3])
    order = rng.permutation(len(rows))
    rows = [rows[k] for k in order]
    write_stats_h5(os.path.join(d, 'block-statistics.h5'), rows, rng)

    svs = sorted({r[0] for r in true_rows})
    mrows, body_of, omitted, extra_sv = agglomerate(svs, rng)
    write_csv(os.path.join(d, 'mapping.csv'), mrows, 'sv,body')
    write_csv(os.path.join(d, 'mapping-noheader.csv'), mrows, None)
    arr = np.array(mrows, dtype=np.uint64)
    np.save(os.path.join(d, 'mapping.npy'), arr)
    np.save(os.path.join(d, 'mapping-fortran.npy'), np.asfortranarray(arr))
    st = np.zeros(len(mrows), dtype=[('segment_id', '<u8'), ('body_id', '<u8')])
    st['segment_id'] = arr[:, 0]
    st['body_id'] = arr[:, 1]
    np.save(os.path.join(d, 'mapping-struct.npy'), st)
    bad = write_bad_files(d, mrows)
    large_rows = write_large(d, rng)

    sv_index = {}
    for sv, z, y, x, c in true_rows:
        sv_index.setdefault(sv, []).append([x // 64, y // 64, z // 64, c])
    bodies = {}
    for sv, blocks in sv_index.items():
        b = bodies.setdefault(body_of[sv], {'svs': [], 'blocks': []})
        b['svs'].append(sv)
        b['blocks'] += [[bx, by, bz, sv, c] for bx, by, bz, c in blocks]
    body_ids = set(bodies)
    tombstones = sorted(sv for sv in svs if body_of[sv] != sv and sv not in body_ids)
    expected = {
        'shape_zyx': list(SHAPE_ZYX),
        'origin_xyz': list(ORIGIN_XYZ),
        'stats_rows': len(rows),
        'true_rows': len(true_rows),
        'supervoxels': {str(sv): {'voxels': int(sum(b[3] for b in bl)), 'blocks': bl,
                                  'keys': [block_key(b[0], b[1], b[2]) for b in bl]}
                        for sv, bl in sv_index.items()},
        'bodies': {str(b): {'svs': sorted(v['svs']), 'voxels': int(sum(x[4] for x in v['blocks'])), 'blocks': v['blocks']}
                   for b, v in bodies.items()},
        'mapping': [[int(a), int(b)] for a, b in mrows],
        'omitted_from_mapping': omitted,
        'extra_mapped_sv': extra_sv,
        'tombstones': tombstones,
        'bad_files': bad,
        'large_rows': large_rows,
    }
    with open(os.path.join(d, 'expected.json'), 'w') as f:
        json.dump(expected, f)
    print(f'gen_label_indexes: {len(svs)} supervoxels, {len(bodies)} bodies, {len(tombstones)} tombstones, '
          f'{len(rows)} stats rows, {large_rows} large rows -> {d}')


if __name__ == '__main__':
    main(sys.argv[1])
