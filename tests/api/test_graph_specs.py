"""Graph specs through the API: validate lists the graph; graph errors are 422s that
name the field (its path in the request), what was expected and what was received."""

from __future__ import annotations

from tests.api.factories import assert_problem, create_dataset, dense, job_body

# Two inputs, two branches joined twice: by an add and by a concat.
BRANCHES = {
    "input_shape": [2],
    "layers": [
        dense(8, "relu", name="h"),
        dense(8, "tanh"),
        dense(8, "relu", inputs=["h"], name="other"),
        {"type": "add", "inputs": ["dense_1", "other"]},
        {"type": "batchnorm"},
        {"type": "concat", "inputs": ["batchnorm_4", "input"]},
        dense(2, "softmax"),
    ],
}


def _with_layer(index: int, **changes) -> dict:
    layers = [dict(layer) for layer in BRANCHES["layers"]]
    layers[index].update(changes)
    return {**BRANCHES, "layers": layers}


def test_validate_lists_each_node_with_its_inputs_shape_params_and_flops(client):
    dataset = create_dataset(client)

    response = client.post("/v1/jobs/validate", json=job_body(dataset["id"], BRANCHES))

    assert response.status_code == 200, response.text
    rows = response.json()["summary"]["layers"]
    assert [(r["name"], r["type"], r["inputs"], r["output_shape"]) for r in rows] == [
        ("h", "dense", ["input"], [8]),
        ("dense_1", "dense", ["h"], [8]),
        ("other", "dense", ["h"], [8]),
        ("add_3", "add", ["dense_1", "other"], [8]),
        ("batchnorm_4", "batchnorm", ["add_3"], [8]),
        ("concat_5", "concat", ["batchnorm_4", "input"], [10]),
        ("dense_6", "dense", ["concat_5"], [2]),
    ]
    assert [r["params"] for r in rows] == [24, 72, 72, 0, 32, 0, 22]
    assert [r["flops"] for r in rows] == [40, 136, 136, 8, 16, 0, 42]


def test_a_graph_job_is_queued_with_its_names_and_inputs(client):
    dataset = create_dataset(client)

    response = client.post("/v1/jobs", json=job_body(dataset["id"], BRANCHES, epochs=2))

    assert response.status_code == 202, response.text
    layers = response.json()["network"]["layers"]
    assert [(layer.get("name"), layer.get("inputs")) for layer in layers] == [
        ("h", None),
        (None, None),
        ("other", ["h"]),
        (None, ["dense_1", "other"]),
        (None, None),
        (None, ["batchnorm_4", "input"]),
        (None, None),
    ]


def test_an_unknown_input_names_its_place_in_the_list(client):
    dataset = create_dataset(client)
    network = _with_layer(3, inputs=["dense_1", "othr"])

    response = client.post("/v1/jobs/validate", json=job_body(dataset["id"], network))

    problem = assert_problem(response, 422, "invalid-spec", loc="network.layers.3.inputs.1")
    assert problem["detail"] == (
        "layer 3 (add) reads 'othr', but no layer has that name; expected 'input' or an "
        "earlier layer: 'h', 'dense_1', 'other'"
    )


def test_an_output_nothing_reads_is_refused(client):
    dataset = create_dataset(client)
    network = _with_layer(3, inputs=["dense_1", "h"])

    response = client.post("/v1/jobs", json=job_body(dataset["id"], network))

    problem = assert_problem(response, 422, "invalid-spec", loc="network.layers.2")
    assert problem["detail"].startswith("layer 2 (dense) 'other': nothing reads its output")


def test_a_bad_name_is_refused_by_the_schema(client):
    dataset = create_dataset(client)
    network = _with_layer(0, name="Hidden Layer")

    response = client.post("/v1/jobs", json=job_body(dataset["id"], network))

    problem = assert_problem(response, 422, "validation-error", loc="network.layers.0.name")
    assert "[a-z][a-z0-9_]*" in str(problem["errors"])


def test_merges_of_misfit_shapes_say_what_they_received(client):
    dataset = create_dataset(client)
    network = _with_layer(3, inputs=["dense_1", "other", "input"])

    response = client.post("/v1/jobs/validate", json=job_body(dataset["id"], network))

    problem = assert_problem(response, 422, "invalid-spec", loc="network.layers.3.inputs")
    assert problem["detail"] == (
        "layer 3 (add) needs inputs of one shape but receives (8,), (8,), (2,)"
    )
