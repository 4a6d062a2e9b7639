"""``syn0 jobs rm|resume`` and ``syn0 models rm|replay``, and what ``models show`` says of
a partial model, its lineage and a replay."""

from __future__ import annotations

import json
import re
import time

from tests.client.factories import LONG_TRAINING, NETWORK, training


def test_a_stopped_job_is_resumed_then_it_and_its_partial_model_are_removed(syn0, api):
    # given: a long job cancelled once past its first checkpoint (epoch 5)
    data = api.datasets.generate("moons", n_samples=200, noise=0.1)
    job = api.jobs.submit(data.id, NETWORK, LONG_TRAINING)
    deadline = time.monotonic() + 30
    while api.jobs.get(job.id).progress.epoch < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    refused = syn0("jobs", "rm", job.id)
    assert refused.code == 2 and "cancel it (POST" in refused.err
    api.jobs.cancel(job.id)
    stopped = api.jobs.wait(job.id, poll_interval=0.05, timeout=30)
    epoch = api.models.get(stopped.model_id).epoch
    shown = syn0("models", "show", stopped.model_id)
    assert shown.code == 0 and f"yes: the weights of epoch {epoch}" in shown.out
    # when
    short = syn0("jobs", "resume", job.id, "--epochs", str(epoch))
    resumed = syn0("jobs", "resume", job.id, "--epochs", str(epoch + 2))
    # then
    assert short.code == 2 and f"more than the checkpoint's epoch {epoch}" in short.err
    assert resumed.code == 0, resumed.err
    printed = re.fullmatch(
        rf"job (\w+) queued: resumes job {job.id} at epoch (\d+) of (\d+)\n", resumed.out
    )
    assert printed and printed.group(2, 3) == (str(epoch), str(epoch + 2))
    assert api.jobs.wait(printed[1], poll_interval=0.05, timeout=60).status == "succeeded"
    assert re.search(rf"^resumed from +{job.id} *$", syn0("jobs", "show", printed[1]).out, re.M)
    # and the stopped job and its model go
    assert syn0("jobs", "rm", job.id).out == f"job {job.id} deleted\n"
    assert syn0("models", "rm", stopped.model_id).out == f"model {stopped.model_id} deleted\n"
    gone = syn0("models", "show", stopped.model_id)
    assert gone.code == 2 and gone.err == f"error: no model with id '{stopped.model_id}'\n"


def test_a_model_shows_its_lineage_and_is_replayed(syn0, api):
    data = api.datasets.generate("moons", n_samples=200, noise=0.1)
    job = api.jobs.submit(data.id, NETWORK, training(epochs=5, seed=4))
    model_id = api.jobs.wait(job.id, poll_interval=0.05, timeout=60).model_id
    shown = syn0("models", "show", model_id).out
    assert re.search(r"^seed +4 *$", shown, re.M)
    assert re.search(rf"^dataset sha256 +{data.model_extra['sha256']} *$", shown, re.M)
    replayed = syn0("models", "replay", model_id, "--json")
    assert replayed.code == 0, replayed.err
    replay = json.loads(replayed.out)
    assert replay["replay_of"] == model_id
    done = api.jobs.wait(replay["id"], poll_interval=0.05, timeout=60)
    assert f"of {model_id}: identical" in syn0("models", "show", done.model_id).out
