#!/usr/bin/env python3
"""export-grayscale into real buckets on loopback, read back by readers we did not write.

Servers: MinIO (S3, scripts/minio-server.sh) and fake-gcs-server (GCS JSON API,
scripts/fake-gcs-server.sh), both built from the Go module proxy and started here on their own ports.

--part export
  launchflow -n 2 export-grayscale of the embedded example (scales 0..3) to a local directory and to
  s3:// and gs:// buckets: JPEG unsharded, raw sharded (shards above the part size: S3 multipart and
  GCS resumable uploads), raw unsharded (gzip'd, Content-Encoding: gzip). Then
  - tensorstore 0.1.86 (its s3 and gcs kvstores pointed at the local servers) reads every scale of
    every bucket copy: voxel for voxel equal to tensorstore's read of the local export;
  - the bucket holds exactly the local export's keys, with the same bytes (JPEG, shards);
  - Content-Type application/json (info) / application/octet-stream; Content-Encoding gzip only on
    unsharded raw chunks, never on shards; at least one shard went up in several parts;
  - our own readers read buckets: export-grayscale with a precomputed input in s3:// and gs:// (sharded:
    ranged reads), an N5 input in s3:// and a Zarr input in gs://, each equal to the local source.
--part faults
  a missing bucket (S3, GCS; output and input) and wrong S3 credentials: the stage fails with one
  error line naming the URL, and the secret appears nowhere in output.log; a connection cut in the
  middle of uploads (tests/integration/fault_proxy.py cut-upload between us and MinIO) fails the run,
  and launchflow --resume completes it: the bucket then equals the local export byte for byte.
--part reads
  one VolumeReader::read of a 128^3 brick of 64 chunks (32^3) from MinIO through
  tests/integration/fault_proxy.py delay:0.25 (every answer held 0.25 s), with tests/buckets/read_box.cpp,
  for an N5, a Zarr and a precomputed volume tensorstore wrote: the voxels equal tensorstore's source
  and our reader's read of the local copy, and the read takes well under 64 x 0.25 s (the gets overlap,
  up to bucket.parallel-requests = 8 in flight); with parallel-requests: 1 it takes at least 64 x 0.25 s.
--part dvid
  DVID v1.0.0's ngprecomputed store proxies our S3 export (volume at the bucket root): every block of
  both scales comes back through /specificblocks as the bucket's JPEG bytes (the checks of
  tests/dvidsetup/check_ngprecomputed_proxy.py against a download of the bucket). Before that,
  dvid-setup publish (S3 and GCS): anonymous reads go from 403 to 200, CORS preflights are answered,
  publishing twice changes nothing, and DVID is started from the TOML publish rendered. With
  --neuroglancer the real neuroglancer viewer in headless Chromium draws the volume from the bucket's
  URL (tests/neuroglancer/check_neuroglancer.cjs --data-url): its pixels equal tensorstore's decode.
"""
import argparse
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import warnings

import numpy as np

warnings.filterwarnings("ignore", category=FutureWarning)

S3_BUCKET = "dvidflow-out"
GCS_BUCKET = "dvidflow-out"


def log(msg):
    print(f"[check_buckets] {msg}", flush=True)


def fail(msg):
    print(f"[check_buckets] FAILED: {msg}", flush=True)
    sys.exit(1)


class Servers:
    """MinIO and fake-gcs-server for one part; the environment that reaches them."""

    def __init__(self, a):
        self.a = a
        self.minio_dir = os.path.join(a.work, "minio")
        self.gcs_dir = os.path.join(a.work, "gcs")
        for cmd, d, port in (("minio-server.sh", self.minio_dir, a.minio_port), ("fake-gcs-server.sh", self.gcs_dir, a.gcs_port)):
            # A server left by an interrupted run must not keep serving a data directory removed under it.
            subprocess.run(["bash", os.path.join(a.repo, "scripts", cmd), "stop", d], capture_output=True)
            shutil.rmtree(os.path.join(d, "data"), ignore_errors=True)
            r = subprocess.run(["bash", os.path.join(a.repo, "scripts", cmd), "start", d, str(port)], capture_output=True, text=True)
            if r.returncode != 0:
                fail(f"{cmd} did not start: {r.stdout}{r.stderr}")
        self.user, self.password = open(os.path.join(self.minio_dir, "credentials")).read().split()
        self.s3_endpoint = f"http://127.0.0.1:{a.minio_port}"
        self.gcs_endpoint = f"http://127.0.0.1:{a.gcs_port}"
        self.env = dict(os.environ, AWS_ACCESS_KEY_ID=self.user, AWS_SECRET_ACCESS_KEY=self.password, AWS_REGION="us-east-1",
                        AWS_ENDPOINT_URL=self.s3_endpoint, STORAGE_EMULATOR_HOST=self.gcs_endpoint,
                        TENSORSTORE_GCS_HTTP_URL=self.gcs_endpoint)
        for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "GOOGLE_OAUTH_ACCESS_TOKEN"):
            self.env.pop(k, None)
        os.environ.update({k: self.env[k] for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "TENSORSTORE_GCS_HTTP_URL")})
        self.s3 = self.s3_client()
        self.s3.create_bucket(Bucket=S3_BUCKET)
        self.gcs("POST", "/storage/v1/b", json.dumps({"name": GCS_BUCKET}).encode(), "application/json")

    def s3_client(self):
        import boto3
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=self.s3_endpoint, region_name="us-east-1",
                            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}))

    def gcs(self, method, path, body=None, ctype=None):
        req = urllib.request.Request(self.gcs_endpoint + path, data=body, method=method)
        if ctype:
            req.add_header("Content-Type", ctype)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def s3_keys(self, prefix):
        keys = {}
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=S3_BUCKET, Prefix=prefix + "/"):
            for o in page.get("Contents", []):
                keys[o["Key"][len(prefix) + 1:]] = o
        return keys

    def gcs_objects(self, prefix):
        out, token = {}, ""
        while True:
            q = urllib.parse.urlencode({"prefix": prefix + "/", **({"pageToken": token} if token else {})})
            st, body = self.gcs("GET", f"/storage/v1/b/{GCS_BUCKET}/o?{q}")
            if st != 200:
                fail(f"GCS list {prefix}: HTTP {st}: {body[:200]!r}")
            j = json.loads(body)
            for o in j.get("items", []):
                out[o["name"][len(prefix) + 1:]] = o
            token = j.get("nextPageToken", "")
            if not token:
                return out

    def gcs_get(self, name):
        st, body = self.gcs("GET", f"/storage/v1/b/{GCS_BUCKET}/o/{urllib.parse.quote(name, safe='')}?alt=media")
        if st != 200:
            fail(f"GCS GET {name}: HTTP {st}")
        return body

    def stop(self):
        subprocess.run(["bash", os.path.join(self.a.repo, "scripts/minio-server.sh"), "stop", self.minio_dir], capture_output=True)
        subprocess.run(["bash", os.path.join(self.a.repo, "scripts/fake-gcs-server.sh"), "stop", self.gcs_dir], capture_output=True)


def template(a, name, output, inp=None, max_scale=3, memory=64):
    d = os.path.join(a.work, "tmpl", name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    inp = inp or f"n5: {{path: {a.work}/example/example.n5, dataset: grayscale/s0}}"
    with open(os.path.join(d, "workflow.yaml"), "w") as f:
        f.write(f"workflow-name: export-grayscale\ninput:\n  {inp}\noutput:\n  precomputed: {output}\n"
                f"export-grayscale: {{max-pyramid-scale: {max_scale}, memory-per-rank-mib: {memory}}}\n")
    for old in os.listdir(os.path.join(a.work, "tmpl")):
        if old.startswith(name + "-"):
            shutil.rmtree(os.path.join(a.work, "tmpl", old), ignore_errors=True)
    return d


def launch(a, env, tmpl, expect_ok=True, extra=()):
    r = subprocess.run([os.path.join(a.bin, "launchflow"), "-n", "2", *extra, tmpl], env=env, capture_output=True, text=True,
                       timeout=600)
    out = r.stdout + r.stderr
    m = re.search(r"Working dir: (\S+)", out)
    exec_dir = m.group(1) if m else None
    if expect_ok and r.returncode != 0:
        tail = open(os.path.join(exec_dir, "output.log")).read()[-3000:] if exec_dir else out[-3000:]
        fail(f"launchflow {tmpl} failed:\n{tail}")
    if not expect_ok and r.returncode == 0:
        fail(f"launchflow {tmpl} succeeded, expected a failure")
    return exec_dir, out


def ts_read(kvstore, scale):
    import tensorstore as ts

    t = ts.open({"driver": "neuroglancer_precomputed", "kvstore": kvstore, "scale_index": scale}).result()
    return t[...].read().result()[..., 0]


def s3_kv(srv, prefix):
    return {"driver": "s3", "bucket": S3_BUCKET, "path": prefix + "/", "endpoint": srv.s3_endpoint, "aws_region": "us-east-1"}


def gcs_kv(prefix):
    return {"driver": "gcs", "bucket": GCS_BUCKET, "path": prefix + "/"}


def local_files(root):
    out = {}
    for d, _, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            out[os.path.relpath(p, root)] = p
    return out


def ensure_example(a):
    if not os.path.isdir(os.path.join(a.work, "example", "example.n5")):
        r = subprocess.run([os.path.join(a.bin, "make-example"), "--output", os.path.join(a.work, "example")],
                           capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"make-example: {r.stdout}{r.stderr}")


# ---- part export ---------------------------------------------------------------------------------

def part_export(a, srv):
    env = srv.env
    outs = {
        "local-jpeg": f"{{path: {a.work}/local-jpeg, encoding: jpeg}}",
        "local-sharded": f"{{path: {a.work}/local-sharded, encoding: raw, sharded: true}}",
        "s3-jpeg": f"{{path: 's3://{S3_BUCKET}/jpeg', encoding: jpeg}}",
        # Scale-0 shards of several MiB: in 5 MiB parts (S3's minimum).
        "s3-sharded": f"{{path: 's3://{S3_BUCKET}/sharded', encoding: raw, sharded: true, bucket: {{multipart-mib: 5, part-mib: 5, parallel-requests: 4}}}}",
        "s3-raw": f"{{path: 's3://{S3_BUCKET}/raw', encoding: raw, bucket: {{endpoint: '{srv.s3_endpoint}', path-style: 'true'}}}}",
        "gs-jpeg": f"{{path: 'gs://{GCS_BUCKET}/jpeg', encoding: jpeg}}",
        "gs-sharded": f"{{path: 'gs://{GCS_BUCKET}/sharded', encoding: raw, sharded: true, bucket: {{multipart-mib: 1, part-mib: 1}}}}",
        "gs-raw": f"{{path: 'gs://{GCS_BUCKET}/raw', encoding: raw, bucket: {{endpoint: '{srv.gcs_endpoint}'}}}}",
    }
    for name in ("local-jpeg", "local-sharded"):
        shutil.rmtree(os.path.join(a.work, name), ignore_errors=True)
    t0 = time.time()
    for name, out in outs.items():
        launch(a, env, template(a, name, out))
    log(f"{len(outs)} exports (local, s3://, gs://) in {time.time() - t0:.1f} s")

    # Keys and bytes: each bucket copy is the local export.
    for kind, local in (("jpeg", "local-jpeg"), ("sharded", "local-sharded")):
        files = local_files(os.path.join(a.work, local))
        s3 = srv.s3_keys(kind)
        gs = srv.gcs_objects(kind)
        if sorted(s3) != sorted(files) or sorted(gs) != sorted(files):
            fail(f"{kind}: keys differ from {local}: only local {sorted(set(files) - set(s3))[:5]}, "
                 f"only s3 {sorted(set(s3) - set(files))[:5]}, only gcs {sorted(set(gs) - set(files))[:5]}")
        for k, p in files.items():
            want = open(p, "rb").read()
            if srv.s3.get_object(Bucket=S3_BUCKET, Key=f"{kind}/{k}")["Body"].read() != want:
                fail(f"s3://{S3_BUCKET}/{kind}/{k} differs from {p}")
            if srv.gcs_get(f"{kind}/{k}") != want:
                fail(f"gs://{GCS_BUCKET}/{kind}/{k} differs from {p}")
        log(f"{kind}: s3:// and gs:// hold the {len(files)} objects of {local}, byte for byte")

    # Headers: Content-Type everywhere, Content-Encoding only on unsharded raw chunks.
    def s3_head(key):
        return srv.s3.head_object(Bucket=S3_BUCKET, Key=key)

    multipart = 0
    for kind in ("jpeg", "sharded", "raw"):
        for k, o in srv.s3_keys(kind).items():
            h = s3_head(f"{kind}/{k}")
            want_type = "application/json" if k == "info" else "application/octet-stream"
            want_enc = "gzip" if kind == "raw" and k != "info" else None
            if h.get("ContentType") != want_type or h.get("ContentEncoding") != want_enc:
                fail(f"s3://{S3_BUCKET}/{kind}/{k}: Content-Type {h.get('ContentType')}, Content-Encoding "
                     f"{h.get('ContentEncoding')}; expected {want_type}, {want_enc}")
            multipart += "-" in o["ETag"]
        for k, o in srv.gcs_objects(kind).items():
            want_type = "application/json" if k == "info" else "application/octet-stream"
            want_enc = "gzip" if kind == "raw" and k != "info" else ""
            if o.get("contentType") != want_type or o.get("contentEncoding", "") != want_enc:
                fail(f"gs://{GCS_BUCKET}/{kind}/{k}: contentType {o.get('contentType')}, contentEncoding "
                     f"{o.get('contentEncoding')}; expected {want_type}, {want_enc!r}")
    big = [o["Size"] for k, o in srv.s3_keys("sharded").items() if k.endswith(".shard")]
    if multipart == 0:
        fail(f"no S3 object went up as a multipart upload (shard sizes {sorted(big)[-3:]})")
    log(f"Content-Type/Content-Encoding as expected on every object; {multipart} shard(s) uploaded in parts "
        f"(largest shard {max(big) / 2**20:.1f} MiB)")

    # tensorstore reads every scale of every bucket copy.
    local = {"jpeg": {"driver": "file", "path": f"{a.work}/local-jpeg/"},
             "sharded": {"driver": "file", "path": f"{a.work}/local-sharded/"}}
    local["raw"] = local["sharded"]  # raw unsharded and raw sharded hold the same voxels
    for scale in range(4):
        for kind in ("jpeg", "sharded", "raw"):
            want = ts_read(local[kind], scale)
            for where, kv in (("s3", s3_kv(srv, kind)), ("gs", gcs_kv(kind))):
                got = ts_read(kv, scale)
                if got.shape != want.shape or not np.array_equal(got, want):
                    fail(f"tensorstore {where}://{kind} scale {scale}: {got.shape} differs from the local export "
                         f"({int((got != want).sum()) if got.shape == want.shape else 'shape'} voxels)")
    log("tensorstore reads scales 0..3 of all six bucket copies voxel for voxel as the local exports")

    # Our readers on buckets, through the stage itself (precomputed sharded: ranged reads; N5; Zarr).
    import tensorstore as ts

    source = ts.open({"driver": "n5", "kvstore": {"driver": "file", "path": f"{a.work}/example/example.n5/grayscale/s0/"}}).result()
    src = source[...].read().result()  # x, y, z
    n5_root = os.path.join(a.work, "example", "example.n5")
    for d, _, files in os.walk(n5_root):
        for f in files:
            p = os.path.join(d, f)
            rel = os.path.relpath(p, n5_root)
            if rel == "attributes.json" or rel.startswith("grayscale/s0") or rel == "grayscale/attributes.json":
                srv.s3.upload_file(p, S3_BUCKET, "example.n5/" + rel)
    import zarr

    zdir = os.path.join(a.work, "example.zarr")
    shutil.rmtree(zdir, ignore_errors=True)
    zsub = src[:200, :160, :96]
    z = zarr.open(zarr.NestedDirectoryStore(zdir), mode="w", shape=zsub.T.shape, chunks=(32, 64, 64), dtype="uint8",
                  compressor=zarr.Blosc(cname="zstd", clevel=3))
    z[...] = zsub.T
    for k, p in local_files(zdir).items():
        st, body = srv.gcs("POST", f"/upload/storage/v1/b/{GCS_BUCKET}/o?uploadType=media&name="
                           + urllib.parse.quote("example.zarr/" + k, safe=""), open(p, "rb").read(), "application/octet-stream")
        if st not in (200, 201):
            fail(f"upload of example.zarr/{k} to fake-gcs: HTTP {st}")
    readers = {
        "ours-precomputed-s3": (f"precomputed: {{path: 'precomputed://s3://{S3_BUCKET}/sharded', scale: 0}}", src),
        "ours-precomputed-gs": (f"precomputed: {{path: 'gs://{GCS_BUCKET}/sharded', scale: 1}}", ts_read(local["sharded"], 1)),
        "ours-n5-s3": (f"n5: {{path: 's3://{S3_BUCKET}/example.n5', dataset: grayscale/s0}}", src),
        "ours-zarr-gs": (f"zarr: {{path: 'gs://{GCS_BUCKET}/example.zarr', dataset: '', store-type: NestedDirectoryStore}}", zsub),
    }
    for name, (inp, want) in readers.items():
        shutil.rmtree(os.path.join(a.work, name), ignore_errors=True)
        launch(a, env, template(a, name, f"{{path: {a.work}/{name}, encoding: raw}}", inp=inp, max_scale=0))
        got = ts_read({"driver": "file", "path": f"{a.work}/{name}/"}, 0)
        if got.shape != want.shape or not np.array_equal(got, want):
            fail(f"{name}: our reader's copy differs from the source ({got.shape} vs {want.shape})")
        log(f"{name}: our reader read {inp.split(':')[0]} from the bucket voxel for voxel ({'x'.join(map(str, got.shape))})")


# ---- part faults ---------------------------------------------------------------------------------

def error_lines(exec_dir):
    text = open(os.path.join(exec_dir, "output.log")).read()
    return text, [l for l in text.splitlines() if " ERROR " in l and "[launchflow]" not in l]


def part_faults(a, srv):
    env = srv.env
    cases = [
        ("s3-missing", f"{{path: 's3://no-such-bucket/gray', encoding: jpeg}}", None, env,
         ["s3://no-such-bucket/gray", 'bucket "no-such-bucket" does not exist']),
        ("gs-missing", f"{{path: 'gs://no-such-bucket/gray', encoding: jpeg}}", None, env,
         ["gs://no-such-bucket/gray", 'bucket "no-such-bucket" does not exist']),
        ("s3-input-missing", f"{{path: {a.work}/never, encoding: raw}}", "precomputed: {path: 's3://no-such-bucket/vol'}", env,
         ["s3://no-such-bucket/vol", 'bucket "no-such-bucket" does not exist']),
        ("s3-bad-secret", f"{{path: 's3://{S3_BUCKET}/bad', encoding: jpeg}}", None,
         dict(env, AWS_SECRET_ACCESS_KEY="not-the-secret-0123456789"),
         [f"s3://{S3_BUCKET}/bad", "access denied", "SignatureDoesNotMatch", "access key from AWS_ACCESS_KEY_ID"]),
        ("s3-bad-key", f"{{path: 's3://{S3_BUCKET}/bad', encoding: jpeg}}", None, dict(env, AWS_ACCESS_KEY_ID="nosuchuser"),
         [f"s3://{S3_BUCKET}/bad", "access denied", "InvalidAccessKeyId"]),
    ]
    for name, out, inp, e, needles in cases:
        exec_dir, _ = launch(a, e, template(a, name, out, inp=inp), expect_ok=False)
        text, errors = error_lines(exec_dir)
        if len(errors) != 1 or not all(n in errors[0] for n in needles):
            fail(f"{name}: expected one error line with {needles}, got:\n" + "\n".join(errors))
        for secret in (srv.password, "not-the-secret-0123456789"):
            if secret in text:
                fail(f"{name}: a secret key appears in {exec_dir}/output.log")
        log(f"{name}: {errors[0].split(' ERROR ', 1)[1][:220]}")

    # A connection cut in the middle of uploads: requests 30 and later reach MinIO only half-sent.
    proxy = subprocess.Popen([sys.executable, a.fault_proxy, str(a.minio_port), "cut-upload@30+"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        port = int(proxy.stdout.readline().split()[1])
        cut_env = dict(env, AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}")
        tmpl = template(a, "s3-cut", f"{{path: 's3://{S3_BUCKET}/cut', encoding: jpeg}}")
        exec_dir, _ = launch(a, cut_env, tmpl, expect_ok=False)
        text, errors = error_lines(exec_dir)
        if not errors or not all(f"s3://{S3_BUCKET}/cut/" in l for l in errors):
            fail("the cut run's errors do not name the object:\n" + "\n".join(errors))
        log(f"cut mid-upload: the run failed after retries: {errors[0].split(' ERROR ', 1)[1][:200]}")
    finally:
        proxy.kill()
        proxy.wait()
    partial = srv.s3_keys("cut")
    # The network is back: resume against MinIO directly.
    launch(a, env, exec_dir, extra=("--resume",))
    ref = os.path.join(a.work, "local-jpeg-ref")
    shutil.rmtree(ref, ignore_errors=True)
    launch(a, env, template(a, "local-jpeg-ref", f"{{path: {ref}, encoding: jpeg}}"))
    files = local_files(ref)
    keys = srv.s3_keys("cut")
    if sorted(keys) != sorted(files):
        fail(f"after the resume the bucket lacks {sorted(set(files) - set(keys))[:5]}, has extra {sorted(set(keys) - set(files))[:5]}")
    for k, p in files.items():
        if srv.s3.get_object(Bucket=S3_BUCKET, Key=f"cut/{k}")["Body"].read() != open(p, "rb").read():
            fail(f"after the resume s3://{S3_BUCKET}/cut/{k} differs from {p}")
    if len(partial) >= len(files):
        fail(f"the cut run had already written all {len(files)} objects: the cut came too late")
    want = ts_read({"driver": "file", "path": ref + "/"}, 0)
    if not np.array_equal(ts_read(s3_kv(srv, "cut"), 0), want):
        fail("tensorstore reads the resumed bucket differently from the local export")
    log(f"resumed: the bucket went from {len(partial)} to all {len(files)} objects, byte for byte the local export")


# ---- part reads ----------------------------------------------------------------------------------

def part_reads(a, srv):
    import tensorstore as ts

    n, c, delay = 128, 32, 0.25
    chunks = (n // c) ** 3
    data = np.random.default_rng(12).integers(0, 256, size=(n, n, n), dtype=np.uint8)  # x, y, z
    root = os.path.join(a.work, "reads")
    shutil.rmtree(root, ignore_errors=True)
    specs = {
        "n5": ({"driver": "n5", "metadata": {"dimensions": [n] * 3, "blockSize": [c] * 3, "dataType": "uint8",
                                             "compression": {"type": "gzip"}}}, data),
        "zarr": ({"driver": "zarr", "metadata": {"shape": [n] * 3, "chunks": [c] * 3, "dtype": "|u1",
                                                 "compressor": {"id": "blosc", "cname": "zstd", "clevel": 3, "shuffle": 1}}},
                 data.transpose(2, 1, 0)),  # zarr axes z, y, x
        "precomputed": ({"driver": "neuroglancer_precomputed",
                         "multiscale_metadata": {"data_type": "uint8", "num_channels": 1, "type": "image"},
                         "scale_metadata": {"size": [n] * 3, "chunk_size": [c] * 3, "resolution": [8, 8, 8],
                                            "encoding": "raw"}}, data[..., None]),
    }
    for kind, (spec, arr) in specs.items():
        ts.open(dict(spec, kvstore={"driver": "file", "path": f"{root}/{kind}/"}, create=True)).result()[...].write(arr).result()
        for k, p in local_files(f"{root}/{kind}").items():
            srv.s3.upload_file(p, S3_BUCKET, f"reads/{kind}/{k}")

    def config(kind, where, parallel):
        bucket = f", bucket: {{parallel-requests: {parallel}}}" if parallel else ""
        return {"n5": f"{{n5: {{path: '{where}', dataset: ''{bucket}}}}}",
                "zarr": f"{{zarr: {{path: '{where}', dataset: '', store-type: DirectoryStore{bucket}}}}}",
                "precomputed": f"{{precomputed: {{path: '{where}'{bucket}}}}}"}[kind]

    def read(kind, where, env, parallel=0):
        out = os.path.join(root, f"{kind}.raw")
        r = subprocess.run([a.read_box, config(kind, where, parallel), "0", "0", "0", str(n), str(n), str(n), out],
                           env=env, capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            fail(f"read_box {kind} {where}: {r.stderr.strip()}")
        got = np.fromfile(out, dtype=np.uint8).reshape(n, n, n).transpose(2, 1, 0)  # file is x fastest
        return got, float(r.stdout.split()[1])

    proxy = subprocess.Popen([sys.executable, a.fault_proxy, str(a.minio_port), f"delay:{delay}"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
    try:
        port = int(proxy.stdout.readline().split()[1])
        slow_env = dict(srv.env, AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}")
        serial = chunks * delay
        for kind in specs:
            local, _ = read(kind, f"{root}/{kind}", srv.env)
            if not np.array_equal(local, data):
                fail(f"{kind}: our reader's local read differs from tensorstore's source")
            got, secs = read(kind, f"s3://{S3_BUCKET}/reads/{kind}", slow_env, parallel=8)
            if not np.array_equal(got, local):
                fail(f"{kind}: the read through the delaying proxy differs from the local read "
                     f"({int((got != local).sum())} voxels)")
            # 8 in flight: ideally 8 rounds of 0.25 s = 2 s; a third of the serial 16 s leaves room for a loaded machine.
            if secs > serial / 3:
                fail(f"{kind}: reading {chunks} chunks with {delay} s per answer took {secs:.1f} s, "
                     f"not far below {serial:.0f} s: the gets did not overlap")
            log(f"{kind}: {chunks} chunks through delay:{delay} in {secs:.2f} s (one at a time: >= {serial:.0f} s), "
                "voxel for voxel the local read")
        # The control: one request at a time pays every delay, so the proxy really holds each answer.
        _, secs = read("n5", f"s3://{S3_BUCKET}/reads/n5", slow_env, parallel=1)
        if secs < serial:
            fail(f"n5 with parallel-requests 1 took {secs:.1f} s < {serial:.0f} s: the proxy did not delay each get")
        log(f"n5 with parallel-requests: 1: {secs:.2f} s (>= {serial:.0f} s)")
    finally:
        proxy.kill()
        proxy.wait()


# ---- part dvid -----------------------------------------------------------------------------------

def anonymous(method, u, headers=None):
    req = urllib.request.Request(u, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)


def run_publish(a, srv, *args):
    r = subprocess.run([a.dvid_setup, "publish", *args], env=srv.env, capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"dvid-setup publish {' '.join(args)}: {r.stdout}{r.stderr}")
    return r.stdout.strip().splitlines()


def neuroglancer_from_bucket(a, srv, bucket):
    """The real neuroglancer viewer (headless Chromium) draws the published bucket: the pixels of the
    middle z-slice equal the voxels tensorstore decodes from the bucket (tests/neuroglancer's checker)."""
    data = os.path.join(a.work, "ng-data")
    shutil.rmtree(data, ignore_errors=True)
    os.makedirs(os.path.join(data, bucket))
    srv.s3.download_file(bucket, "info", os.path.join(data, bucket, "info"))
    vol = ts_read({"driver": "s3", "bucket": bucket, "path": "", "endpoint": srv.s3_endpoint, "aws_region": "us-east-1"}, 0)
    z = vol.shape[2] // 2
    vol[:, :, z].T.copy().tofile(os.path.join(data, "expected-slice.bin"))
    json.dump({"z": z, "width": vol.shape[0], "height": vol.shape[1], "voxel_size_nm": [8, 8, 8], "source": bucket},
              open(os.path.join(data, "expected-slice.json"), "w"))
    r = subprocess.run(["bash", os.path.join(a.repo, "tests/neuroglancer/run_check.sh"), "--data", data, "--data-url",
                        srv.s3_endpoint, "--source", bucket, "--expected", data, "--out", os.path.join(a.work, "ng-shots")],
                       capture_output=True, text=True, timeout=300)
    out = (r.stdout + r.stderr).strip()
    if r.returncode != 0:
        fail(f"neuroglancer did not draw s3://{bucket} from {srv.s3_endpoint}:\n{out[-3000:]}")
    log("neuroglancer (headless Chromium) from the bucket URL: " + " | ".join(
        l.split("] ", 1)[-1] for l in out.splitlines() if l.startswith("[check_neuroglancer]"))[-400:])


def publish(a, srv, bucket, dvid_dir):
    """dvid-setup publish on the S3 and GCS buckets: public read, CORS, the link, DVID's TOML."""
    obj = f"{srv.s3_endpoint}/{bucket}/info"
    st, _, _ = anonymous("GET", obj)
    if st != 403:
        fail(f"anonymous GET {obj} before publishing: HTTP {st}, expected 403")
    toml = os.path.join(a.work, "published-dvid.toml")
    args = ["--bucket", f"s3://{bucket}", "--template", os.path.join(a.repo, "workflows/01-dvid/dvid-config.toml.in"),
            "--out", toml, "--data-dir", dvid_dir, "--ngprecomputed-instance", "grayscale"]
    lines = run_publish(a, srv, *args)
    for want in ("statement dvidflow-public-read (s3:GetObject for everyone) set", "does not implement PutBucketCors"):
        if not any(want in l for l in lines):
            fail(f"publish s3://{bucket}: no line saying '{want}':\n" + "\n".join(lines))
    link = lines[-1]
    state = json.loads(urllib.parse.unquote(link.split("#!", 1)[1]))
    if not link.startswith("https://neuroglancer-demo.appspot.com/#!") or \
            state["layers"][0]["source"] != f"precomputed://{srv.s3_endpoint}/{bucket}":
        fail(f"publish printed an unexpected neuroglancer link: {link}")
    st, body, _ = anonymous("GET", obj)
    if st != 200 or json.loads(body)["scales"][0]["size"] != [256, 256, 256]:
        fail(f"anonymous GET {obj} after publishing: HTTP {st}")
    # MinIO answers CORS preflights for every bucket (it has no per-bucket CORS).
    st, _, h = anonymous("OPTIONS", obj, {"Origin": "https://neuroglancer-demo.appspot.com", "Access-Control-Request-Method": "GET"})
    allow = {k.lower(): v for k, v in h.items()}.get("access-control-allow-origin")
    if st not in (200, 204) or allow not in ("*", "https://neuroglancer-demo.appspot.com"):
        fail(f"CORS preflight on {obj}: HTTP {st}, Access-Control-Allow-Origin {allow}")
    again = run_publish(a, srv, "--bucket", f"s3://{bucket}")
    if not any("already grants s3:GetObject" in l for l in again):
        fail("publishing twice changed the bucket policy again:\n" + "\n".join(again))
    log(f"publish s3://{bucket}: anonymous GET 403 -> 200, CORS preflight allowed ({allow}), idempotent; "
        f"{lines[1].split(': ', 1)[1][:90]}...")

    lines = run_publish(a, srv, "--bucket", f"gs://{GCS_BUCKET}/vol")
    if not any("bucket ACL allUsers READER added" in l for l in lines) or not any("PATCH 200" in l for l in lines):
        fail(f"publish gs://{GCS_BUCKET}/vol:\n" + "\n".join(lines))
    st, body = srv.gcs("GET", f"/storage/v1/b/{GCS_BUCKET}/acl")
    if st != 200 or not any(e.get("entity") == "allUsers" and e.get("role") == "READER" for e in json.loads(body).get("items", [])):
        fail(f"fake-gcs-server's bucket ACL has no allUsers READER after publishing: HTTP {st} {body[:300]!r}")
    again = run_publish(a, srv, "--bucket", f"gs://{GCS_BUCKET}/vol")
    if not any("allUsers READER already set" in l for l in again):
        fail("publishing twice added the GCS ACL entry again:\n" + "\n".join(again))
    log(f"publish gs://{GCS_BUCKET}/vol: bucket ACL allUsers READER set (fake-gcs-server has no IAM API), idempotent; "
        "the CORS PATCH is accepted but fake-gcs-server does not keep bucket CORS")

    if a.neuroglancer:
        neuroglancer_from_bucket(a, srv, bucket)

    m = re.search(r'^\s*ref\s*=\s*"([^"]+)"', open(toml).read(), re.M)
    if not m:
        fail(f"{toml} has no ngprecomputed ref")
    return m.group(1)


def part_dvid(a, srv):
    sys.path.insert(0, os.path.join(a.repo, "tests", "dvidsetup"))
    import check_ngprecomputed_proxy as ng

    bucket = "dvidflow-ngproxy"
    srv.s3.create_bucket(Bucket=bucket)
    # Whole chunks at both scales, volume at the bucket root: DVID must serve every block as the bucket's
    # bytes (edge chunks it decodes, pads and re-encodes: tests/dvidsetup checks those).
    inp = (f"n5: {{path: {a.work}/example/example.n5, dataset: grayscale/s0}}\n"
           "  geometry: {bounding-box: [[0,0,0],[256,256,256]]}")
    launch(a, srv.env, template(a, "s3-ngproxy", f"{{path: 's3://{bucket}', encoding: jpeg}}", inp=inp, max_scale=1))
    src = os.path.join(a.work, "ngproxy-download")
    shutil.rmtree(src, ignore_errors=True)
    n = 0
    for page in srv.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for o in page.get("Contents", []):
            p = os.path.join(src, o["Key"])
            os.makedirs(os.path.dirname(p), exist_ok=True)
            srv.s3.download_file(bucket, o["Key"], p)
            n += 1
    info = json.load(open(os.path.join(src, "info")))
    log(f"export-grayscale wrote s3://{bucket} ({n} objects, scales {[s['size'] for s in info['scales']]})")

    dvid_dir = os.path.join(a.work, "dvid")
    url = f"http://127.0.0.1:{a.dvid_port}"
    ref = publish(a, srv, bucket, dvid_dir)
    env = dict(srv.env, DFLOW_DVID_SETUP=a.dvid_setup, DVID_NGPRECOMPUTED_REF=ref, DVID_NGPRECOMPUTED_INSTANCE="grayscale")
    env.pop("AWS_ENDPOINT_URL", None)
    try:
        rc, out = ng.dvid_server(a.repo, "start-fresh", dvid_dir, str(a.dvid_port), env=env)
        if rc != 0:
            fail(f"DVID did not start with ref {ref}: {out[-1500:]}")
        r = subprocess.run([a.dvid_setup, "create-repo", "--server", url, "--alias", "buckets", "--description", "bucket proxy"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"dvid-setup create-repo: {r.stdout}{r.stderr}")
        uuid = r.stdout.strip()
        ng.dvid_server(a.repo, "stop", dvid_dir, env=env)
        env["DVID_NGPRECOMPUTED_UUID"] = uuid
        rc, out = ng.dvid_server(a.repo, "start", dvid_dir, str(a.dvid_port), env=env)
        if rc != 0:
            fail(f"DVID did not restart: {out[-1500:]}")
        stats = {"full": 0, "edge": 0, "max_edge_err": 0, "mean_edge_err": 0.0, "max_decoder_diff": 0, "stride_bug": [],
                 "subvol_whole": []}
        for i, name in enumerate(["grayscale", "grayscale_1"]):
            ng.check_scale(url, uuid, name, info["scales"][i], src, stats)
        if stats["edge"] or stats["stride_bug"] or stats["full"] != 64 + 8:
            fail(f"expected 72 whole chunks, DVID's checks saw {stats['full']} whole and {stats['edge']} edge chunks")
        log(f"DVID proxies the S3 copy: all {stats['full']} blocks of grayscale and grayscale_1 are the bucket's JPEG "
            "bytes (/specificblocks, /subvolblocks), decoded by DVID within 2 of Pillow")
    finally:
        ng.dvid_server(a.repo, "stop", dvid_dir, env=env)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--part", required=True, choices=["export", "faults", "dvid", "reads"])
    ap.add_argument("--repo", required=True)
    ap.add_argument("--bin", required=True, help="directory of launchflow, export-grayscale, make-example")
    ap.add_argument("--work", required=True)
    ap.add_argument("--minio-port", type=int, required=True)
    ap.add_argument("--gcs-port", type=int, required=True)
    ap.add_argument("--dvid-port", type=int, default=0)
    ap.add_argument("--dvid-setup", default="")
    ap.add_argument("--fault-proxy", default="")
    ap.add_argument("--read-box", default="", help="tests/buckets/read_box.cpp's binary (part reads)")
    ap.add_argument("--neuroglancer", action="store_true", help="part dvid: also the neuroglancer screenshot check")
    a = ap.parse_args()
    a.work = os.path.abspath(os.path.join(a.work, a.part))
    os.makedirs(a.work, exist_ok=True)
    t0 = time.time()
    if a.part != "reads":
        ensure_example(a)
    srv = Servers(a)
    try:
        {"export": part_export, "faults": part_faults, "dvid": part_dvid, "reads": part_reads}[a.part](a, srv)
    finally:
        srv.stop()
    log(f"OK in {time.time() - t0:.1f} s")


if __name__ == "__main__":
    main()
