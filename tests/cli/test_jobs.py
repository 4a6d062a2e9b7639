"""``syn0 jobs``: ls, show, watch, cancel, metrics (table, JSON, terminal plot, PNG)."""

from __future__ import annotations

import json

import pytest

from syn0.client import Job
from tests.client.factories import LONG_TRAINING, NETWORK, training


@pytest.fixture(scope="module")
def finished(api) -> Job:
    data = api.datasets.generate("spiral", n_samples=200, noise=0.1)
    job = api.jobs.submit(data.id, NETWORK, training(epochs=12))
    return api.jobs.wait(job.id, poll_interval=0.05)


def test_ls_as_a_table_and_as_json(syn0, finished):
    listed = syn0("jobs", "ls", "--status", "succeeded", "--data", finished.dataset_id)
    assert listed.code == 0, listed.err
    assert finished.id in listed.out and "succeeded" in listed.out and "12/12" in listed.out
    page = json.loads(syn0("jobs", "ls", "--limit", "1", "--json").out)
    assert len(page["items"]) == 1 and "next_cursor" in page


def test_show(syn0, finished):
    shown = syn0("jobs", "show", finished.id)
    assert shown.code == 0, shown.err
    assert "[2] -> dense(16, tanh) -> dense(2, softmax)" in shown.out
    assert "cross_entropy, adam lr 0.02, 12 epochs, batch 32, validation 0.2" in shown.out
    assert finished.model_id in shown.out
    report = finished.evaluation  # on the 40 samples of its validation split
    line = f"accuracy {report['accuracy']:.4g}, log_loss {report['log_loss']:.4g}, roc_auc"
    assert line in shown.out and "(40 samples)" in shown.out
    job = json.loads(syn0("jobs", "show", finished.id, "--json").out)
    assert job["status"] == "succeeded" and job["progress"]["epoch"] == 12
    assert job["evaluation"]["confusion_matrix"] == report["confusion_matrix"]
    missing = syn0("jobs", "show", "nope")
    assert missing.code == 2 and missing.err == "error: no job with id 'nope'\n"


def test_watch_a_finished_job_reports_it(syn0, finished):
    watched = syn0("jobs", "watch", finished.id)
    assert watched.code == 0 and f"model {finished.model_id}" in watched.out


def test_cancel(syn0, api, finished):
    again = syn0("jobs", "cancel", finished.id)
    assert again.code == 2 and "already finished with status 'succeeded'" in again.err
    queued = api.jobs.submit(finished.dataset_id, NETWORK, LONG_TRAINING)
    cancelled = syn0("jobs", "cancel", queued.id, "--json")
    assert cancelled.code == 0, cancelled.err
    assert json.loads(cancelled.out)["id"] == queued.id
    assert api.jobs.wait(queued.id, poll_interval=0.05).status == "cancelled"


def test_metrics_as_a_table_and_as_json(syn0, finished):
    table = syn0("jobs", "metrics", finished.id)
    assert table.code == 0, table.err
    lines = table.out.splitlines()
    assert lines[0].split() == [
        "epoch", "loss", "val_loss", "accuracy", "val_accuracy", "learning_rate", "seconds"
    ]  # fmt: skip
    assert len(lines) == 13 and lines[-1].split()[0] == "12"
    rows = json.loads(syn0("jobs", "metrics", finished.id, "--json").out)
    assert [row["epoch"] for row in rows] == list(range(1, 13))


def test_metrics_plot_in_the_terminal(syn0, finished):
    plotted = syn0("jobs", "metrics", finished.id, "--plot")
    assert plotted.code == 0, plotted.err
    assert f"job {finished.id}" in plotted.out and "val_loss" in plotted.out
    assert "epoch" in plotted.out and "\x1b[" not in plotted.out  # no colours in a pipe


def test_metrics_plot_to_a_png(syn0, finished, tmp_path):
    plotted = syn0("jobs", "metrics", finished.id, "--plot", tmp_path / "loss.png")
    assert plotted.code == 0, plotted.err
    assert (tmp_path / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    wrong = syn0("jobs", "metrics", finished.id, "--plot", tmp_path / "loss.txt")
    assert wrong.code == 2 and "--plot writes a .png file" in wrong.err
