"""Independent check of cleave-server answers with networkx (PyPI), as neuclease's _seeded_mst_nx.

    check_cleave.py CASES.json

CASES.json: {"edges": edges.csv, "mapping": sv,body csv, "cases": [{"supervoxels": [...], "seeds":
{"1": [...], ...}, "response": <the server's JSON answer>}, ...]}

For each case the body graph is rebuilt from the CSV files with pandas-free Python: rows normalised
(id_a <= id_b), the last of duplicate pairs kept, self-loops dropped, only edges inside one body of the
mapping (the cleave table's rule) and with both ends in the body's current supervoxels. The seeded
minimum spanning forest is computed with networkx's Kruskal on a graph with a virtual root joined to
every seed, edge weights replaced by their rank in (cost, lower id, higher id) order (the server's
documented tie-break) so the forest is unique. Exits 1 if any answer differs.
"""
import csv
import json
import sys

import networkx as nx
import numpy as np


def load_mapping(path):
    mapping = {}
    with open(path) as f:
        for row in csv.reader(f):
            if len(row) < 2 or not row[0].strip().isdigit():
                continue
            mapping[int(row[0])] = int(row[1])
    return mapping


def load_edges(path, mapping):
    edges = {}
    with open(path) as f:
        for row in csv.DictReader(f):
            a, b = int(row["id_a"]), int(row["id_b"])
            if a > b:
                a, b = b, a
            if a == b or mapping.get(a, a) != mapping.get(b, b):
                continue
            edges.pop((a, b), None)  # keep='last'
            edges[(a, b)] = float(np.float32(row["score"]))
    return edges


def expected(svs, seeds, edges):
    nodes = set(svs)
    inside = sorted(((c, a, b) for (a, b), c in edges.items() if a in nodes and b in nodes))
    g = nx.Graph()
    g.add_nodes_from(nodes)
    for rank, (c, a, b) in enumerate(inside):
        g.add_edge(a, b, weight=rank)
    root = "root"
    seed_of = {}
    for cls, members in seeds.items():
        for sv in members:
            seed_of[sv] = int(cls)
            g.add_edge(root, sv, weight=-1)
    mst = nx.minimum_spanning_tree(g, algorithm="kruskal")
    mst.remove_node(root)
    label = {}
    for cc in nx.connected_components(mst):
        classes = {seed_of[n] for n in cc if n in seed_of}
        assert len(classes) <= 1, classes
        lab = classes.pop() if classes else 0
        for n in cc:
            label[n] = lab
    assignments = {}
    for n in sorted(nodes):
        assignments.setdefault(str(label[n]), []).append(n)
    # Seed classes spread over several pieces (edges whose ends share the label).
    kept = nx.Graph()
    kept.add_nodes_from(nodes)
    kept.add_edges_from((a, b) for c, a, b in inside if label[a] == label[b])
    pieces = {}
    for cc in nx.connected_components(kept):
        lab = label[next(iter(cc))]
        pieces[lab] = pieces.get(lab, 0) + 1
    disconnected = sorted(lab for lab, n in pieces.items() if n > 1 and lab != 0)
    if not inside:
        disconnected = sorted({int(c) for c, m in seeds.items() if m})
    return assignments, disconnected


def main():
    spec = json.load(open(sys.argv[1]))
    mapping = load_mapping(spec["mapping"])
    edges = load_edges(spec["edges"], mapping)
    bad = 0
    for i, case in enumerate(spec["cases"]):
        want, disconnected = expected(case["supervoxels"], case["seeds"], edges)
        resp = case["response"]
        got = resp["assignments"]
        problems = []
        if got != want:
            problems.append(f"assignments differ: got {got} want {want}")
        unassigned = len(want.get("0", []))
        want_warn = [f"Cleave result is not complete. {unassigned} supervoxels remain unassigned."] if unassigned else []
        if resp["warnings"] != want_warn:
            problems.append(f"warnings {resp['warnings']} want {want_warn}")
        msg = f"Cleave result contains non-contiguous objects for seeds: {disconnected}"
        if bool(disconnected) != (msg in resp["info"]):
            problems.append(f"info {resp['info']} want {msg if disconnected else 'nothing'}")
        if problems:
            bad += 1
            print(f"case {i} (body {resp.get('body-id')}): " + "; ".join(problems))
    print(f"check_cleave.py: {len(spec['cases'])} cases, {bad} differ (networkx {nx.__version__})")
    sys.exit(1 if bad or not spec["cases"] else 0)


if __name__ == "__main__":
    main()
