"""Load the running API over loopback: predict (1 and 100 rows) next to a bare endpoint.

Run by hand: ``.venv/bin/python bench/serve.py`` (needs ``wrk``: ``apt-get install
wrk``). It migrates a temporary SQLite store, trains a small spiral model through
``syn0.jobs.training.run_job``, starts one uvicorn worker (uvloop + httptools) on the
embedded default, and runs wrk against ``GET /healthz`` (the bare endpoint of the same
app) and ``POST /v1/models/{id}/predict`` with 1 and 100 rows, in rounds that
rotate the order. wrk runs one thread (32 connections), so on a 2-core machine the
server keeps a core of its own. It prints req/s and p50/p99 latency medians, predict's
throughput as a share of the bare endpoint's, and the server process's CPU time per
request (from ``/proc``: what a request costs, whatever else the machine is doing).

``--registry`` adds predict by name, ``POST /v1/registry/bench/predict?alias=production``
(the same model as version 1, its alias ``production``), with 1 and 100 rows, in the
same rounds, and prints its throughput as a share of predict by id's.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

_BENCH = Path(__file__).resolve().parent
ROOT = _BENCH.parent
sys.path[:] = [str(ROOT) if Path(p or ".").resolve() == _BENCH else p for p in sys.path]

import numpy as np  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from syn0.api.server import PROTOCOL  # noqa: E402
from syn0.core import datasets  # noqa: E402
from syn0.datasets import repository as dataset_rows  # noqa: E402
from syn0.jobs import repository as jobs  # noqa: E402
from syn0.jobs.training import run_job  # noqa: E402
from syn0.kit.db import make_engine  # noqa: E402
from syn0.registry import service as registry  # noqa: E402
from syn0.registry.schemas import RegisteredIn  # noqa: E402
from syn0.tenants import repository as tenants  # noqa: E402
from syn0.tenants.keycache import Principal  # noqa: E402
from tests.services import free_port, migrate  # noqa: E402

NETWORK = {
    "input_shape": [2],
    "layers": [
        {"type": "dense", "units": 16, "activation": "tanh"},
        {"type": "dense", "units": 16, "activation": "tanh"},
        {"type": "dense", "units": 2, "activation": "softmax"},
    ],
}
REGISTERED = "bench"
TRAINING = {
    "loss": "cross_entropy",
    "epochs": 5,
    "optimizer": {"type": "adam", "learning_rate": 0.01},
}


def train_model(url: str, scope: str = "predict") -> tuple[str, str]:
    """A trained model of the tenant ``bench`` (version 1 of the registered model
    ``bench``, its alias ``production``), and a key of that tenant with ``scope``."""
    factory = sessionmaker(make_engine(url), expire_on_commit=False)
    X, y = datasets.spiral(500, noise=0.1, seed=0)
    with factory.begin() as session:
        tenant_id = tenants.create_tenant(session, "bench").id
        _, key = tenants.add_key(session, tenant_id, [scope])
        dataset = dataset_rows.add_dataset(
            session,
            tenant_id=tenant_id,
            name="bench",
            task="classification",
            X=X,
            y=y,
            classes=[0, 1],
            n_outputs=2,
        )
        job_id = jobs.create_job(
            session,
            tenant_id=tenant_id,
            dataset_id=dataset.id,
            network=NETWORK,
            training=TRAINING,
            epochs=5,
            idempotency_key=None,
        ).id
    assert run_job(job_id, factory) == "succeeded"
    with factory.begin() as session:
        model_id = jobs.get_job(session, tenant_id, job_id).model_id
        registrar = Principal(tenant_id, frozenset({"train"}))
        registry.put(session, tenant_id, REGISTERED, RegisteredIn())
        registry.register(session, registrar, REGISTERED, model_id)
        registry.set_alias(session, registrar, REGISTERED, "production", 1)
    return model_id, key


def start_server(env: dict, port: int, http: str) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "syn0.api.app:create_app",
            "--port",
            str(port),
            "--workers",
            "1",
            "--loop",
            "uvloop",
            "--http",
            http,
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz")
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the API did not start")


def wrk(url: str, body: bytes | None, seconds: int, connections: int, tmp: Path, key: str) -> dict:
    """wrk with one thread on ``url``: a POST of ``body`` with the API key, or a GET."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if body is not None:
        script = tmp / f"post-{len(body)}.lua"
        script.write_text(
            'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
            f'wrk.headers["Authorization"] = "Bearer {key}"\n'
            f"wrk.body = {json.dumps(body.decode())}\n"
        )
        command[1:1] = ["-s", str(script)]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"wrk saw {errors.group(1)} error responses:\n{out}")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": _latency(out, "50%"),
        "p99_ms": _latency(out, "99%"),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
    }


def cpu_seconds(pid: int) -> float:
    """The CPU time (user + system) the process ``pid`` has used (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _latency(out: str, percentile: str) -> float:
    value, unit = re.search(rf"{percentile}\s+([\d.]+)(us|ms|s)", out).groups()
    return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument(
        "--http",
        default=PROTOCOL,
        help="uvicorn's HTTP protocol (default: the one syn0 serve and compose run)",
    )
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--registry", action="store_true", help="also predict by name (the alias production)"
    )
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    url = f"sqlite:///{tmp / 'serve.db'}"
    migrate(url)
    model_id, key = train_model(url)
    env = {
        **os.environ,
        "SYN0_DATABASE_URL": url,
        "SYN0_BROKER_URL": f"sqla+sqlite:///{tmp / 'broker.db'}",
        # What is measured is the key check, not the limiter: no 429s.
        "SYN0_TENANT_REQUESTS_PER_MINUTE": str(10**9),
    }
    port = free_port()
    server = start_server(env, port, args.http)
    base = f"http://127.0.0.1:{port}"
    rng = np.random.default_rng(0)
    one, hundred = (
        json.dumps({"inputs": rng.normal(size=(n, 2)).round(4).tolist()}) for n in (1, 100)
    )
    by_id = f"{base}/v1/models/{model_id}/predict"
    by_name = f"{base}/v1/registry/{REGISTERED}/predict?alias=production"
    cases = {
        "GET /healthz (bare)": (f"{base}/healthz", None),
        "predict, 1 row": (by_id, one),
        "predict, 100 rows": (by_id, hundred),
    }
    if args.registry:
        cases |= {"by name, 1 row": (by_name, one), "by name, 100 rows": (by_name, hundred)}
    results: dict[str, list[dict]] = {name: [] for name in cases}
    try:
        for _, (target, body) in cases.items():  # warm-up: loads the model into the cache
            wrk(target, body and body.encode(), 2, args.connections, tmp, key)
        for r in range(args.rounds):
            for name in schedule(list(cases), r):
                target, body = cases[name]
                used = cpu_seconds(server.pid)
                run = wrk(target, body and body.encode(), args.seconds, args.connections, tmp, key)
                run["cpu_us"] = (cpu_seconds(server.pid) - used) / run.pop("requests") * 1e6
                results[name].append(run)
    finally:
        server.terminate()
        server.wait()
    print(report(results, args))


def schedule(names: list[str], r: int) -> list[str]:
    """Round ``r``'s order: rotated each round. Predict by id and by name of the same
    rows run back to back, in turn first, so each pair sees the same machine."""
    groups = [[name] for name in names if not name.startswith(("predict", "by name"))]
    for rows in ("1 row", "100 rows"):
        pair = [f"predict, {rows}", f"by name, {rows}"]
        groups.append([n for n in (pair if r % 2 == 0 else pair[::-1]) if n in names])
    turn = r % len(groups)
    return [name for group in groups[turn:] + groups[:turn] for name in group]


def report(results: dict[str, list[dict]], args) -> str:
    med = {
        name: {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        for name, runs in results.items()
    }
    bare = med["GET /healthz (bare)"]["rps"]
    lines = [
        f"## API throughput, {datetime.now(UTC).isoformat(timespec='seconds')}",
        "",
        f"- Machine: {os.cpu_count()} CPUs; one uvicorn worker (uvloop, httptools); wrk -t1 "
        f"-c{args.connections} -d{args.seconds}s on the same machine; medians of "
        f"{args.rounds} rounds",
        "",
        "| endpoint | req/s | p50 ms | p99 ms | share of bare | server CPU µs/request |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, m in med.items():
        lines.append(
            f"| {name} | {m['rps']:,.0f} | {m['p50_ms']:.2f} | {m['p99_ms']:.2f} | "
            f"{m['rps'] / bare:.0%} | {m['cpu_us']:.0f} |"
        )
    lines.append("")
    for rows in ("1 row", "100 rows"):
        if f"by name, {rows}" in results:
            pairs = zip(results[f"by name, {rows}"], results[f"predict, {rows}"], strict=True)
            ratios = sorted(name["rps"] / by_id["rps"] for name, by_id in pairs)
            cost = med[f"predict, {rows}"]["cpu_us"] / med[f"by name, {rows}"]["cpu_us"]
            lines.append(
                f"- predict by name, {rows}: {statistics.median(ratios):.1%} of predict by id's "
                f"req/s (median of the rounds' ratios; each round: "
                f"{', '.join(f'{r:.0%}' for r in ratios)}); by the server's CPU time per "
                f"request, {cost:.1%}"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
