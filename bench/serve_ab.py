"""Predict (1 row) of two checkouts side by side: each one's API on its own port, wrk
alternating between them round by round, so both see the same machine at nearly the
same time. Run by hand (needs ``wrk``), for "predict must not get slower" goals:

    .venv/bin/python bench/serve_ab.py --old /path/to/old/checkout --old-app api.app:app

``--old`` is a checkout of the code to compare with (``git worktree add DIR REV``); it
runs on this virtual environment with its own folder first on the path, so its
``bench/serve.py`` must offer ``train_model(url)`` as this one does. Prints each side's
req/s per round and the median of the paired ratios new/old.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

_BENCH = Path(__file__).resolve().parent
ROOT = _BENCH.parent
sys.path[:] = [str(ROOT) if Path(p or ".").resolve() == _BENCH else p for p in sys.path]

from bench.serve import wrk  # noqa: E402
from syn0.api.server import PROTOCOL  # noqa: E402
from tests.services import free_port  # noqa: E402

SETUP = """
import json, sys, tempfile
from pathlib import Path
sys.path.insert(0, str(Path.cwd()))
import bench.serve as bench
from tests.services import migrate
tmp = Path(tempfile.mkdtemp())
url = f"sqlite:///{tmp / 'serve.db'}"
migrate(url)
model_id, key = bench.train_model(url)
print(json.dumps({"db": url, "broker": f"sqla+sqlite:///{tmp / 'broker.db'}",
                  "model": model_id, "key": key}))
"""


def start(root: Path, app: list[str], pythonpath: str | None) -> tuple[subprocess.Popen, str, str]:
    """Train the bench model in ``root``'s store and serve it; (server, predict URL, key)."""
    env = {**os.environ, **({"PYTHONPATH": pythonpath} if pythonpath else {})}
    done = subprocess.run(
        [sys.executable, "-c", SETUP], cwd=root, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"setting up {root} failed:\n{done.stderr}")
    meta = json.loads(done.stdout.strip().splitlines()[-1])
    env.update(
        SYN0_DATABASE_URL=meta["db"],
        SYN0_BROKER_URL=meta["broker"],
        SYN0_TENANT_REQUESTS_PER_MINUTE=str(10**9),
    )
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            *app,
            "--port",
            str(port),
            "--loop",
            "uvloop",
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=root,
        env=env,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz")
            break
        except OSError:
            time.sleep(0.1)
    else:
        server.kill()
        raise SystemExit(f"the API of {root} did not start")
    return server, f"http://127.0.0.1:{port}/v1/models/{meta['model']}/predict", meta["key"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, required=True, help="checkout of the old code")
    parser.add_argument("--old-app", default="api.app:app", help="its uvicorn app")
    parser.add_argument("--old-factory", action="store_true", help="--old-app is a factory")
    parser.add_argument("--old-pythonpath", help="PYTHONPATH for the old checkout")
    parser.add_argument("--old-http", default="httptools")
    parser.add_argument("--http", default=PROTOCOL, help="this checkout's HTTP protocol")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seconds", type=int, default=8)
    args = parser.parse_args()
    old_app = [*(["--factory"] if args.old_factory else []), args.old_app]
    sides = {
        "old": start(args.old.resolve(), [*old_app, "--http", args.old_http], args.old_pythonpath),
        "new": start(ROOT, ["--factory", "syn0.api.app:create_app", "--http", args.http], None),
    }
    tmp = Path(tempfile.mkdtemp())
    body = json.dumps({"inputs": [[0.5, -1.0]]}).encode()
    rows: dict[str, list[dict]] = {name: [] for name in sides}
    try:
        for _, url, key in sides.values():  # warm-up: loads each model into its cache
            wrk(url, body, 2, 32, tmp, key)
        for r in range(args.rounds):
            for name in ("old", "new") if r % 2 == 0 else ("new", "old"):
                _, url, key = sides[name]
                rows[name].append(wrk(url, body, args.seconds, 32, tmp, key))
    finally:
        for server, _, _ in sides.values():
            server.terminate()
            server.wait()
    for name, results in rows.items():
        rps = [round(row["rps"]) for row in results]
        p99 = statistics.median(row["p99_ms"] for row in results)
        print(f"{name}: req/s {rps}, median {statistics.median(rps):,.0f}, p99 median {p99:.2f} ms")
    ratios = [new["rps"] / old["rps"] for new, old in zip(rows["new"], rows["old"], strict=True)]
    print(
        f"paired new/old: {[round(r, 3) for r in ratios]}, median {statistics.median(ratios):.3f}"
    )


if __name__ == "__main__":
    main()
