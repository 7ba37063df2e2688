"""What the benchmarks share: the example volume made once under the work directory, and the real
DVID (start/stop through scripts/dvid-server.sh, its CPU time, a new repo and instances). Used by
bench_cleave, bench_ingest, bench_label_indexes, bench_sv_meshes (they run from bench/, so
`import bench_support` finds this file)."""
import json
import os
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# DFLOW_DVID_SERVER_SCRIPT: another start/stop script with dvid-server.sh's commands.
DVID_SCRIPT = os.environ.get('DFLOW_DVID_SERVER_SCRIPT', str(ROOT / 'scripts/dvid-server.sh'))


def dvid(cmd, data_dir, port=None):
    """scripts/dvid-server.sh CMD DATA_DIR [PORT] (start, start-fresh, stop); returns the server URL."""
    args = ['bash', DVID_SCRIPT, cmd, str(data_dir)] + ([str(port)] if port else [])
    subprocess.run(args, check=cmd != 'stop', stdout=subprocess.DEVNULL)
    return f'http://127.0.0.1:{port}' if port else None


def dvid_cpu(data_dir):
    """User + system CPU seconds the DVID server has used so far."""
    pid = (Path(data_dir) / 'dvid.pid').read_text().strip()
    fields = Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def admin_token(data_dir):
    return (Path(data_dir) / 'admin-token').read_text().strip()


def post(server, path, body):
    """POST bytes (or a JSON-able object); returns the answer's bytes."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(server + path, method='POST', data=data)
    with urllib.request.urlopen(req) as r:
        return r.read()


def new_repo(server, data_dir):
    """A new repo (the server's admin token from DATA_DIR); returns its root uuid."""
    out = post(server, f'/api/repos?admintoken={admin_token(data_dir)}', {'alias': f'bench-{time.time()}', 'description': 'bench'})
    return json.loads(out)['root']


def new_instance(server, uuid, typename, name, **settings):
    post(server, f'/api/repo/{uuid}/instance', {'typename': typename, 'dataname': name, **settings})


def example_data(bin_dir, work, size=None):
    """make-example's volume (--size X,Y,Z, else its own size) under WORK, made once; returns its directory."""
    data = Path(work) / ('example' + (f'-{size.replace(",", "x")}' if size else ''))
    if not (data / 'example.n5').exists():
        subprocess.run([str(Path(bin_dir) / 'make-example'), '--output', str(data)] + (['--size', size] if size else []),
                       check=True, stdout=subprocess.DEVNULL)
    return data
