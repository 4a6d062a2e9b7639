"""The playground's drawing: links from the real weights, output tiles, a fine boundary
and its toggles, Step / Pause / Play / Reset, and the explain view. Short spiral runs;
each test also checks that no request failed."""

from __future__ import annotations

import json

import pytest

from tests.web.test_playground import TRAINING, boundary, enter, loss_curve, open_page, wait_status


def watch(page) -> list[str]:
    """Every HTTP error reply the page gets and every error its console shows, but one:
    a running job's surface is a 409 until its first checkpoint is stored (every few
    epochs, throttled), which the page cannot know in advance; it draws the next one.
    (An event stream the page closes once its run ended is an aborted request, not a
    failure.)"""
    failures: list[str] = []

    def response(r) -> None:
        if r.status >= 400 and not (r.status == 409 and "/surface?" in r.url):
            failures.append(f"{r.status} {r.url}")

    def console(m) -> None:
        if m.type == "error" and "status of 409" not in m.text:
            failures.append(m.text)

    page.on("response", response)
    page.on("console", console)
    return failures


def trained(page, epochs: str = "20") -> str:
    enter(page, "#epochs", epochs)
    page.click("#train")
    wait_status(page, "succeeded")
    page.wait_for_selector("#boundary[data-source='model']")
    return page.get_attribute("#status", "data-job")


def canvas_image(page, selector: str) -> str:
    return page.eval_on_selector(selector, "canvas => canvas.toDataURL()")


def test_links_follow_the_weights_and_the_boundary_is_fine(page, stack):
    # given: a spiral trained for a few epochs on the defaults: x₁, x₂, sin x₁, sin x₂
    # into two hidden layers of 8 and 6
    failures = watch(page)
    open_page(page)
    job_id = trained(page)

    # then: one link per weight, in the API's order, each as wide as its weight is large
    job = stack.client.get(f"/v1/jobs/{job_id}").json()
    surface = stack.client.get(
        f"/v1/models/{job['model_id']}/surface", params={"neurons": "true", "grid": 2}
    ).json()
    weights = [w for layer in surface["weights"] for row in layer["weights"] for w in row]
    assert len(weights) == 4 * 8 + 8 * 6 + 6 * 2
    links = page.eval_on_selector_all(
        ".network svg.links path",
        "paths => paths.map(p => [+p.dataset.value, +p.getAttribute('stroke-width')])",
    )
    assert [value for value, _ in links] == pytest.approx(weights, rel=1e-6)
    widths = [width for _, width in sorted(links, key=lambda link: abs(link[0]))]
    assert widths == sorted(widths) and widths[0] < widths[-1]
    title = page.text_content(".network svg.links path title")
    assert title.startswith("x₁ → layer 1 neuron 1: weight ")
    # no link passes over a feature's name: the names stand left of the maps the links leave
    names_end, links_start = page.evaluate(
        """() => [
          Math.max(...[...document.querySelectorAll('#features .name')].map(
            (e) => e.getBoundingClientRect().right)),
          Math.min(...[...document.querySelectorAll('.network svg.links path')].map(
            (e) => e.getBoundingClientRect().left)),
        ]"""
    )
    assert names_end < links_start
    # the output tiles, one per class, and every neuron's map are drawn
    assert page.get_attribute("#outputs", "data-drawn") == "2"
    assert page.eval_on_selector_all(".layer", "cards => cards.map(c => c.dataset.drawn)") == [
        "8",
        "6",
    ]
    # and the boundary is painted from a 100x100 grid onto every pixel of its canvas
    assert int(boundary(page)["grid"]) >= 100
    assert page.eval_on_selector("#boundary", "c => [c.width, c.height]") == [300, 300]
    # the curves have their legend
    assert loss_curve(page)["legend"] == "training loss,test loss,training accuracy,test accuracy"
    # drawn whole: none of it past the canvas's right edge
    assert 0 < float(loss_curve(page)["legendRight"]) <= 300

    # when the toggles change, so does the canvas
    plain = canvas_image(page, "#boundary")
    page.check("#discretize")
    discretized = canvas_image(page, "#boundary")
    page.check("#show-test")
    with_test = canvas_image(page, "#boundary")
    assert len({plain, discretized, with_test}) == 3
    assert "discretize=1" in page.url and "test=1" in page.url
    assert failures == []


def test_step_trains_one_epoch_at_a_time_then_reset_forgets(page, stack):
    failures = watch(page)
    open_page(page)

    # when: Step from nothing, then Step again
    page.click("#step")
    wait_status(page, "succeeded")
    first = page.get_attribute("#status", "data-job")
    assert page.inner_text("#epoch") == "1 / 1"
    page.click("#step")
    page.wait_for_function(
        f"document.querySelector('#status').dataset.job !== '{first}' && "
        "document.querySelector('#status').dataset.status === 'succeeded'",
        timeout=TRAINING,
    )

    # then: the second step is one epoch from the first's model, counted as epoch 2
    assert page.inner_text("#epoch") == "2 / 2"
    page.wait_for_function("document.querySelector('#loss').dataset.epochs === '2'")
    second = stack.client.get(f"/v1/jobs/{page.get_attribute('#status', 'data-job')}").json()
    model = stack.client.get(f"/v1/jobs/{first}").json()["model_id"]
    assert second["training"]["epochs"] == 1
    assert second["training"]["initial_weights"] == {"model_id": model}

    # and Reset forgets the run: no links, no boundary, epoch 0
    page.wait_for_selector("#boundary[data-source='model']")
    assert int(page.get_attribute(".panel.network", "data-links")) > 0
    page.click("#reset")
    assert page.inner_text("#epoch") == "0"
    assert boundary(page)["source"] == ""
    assert page.get_attribute(".panel.network", "data-links") == "0"
    assert "job=" not in page.url
    assert failures == []


def test_pause_keeps_the_checkpoint_and_play_goes_on(page, stack):
    failures = watch(page)
    open_page(page)
    enter(page, "#epochs", "50000")
    page.click("#train")
    page.wait_for_selector("#boundary[data-source='checkpoint']", timeout=TRAINING)
    paused = page.get_attribute("#status", "data-job")

    # when paused, the run stops with the model of its latest checkpoint
    page.click("#pause")
    wait_status(page, "cancelled")
    assert page.inner_text("#pause") == "Play"
    job = stack.client.get(f"/v1/jobs/{paused}").json()
    assert job["model_id"] is not None

    # and Play resumes it as a new job from that checkpoint
    page.click("#pause")
    page.wait_for_function(
        f"document.querySelector('#status').dataset.job !== '{paused}' && "
        "document.querySelector('#status').dataset.status === 'running'",
        timeout=TRAINING,
    )
    resumed = stack.client.get(f"/v1/jobs/{page.get_attribute('#status', 'data-job')}").json()
    assert resumed["resumed_from"] == paused
    assert page.inner_text("#pause") == "Pause"
    page.click("#cancel")
    wait_status(page, "cancelled")
    assert failures == []


def test_the_explain_view_shows_a_points_pass(page, stack):
    failures = watch(page)
    open_page(page)
    job_id = trained(page)

    # when a point on the plane is clicked
    page.click("#boundary", position={"x": 150, "y": 150})
    page.wait_for_selector("#explain:not([hidden])")

    # then the forward pass starts at the input: the values on the four input nodes (the
    # default features) are the ones the API gives for that point
    assert page.get_attribute("#explain", "data-step") == "0"
    x, target = json.loads(page.get_attribute("#explain", "data-point"))
    reply = stack.client.post(f"/v1/jobs/{job_id}/explain", json={"input": x, "target": target})
    shown = page.eval_on_selector_all(
        ".network .badges .badge", "bs => bs.map(b => Number(b.dataset.value))"
    )
    assert shown == pytest.approx(reply.json()["input"], rel=1e-6)
    # step forward through both hidden layers and the output, then backward
    page.click("#explain-next")
    badges = page.locator(".network .badges .badge")
    assert badges.count() == 4 + 8
    for _ in range(2):
        page.click("#explain-next")
    assert badges.count() == 4 + 8 + 6 + 2
    assert "loss" in page.inner_text("#explain-caption")
    page.click("#explain-next")
    assert page.get_attribute("#explain", "data-kind") == "gradient"
    assert page.get_attribute(".network svg.links", "data-kind") == "gradient"
    assert int(page.get_attribute(".network.panel", "data-links")) == 6 * 2
    assert page.get_attribute("#status", "data-job") == job_id
    assert failures == []
