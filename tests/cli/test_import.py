"""``syn0 models import SPEC WEIGHTS`` and ``syn0 train --initial-weights MODEL``: the
commands examples/seed/README.md gives, on the primer's first program (fewer steps)."""

from __future__ import annotations

import importlib.util
import json

import numpy as np

from syn0.core import Network
from tests.cli.conftest import EXAMPLES

SEED = EXAMPLES / "seed"


def _primer():
    spec = importlib.util.spec_from_file_location("primer", SEED / "primer.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_import_the_start_and_train_from_it(syn0, api, tmp_path):
    # given: the program's weights file, and its spec with 200 steps
    primer = _primer()
    (tmp_path / "start.npz").write_bytes(primer.weights_file("single_layer"))
    spec = json.loads((SEED / "single_layer.json").read_text())
    spec["training"]["epochs"] = 200
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    data = syn0(
        "data", "upload", SEED / "single_layer.csv", "--target", "y", "--task", "regression", "-q"
    )
    assert data.code == 0, data.err
    # when
    imported = syn0("models", "import", tmp_path / "spec.json", tmp_path / "start.npz", "-q")
    assert imported.code == 0, imported.err
    model_id = imported.out.strip()
    done = syn0(
        "train",
        tmp_path / "spec.json",
        "--data",
        data.out.strip(),
        "--initial-weights",
        model_id,
        "--watch",
    )
    # then
    assert done.code == 0, done.err
    job = api.jobs.list(limit=1).items[0]
    assert job.training["initial_weights"] == {"model_id": model_id}
    trained = Network.from_bytes(api.models.weights(job.model_id))
    expected = np.concatenate([w.ravel() for w in primer.run("single_layer", steps=200)])
    np.testing.assert_allclose(trained.params, expected, rtol=0, atol=1e-9)
    shown = syn0("models", "show", model_id)
    assert "none (imported, or its job was deleted)" in shown.out


def test_weights_of_another_network_are_refused_naming_the_file(syn0, tmp_path):
    primer = _primer()
    (tmp_path / "xor.npz").write_bytes(primer.weights_file("xor"))
    refused = syn0("models", "import", SEED / "single_layer.json", tmp_path / "xor.npz")
    assert refused.code == 2
    assert refused.err == (
        f"error: {tmp_path / 'xor.npz'}: the weights do not fit the network: the network has 1 "
        "layers, the weights file's has 2\n"
    )
