"""``/v1/architectures``: the catalog, a family's network for an input (ready for
``POST /v1/jobs``), and the replies to bad names and query parameters."""

from __future__ import annotations

import io

import numpy as np
import pytest

from syn0.core import NetworkSpec, datasets, summary
from syn0.core.architectures import build
from tests.api.factories import assert_problem

NAMES = ["lenet5", "alexnet", "vgg", "googlenet", "resnet"]


def test_the_catalog_lists_the_five_families_with_their_ideas_and_knobs(client):
    response = client.get("/v1/architectures")

    assert response.status_code == 200
    page = response.json()
    assert [item["name"] for item in page["items"]] == NAMES
    assert page["next_cursor"] is None
    lenet = page["items"][0]
    assert (lenet["title"], lenet["year"]) == ("LeNet-5", 1998)
    assert lenet["idea"].startswith("LeNet-5 (LeCun et al., 1998): convolutions and subsampling")
    assert [
        {k: knob[k] for k in ("name", "default", "minimum", "maximum")} for knob in lenet["knobs"]
    ] == [
        {"name": "width", "default": 6, "minimum": 1, "maximum": 64},
        {"name": "depth", "default": 2, "minimum": 1, "maximum": 3},
    ]


@pytest.mark.parametrize("name", NAMES)
def test_a_family_scaled_to_an_input(client, name):
    response = client.get(
        f"/v1/architectures/{name}", params={"input_shape": "3,32,32", "classes": 10}
    )

    assert response.status_code == 200, response.text
    reply = response.json()
    network = NetworkSpec.model_validate(reply["network"])
    assert network == build(name, (3, 32, 32), 10)
    assert (reply["name"], reply["input_shape"], reply["classes"]) == (name, [3, 32, 32], 10)
    assert reply["summary"] == summary(network).model_dump()
    assert reply["training"]["loss"] == "cross_entropy"
    assert reply["training"]["optimizer"]["type"] == "adam"


def test_the_knobs_given_and_the_defaults_are_echoed(client):
    reply = client.get(
        "/v1/architectures/resnet", params={"input_shape": "1, 28, 28", "classes": 4, "depth": 3}
    ).json()

    assert reply["knobs"] == {"width": 16, "depth": 3}
    assert NetworkSpec.model_validate(reply["network"]) == build("resnet", (1, 28, 28), 4, depth=3)


def test_the_network_and_training_are_a_job_as_they_are(client):
    # given: 12x12 images of bars, 4 classes
    X, y = datasets.images(64, size=12, noise=0.1)
    buffer = io.BytesIO()
    np.savez(buffer, X=X, y=y)
    files = {"file": ("bars.npz", buffer.getvalue(), "application/octet-stream")}
    dataset = client.post("/v1/datasets", files=files).json()
    assert dataset["input_shape"] == [1, 12, 12]
    # when: a template for its shape and classes is submitted unchanged
    template = client.get(
        "/v1/architectures/googlenet", params={"input_shape": "1,12,12", "classes": 4}
    ).json()
    body = {k: template[k] for k in ("network", "training")}
    response = client.post("/v1/jobs", json={"dataset_id": dataset["id"], **body})
    # then
    assert response.status_code == 202, response.text
    assert response.json()["network"] == template["network"]


def test_an_unknown_family_is_a_404_naming_the_families(client):
    response = client.get(
        "/v1/architectures/transformer", params={"input_shape": "1,28,28", "classes": 10}
    )

    problem = assert_problem(response, 404, "not-found")
    assert problem["detail"] == (
        "no architecture named 'transformer'; the architectures are "
        "lenet5, alexnet, vgg, googlenet, resnet"
    )


@pytest.mark.parametrize(
    ("params", "loc", "detail"),
    [
        (
            {"input_shape": "28x28", "classes": 10},
            "query.input_shape",
            "Received an invalid value for `input_shape`, expected channels,height,width as "
            "integers separated by commas, e.g. 1,28,28. Received: input_shape='28x28'",
        ),
        (
            {"input_shape": "28,28", "classes": 10},
            "query.input_shape",
            "Received an invalid value for `input_shape`, expected (channels, height, width): "
            "channels from 1 to 256, height and width from 8 to 2048 pixels. "
            "Received: input_shape=(28, 28)",
        ),
        (
            {"input_shape": "1,4,4", "classes": 10},
            "query.input_shape",
            "Received an invalid value for `input_shape`, expected (channels, height, width): "
            "channels from 1 to 256, height and width from 8 to 2048 pixels. "
            "Received: input_shape=(1, 4, 4)",
        ),
        (
            {"input_shape": "1,28,28", "classes": 1},
            "query.classes",
            "Received an invalid value for `classes`, expected an integer >= 2. "
            "Received: classes=1",
        ),
        (
            {"input_shape": "1,28,28", "classes": 10, "width": 0},
            "query.width",
            "Received an invalid value for `width`, expected an integer from 1 to 128 for vgg. "
            "Received: width=0",
        ),
        (
            {"input_shape": "1,28,28", "classes": 10, "depth": 5},
            "query.depth",
            "Received an invalid value for `depth`, expected an integer from 1 to 4 for vgg. "
            "Received: depth=5",
        ),
    ],
)
def test_a_bad_query_parameter_is_a_422_naming_it(client, params, loc, detail):
    response = client.get("/v1/architectures/vgg", params=params)

    problem = assert_problem(response, 422, "validation-error", loc)
    assert problem["detail"] == detail
    assert problem["errors"] == [{"loc": loc, "msg": detail}]


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"classes": 10}, "query.input_shape"),
        ({"input_shape": "1,28,28"}, "query.classes"),
        ({"input_shape": "1,28,28", "classes": "ten"}, "query.classes"),
        ({"input_shape": "1,28,28", "classes": 10, "heads": 2}, "query.heads"),
    ],
)
def test_a_missing_mistyped_or_unknown_parameter_is_a_422_naming_it(client, params, loc):
    response = client.get("/v1/architectures/vgg", params=params)

    assert_problem(response, 422, "validation-error", loc)


def test_more_classes_than_a_dataset_may_have_is_a_422_naming_the_setting(client):
    response = client.get(
        "/v1/architectures/vgg", params={"input_shape": "1,28,28", "classes": 1001}
    )

    problem = assert_problem(response, 422, "limit-exceeded", "query.classes")
    assert problem["detail"] == (
        "classes is 1,001, over the limit of 1,000 (set by SYN0_MAX_CLASSES); "
        "make the request smaller"
    )


def test_a_network_over_the_parameter_limit_is_a_422_naming_the_setting(make_client):
    client = make_client(max_parameters=100_000)

    response = client.get(
        "/v1/architectures/alexnet", params={"input_shape": "3,32,32", "classes": 10}
    )

    problem = assert_problem(response, 422, "limit-exceeded", "query.width")
    assert problem["detail"] == (
        "the number of parameters of alexnet for input_shape 3,32,32 is 779,370, over the "
        "limit of 100,000 (set by SYN0_MAX_PARAMETERS); make the request smaller"
    )
    assert (problem["limit"], problem["value"]) == (100_000, 779_370)


def test_a_predict_only_key_may_not_read_them(make_client, make_key):
    client = make_client(make_key("acme", ("predict",)))

    assert_problem(client.get("/v1/architectures"), 403, "forbidden")


def test_the_replies_are_documented(client):
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    get = document["paths"]["/v1/architectures/{name}"]["get"]

    reply = get["responses"]["200"]["content"]["application/json"]["schema"]
    assert reply == {"$ref": "#/components/schemas/TemplateOut"}
    assert schemas["TemplateOut"]["properties"]["network"] == {
        "$ref": "#/components/schemas/NetworkSpec"
    }
    assert {"404", "422"} <= set(get["responses"])
    assert [p["name"] for p in get["parameters"]][:5] == [
        "name",
        "input_shape",
        "classes",
        "width",
        "depth",
    ]
    assert "ArchitectureOut" in schemas and "KnobOut" in schemas
