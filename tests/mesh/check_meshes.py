#!/usr/bin/env python3
"""Independent check of lib/mesh output (written by `test_mesh "[.write]"`), with numpy and DracoPy.

For every supervoxel of the example region, against the voxels (labels.u64):
  raw (no smoothing/simplification) ngmesh: closed and consistently oriented (every directed edge once,
    and its reverse once); every vertex the centre of a face between the supervoxel and another voxel;
    enclosed volume within exposed_faces/6 of the voxel count;
  simple (2 smoothing iterations, 20% of the triangles): closed and oriented; every vertex within one
    voxel of the supervoxel's boundary; volume within 10% (supervoxels of >= 1000 voxels);
  drc decoded by DracoPy: same triangle count, points within the 14-bit quantisation step of the
    ngmesh vertices, and the same triangles once matched;
  obj read by the plain parser below: the ngmesh vertices (to %.7g) and faces.
Exits non-zero with one line per failure.
"""
import sys
from pathlib import Path

import numpy as np
import DracoPy

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


def read_ngmesh(path):
    b = path.read_bytes()
    nv = int(np.frombuffer(b[:4], "<u4")[0])
    verts = np.frombuffer(b[4:4 + 12 * nv], "<f4").reshape(-1, 3).astype(np.float64)
    tris = np.frombuffer(b[4 + 12 * nv:], "<u4").reshape(-1, 3).astype(np.int64)
    return verts, tris


def read_obj(path):
    verts, tris = [], []
    for line in path.read_text().splitlines():
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "v":
            verts.append([float(x) for x in parts[1:4]])
        elif parts[0] == "f":
            tris.append([int(x.split("/")[0]) - 1 for x in parts[1:4]])
    return np.array(verts, np.float64).reshape(-1, 3), np.array(tris, np.int64).reshape(-1, 3)


def closed_and_oriented(tris, nv):
    a = tris.reshape(-1)
    b = tris[:, [1, 2, 0]].reshape(-1)
    fwd = a * nv + b
    rev = b * nv + a
    if len(np.unique(fwd)) != len(fwd):
        return "an edge is used twice in the same direction"
    if not np.isin(rev, fwd).all():
        return "an edge has no opposite half (open or inconsistently oriented)"
    if (tris[:, 0] == tris[:, 1]).any() or (tris[:, 1] == tris[:, 2]).any() or (tris[:, 0] == tris[:, 2]).any():
        return "degenerate triangle"
    return None


def signed_volume(v, t):
    return float(np.einsum("ij,ij->i", v[t[:, 0]], np.cross(v[t[:, 1]], v[t[:, 2]])).sum() / 6.0)


def boundary_distance(p, mask):
    """Largest distance from points p (voxel units, x,y,z, local) to the boundary of mask (z,y,x,
    padded by 4 voxels of False), searching a 5x5x5 voxel window."""
    pad = 4
    c = np.floor(p).astype(np.int64)
    best = np.full(len(p), 9.0)
    for dz in range(-2, 3):
        for dy in range(-2, 3):
            for dx in range(-2, 3):
                v = c + np.array([dx, dy, dz])
                inside = mask[v[:, 2] + pad, v[:, 1] + pad, v[:, 0] + pad]
                for axis in range(3):
                    for d in (-1, 1):
                        q = v.copy()
                        q[:, axis] += d
                        other = mask[q[:, 2] + pad, q[:, 1] + pad, q[:, 0] + pad]
                        face = inside & ~other
                        if not face.any():
                            continue
                        lo = v.astype(np.float64)
                        hi = lo + 1.0
                        plane = lo[:, axis] + (1.0 if d > 0 else 0.0)
                        lo[:, axis] = plane
                        hi[:, axis] = plane
                        o = np.maximum(np.maximum(lo - p, p - hi), 0.0)
                        dist = np.sqrt((o * o).sum(axis=1))
                        best = np.where(face, np.minimum(best, dist), best)
    return float(best.max()) if len(best) else 0.0


def match_points(pts, v, step):
    """Index of the nearest vertex of v (Chebyshev distance) for every point, searching the vertices
    whose x is within 2 steps of a chunk of x-sorted points; and the largest such distance."""
    vo = np.argsort(v[:, 0], kind="stable")
    vx = v[vo, 0]
    po = np.argsort(pts[:, 0], kind="stable")
    nearest = np.full(len(pts), -1, np.int64)
    worst = 0.0
    for s in range(0, len(pts), 256):
        idx = po[s:s + 256]
        p = pts[idx]
        a = np.searchsorted(vx, p[:, 0].min() - 2 * step, "left")
        b = np.searchsorted(vx, p[:, 0].max() + 2 * step, "right")
        if b <= a:
            return nearest, float("inf")
        cand = vo[a:b]
        dd = np.abs(p[:, None, :] - v[None, cand, :]).max(axis=2)
        nearest[idx] = cand[dd.argmin(axis=1)]
        worst = max(worst, float(dd.min(axis=1).max()))
    return nearest, worst


def main():
    d = Path(sys.argv[1])
    lines = (d / "index.txt").read_text().splitlines()
    box = [int(x) for x in lines[0].split()[1:]]
    voxel = np.array([float(x) for x in lines[1].split()[1:]])
    labels = [(int(l.split()[1]), int(l.split()[2])) for l in lines[2:] if l.startswith("label ")]
    lo = np.array(box[:3], np.float64)
    shape_xyz = [box[3] - box[0], box[4] - box[1], box[5] - box[2]]
    vol = np.fromfile(d / "labels.u64", "<u8").reshape(shape_xyz[2], shape_xyz[1], shape_xyz[0])
    if not labels:
        fail("no supervoxels written")
    ids, counts = np.unique(vol, return_counts=True)
    count_of = dict(zip(ids.tolist(), counts.tolist()))
    spans = {}
    interior = 0
    for label, nbricks in labels:
        spans[nbricks] = spans.get(nbricks, 0) + 1
        m = vol == np.uint64(label)
        n = count_of.get(label, 0)
        if n == 0:
            fail(f"{label}: not in the volume")
            continue
        zz, yy, xx = np.nonzero(m)
        touches = zz.min() == 0 or yy.min() == 0 or xx.min() == 0 or zz.max() == m.shape[0] - 1 or \
            yy.max() == m.shape[1] - 1 or xx.max() == m.shape[2] - 1
        interior += not touches
        mp = np.pad(m, 4)
        exposed = 0
        for axis in range(3):
            exposed += int(np.count_nonzero(np.diff(mp.astype(np.int8), axis=axis)))
        for variant in ("raw", "simple"):
            name = f"{label}.{variant}"
            v, t = read_ngmesh(d / f"{name}.ngmesh")
            err = closed_and_oriented(t, len(v))
            if err:
                fail(f"{name}.ngmesh: {err}")
            local = v / voxel - lo
            vol_mesh = signed_volume(v, t) / float(np.prod(voxel))
            if variant == "raw":
                if abs(vol_mesh - n) > exposed / 6.0:
                    fail(f"{name}: volume {vol_mesh:.1f} vs {n} voxels (exposed faces {exposed})")
                # Each vertex: one integer coordinate (the face plane), two half-integers, and the two
                # voxels across that face are the supervoxel and something else.
                frac = local - np.floor(local)
                is_int = np.isclose(frac, 0.0)
                is_half = np.isclose(frac, 0.5)
                if not ((is_int.sum(axis=1) == 1) & (is_half.sum(axis=1) == 2)).all():
                    fail(f"{name}: a vertex is not at a voxel face centre")
                else:
                    axis = np.argmax(is_int, axis=1)
                    a = np.floor(local).astype(np.int64)
                    b = a.copy()
                    a[np.arange(len(a)), axis] -= 1
                    ina = mp[a[:, 2] + 4, a[:, 1] + 4, a[:, 0] + 4]
                    inb = mp[b[:, 2] + 4, b[:, 1] + 4, b[:, 0] + 4]
                    if not (ina != inb).all():
                        fail(f"{name}: a vertex is not on the supervoxel's boundary")
            else:
                if n >= 1000 and abs(vol_mesh - n) > 0.10 * n:
                    fail(f"{name}: volume {vol_mesh:.1f} vs {n} voxels")
                dist = boundary_distance(local, mp)
                if dist > 1.0:
                    fail(f"{name}: a vertex is {dist:.2f} voxels from the boundary")
            # Draco, decoded by DracoPy.
            dm = DracoPy.decode((d / f"{name}.drc").read_bytes())
            pts = np.asarray(dm.points, np.float64).reshape(-1, 3)
            faces = np.asarray(dm.faces, np.int64).reshape(-1, 3)
            if len(faces) != len(t):
                fail(f"{name}.drc: {len(faces)} triangles, ngmesh has {len(t)}")
                continue
            step = (v.max(axis=0) - v.min(axis=0)).max() / (2 ** 14 - 1)
            nearest, worst = match_points(pts, v, step)
            if worst > step:
                fail(f"{name}.drc: a point is {worst:.4g} from its vertex, quantisation step {step:.4g}")
            mapped = nearest[faces]

            def canon(f):
                r = np.argmin(f, axis=1)
                idx = (r[:, None] + np.arange(3)[None, :]) % 3
                g = np.take_along_axis(f, idx, axis=1)
                return g[np.lexsort(g.T[::-1])]

            if not np.array_equal(canon(mapped), canon(t)):
                fail(f"{name}.drc: triangles differ from the ngmesh's")
            # obj, read by the parser above.
            ov, ot = read_obj(d / f"{name}.obj")
            if not np.array_equal(ot, t) or ov.shape != v.shape or \
                    not np.all(np.abs(ov - v) <= 5.7e-7 * np.abs(v)):
                fail(f"{name}.obj: differs from the ngmesh")
    print(f"{len(labels)} supervoxels ({interior} not touching the region's border), pieces per supervoxel: "
          f"{dict(sorted(spans.items()))}; {len(failures)} failures")
    if interior == 0:
        fail("no supervoxel inside the region")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
