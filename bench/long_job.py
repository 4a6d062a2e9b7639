"""A long job of a small network: the primer's 60,000-step XOR program in the core and
through the service, and a checkpoint's size after 100 and after 60,000 epochs.

Run by hand: ``.venv/bin/python bench/long_job.py [--epochs 60000] [--rounds 3]``. The
program is ``examples/seed/xor.json`` (a 3-4-1 sigmoid network without biases, plain
SGD, all four samples a step): (a) ``core.fit`` on the arrays, and (b) the same job
submitted to ``syn0 serve`` on the embedded default (a SQLite store and a SQLite
broker in a temporary SYN0_DATA_DIR, one worker, as ``make run`` starts it), timed
from ``POST /v1/jobs`` until ``GET /v1/jobs/{id}`` says ``succeeded`` (polled every
50 ms), interleaved round by round. It prints the medians, the service's share of the
core's time, and the two checkpoints' sizes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

_BENCH = Path(__file__).resolve().parent
ROOT = _BENCH.parent
sys.path[:] = [str(ROOT) if Path(p or ".").resolve() == _BENCH else p for p in sys.path]

import httpx  # noqa: E402
import numpy as np  # noqa: E402

from syn0.core import Network, NetworkSpec, TrainingSpec, fit  # noqa: E402
from syn0.tenants.repository import new_key  # noqa: E402
from tests.services import free_port  # noqa: E402

SEED = ROOT / "examples" / "seed"
X = [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]]
Y = [0, 1, 1, 0]


def job_spec(epochs: int) -> dict:
    """The example's network and training, without its imported starting weights (the
    weights do not change the time; the network's own initialization starts it)."""
    spec = json.loads((SEED / "xor.json").read_text())
    spec["training"].pop("initial_weights", None)
    spec["training"]["epochs"] = epochs
    return spec


def core_run(epochs: int) -> tuple[float, float, float, int]:
    """Seconds of ``fit``, its CPU seconds, the sum of its epochs' ``seconds`` and the size
    of its checkpoint after the last epoch (taken once, at the end: ``checkpoint_every=epochs``)."""
    spec = job_spec(epochs)
    training = TrainingSpec.model_validate(spec["training"])
    net = Network(NetworkSpec.model_validate(spec["network"]), dtype=training.dtype)
    saved = []
    started, cpu = time.perf_counter(), time.process_time()
    history = fit(
        net,
        np.asarray(X, float),
        np.asarray(Y, float),
        training,
        task="regression",
        on_checkpoint=saved.append,
        checkpoint_every=epochs,
    )
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return seconds, cpu, sum(history.metric("seconds")), len(saved[-1].to_bytes())


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) of process ``pid`` and its descendants, from ``/proc``."""
    ticks = os.sysconf("SC_CLK_TCK")
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += map(int, (task / "children").read_text().split())
        except FileNotFoundError:
            continue
    return total


class Service:
    """``syn0 serve`` on the embedded default in a temporary data folder."""

    def __init__(self) -> None:
        self.data = Path(tempfile.mkdtemp(prefix="syn0-long-job-"))
        self.key = new_key()
        port = free_port()
        # Every other setting at its default, as `make run` has them.
        env = {k: v for k, v in os.environ.items() if not k.startswith("SYN0_")}
        env.update({"SYN0_DATA_DIR": str(self.data), "SYN0_ADMIN_KEY": self.key})
        self.log = open(self.data / "serve.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "syn0.cli", "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.client = httpx.Client(
            base_url=f"http://127.0.0.1:{port}",
            timeout=30,
            headers={"Authorization": f"Bearer {self.key}"},
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if self.client.get("/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        else:
            raise SystemExit(f"syn0 serve did not start; see {self.data / 'serve.log'}")
        dataset = {"name": "xor", "features": X, "targets": Y, "task": "regression"}
        self.dataset_id = self._ok(self.client.post("/v1/datasets", json=dataset))["id"]

    @staticmethod
    def _ok(response: httpx.Response) -> dict:
        if response.status_code >= 300:
            raise SystemExit(f"{response.status_code}: {response.text}")
        return response.json()

    def run(self, epochs: int) -> dict:
        """Seconds from submit to succeeded; and the job's own queue wait and training
        span (its timestamps)."""
        body = {"dataset_id": self.dataset_id, **job_spec(epochs)}
        cpu = cpu_seconds(self.process.pid)
        started = time.perf_counter()
        job = self._ok(self.client.post("/v1/jobs", json=body))
        while job["status"] not in ("succeeded", "failed", "cancelled"):
            time.sleep(0.05 if job["progress"]["fraction"] > 0.98 else 0.5)
            job = self._ok(self.client.get(f"/v1/jobs/{job['id']}"))
        wall = time.perf_counter() - started
        cpu = cpu_seconds(self.process.pid) - cpu
        if job["status"] != "succeeded":
            raise SystemExit(f"the job ended {job['status']}: {job['error']}")

        def at(name: str) -> float:
            return datetime.fromisoformat(job[name]).timestamp()

        in_epochs, after = 0.0, 0
        while after is not None:
            page = self._ok(
                self.client.get(
                    f"/v1/jobs/{job['id']}/metrics", params={"after": after, "limit": 10_000}
                )
            )
            in_epochs += sum(row["seconds"] for row in page["items"])
            after = page["next_after"]
        return {
            "wall": wall,
            "cpu": cpu,
            "queued": at("started_at") - at("created_at"),
            "training": at("finished_at") - at("started_at"),
            "in_epochs": in_epochs,
        }

    def stop(self) -> None:
        self.client.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=60_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    _, _, _, small = core_run(100)
    service = Service()
    runs: dict[str, list[float]] = {}
    try:
        service.run(100)  # warm: the worker's imports, the first connections
        for _ in range(args.rounds):
            seconds, cpu, in_epochs, large = core_run(args.epochs)
            times = service.run(args.epochs)
            measured = {"core": seconds, "core_cpu": cpu, "core_epochs": in_epochs}
            measured.update({f"service_{name}": value for name, value in times.items()})
            for name, value in measured.items():
                runs.setdefault(name, []).append(value)
    finally:
        service.stop()
    med = {name: statistics.median(values) for name, values in runs.items()}

    def line(label: str, name: str, against: str | None = None) -> str:
        values = ", ".join(f"{v:.2f}" for v in runs[name])
        text = f"{label:<36} {med[name]:7.2f} s   runs [{values}]"
        if against:
            rounds = [a / b for a, b in zip(runs[name], runs[against], strict=True)]
            text += f"   = {med[name] / med[against]:.2f} x core (per round: "
            text += ", ".join(f"{r:.2f}" for r in rounds) + ")"
        return text

    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, NumPy {np.__version__}"
    )
    print(f"{args.epochs:,} epochs, medians of {args.rounds} interleaved rounds")
    print(line("core.fit, wall", "core"))
    print(line("  in its epochs", "core_epochs"))
    print(line("  CPU", "core_cpu"))
    print(line("service, submit to succeeded, wall", "service_wall", "core"))
    print(line("  queued", "service_queued"))
    print(line("  training (the job's timestamps)", "service_training"))
    print(line("  in its epochs", "service_in_epochs"))
    print(line("  CPU (API and worker processes)", "service_cpu", "core_cpu"))
    print(f"checkpoint after 100 epochs: {small:,} bytes; after {args.epochs:,}: {large:,} bytes")


if __name__ == "__main__":
    main()
