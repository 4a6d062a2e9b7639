"""The API process's memory per MB of request body, and /healthz while large bodies parse.

Run by hand: ``.venv/bin/python bench/memory.py`` (a few minutes). It migrates a
temporary SQLite store, trains a small two-input model, starts the API as ``syn0 serve``
does (uvicorn, one process), and sends, one at a time, a ~60 MB JSON dataset, the same
data as a CSV upload, and a ~60 MB predict body; then three JSON uploads at once. For
each, and for 3 s of the idle server, it reads the API process's peak RSS (``VmHWM``,
reset first through ``/proc/PID/clear_refs``), its RSS after, and /healthz's latency
sampled every 20 ms meanwhile. ``--root NAME=PATH`` (repeatable) serves the API of
another checkout (e.g. ``git archive`` of an older commit), so before and after come
from the same run.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

_BENCH = Path(__file__).resolve().parent
ROOT = _BENCH.parent
sys.path[:] = [str(ROOT) if Path(p or ".").resolve() == _BENCH else p for p in sys.path]

import httpx  # noqa: E402
import numpy as np  # noqa: E402
import orjson  # noqa: E402

from bench.serve import train_model  # noqa: E402
from tests.services import free_port, migrate  # noqa: E402

MB = 2**20


def bodies(mb: float) -> dict[str, bytes]:
    """JSON and CSV of the same (n, 10) data with 0/1 targets, and a predict body of
    (n, 2) inputs, each about ``mb`` MB: numbers with three decimals (``-0.123``), as
    data exported by hand often has; many numbers per MB is what costs memory."""
    rng = np.random.default_rng(0)
    rows = int(mb * MB / 70)  # about 7 bytes a number
    X, y = rng.normal(size=(rows, 10)).round(3), rng.integers(0, 2, rows)
    dataset = orjson.dumps({"name": "big", "features": X.tolist(), "targets": y.tolist()})
    text = io.StringIO()
    text.write(",".join(f"x{i}" for i in range(10)) + ",label\n")
    for row, label in zip(X.tolist(), y.tolist(), strict=True):
        text.write(",".join(map(repr, row)) + f",{label}\n")
    inputs = rng.normal(size=(int(mb * MB / 16), 2)).round(3)
    return {
        "json": dataset,
        "csv": text.getvalue().encode(),
        "predict": orjson.dumps({"inputs": inputs.tolist()}),
    }


class Api:
    """An API process serving the checkout at ``root``."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "uvicorn", "api.app:app", "--port", str(self.port)]
        protocol = ["--http", "api.server:HeadLimitedHttpTools"]
        if not (root / "api" / "server.py").exists():
            protocol = ["--http", "httptools"]
        self.process = subprocess.Popen(
            [*command, *protocol, "--log-level", "warning"], cwd=root, env=env
        )
        for _ in range(300):
            try:
                httpx.get(f"{self.url}/healthz")
                return
            except httpx.TransportError:
                time.sleep(0.1)
        raise SystemExit("the API did not start")

    def memory(self, field: str) -> int:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(line for line in status.splitlines() if line.startswith(field + ":"))
        return int(line.split()[1]) * 1024

    def reset_peak(self) -> None:
        Path(f"/proc/{self.process.pid}/clear_refs").write_text("5")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait()


def probe(url: str, stop: threading.Event, latencies: list[float]) -> None:
    """/healthz every 20 ms; a failed probe counts as infinitely slow."""
    with httpx.Client(timeout=60) as client:
        while not stop.is_set():
            started = time.perf_counter()
            try:
                client.get(f"{url}/healthz").raise_for_status()
                latencies.append(time.perf_counter() - started)
            except httpx.HTTPError as exc:
                print(f"/healthz failed: {exc!r}", file=sys.stderr)
                latencies.append(float("inf"))
            stop.wait(0.02)


def send(api: Api, key: str, model_id: str, kind: str, body: bytes) -> int:
    """The reply's status, or 0 when the request failed."""
    headers = {"Authorization": f"Bearer {key}"}
    try:
        with httpx.Client(base_url=api.url, timeout=600, headers=headers) as client:
            if kind == "csv":
                files = {"file": ("big.csv", body, "text/csv")}
                reply = client.post("/v1/datasets", files=files, data={"target": "label"})
            else:
                path = f"/v1/models/{model_id}/predict" if kind == "predict" else "/v1/datasets"
                reply = client.post(
                    path, content=body, headers={"content-type": "application/json"}
                )
            return reply.status_code
    except httpx.HTTPError as exc:
        print(f"{kind} failed: {exc!r}", file=sys.stderr)
        return 0


def measure(api: Api, key: str, model_id: str, kind: str, body: bytes, at_once: int) -> dict:
    before = api.memory("VmRSS")
    api.reset_peak()
    latencies: list[float] = []
    stop = threading.Event()
    prober = threading.Thread(target=probe, args=(api.url, stop, latencies))
    prober.start()
    statuses: list[int] = []
    senders = [
        threading.Thread(target=lambda: statuses.append(send(api, key, model_id, kind, body)))
        for _ in range(at_once)
    ]
    started = time.perf_counter()
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    if not senders:  # the idle server: /healthz alone, for comparison
        time.sleep(3)
    seconds = time.perf_counter() - started
    stop.set()
    prober.join()
    time.sleep(1)
    peak = api.memory("VmHWM") - before
    return {
        "case": f"{kind} x{at_once}" if at_once else "idle",
        "body_mb": len(body) / MB,
        "statuses": sorted(statuses),
        "seconds": seconds,
        "peak_mb": peak / MB,
        "peak_per_body": peak / (len(body) * at_once) if at_once else None,
        "kept_mb": (api.memory("VmRSS") - before) / MB,
        "healthz_max_ms": max(latencies) * 1e3,
        "healthz_p99_ms": statistics.quantiles(latencies, n=100, method="inclusive")[98] * 1e3
        if len(latencies) > 1
        else latencies[0] * 1e3,
    }


def run(root: Path, payloads: dict[str, bytes], tmp: Path) -> list[dict]:
    url = f"sqlite:///{tmp / f'{root.name}.db'}"
    migrate(url)
    model_id, key = train_model(url, "train")
    env = {
        **os.environ,
        "SYN0_DATABASE_URL": url,
        "SYN0_BROKER_URL": f"sqla+sqlite:///{tmp / 'broker.db'}",
    }
    api = Api(root, env)
    try:
        send(api, key, model_id, "predict", b'{"inputs": [[0, 0]]}')  # loads the model
        results = []
        cases = (("json", 0), ("json", 1), ("csv", 1), ("predict", 1), ("json", 3))
        for kind, at_once in cases:
            results.append(measure(api, key, model_id, kind, payloads[kind], at_once))
            print(root, results[-1], file=sys.stderr, flush=True)
    finally:
        api.stop()
    return results


def report(runs: dict[str, list[dict]]) -> str:
    lines = [
        f"## API memory per MB of body, {datetime.now(UTC).isoformat(timespec='seconds')}",
        "",
        f"- Machine: {os.cpu_count()} CPUs; one uvicorn process (httptools); SQLite store",
        "",
        "| code | case | body MB | replies | s | peak MB | peak / body | kept MB "
        "| /healthz max ms | /healthz p99 ms |",
        "|---|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, results in runs.items():
        for r in results:
            lines.append(
                f"| {name} | {r['case']} | {r['body_mb']:.0f} | {r['statuses']} | "
                f"{r['seconds']:.1f} | {r['peak_mb']:,.0f} | {_times(r['peak_per_body'])} | "
                f"{r['kept_mb']:,.0f} | {r['healthz_max_ms']:,.0f} | {r['healthz_p99_ms']:,.0f} |"
            )
    return "\n".join(lines)


def _times(ratio: float | None) -> str:
    return "" if ratio is None else f"{ratio:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=60, help="size of each body")
    parser.add_argument(
        "--root",
        action="append",
        metavar="NAME=PATH",
        help="a checkout to serve (repeatable); default: this one",
    )
    args = parser.parse_args()
    roots = dict(item.split("=", 1) for item in args.root or [f"this={ROOT}"])
    payloads = bodies(args.mb)
    tmp = Path(tempfile.mkdtemp())
    runs = {name: run(Path(path).resolve(), payloads, tmp) for name, path in roots.items()}
    print(report(runs))


if __name__ == "__main__":
    main()
