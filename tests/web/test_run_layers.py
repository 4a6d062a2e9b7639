"""Runs the playground's controls cannot stand for (images, convolutions, merges) are drawn
as their real layers, with no boundary view asked for; a 2-D dense run still gets its
points and its surface. Every request the page makes is recorded."""

from __future__ import annotations

import time

import numpy as np

from tests.web.test_playground import TRAINING, boundary, wait_status

LENET = {
    "input_shape": [1, 12, 12],
    "layers": [
        {"type": "conv2d", "filters": 4, "kernel_size": 3, "activation": "relu"},
        {"type": "maxpool2d", "pool_size": 2},
        {"type": "conv2d", "filters": 6, "kernel_size": 3, "padding": "same", "activation": "relu"},
        {"type": "flatten"},
        {"type": "dense", "units": 16, "activation": "relu"},
        {"type": "dropout", "rate": 0.2},
        {"type": "dense", "units": 3, "activation": "softmax"},
    ],
}
TRAIN = {"loss": "cross_entropy", "epochs": 2, "batch_size": 8}
PLANE_CALLS = ("/points", "/surface")
TIMES = "\N{MULTIPLICATION SIGN}"  # the page writes a shape (1, 12, 12) with it between


def shape_text(*dims: int) -> str:
    return TIMES.join(map(str, dims))


def finished_run(stack, body: dict) -> dict:
    """Submit a job and wait for the worker to train it."""
    reply = stack.client.post("/v1/jobs", json=body)
    assert reply.status_code == 202, reply.text
    deadline = time.monotonic() + TRAINING / 1000
    while time.monotonic() < deadline:
        job = stack.client.get(f"/v1/jobs/{reply.json()['id']}").json()
        if job["status"] == "succeeded":
            return job
        assert job["status"] in ("queued", "running"), job
        time.sleep(0.2)
    raise AssertionError(f"the job did not finish: {job}")


def image_dataset(stack) -> str:
    """24 random 12x12 grey images in three classes, sent as (n, h, w)."""
    images = np.random.default_rng(0).random((24, 12, 12)).round(3).tolist()
    body = {"name": "tiny-images", "features": images, "targets": [i % 3 for i in range(24)]}
    reply = stack.client.post("/v1/datasets", json=body)
    assert reply.status_code == 201, reply.text
    assert reply.json()["input_shape"] == [1, 12, 12]
    return reply.json()["id"]


def record(page) -> tuple[list[str], list[str]]:
    """The URLs the page asks for, and its console's messages."""
    urls: list[str] = []
    console: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    page.on("console", lambda m: console.append(m.text))
    return urls, console


def nodes(page) -> list[dict]:
    return page.eval_on_selector_all(
        "#graph .node",
        "boxes => boxes.map(b => ({type: b.dataset.type, shape: b.querySelector('.shape')"
        ".textContent, params: b.querySelector('.params').textContent}))",
    )


def test_an_image_run_is_drawn_as_its_layers_without_a_boundary_view(page, stack, screenshots):
    # given: a small LeNet trained on images
    dataset_id = image_dataset(stack)
    job = finished_run(stack, {"dataset_id": dataset_id, "network": LENET, "training": TRAIN})
    check = stack.client.post(
        "/v1/jobs/validate", json={"dataset_id": dataset_id, "network": LENET, "training": TRAIN}
    ).json()
    urls, console = record(page)

    # when it is opened from its link
    page.goto(f"/#job={job['id']}")
    wait_status(page, "succeeded")
    page.wait_for_selector("#graph[data-layers='7']")
    page.wait_for_load_state("networkidle")

    # then: one box per layer, in order, with the API's shapes and parameter counts
    drawn = nodes(page)
    assert [n["type"] for n in drawn] == ["input"] + [layer["type"] for layer in LENET["layers"]]
    shapes = [n["shape"] for n in drawn]
    expected = [(1, 12, 12), (4, 10, 10), (4, 5, 5), (6, 5, 5), (150,), (16,), (16,), (3,)]
    assert shapes == [shape_text(*s) for s in expected]
    assert shapes[1:] == [shape_text(*r["output_shape"]) for r in check["summary"]["layers"]]
    assert drawn[1]["params"] == "40 params"  # 4 filters of 1x3x3, and 4 biases
    total = check["summary"]["total_params"]
    assert page.inner_text("#graph .info") == f"7 layers, {total:,} parameters"
    assert f"{shape_text(6, 3, 3)} · stride 1 · same · relu" in page.inner_text(
        "#graph .node[data-index='2']"
    )
    links = page.eval_on_selector_all(
        "#graph path", "paths => paths.map(p => [p.dataset.from, p.dataset.to])"
    )
    ids = page.eval_on_selector_all("#graph .node", "boxes => boxes.map(b => b.dataset.id)")
    assert links == [[ids[i], ids[i + 1]] for i in range(7)]  # each layer reads the one before

    # and no boundary view: a note instead, no feature ticked, nothing asked of the plane
    assert page.inner_text("#surface-note") == (
        f"This run's inputs are {shape_text(1, 12, 12)} images; the boundary view needs 2 inputs."
    )
    assert page.is_hidden("#plane-view")
    assert page.is_hidden("#feature-column") and page.is_hidden("#layer-column")
    assert page.eval_on_selector_all("#features input:checked", "boxes => boxes.length") == 0
    assert not [u for u in urls if any(call in u for call in PLANE_CALLS)]
    assert not [m for m in console if "422" in m or "Failed to load" in m]

    # when Train is pressed, the drawn network is what trains again
    page.click("#train")
    page.wait_for_function(f"document.querySelector('#status').dataset.job !== '{job['id']}'")
    again_id = page.get_attribute("#status", "data-job")
    # the run is followed to its end, and the runs list is refreshed after that
    page.wait_for_selector(f"#runs tr[data-job='{again_id}'] td[data-status='succeeded']")
    page.wait_for_timeout(500)
    again = stack.client.get(f"/v1/jobs/{again_id}").json()
    assert again["network"]["layers"] == job["network"]["layers"]
    assert page.is_visible("#graph[data-layers='7']")
    assert not [u for u in urls if any(call in u for call in PLANE_CALLS)]

    page.screenshot(path=screenshots / "an_image_run_drawn_as_its_layers.png")

    # and other data brings the playground's own network back
    page.get_by_label("Circle", exact=True).check()
    page.wait_for_function("Number(document.querySelector('#boundary').dataset.points) > 0")
    assert page.is_hidden("#graph") and page.is_visible("#layer-column")
    assert page.is_visible("#plane-view")
    assert page.get_by_label("x₁", exact=True).is_checked()


def test_a_dense_run_on_two_inputs_still_draws_its_points_and_surface(page, stack):
    # given: a run the controls stand for, made by the API as the page would make it
    dataset = stack.client.post(
        "/v1/datasets/generate", json={"kind": "xor", "n_samples": 200, "seed": 1}
    ).json()
    network = {
        "input_shape": [2],
        "layers": [
            {"type": "dense", "units": 5, "activation": "tanh"},
            {"type": "dense", "units": 2, "activation": "softmax"},
        ],
    }
    job = finished_run(stack, {"dataset_id": dataset["id"], "network": network, "training": TRAIN})
    urls, _ = record(page)

    # when it is opened
    page.goto(f"/#job={job['id']}")
    page.wait_for_selector("#boundary[data-source='model']", timeout=TRAINING)

    # then: its points and its surface are asked for and drawn, over the editable layers
    assert [c for c in PLANE_CALLS if any(c in u for u in urls)] == list(PLANE_CALLS)
    assert int(boundary(page)["points"]) == 200
    assert page.is_hidden("#graph") and page.is_visible("#plane-view")
    assert page.inner_text("#surface-note") == ""
    assert page.eval_on_selector_all(".layer", "cards => cards.map(c => c.dataset.drawn)") == ["5"]


def test_which_runs_the_controls_stand_for_and_a_graph_by_its_inputs(page):
    # given: the page's own modules
    page.goto("/")
    dense = {
        "input_shape": [2],
        "layers": [
            {"type": "dense", "units": 8, "activation": "tanh"},
            {"type": "dropout", "rate": 0.1},
            {"type": "dense", "units": 1, "activation": "linear"},
        ],
    }
    deep = {
        **dense,
        "layers": [{"type": "dense", "units": 4, "activation": "tanh"}] * 7
        + [{"type": "dense", "units": 2, "activation": "softmax"}],
    }
    # a residual block, as a server with graph networks names it
    residual = {
        "input_shape": [4],
        "layers": [
            {"type": "dense", "units": 4, "activation": "relu", "name": "a"},
            {"type": "dense", "units": 4, "activation": "relu", "name": "b"},
            {"type": "add", "name": "sum", "inputs": ["b", "input"]},
            {"type": "dense", "units": 1, "name": "out", "inputs": ["sum"]},
        ],
    }
    on_two = {**residual, "input_shape": [2]}

    # when the page's modules judge them, and draw the block in one row and in a panel
    # two columns wide
    verdicts, wide, narrow = page.evaluate(
        """async ([specs, residual]) => {
            const graph = await import('/web/js/graph.js');
            const view = await import('/web/js/graphview.js');
            const draw = (width) => {
                const box = document.createElement('div');
                box.style.width = width;
                document.body.append(box);
                view.renderGraph(box, residual, null, 'not checked');
                box.remove();
                return {
                    boxes: [...box.querySelectorAll('.node')]
                        .map(n => [n.dataset.index, n.style.left, n.style.top]),
                    links: Object.fromEntries([...box.querySelectorAll('path')]
                        .map(p => [p.dataset.from + '>' + p.dataset.to, p.getAttribute('d')])),
                    info: box.querySelector('.info').textContent,
                };
            };
            const verdicts = specs.map(s => [graph.fitsPlayground(s), graph.onPlane(s),
                                             graph.planeNote(s)]);
            return [verdicts, draw('2000px'), draw('300px')];
        }""",
        [[dense, deep, LENET, residual, on_two], residual],
    )

    # then: only the plain stack is the controls'; a deeper dense one still has a plane;
    # the others say why they have none
    fits_and_plane = [[True, True], [False, True], [False, False], [False, False], [False, False]]
    assert [v[:2] for v in verdicts] == fits_and_plane
    images = shape_text(1, 12, 12)
    assert [v[2] for v in verdicts] == [
        None,
        None,
        f"This run's inputs are {images} images; the boundary view needs 2 inputs.",
        "This run has 4 inputs; the boundary view needs 2.",
        "This run's layers form a graph; the boundary view needs a plain stack of dense layers.",
    ]
    # and the merge reads both its inputs, one column after the deeper of them, the skip
    # link running above the boxes
    assert list(wide["links"]) == ["input>a", "a>b", "b>sum", "input>sum", "sum>out"]
    assert wide["boxes"] == [
        ["input", "14px", "24px"],
        ["0", "162px", "24px"],
        ["1", "310px", "24px"],
        ["2", "458px", "24px"],
        ["3", "606px", "24px"],
    ]
    assert " L" in wide["links"]["input>sum"]
    assert wide["info"] == "4 layers; shapes and parameter counts unknown: not checked"
    # and two columns a band, the links to the next band running between the bands
    assert narrow["boxes"] == [
        ["input", "14px", "0px"],
        ["0", "162px", "0px"],
        ["1", "14px", "114px"],
        ["2", "162px", "114px"],
        ["3", "14px", "228px"],
    ]
    assert narrow["links"]["a>b"] == "M282,45 H296 V96 H0 V159 H14"


RESIDUAL = {
    "input_shape": [1, 12, 12],
    "layers": [
        {"type": "conv2d", "filters": 4, "kernel_size": 3, "padding": "same", "name": "stem"},
        {"type": "conv2d", "filters": 4, "kernel_size": 3, "padding": "same", "use_bias": False},
        {"type": "batchnorm", "name": "residual"},
        {"type": "add", "inputs": ["stem", "residual"]},
        {"type": "activation", "activation": "relu"},
        {"type": "global_avgpool2d"},
        {"type": "dense", "units": 3, "activation": "softmax"},
    ],
}


def test_a_graph_run_is_drawn_with_the_links_its_inputs_name(page, stack):
    # given: a residual block trained by the worker
    dataset_id = image_dataset(stack)
    job = finished_run(stack, {"dataset_id": dataset_id, "network": RESIDUAL, "training": TRAIN})

    # when it is opened from its link
    page.goto(f"/#job={job['id']}")
    wait_status(page, "succeeded")
    page.wait_for_selector("#graph[data-layers='7']")

    # then: the boxes carry the API's names, and the skip connection is drawn
    ids = page.eval_on_selector_all("#graph .node", "boxes => boxes.map(b => b.dataset.id)")
    assert ids == [
        "input", "stem", "conv2d_1", "residual", "add_3", "activation_4",
        "global_avgpool2d_5", "dense_6",
    ]  # fmt: skip
    links = page.eval_on_selector_all(
        "#graph path", "paths => paths.map(p => [p.dataset.from, p.dataset.to])"
    )
    assert sorted(links) == sorted(
        [
            ["input", "stem"],
            ["stem", "conv2d_1"],
            ["conv2d_1", "residual"],
            ["stem", "add_3"],
            ["residual", "add_3"],
            ["add_3", "activation_4"],
            ["activation_4", "global_avgpool2d_5"],
            ["global_avgpool2d_5", "dense_6"],
        ]
    )
    shapes = page.eval_on_selector_all(
        "#graph .node .shape", "cells => cells.map(c => c.textContent)"
    )
    assert shapes[4:7] == [shape_text(4, 12, 12), shape_text(4, 12, 12), shape_text(4)]
