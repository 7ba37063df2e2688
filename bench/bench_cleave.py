"""cleave-server vs the reference's algorithm (neuclease, Python + networkx) on one body, in one run.

    <venv>/bin/python bench/bench_cleave.py --bin build/bin [--svs 100000] [--requests 60] [--ref-requests 5]

A fresh DVID v1.0.0 on loopback (scripts/dvid-server.sh start-fresh, --port, default 18640) gets one
synthetic body of --svs supervoxels (bench_cleave: ~2 edges per supervoxel, costs with ties; its label
index, which is what GET /supervoxels reads). Both sides answer the same requests (2-4 seeds on random
supervoxels of the body), one at a time, each timed end to end:

  ours  POST /compute-cleave to cleave-server (the table from construct-cleave-table, memory-mapped),
        through a keep-alive connection: DVID GET /supervoxels, edges, seeded MST, JSON reply.
  ref   what neuclease's server does per request with a local merge table already in memory:
        GET /supervoxels from the same DVID, the body's rows of the table (numpy mask on the
        precomputed body column), cleave()'s preprocessing (consecutive ids, normalised edges, last
        duplicate kept, no self-loops), _seeded_mst_nx (networkx Kruskal with a virtual root, as
        neuclease without graph-tool), _find_disconnected_components, and the JSON reply.

Prints p50/p99 of both and the ratio ours/ref (lower is better), and checks that both give the same
assignments for every request (ties are broken the same way: the table order is (cost, ids)).
"""
import argparse
import http.client
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import networkx as nx
import numpy as np

from bench_support import admin_token, dvid

ROOT = Path(__file__).resolve().parent.parent
MERGE_TABLE_DTYPE = [('id_a', '<u8'), ('id_b', '<u8'), ('xa', '<u4'), ('ya', '<u4'), ('za', '<u4'),
                     ('xb', '<u4'), ('yb', '<u4'), ('zb', '<u4'), ('score', '<f4')]


def pct(values, p):
    v = sorted(values)
    k = max(1, min(len(v), int(np.ceil(p / 100 * len(v)))))
    return v[k - 1]




def seeded_mst_nx(cleaned_edges, edge_weights, seed_labels):
    """neuclease.cleave.cleave._seeded_mst_nx, as published."""
    g = nx.Graph()
    g.add_nodes_from(np.arange(len(seed_labels)))
    tiny = edge_weights.min() - 1000.0
    for (u, v), w in zip(cleaved_list(cleaned_edges), edge_weights):
        g.add_edge(u, v, weight=w)
    root = len(seed_labels)
    for seed_node in seed_labels.nonzero()[0]:
        g.add_edge(root, seed_node, weight=tiny)
    mst = nx.minimum_spanning_tree(g)
    mst.remove_node(root)
    output = np.empty_like(seed_labels)
    unlabeled = False
    for cc in nx.connected_components(mst):
        cc = [*cc]
        seeds = set(np.unique(seed_labels[cc])) - {0}
        assert len(seeds) <= 1
        if seeds:
            output[cc] = seeds.pop()
        else:
            output[cc] = 0
            unlabeled = True
    return output, unlabeled


def cleaved_list(a):
    return a.tolist()


def disconnected_components(edges, labels):
    keep = labels[edges[:, 0]] == labels[edges[:, 1]]
    g = nx.Graph()
    g.add_nodes_from(range(len(labels)))
    g.add_edges_from(edges[keep].tolist())
    counts = {}
    for cc in nx.connected_components(g):
        lab = int(labels[next(iter(cc))])
        counts[lab] = counts.get(lab, 0) + 1
    return {lab for lab, n in counts.items() if n > 1 and lab != 0}


def reference_cleave(conn, setup, table, body_col, req):
    conn.request('GET', f"/api/node/{setup['uuid']}/{setup['instance']}/supervoxels/{req['body-id']}?u=bench&app=cleave-server")
    r = conn.getresponse()
    svs = np.sort(np.array(json.loads(r.read()), dtype=np.uint64))
    rows = table[body_col == req['body-id']]
    # cleave(): consecutive ids, normalised edges, duplicates (keep last), no self-loops.
    ab = np.stack([rows['id_a'], rows['id_b']], axis=1)
    ab.sort(axis=1)
    w = rows['score']
    _, last = np.unique(ab[::-1], axis=0, return_index=True)
    keep = np.sort(len(ab) - 1 - last)
    ab, w = ab[keep], w[keep]
    loops = ab[:, 0] != ab[:, 1]
    ab, w = ab[loops], w[loops]
    cons = np.searchsorted(svs, ab).astype(np.uint32)
    seed_labels = np.zeros(len(svs), np.uint32)
    for cls, members in req['seeds'].items():
        seed_labels[np.searchsorted(svs, np.array(members, np.uint64))] = int(cls)
    labels, unlabeled = seeded_mst_nx(cons, w, seed_labels)
    disconnected = disconnected_components(cons, labels)
    out = dict(req)
    out['assignments'] = {}
    for lab in sorted(set(labels.tolist()), key=str):
        out['assignments'][str(lab)] = svs[labels == lab].tolist()
    out['info'] = [f'Cleave result contains non-contiguous objects for seeds: {sorted(disconnected)}'] if disconnected else []
    out['warnings'] = [f"Cleave result is not complete. {len(out['assignments'].get('0', []))} supervoxels remain unassigned."] if unlabeled else []
    return json.dumps(out, sort_keys=True), out['assignments']


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--bin', default=str(ROOT / 'build/bin'))
    ap.add_argument('--svs', type=int, default=100000)
    ap.add_argument('--requests', type=int, default=60)
    ap.add_argument('--ref-requests', type=int, default=5)
    ap.add_argument('--port', type=int, default=18640)
    args = ap.parse_args()
    binp = Path(args.bin)
    work = Path(tempfile.mkdtemp(prefix='bench-cleave-'))
    dvid_dir, port, cport = work / 'dvid', args.port, args.port + 2
    dvid('start-fresh', dvid_dir, port)
    server = None
    try:
        token = admin_token(dvid_dir)
        subprocess.run([str(binp / 'bench_cleave'), '--dvid', f'http://127.0.0.1:{port}', '--dir', str(work / 'data'),
                        '--svs', str(args.svs), '--admin-token', token], check=True, stderr=subprocess.DEVNULL)
        setup = json.loads((work / 'data/setup.json').read_text())
        server = subprocess.Popen([str(binp / 'cleave-server'), '--merge-table', str(work / 'data/table.bin'), '--host', '127.0.0.1',
                                   '--port', str(cport), '--primary-dvid-server', f'127.0.0.1:{port}',
                                   '--primary-labelmap-instance', setup['instance'], '--log-dir', str(work)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                urllib.request.urlopen(f'http://127.0.0.1:{cport}/health', timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        rng = random.Random(1)
        svs = [setup['first_sv'] + 3 * i for i in range(setup['svs'])]
        reqs = []
        for _ in range(args.requests):
            seeds = {str(c): [rng.choice(svs)] for c in range(1, rng.randint(2, 4) + 1)}
            reqs.append({'body-id': setup['body'], 'seeds': seeds, 'server': '127.0.0.1', 'port': port, 'uuid': setup['uuid'],
                         'segmentation-instance': setup['instance'], 'user': 'bench', 'request-number': 1})

        conn = http.client.HTTPConnection('127.0.0.1', cport)
        ours, ours_assign = [], []
        for req in reqs:
            t = time.perf_counter()
            conn.request('POST', '/compute-cleave', json.dumps(req), {'Content-Type': 'application/json'})
            r = conn.getresponse()
            body = r.read()
            ours.append(time.perf_counter() - t)
            assert r.status == 200, body[:300]
            ours_assign.append(json.loads(body)['assignments'])

        table = np.load(work / 'data/edges.npy')
        assert table.dtype == np.dtype(MERGE_TABLE_DTYPE)
        body_col = np.full(len(table), setup['body'], np.uint64)  # the mapping puts every row in the one body
        dconn = http.client.HTTPConnection('127.0.0.1', port)
        ref, same = [], 0
        for i, req in enumerate(reqs[:args.ref_requests]):
            t = time.perf_counter()
            _text, assign = reference_cleave(dconn, setup, table, body_col, req)
            ref.append(time.perf_counter() - t)
            same += assign == ours_assign[i]
        o50, o99, r50, r99 = (pct(ours, 50) * 1e3, pct(ours, 99) * 1e3, pct(ref, 50) * 1e3, pct(ref, 99) * 1e3)
        print(f'bench_cleave: body of {setup["svs"]} supervoxels, {len(table)} edges, DVID v1.0.0 on loopback')
        print(f'  ours (cleave-server):          {len(ours):3d} requests  p50 {o50:8.1f} ms  p99 {o99:8.1f} ms  mean {statistics.mean(ours)*1e3:8.1f} ms')
        print(f'  reference (Python + networkx): {len(ref):3d} requests  p50 {r50:8.1f} ms  p99 {r99:8.1f} ms')
        print(f'  same assignments: {same}/{len(ref)}')
        print(f'  ratio ours/reference (lower is better): p50 {o50 / r50:.3f}  p99 {o99 / r99:.3f}  (speed-up x{r50 / o50:.0f} at p50)')
        if same != len(ref):
            sys.exit('assignments differ')
    finally:
        if server:
            server.terminate()
            server.wait()
        dvid('stop', dvid_dir)


if __name__ == '__main__':
    main()
