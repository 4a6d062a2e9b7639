"""What training through the service costs over calling ``core.fit`` directly.

Run by hand: ``.venv/bin/python bench/train_overhead.py [--database URL]``. It trains
the same spec on the same data, interleaved, (a) with ``core.fit`` and (b) through
``worker.train.run_job`` against a migrated store (a temporary SQLite file by
default; pass a PostgreSQL URL to measure that), and prints the medians and the
overhead. The job path includes claiming the job, loading the dataset from the
store (sha256 checked), writing a metrics row per epoch, and storing the model.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

_BENCH = Path(__file__).resolve().parent
sys.path[:] = [str(_BENCH.parent) if Path(p or ".").resolve() == _BENCH else p for p in sys.path]

from sqlalchemy.orm import sessionmaker  # noqa: E402

from syn0.core import Network, NetworkSpec, TrainingSpec, datasets, fit  # noqa: E402
from syn0.datasets import repository as dataset_rows  # noqa: E402
from syn0.jobs import repository as jobs  # noqa: E402
from syn0.jobs.training import run_job  # noqa: E402
from syn0.kit.db import make_engine  # noqa: E402
from syn0.tenants import repository as tenants  # noqa: E402
from tests.services import migrate, private_schema  # noqa: E402

NETWORK = {
    "input_shape": [2],
    "layers": [
        {"type": "dense", "units": 32, "activation": "relu"},
        {"type": "dense", "units": 32, "activation": "relu"},
        {"type": "dense", "units": 2, "activation": "softmax"},
    ],
}


def direct(X, y, training: dict) -> float:
    spec = TrainingSpec.model_validate(training)
    started = time.perf_counter()
    fit(Network(NetworkSpec.model_validate(NETWORK), seed=spec.seed), X, y, spec)
    return time.perf_counter() - started


def through_store(factory, dataset, training: dict) -> float:
    with factory.begin() as session:
        job_id = jobs.create_job(
            session,
            tenant_id=dataset.tenant_id,
            dataset_id=dataset.id,
            network=NETWORK,
            training=training,
            epochs=training["epochs"],
            idempotency_key=None,
        ).id
    started = time.perf_counter()
    assert run_job(job_id, factory) == "succeeded"
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="SQLAlchemy URL (default: a temporary SQLite file)")
    parser.add_argument("--samples", type=int, default=20_000)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    url = args.database or f"sqlite:///{tempfile.mkdtemp()}/overhead.db"
    if url.startswith("postgresql"):
        with private_schema(url, prefix="bench") as schema_url:
            measure(schema_url, args)
    else:
        measure(url, args)


def measure(url: str, args: argparse.Namespace) -> None:
    migrate(url)
    factory = sessionmaker(make_engine(url), expire_on_commit=False)
    X, y = datasets.spiral(args.samples, noise=0.1, seed=0)
    with factory.begin() as session:
        dataset = dataset_rows.add_dataset(
            session,
            tenant_id=tenants.create_tenant(session, "bench").id,
            name="bench",
            task="classification",
            X=X,
            y=y,
            classes=[0, 1],
            n_outputs=2,
        )
    training = {
        "loss": "cross_entropy",
        "epochs": args.epochs,
        "batch_size": 64,
        "optimizer": {"type": "adam", "learning_rate": 0.01},
    }
    direct(X, y, training)
    times = {"core.fit": [], "run_job": []}
    for _ in range(args.repeats):
        times["core.fit"].append(direct(X, y, training))
        times["run_job"].append(through_store(factory, dataset, training))
    fit_s, job_s = (statistics.median(times[k]) for k in ("core.fit", "run_job"))
    print(
        f"database: {url.split('://')[0]}; {args.samples} samples x {args.epochs} epochs, "
        f"batch 64, median of {args.repeats} interleaved runs"
    )
    print(
        f"core.fit: {fit_s:.3f} s   run_job: {job_s:.3f} s   "
        f"overhead: {100 * (job_s / fit_s - 1):+.1f} %"
    )
    print("runs:", {k: [round(t, 3) for t in v] for k, v in times.items()})


if __name__ == "__main__":
    main()
