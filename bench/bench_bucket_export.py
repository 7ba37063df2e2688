#!/usr/bin/env python3
"""export-grayscale straight into an S3 bucket vs export to disk plus a bulk copy (the seed's path).

  python3 bench/bench_bucket_export.py [--bin build/bin] [--size 512] [--ranks 2] [--sharded]
                                       [--repeat 3] [--work DIR] [--port 18845]

One run, the same export both ways, into a MinIO server on loopback (scripts/minio-server.sh):
  ours  launchflow -n R export-grayscale with output.precomputed.path s3://bench/direct
        (queued parallel uploads, 8 per rank)
  peer  launchflow -n R export-grayscale into a local directory, then the MinIO client's
        `mc mirror` of that directory to s3://bench/copy (the seed's `gsutil -m cp -r`; mc is built
        from the Go module proxy by scripts/build-mc.sh, pinned, cached)
The input is `make-example --size S,S,S` (grayscale, EM-like); output JPEG q85, 64^3 chunks, scales
0..3 (or raw sharded with --sharded). Times are wall seconds of the whole commands (launchflow start-up
included on both sides). Both bucket copies are checked to hold the same objects with the same bytes
(ETags). Each side is the best of --repeat runs, the order alternating. Prints the times and the
ratio ours / peer (< 1: the direct export is faster).
"""
import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def sh(cmd, env=None):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
    return time.perf_counter() - t0, p.stdout + p.stderr


def cache_var(name):
    return subprocess.run(["bash", "-c", f"source {ROOT}/scripts/common.sh; echo ${name}"], capture_output=True,
                          text=True).stdout.strip()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=str(ROOT / "build" / "bin"))
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--ranks", type=int, default=2)
    ap.add_argument("--sharded", action="store_true")
    ap.add_argument("--work", default="/tmp/dflow-bench-bucket")
    ap.add_argument("--port", type=int, default=18845)
    ap.add_argument("--repeat", type=int, default=3, help="best of N runs of each side")
    a = ap.parse_args()
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    example = work / f"example-{a.size}"
    if not (example / "example.n5").exists():
        sh([f"{a.bin}/make-example", "--output", str(example), "--size", f"{a.size},{a.size},{a.size}"])
    sh(["bash", str(ROOT / "scripts/build-mc.sh")])
    mc = cache_var("MC_BIN")
    minio_dir = work / "minio"
    subprocess.run(["bash", str(ROOT / "scripts/minio-server.sh"), "stop", str(minio_dir)], capture_output=True)
    shutil.rmtree(minio_dir / "data", ignore_errors=True)
    sh(["bash", str(ROOT / "scripts/minio-server.sh"), "start", str(minio_dir), str(a.port)])
    try:
        user, password = (minio_dir / "credentials").read_text().split()
        endpoint = f"http://127.0.0.1:{a.port}"
        env = dict(os.environ, AWS_ACCESS_KEY_ID=user, AWS_SECRET_ACCESS_KEY=password, AWS_REGION="us-east-1",
                   AWS_ENDPOINT_URL=endpoint,
                   # mc reads the alias from the environment: no credentials on disk.
                   MC_HOST_bench=f"http://{user}:{password}@127.0.0.1:{a.port}", MC_CONFIG_DIR=str(work / "mc-config"))
        sh([mc, "--quiet", "mb", "bench/bench"], env=env)
        encoding = "{encoding: raw, sharded: true}" if a.sharded else "{encoding: jpeg}"

        def template(name, path):
            d = work / name
            shutil.rmtree(d, ignore_errors=True)
            for old in work.glob(name + "-*"):
                shutil.rmtree(old, ignore_errors=True)
            d.mkdir()
            (d / "workflow.yaml").write_text(
                "workflow-name: export-grayscale\n"
                f"input:\n  n5: {{path: {example}/example.n5, dataset: grayscale/s0}}\n"
                f"output:\n  precomputed: {{path: '{path}', {encoding[1:-1]}}}\n"
                "export-grayscale: {max-pyramid-scale: 3, memory-per-rank-mib: 512}\n")
            return str(d)

        local = work / "local-out"
        best = {"direct": 1e9, "disk": 1e9, "copy": 1e9, "peer": 1e9}
        for rep in range(a.repeat):
            # Alternate the order so neither side always runs on a warmer page cache.
            for side in (("direct", "peer") if rep % 2 == 0 else ("peer", "direct")):
                sh([mc, "--quiet", "rm", "--recursive", "--force", f"bench/bench/{'direct' if side == 'direct' else 'copy'}"], env=env)
                if side == "direct":
                    t, _ = sh([f"{a.bin}/launchflow", "-n", str(a.ranks), template("direct", "s3://bench/direct")], env=env)
                    best["direct"] = min(best["direct"], t)
                else:
                    shutil.rmtree(local, ignore_errors=True)
                    t_disk, _ = sh([f"{a.bin}/launchflow", "-n", str(a.ranks), template("to-disk", str(local))], env=env)
                    t_copy, _ = sh([mc, "--quiet", "mirror", str(local), "bench/bench/copy"], env=env)
                    best["disk"], best["copy"] = min(best["disk"], t_disk), min(best["copy"], t_copy)
                    best["peer"] = min(best["peer"], t_disk + t_copy)
        t_direct, t_disk, t_copy = best["direct"], best["disk"], best["copy"]

        def listing(prefix):
            out = subprocess.run([mc, "--json", "ls", "--recursive", f"bench/bench/{prefix}/"], env=env, capture_output=True,
                                 text=True).stdout
            import json
            return {j["key"]: (j["size"], j["etag"]) for j in map(json.loads, out.splitlines())}

        direct, copy = listing("direct"), listing("copy")
        # A multipart ETag depends on the part size, which differs between the two uploaders.
        for d in (direct, copy):
            for k, (size, etag) in d.items():
                if "-" in etag:
                    d[k] = (size, "multipart")
        if direct != copy:
            diff = sorted(set(direct.items()) ^ set(copy.items()))[:5]
            sys.exit(f"the two bucket copies differ ({len(direct)} vs {len(copy)} objects): {diff}")
        files = len(direct)
        mib = sum(s for s, _ in direct.values()) / 2**20
        peer = best["peer"]
        print(f"volume {a.size}^3 uint8, {'raw sharded' if a.sharded else 'jpeg unsharded'}, scales 0..3, {a.ranks} ranks: "
              f"{files} objects, {mib:.1f} MiB; both bucket copies identical (keys, sizes, ETags)")
        print(f"{'export straight to s3://':40s} {t_direct:8.2f} s")
        print(f"{'export to disk':40s} {t_disk:8.2f} s")
        print(f"{'mc mirror to s3://':40s} {t_copy:8.2f} s")
        print(f"{'export to disk + mc mirror (best sum)':40s} {peer:8.2f} s")
        print(f"ratio ours / peer = {t_direct / peer:.2f}  (< 1: the direct export is faster)")
    finally:
        subprocess.run(["bash", str(ROOT / "scripts/minio-server.sh"), "stop", str(minio_dir)], capture_output=True)


if __name__ == "__main__":
    main()
