"""Instructions per request of predict by id and by registry name, through uvicorn.

req/s on a shared machine moves by tens of percent from one minute to the next (see
docs/benchmarks.md); the instructions a request costs the server do not. This serves
the API (``bench/serve.py``'s model and registered name, the protocol ``syn0 serve``
runs) under valgrind's cachegrind, sends ``--requests`` keep-alive requests of one kind
(after a warm-up of both), and stops it; the server's instruction count, less that of
a run that sends only the warm-up, divided by the requests, is the cost of one. Run by
hand (needs ``valgrind``; a few minutes):

    .venv/bin/python bench/serve_instructions.py --requests 2000
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_BENCH = Path(__file__).resolve().parent
ROOT = _BENCH.parent
sys.path[:] = [str(ROOT) if Path(p or ".").resolve() == _BENCH else p for p in sys.path]

from bench.serve import REGISTERED, train_model  # noqa: E402
from syn0.api.server import PROTOCOL  # noqa: E402
from tests.services import free_port, migrate  # noqa: E402

WARM_UP = 50
BODY = json.dumps({"inputs": [[0.1, 0.2]]})


def serve(env: dict[str, str], port: int, out: Path) -> subprocess.Popen:
    command = [
        "valgrind", "--tool=cachegrind", "--cache-sim=no", f"--cachegrind-out-file={out}.cg",
        sys.executable, "-m", "uvicorn", "--factory", "syn0.api.app:create_app",
        "--port", str(port), "--loop", "uvloop", "--http", PROTOCOL,
        "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=env, stderr=out.open("wb"))


def post(connection: http.client.HTTPConnection, path: str, key: str) -> None:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    connection.request("POST", path, BODY, headers)
    reply = connection.getresponse()
    reply.read()
    if reply.status != 200:
        raise SystemExit(f"{path}: {reply.status}")


def instructions(env: dict[str, str], paths: dict[str, str], kind: str | None, n: int, key: str,
                 tmp: Path) -> int:  # fmt: skip
    """The server's instructions, start to stop, for the warm-up and ``n`` of ``kind``."""
    port, out = free_port(), tmp / f"run-{kind}"
    server = serve(env, port, out)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    for _ in range(600):
        try:
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            break
        except OSError:
            connection.close()
            time.sleep(0.5)
    for path in paths.values():
        for _ in range(WARM_UP):
            post(connection, path, key)
    for _ in range(n if kind else 0):
        post(connection, paths[kind], key)
    connection.close()
    server.terminate()
    server.wait()
    refs = re.search(r"I\s+refs:\s+([\d,]+)", out.read_text())
    return int(refs.group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    url = f"sqlite:///{tmp / 'serve.db'}"
    migrate(url)
    model_id, key = train_model(url)
    env = {
        **os.environ,
        "SYN0_DATABASE_URL": url,
        "SYN0_BROKER_URL": f"sqla+sqlite:///{tmp / 'broker.db'}",
        "SYN0_TENANT_REQUESTS_PER_MINUTE": str(10**9),
        # Neither cache expires during a run: what is counted is the request's own path.
        "SYN0_KEY_CACHE_SECONDS": "3600",
        "SYN0_REGISTRY_CACHE_SECONDS": "3600",
    }
    paths = {
        "by id": f"/v1/models/{model_id}/predict",
        "by name": f"/v1/registry/{REGISTERED}/predict?alias=production",
    }
    base = instructions(env, paths, None, 0, key, tmp)
    per = {
        kind: (instructions(env, paths, kind, args.requests, key, tmp) - base) / args.requests
        for kind in paths
    }
    print(f"instructions per request ({args.requests} requests, 1 row, through uvicorn):")
    for kind, count in per.items():
        print(f"  predict {kind}: {count:,.0f}")
    print(f"  by id / by name: {per['by id'] / per['by name']:.1%}")


if __name__ == "__main__":
    main()
