"""``syn0 registry``: create, register, alias, rollback, unalias, show, ls and predict by
name, against a running server."""

from __future__ import annotations

import json

import pytest

from syn0.client import Job
from tests.client.factories import NETWORK, training


@pytest.fixture(scope="module")
def two_jobs(api) -> list[Job]:
    data = api.datasets.generate("spiral", n_samples=200, noise=0.1, seed=4)
    jobs = [api.jobs.submit(data.id, NETWORK, training(epochs=e, seed=e)) for e in (5, 10)]
    return [api.jobs.wait(job.id, poll_interval=0.05) for job in jobs]


def test_the_registry_from_the_command_line(syn0, api, two_jobs):
    first, second = (job.model_id for job in two_jobs)
    # create, then update: the tag replaces, the description stays
    made = syn0("registry", "create", "cli-churn", "--description", "who leaves", "--tag", "a=1")
    assert made.code == 0 and made.out == "registered model cli-churn: 0 versions\n", made.err
    syn0("registry", "create", "cli-churn", "--tag", "team=b")
    shown = json.loads(syn0("registry", "show", "cli-churn", "--json").out)
    assert (shown["description"], shown["tags"]) == ("who leaves", {"team": "b"})
    # register two versions (-q: the number)
    assert syn0("registry", "register", "cli-churn", first, "-q").out == "1\n"
    second_out = syn0("registry", "register", "cli-churn", second).out
    assert second_out == f"cli-churn version 2: model {second}\n"
    # alias, predict through it: `syn0 predict`'s CSV of that model
    moved = syn0("registry", "alias", "cli-churn", "production", "1")
    assert moved.out == f"cli-churn@production = version 1: model {first}\n", moved.err
    rows = "0.5,-1\n-2,3\n"
    by_name = syn0("registry", "predict", "cli-churn", "-", "--alias", "production", input=rows)
    assert by_name.code == 0, by_name.err
    assert by_name.out == syn0("predict", first, "-", input=rows).out
    assert by_name.err == f"cli-churn@production = version 1: model {first}\n"
    as_json = json.loads(
        syn0("registry", "predict", "cli-churn", "-", "--version", "2", "--json", input=rows).out
    )
    assert (as_json["model_id"], as_json["version"], as_json["alias"]) == (second, 2, None)
    # move, roll back, nothing earlier: exit 2 with the server's reason
    syn0("registry", "alias", "cli-churn", "production", "2")
    assert syn0("registry", "rollback", "cli-churn", "production").out.startswith(
        "cli-churn@production = version 1"
    )
    again = syn0("registry", "rollback", "cli-churn", "production")
    assert again.code == 2 and "no earlier version" in again.err
    assert syn0("registry", "unalias", "cli-churn", "production").out == (
        "deleted cli-churn@production\n"
    )
    # show and ls
    shown = syn0("registry", "show", "cli-churn")
    assert shown.code == 0 and first in shown.out and "rollback" in shown.out
    assert "2 -> 1" in shown.out and "1 -> -" in shown.out
    listed = syn0("registry", "ls")
    assert listed.code == 0 and "cli-churn" in listed.out
    names = [r["name"] for r in json.loads(syn0("registry", "ls", "--json").out)["items"]]
    assert "cli-churn" in names


def test_registry_usage_errors(syn0):
    neither = syn0("registry", "predict", "cli-churn", "-", input="1,2\n")
    assert neither.code == 2 and "exactly one of --alias ALIAS and --version N" in neither.err
    bad_tag = syn0("registry", "create", "cli-x", "--tag", "novalue")
    assert bad_tag.code == 2 and "--tag takes KEY=VALUE" in bad_tag.err
    bad_name = syn0("registry", "create", "Cli-X")
    assert bad_name.code == 2 and "path.name" in bad_name.err
    missing = syn0("registry", "predict", "cli-nope", "-", "--alias", "production", input="1,2\n")
    assert missing.code == 2 and "no registered model named 'cli-nope'" in missing.err
