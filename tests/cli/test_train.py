"""``syn0 train``: every example to completion with --watch, a failing job, bad spec
files (the field and its line), and Ctrl-C."""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import time
from collections.abc import Iterator

import pytest
import yaml

from syn0.core import datasets
from tests.cli.conftest import EXAMPLES, Served, command
from tests.client.factories import LONG_TRAINING, NETWORK

BAD_SPEC = """\
# units must be positive
network:
  input_shape: [2]
  layers:
    - type: dense
      units: 16
      activation: tanh
    - type: dense
      units: -3
      activation: softmax
training:
  loss: cross_entropy
"""


@pytest.fixture(scope="module")
def spiral(api) -> str:
    return api.datasets.generate("spiral", n_samples=300, noise=0.1).id


def _data_for(api, example: str) -> str:
    if example == "xor.json":
        return api.datasets.upload_csv(EXAMPLES / "xor.csv", target="y").id
    if example in ("lenet.yaml", "resnet.yaml"):
        X, y = datasets.images(200, size=12, noise=0.1, kind="bars")
        return api.datasets.upload_arrays(X, y, name="bars").id
    kind = "spiral" if example == "spiral.yaml" else "regress_gauss"
    return api.datasets.generate(kind, n_samples=300, noise=0.1).id


@pytest.mark.parametrize(
    "example", ["xor.json", "spiral.yaml", "lenet.yaml", "resnet.yaml", "regression.yaml"]
)
def test_every_example_trains_to_success_with_watch(syn0, api, example):
    done = syn0("train", EXAMPLES / example, "--data", _data_for(api, example), "--watch")
    assert done.code == 0, done.err
    assert " succeeded in " in done.out and "\nmodel " in done.out
    epochs = api.jobs.list(limit=1).items[0].progress.epochs
    assert f"epoch {epochs}/{epochs}" in done.err  # the progress bar's last state


def test_watch_json_prints_the_finished_job(syn0, spiral):
    done = syn0("train", EXAMPLES / "spiral.yaml", "--data", spiral, "--watch", "--json")
    assert done.code == 0, done.err
    job = json.loads(done.out)
    assert job["status"] == "succeeded" and job["model_id"] in done.err


def test_without_watch_it_prints_the_job(syn0, api, spiral):
    queued = syn0("train", EXAMPLES / "spiral.yaml", "--data", spiral, "-q")
    assert queued.code == 0 and len(queued.out.strip()) == 32
    api.jobs.wait(queued.out.strip(), poll_interval=0.05)


def test_dry_run_shows_the_layers(syn0, spiral):
    checked = syn0("train", EXAMPLES / "spiral.yaml", "--data", spiral, "--dry-run")
    assert checked.code == 0, checked.err
    assert "dropout" in checked.out and "4,482 parameters" in checked.out


def test_dry_run_lists_the_graph(syn0, api):
    X, y = datasets.images(60, size=12, kind="bars")
    bars = api.datasets.upload_arrays(X, y, name="bars").id
    checked = syn0("train", EXAMPLES / "resnet.yaml", "--data", bars, "--dry-run")
    assert checked.code == 0, checked.err
    lines = checked.out.splitlines()
    add = next(line for line in lines if " add " in line).split()
    assert add[:5] == ["8", "add_8", "add", "stem,", "residual"]
    assert "(8, 12, 12)" in " ".join(add) or "[8, 12, 12]" in " ".join(add)
    assert "1,356 parameters" in checked.out


def test_an_input_naming_no_layer_names_the_line_and_field(syn0, spiral, tmp_path):
    spec = (EXAMPLES / "resnet.yaml").read_text().replace("[stem, residual]", "[stem, resdiual]")
    (tmp_path / "typo.yaml").write_text(spec)
    refused = syn0("train", tmp_path / "typo.yaml", "--data", spiral)
    assert refused.code == 2
    assert refused.err.startswith(
        f"error: {tmp_path / 'typo.yaml'}:18: network.layers.8.inputs.1: layer 8 (add) reads "
        "'resdiual', but no layer has that name; expected 'input' or an earlier layer: "
    )


def test_a_failing_job_exits_1_with_its_reason(syn0, api, tmp_path):
    # given: unnormalized inputs in the thousands and a huge SGD step
    X, y = datasets.plane(200, seed=0)
    data = api.datasets.upload_arrays(X * 1000, y, name="big inputs").id
    spec = {
        "network": {"input_shape": [2], "layers": [{"type": "dense", "units": 1}]},
        "training": {"loss": "mse", "optimizer": {"type": "sgd", "learning_rate": 10.0}},
    }
    (tmp_path / "diverge.yaml").write_text(yaml.safe_dump(spec))
    # when
    failed = syn0("train", tmp_path / "diverge.yaml", "--data", data, "--watch")
    # then
    assert failed.code == 1
    assert "failed: diverged: Training diverged in epoch 1" in failed.err
    assert "lower the learning rate" in failed.err


def test_a_bad_spec_names_the_line_and_field(syn0, spiral, tmp_path):
    (tmp_path / "bad.yaml").write_text(BAD_SPEC)
    refused = syn0("train", tmp_path / "bad.yaml", "--data", spiral, "--watch")
    assert refused.code == 2
    assert refused.err == (
        f"error: {tmp_path / 'bad.yaml'}:9: network.layers.1.units: Received an invalid value "
        "for `units`, expected a positive integer. Received: units=-3\n"
    )


def test_a_spec_that_misfits_the_dataset(syn0, spiral, tmp_path):
    (tmp_path / "misfit.yaml").write_text(BAD_SPEC.replace("units: -3", "units: 3"))
    refused = syn0("train", tmp_path / "misfit.yaml", "--data", spiral)
    assert refused.code == 2
    assert ":9: network.layers.1.units: the last layer has 3 units but the dataset" in refused.err
    unknown = syn0("train", EXAMPLES / "spiral.yaml", "--data", "nope")
    assert unknown.code == 2 and unknown.err == (
        "error: --data: no dataset with id 'nope'; upload one first\n"
    )


def test_a_bad_json_spec_lists_every_field_with_its_line(syn0, spiral, tmp_path):
    spec = (
        '{"network": {"input_shape": [2], "layers": [\n'
        '\t{"type": "dense", "units": 2.5},\n'
        '\t{"type": "conv9"}]},\n'
        ' "training": {}}'
    )
    (tmp_path / "bad.json").write_text(spec)
    refused = syn0("train", tmp_path / "bad.json", "--data", spiral)
    assert refused.code == 2
    lines = refused.err.splitlines()
    assert lines[0] == "error: Invalid request: 3 problems"
    assert lines[1].endswith("bad.json:2: network.layers.0.units: Input should be a valid integer")
    assert "bad.json:3: network.layers.1: Input tag 'conv9'" in lines[2]
    assert lines[3].endswith("bad.json:4: training.loss: Field required")


def test_a_spec_file_that_does_not_parse(syn0, tmp_path):
    (tmp_path / "broken.yaml").write_text("network:\n  input_shape: [2\ntraining: {}\n")
    refused = syn0("train", tmp_path / "broken.yaml", "--data", "any")
    assert refused.code == 2 and refused.err.startswith(
        f"error: {tmp_path / 'broken.yaml'}:3:9: not valid YAML: expected ',' or ']'"
    )
    assert "(while parsing a flow sequence started on line 2)" in refused.err


def _ctrl_c_as_in_a_terminal() -> None:
    """For ``preexec_fn``: SIGINT's default action, as a shell gives the command it runs
    in the foreground. A test run started in the background by a non-interactive shell
    (``make test &``, as CI may start it) has SIGINT ignored, its processes pass that on,
    and a command started with SIGINT ignored keeps it so, as it should: its Ctrl-C then
    did nothing, and the command ran on (seen as a hang with nothing printed, its
    process's SigIgn mask showing SIGINT)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@contextlib.contextmanager
def _watch_then_interrupt(
    env, api, tmp_path, answer: str
) -> Iterator[tuple[subprocess.Popen, str]]:
    """Start a long job with --watch, press Ctrl-C once it runs; stdin holds ``answer``.
    Afterwards a command still running is killed and its job cancelled, so that a
    failure here leaves the stack's one worker free for the tests after it."""
    data = api.datasets.generate("spiral", n_samples=2000, noise=0.1).id
    (tmp_path / "long.yaml").write_text(
        yaml.safe_dump({"network": NETWORK, "training": LONG_TRAINING})
    )
    process = subprocess.Popen(
        command("train", str(tmp_path / "long.yaml"), "--data", data, "--watch"),
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_ctrl_c_as_in_a_terminal,
    )
    try:
        process.stdin.write(answer + "\n")
        process.stdin.flush()
        deadline = time.monotonic() + 30
        while not (running := api.jobs.list(dataset_id=data, status="running").items):
            assert time.monotonic() < deadline, (  # the message is made only on failure
                f"the job never started; the stack's jobs: "
                f"{[(job.id, job.status) for job in api.jobs.list().items]}"
            )
            time.sleep(0.1)
        time.sleep(0.5)  # the command is polling by now
        process.send_signal(signal.SIGINT)
        yield process, running[0].id
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        for job in api.jobs.list(dataset_id=data).items:
            if not job.finished:
                api.jobs.cancel(job.id)


def _ended(process: subprocess.Popen, served: Served) -> str:
    """The command's stderr once it exits; if it hangs, what it and the stack printed."""
    try:
        return process.communicate(timeout=30)[1]
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
        raise AssertionError(
            f"the command still ran 30 s after Ctrl-C; it printed:\n{err}\n"
            f"the stack's log ends:\n{served.log.read_text()[-4000:]}"
        ) from None


def test_ctrl_c_then_yes_cancels_the_job(env, api, served, tmp_path):
    with _watch_then_interrupt(env, api, tmp_path, "y") as (process, job_id):
        err = _ended(process, served)
    assert process.returncode == 1, err
    assert f"Cancel job {job_id}? [y/N]" in err and f"job {job_id} cancelled" in err
    assert api.jobs.get(job_id).status == "cancelled"


def test_ctrl_c_then_no_leaves_the_job_running(env, api, served, tmp_path):
    with _watch_then_interrupt(env, api, tmp_path, "n") as (process, job_id):
        err = _ended(process, served)
        assert process.returncode == 130, err
        assert f"syn0 jobs watch {job_id}" in err
        assert api.jobs.get(job_id).status == "running"
        api.jobs.cancel(job_id)
        assert api.jobs.wait(job_id, poll_interval=0.05, timeout=30).status == "cancelled"


def test_a_gpu_job_with_no_gpu_worker_says_why_it_waits(syn0, env, api, spiral, tmp_path):
    # given: the spiral example asking for a GPU; this stack has only a CPU worker
    spec = yaml.safe_load((EXAMPLES / "spiral.yaml").read_text())
    spec["training"]["device"] = "gpu"
    (tmp_path / "gpu.yaml").write_text(yaml.safe_dump(spec))
    job_id = syn0("train", tmp_path / "gpu.yaml", "--data", spiral, "-q").out.strip()
    # when
    shown = syn0("jobs", "show", job_id)
    watching = subprocess.Popen(
        command("jobs", "watch", job_id), stderr=subprocess.PIPE, text=True, env=env
    )
    # the job is cancelled once watch has said why it waits (its start is slow under load)
    first = watching.stderr.readline()
    api.jobs.cancel(job_id)
    _, rest = watching.communicate(timeout=30)
    err = first + rest
    # then: show and watch both say why the job waits, and watch reports how it ended
    assert shown.code == 0 and "gpu" in shown.out
    assert "no GPU worker has been seen in the last 60 s" in " ".join(shown.out.split())
    assert err.count("note: no GPU worker has been seen in the last 60 s") == 1, err
    assert watching.returncode == 1 and f"job {job_id} cancelled" in err
