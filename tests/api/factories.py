"""Plain factory functions and helpers shared by the API tests."""

from __future__ import annotations

import base64
import io
import json
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session, sessionmaker

from syn0.core import Network, NetworkSpec, TrainingSpec, fit
from syn0.jobs import attempts
from syn0.kit import blobs
from syn0.kit.db import session_scope
from syn0.models.orm import Model
from syn0.tenants import repository as tenants

PROBLEMS = "https://syn0.dev/problems/"


# --- specs --------------------------------------------------------------------------------


def dense(units: int, activation: str = "linear", **kw: Any) -> dict:
    return {"type": "dense", "units": units, "activation": activation, **kw}


def mlp(n_in: int = 2, n_out: int = 2, hidden: int = 8, out_activation: str = "softmax") -> dict:
    return {"input_shape": [n_in], "layers": [dense(hidden, "tanh"), dense(n_out, out_activation)]}


def training(loss: str = "cross_entropy", **kw: Any) -> dict:
    return {"loss": loss, "epochs": 5, **kw}


def job_body(dataset_id: str, network: dict | None = None, **training_kw: Any) -> dict:
    return {
        "dataset_id": dataset_id,
        "network": network or mlp(),
        "training": training(**training_kw),
    }


# --- data ---------------------------------------------------------------------------------


def points(n: int = 40, seed: int = 0, labels: tuple = (0, 1)) -> tuple[np.ndarray, np.ndarray]:
    """Two separable blobs, ``X`` ``(n, 2)`` and labels from ``labels``."""
    rng = np.random.default_rng(seed)
    half = np.arange(n) % 2
    X = rng.normal(0, 0.5, (n, 2)) + np.where(half[:, None] == 1, 2.0, -2.0)
    return X.astype(np.float32), np.asarray(labels)[half]


def dataset_json(n: int = 40, name: str = "blobs", **overrides: Any) -> dict:
    X, y = points(n)
    return {"name": name, "features": X.tolist(), "targets": y.tolist(), **overrides}


def csv_bytes(X: np.ndarray, y: np.ndarray, target: str = "label") -> bytes:
    lines = [f"x1,x2,{target}"] + [f"{a},{b},{label}" for (a, b), label in zip(X, y, strict=True)]
    return ("\n".join(lines) + "\n").encode()


def npz_bytes(**arrays: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


# --- through the API ----------------------------------------------------------------------


def create_dataset(client: TestClient, **overrides: Any) -> dict:
    response = client.post("/v1/datasets", json=dataset_json(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


def submit(client: TestClient, body: dict, key: str | None = None) -> Response:
    headers = {"Idempotency-Key": key} if key else {}
    return client.post("/v1/jobs", json=body, headers=headers)


def queued_job(client: TestClient, dataset_id: str, **training_kw: Any) -> dict:
    response = submit(client, job_body(dataset_id, **training_kw))
    assert response.status_code == 202, response.text
    return response.json()


def assert_problem(response: Response, status: int, slug: str, loc: str | None = None) -> dict:
    """A problem+json reply of ``status`` and type ``slug``, naming ``loc`` if given."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == PROBLEMS + slug
    assert problem["status"] == status
    assert problem["title"] and problem["detail"]
    assert "Traceback" not in response.text
    if loc is not None:
        assert loc in [error["loc"] for error in problem["errors"]], problem
    return problem


# --- the worker's side, done by hand ------------------------------------------------------


@dataclass
class Trained:
    model_id: str
    job_id: str
    net: Network
    X: np.ndarray


def train_model(
    sessions: sessionmaker[Session],
    client: TestClient,
    X: np.ndarray,
    y: np.ndarray,
    network: dict,
    training_spec: dict,
) -> Trained:
    """Upload ``X``, ``y`` and submit the job through the API, then do what the worker
    does: claim it, train with core, store the model and ``succeeded``."""
    dataset = client.post(
        "/v1/datasets", json={"name": "train", "features": X.tolist(), "targets": y.tolist()}
    ).json()
    body = {"dataset_id": dataset["id"], "network": network, "training": training_spec}
    job = submit(client, body).json()
    spec = TrainingSpec.model_validate(training_spec)
    net = Network(NetworkSpec.model_validate(network), seed=spec.seed)
    history = fit(net, X, y, spec, task=dataset["task"])
    weights = net.to_bytes()
    with session_scope(sessions) as session:
        attempt = attempts.claim_job(session, job["id"])
        model = Model(
            tenant_id=attempts.claimed_job(session, job["id"]).tenant_id,
            job_id=job["id"],
            dataset_id=dataset["id"],
            network=job["network"],
            training=job["training"],
            task=net.task,
            classes=None if net.classes is None else net.classes.tolist(),
            metrics=history.last,
            n_params=int(net.params.size),
            sha256=blobs.sha256(weights),
            weights=weights,
        )
        assert attempts.finish_succeeded(session, job["id"], attempt, model)
        model_id = model.id
    return Trained(model_id, job["id"], net, X)


# --- tenants ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    tenant_id: str
    key: str
    prefix: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


def create_key(sessions: sessionmaker[Session], tenant: str, scopes: tuple[str, ...]) -> Key:
    """A key of the tenant named ``tenant`` (made if new), as ``syn0 keys create`` does."""
    with session_scope(sessions) as session:
        owner = tenants.ensure_tenant(session, tenant)
        row, key = tenants.add_key(session, owner.id, list(scopes))
        return Key(owner.id, key, row.prefix)


# --- the broker ---------------------------------------------------------------------------


@dataclass
class Broker:
    """Reads what was sent to kombu's SQL transport (a SQLite file)."""

    path: Path

    def sent_job_ids(self, queue: str | None = None, task: str = "jobs.train") -> list[str]:
        """Ids of the jobs sent, to ``queue`` only when given ("celery" is the default);
        ``task``: the ids another task was sent with (``predictions.run``)."""
        if not self.path.exists():
            return []
        query = "SELECT payload FROM kombu_message m JOIN kombu_queue q ON m.queue_id = q.id"
        with closing(sqlite3.connect(self.path)) as db:
            try:
                if queue is None:
                    rows = db.execute(query).fetchall()
                else:
                    rows = db.execute(query + " WHERE q.name = ?", (queue,)).fetchall()
            except sqlite3.OperationalError:  # nothing sent yet: no table
                return []
        sent = []
        for (payload,) in rows:
            message = json.loads(payload)
            if message["headers"]["task"] == task:
                args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
                sent.extend(args)
        return sent
