"""``syn0 sweep``: run a spec file with a live leaderboard, ls, show, register, cancel,
and a bad parameter reported at its line."""

from __future__ import annotations

import json

SPEC = """\
network:
  input_shape: [2]
  layers:
    - {type: dense, units: 8, activation: tanh}
    - {type: dense, units: 2, activation: softmax}
training:
  loss: cross_entropy
  epochs: 3
  validation_split: 0.2
method: grid
metric: val_loss
max_parallel: 2
parameters:
  training.optimizer.learning_rate: {values: [0.1, 0.01]}
  network.layers[0].units: {values: [4, 8]}
"""


def test_a_sweep_from_the_command_line(syn0, api, tmp_path):
    data = api.datasets.generate("xor", n_samples=100, noise=0.1, seed=6)
    spec = tmp_path / "sweep.yaml"
    spec.write_text(SPEC)

    # run --watch: the leaderboard live on stderr, the final one on stdout, exit 0
    ran = syn0("sweep", "run", spec, "--data", data.id, "--watch")
    assert ran.code == 0, ran.err
    assert "succeeded (grid): 4/4 finished" in ran.out
    assert "training.optimizer.learning_rate" in ran.out and "val_loss" in ran.out

    (listed,) = [s for s in json.loads(syn0("sweep", "ls", "--json").out)["items"]]
    assert listed["status"] == "succeeded" and listed["progress"]["finished"] == 4
    shown = json.loads(syn0("sweep", "show", listed["id"], "--json").out)
    best = shown["best"]
    assert best == shown["leaderboard"][0]
    assert syn0("sweep", "show", listed["id"]).out.endswith(
        f"best: trial {best['trial']}, model {best['model_id']}\n"
    )
    registered = syn0("sweep", "register", listed["id"], "cli-sweep-best")
    assert registered.out == f"cli-sweep-best version 1: model {best['model_id']}\n"
    cancelled = syn0("sweep", "cancel", listed["id"])
    assert cancelled.code == 2 and "already finished with status 'succeeded'" in cancelled.err

    # -q: only the id; then cancel it while its long trials run
    long = tmp_path / "long.yaml"
    long.write_text(SPEC.replace("epochs: 3", "epochs: 20000"))
    quiet = syn0("sweep", "run", long, "--data", data.id, "-q")
    sweep_id = quiet.out.strip()
    assert quiet.code == 0 and len(sweep_id) == 32
    assert syn0("sweep", "cancel", sweep_id).out == f"sweep {sweep_id} cancelled\n"
    trials = api.jobs.list(sweep_id=sweep_id).items
    assert len(trials) == 2 and {job.cancel_requested for job in trials} == {True}


def test_a_bad_parameter_is_reported_at_its_line(syn0, api, tmp_path):
    data = api.datasets.generate("xor", n_samples=40, noise=0.1, seed=6)
    spec = tmp_path / "bad.yaml"
    spec.write_text(SPEC.replace("network.layers[0].units", "network.layers[4].units"))
    refused = syn0("sweep", "run", spec, "--data", data.id)
    assert refused.code == 2
    assert refused.err.startswith(f"error: {spec}:15: parameters.network.layers[4].units: ")
    assert "`network.layers` has 2 items, so no [4]" in refused.err
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text(SPEC + "budget: 3\n")
    assert "unknown section" in syn0("sweep", "run", unknown, "--data", data.id).err
