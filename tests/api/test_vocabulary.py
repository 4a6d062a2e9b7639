"""The vocabularies clients restate (statuses, metric names, dataset kinds, input
features, activations, tasks, training defaults) are in the OpenAPI document: each a
named component (or the fields of one) that the request and reply schemas refer to,
equal to the server's own source of it, and served without a key."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from syn0.api.app import create_app
from syn0.core import spec
from syn0.core.activations import ACTIVATIONS
from syn0.core.datasets import IMAGE_KINDS, KINDS, task_of
from syn0.core.features import FEATURES
from syn0.jobs.orm import ACTIVE, FINISHED, METRIC_FIELDS
from tests.openapi import component, document, enum, properties

VOCABULARIES = ("JobStatus", "MetricOut", "DatasetKind", "Feature", "Activation", "Task")


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def test_the_document_and_its_vocabularies_are_served_without_a_key(settings):
    with TestClient(create_app(settings)) as anonymous:
        reply = anonymous.get("/openapi.json")
        assert anonymous.get("/v1/jobs").status_code == 401  # the API itself needs one
    assert reply.status_code == 200
    schemas = reply.json()["components"]["schemas"]
    assert {name: schemas[name] for name in VOCABULARIES} == {
        name: component(name) for name in VOCABULARIES
    }


def test_job_statuses_and_the_finished_ones():
    assert enum("JobStatus") == [*ACTIVE, *FINISHED]
    assert component("JobStatus")["x-finished"] == ["succeeded", "failed", "cancelled"]
    assert properties("JobOut")["status"] == ref("JobStatus")
    (status,) = [
        p for p in document()["paths"]["/v1/jobs"]["get"]["parameters"] if p["name"] == "status"
    ]
    assert status["schema"]["anyOf"][0] == ref("JobStatus")


def test_metric_names_are_the_fields_of_an_epoch():
    assert list(properties("MetricOut")) == ["epoch", *METRIC_FIELDS]


def test_dataset_kinds_and_the_task_each_makes():
    assert enum("DatasetKind") == [*KINDS, *IMAGE_KINDS]
    assert component("DatasetKind")["x-tasks"] == {
        **{kind: task_of(kind) for kind in KINDS},
        **dict.fromkeys(IMAGE_KINDS, "classification"),
    }
    assert component("DatasetKind")["x-images"] == list(IMAGE_KINDS) == ["glyphs"]
    assert properties("GenerateIn")["kind"] == ref("DatasetKind")


def test_input_features_activations_and_tasks():
    assert enum("Feature") == list(FEATURES)
    assert properties("NetworkSpec")["features"]["anyOf"][0]["items"] == ref("Feature")
    assert enum("Activation") == list(ACTIVATIONS)
    for layer in ("DenseSpec", "Conv2DSpec"):
        assert properties(layer)["activation"]["$ref"] == ref("Activation")["$ref"]
    assert enum("Task") == ["classification", "regression"]
    assert {task_of(kind) for kind in KINDS} == set(enum("Task"))
    for reply in ("DatasetOut", "ModelOut"):
        assert properties(reply)["task"] == ref("Task")


@pytest.mark.parametrize(
    "model",
    [
        spec.TrainingSpec,
        spec.SGDSpec,
        spec.AdamSpec,
        spec.RMSpropSpec,
        spec.RegularizationSpec,
        spec.EarlyStoppingSpec,
        spec.AugmentationSpec,
    ],
    ids=lambda model: model.__name__,
)
def test_every_training_default_is_published(model: type[BaseModel]):
    published = properties(model.__name__)
    for name, field in model.model_fields.items():
        if field.is_required():
            assert "default" not in published[name], name
            continue
        value = field.get_default(call_default_factory=True)
        expected = value.model_dump(mode="json") if isinstance(value, BaseModel) else value
        assert published[name].get("default") == expected, name
