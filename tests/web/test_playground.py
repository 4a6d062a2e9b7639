"""The playground page, driven like a person would: pick data, shape the network, train,
watch, cancel, upload, reopen. Assertions read the page's state (the status, the numbers
the page writes onto its canvases as data-* attributes, the URL), never pixels."""

from __future__ import annotations

import re

import numpy as np
import pytest
from playwright.sync_api import expect

TRAINING = 30_000  # ms: a short run, trained by the real worker


def open_page(page, hash: str = "") -> None:
    page.goto(f"/{hash}")
    # The data is made and its points drawn: the page is ready.
    page.wait_for_function("Number(document.querySelector('#boundary').dataset.points) > 0")


def wait_status(page, status: str, timeout: int = TRAINING) -> None:
    page.wait_for_selector(f"#status[data-status='{status}']", timeout=timeout)


def enter(page, selector: str, value: str) -> None:
    """Type a value and leave the field, as a keyboard user does."""
    page.fill(selector, value)
    page.press(selector, "Tab")


def loss_curve(page) -> dict:
    return page.eval_on_selector("#loss", "canvas => ({...canvas.dataset})")


def boundary(page) -> dict:
    return page.eval_on_selector("#boundary", "canvas => ({...canvas.dataset})")


def train_and_wait(page, status: str = "succeeded") -> str:
    """Train; wait for the run to end in ``status`` (and, unless it succeeded, for the
    page to say why); return the job's id."""
    page.click("#train")
    wait_status(page, status)
    if status != "succeeded":
        page.wait_for_selector("#message:not([hidden])")
    return page.get_attribute("#status", "data-job")


def test_spiral_trains_and_draws_the_boundary(page):
    # given: spiral picked, and three hidden layers of 6 tanh units (the defaults' 8 and
    # 6, one more of 6, two units fewer in the first), set from the keyboard
    open_page(page)
    page.get_by_label("Circle", exact=True).check()
    page.get_by_label("Spiral", exact=True).check()
    page.focus("#add-layer")
    page.keyboard.press("Enter")
    remove = page.get_by_label("Remove a neuron from layer 1")
    remove.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # the focus stays on the button after the layers redraw
    enter(page, "#epochs", "300")
    assert page.inner_text("#layer-count") == "3 hidden layers"
    assert page.input_value(".layer:nth-child(1) input[type=number]") == "6"

    # when
    job_id = train_and_wait(page)
    page.wait_for_selector("#boundary[data-source='model']")

    # then: the loss fell, the boundary and every neuron's map are drawn
    curve = loss_curve(page)
    assert int(curve["epochs"]) == 300
    assert float(curve["lastLoss"]) < 0.5 * float(curve["firstLoss"])
    assert float(curve["lastTestLoss"]) < float(curve["firstTestLoss"])
    assert int(boundary(page)["epoch"]) > 0
    drawn = page.eval_on_selector_all(".layer", "cards => cards.map(c => c.dataset.drawn)")
    assert drawn == ["6", "6", "6"]
    assert page.inner_text("#epoch") == "300 / 300"
    assert f"job={job_id}" in page.url
    # the runs list shows the end as soon as the stream does (run.js's `ended`)
    expect(page.locator(f"#runs tr[data-job='{job_id}'] td[data-status]")).to_have_text("succeeded")
    # and the confusion matrix of the test split (half the samples), labelled by class
    confusion = page.locator("#confusion")
    confusion.wait_for(state="visible")
    assert confusion.locator("thead th").all_inner_texts() == ["true \\ predicted", "0", "1"]
    cells = [[int(c) for c in row.locator("td").all_inner_texts()]
             for row in confusion.locator("tbody tr").all()]  # fmt: skip
    total = int(page.input_value("#samples")) // 2
    assert sum(map(sum, cells)) == total == int(confusion.get_attribute("data-total"))
    accuracy = (cells[0][0] + cells[1][1]) / total
    assert float(confusion.get_attribute("data-accuracy")) == pytest.approx(accuracy)


def test_a_running_job_is_drawn_live_and_can_be_cancelled(page):
    # given: a run long enough to watch
    open_page(page)
    enter(page, "#epochs", "50000")

    # when it runs, the boundary comes from its checkpoints and the curves grow
    page.click("#train")
    page.wait_for_selector("#boundary[data-source='checkpoint']", timeout=TRAINING)
    assert int(boundary(page)["epoch"]) > 0
    page.wait_for_function("Number(document.querySelector('#loss').dataset.epochs) > 0")
    assert page.get_attribute("#status", "data-status") == "running"
    assert re.fullmatch(r"\d+ s|\d+ min \d+ s", page.inner_text("#eta"))

    # and it is cancelled
    page.click("#cancel")
    wait_status(page, "cancelled")
    page.wait_for_selector("#message:not([hidden])")
    assert "cancelled at epoch" in page.inner_text("#message")
    assert page.is_enabled("#train") and not page.is_enabled("#cancel")


def test_an_uploaded_csv_trains_on_the_chosen_target(page, tmp_path):
    # given: three classes whose labels are words, in the first column
    rng = np.random.default_rng(0)
    centres = {"setosa": (-3, -3), "versicolor": (3, -3), "virginica": (0, 3)}
    lines = ["species,width,height"]
    for name, (cx, cy) in centres.items():
        for x, y in rng.normal((cx, cy), 0.8, (40, 2)):
            lines.append(f"{name},{x:.3f},{y:.3f}")
    csv = tmp_path / "flowers.csv"
    csv.write_text("\n".join(lines) + "\n")
    open_page(page)

    # when it is uploaded with its target column chosen
    page.click("#upload summary")
    page.set_input_files("#csv-file", csv)
    page.select_option("#csv-target", "species")
    page.click("#csv-upload")
    page.wait_for_function("document.querySelector('#boundary').dataset.points === '120'")

    # then the page knows its three classes, and a network trains on it
    assert "3 classes" in page.inner_text("#dataset-info")
    assert page.inner_text("#legend").split() == ["setosa", "versicolor", "virginica"]
    assert page.inner_text("#output-layer").startswith("Output: 3 softmax units")
    assert "dataset=" in page.url
    enter(page, "#epochs", "100")
    train_and_wait(page)
    page.wait_for_selector("#boundary[data-source='model']")
    assert int(boundary(page)["epoch"]) > 0
    curve = loss_curve(page)
    assert float(curve["lastLoss"]) < float(curve["firstLoss"])


def test_whole_number_prices_upload_once_the_problem_type_says_regression(page, tmp_path):
    # given: 60 prices in whole dollars, a line in two features
    rng = np.random.default_rng(1)
    lines = ["size,age,price"]
    for size, age in rng.uniform(0, 1, (60, 2)):
        lines.append(f"{size:.3f},{age:.3f},{int(150_000 + 90_000 * size - 30_000 * age)}")
    csv = tmp_path / "prices.csv"
    csv.write_text("\n".join(lines) + "\n")
    open_page(page)
    page.click("#upload summary")
    page.set_input_files("#csv-file", csv)
    page.select_option("#csv-target", "price")

    # when uploaded with the problem type left to the data, the API asks for the task
    page.click("#csv-upload")
    page.wait_for_selector("#message:not([hidden])")
    assert "distinct whole numbers" in page.inner_text("#message")
    assert page.inner_text("#message li code") == "task"

    # then, with the problem type set to regression, it uploads as one
    page.select_option("#problem", "regression")
    page.click("#csv-upload")
    page.wait_for_function("document.querySelector('#boundary').dataset.points === '60'")
    assert "regression" in page.inner_text("#dataset-info")


def test_a_bad_spec_shows_the_apis_422(page):
    open_page(page)

    # a learning rate the API refuses
    enter(page, "#lr", "-1")
    page.click("#train")
    wait_status(page, "rejected")
    message = page.inner_text("#message")
    assert "(422)" in message and "learning_rate" in message
    assert page.inner_text("#message li code") == "training.optimizer.learning_rate"

    # classification forced on a regression dataset
    enter(page, "#lr", "0.01")
    page.get_by_label("Plane", exact=True).check()
    page.wait_for_function("document.querySelector('#dataset-info').textContent.includes('plane')")
    page.select_option("#problem", "classification")
    page.click("#train")
    page.wait_for_function("document.querySelector('#message').textContent.includes('regression')")
    assert page.get_attribute("#status", "data-status") == "rejected"
    assert page.inner_text("#message li code") == "training.loss"
    assert page.is_enabled("#train")


def test_divergence_is_reported_in_the_apis_words(page):
    open_page(page)
    page.get_by_label("Plane", exact=True).check()
    page.wait_for_function("document.querySelector('#dataset-info').textContent.includes('plane')")
    page.select_option("#optimizer", "sgd")
    enter(page, "#lr", "10")
    enter(page, "#epochs", "50")

    train_and_wait(page, "failed")

    assert page.inner_text("#status") == "Diverged"
    message = page.inner_text("#message")
    assert "Training diverged at epoch" in message
    assert "lower the learning rate" in message  # the API's own advice


def test_a_run_reopens_from_its_link_and_from_the_runs_list(page, context):
    # given: a trained run with features, dropout and L2
    open_page(page)
    page.get_by_label("Moons", exact=True).check()
    page.get_by_label("x₁x₂").check()
    enter(page, ".layer:nth-child(1) input[step='0.05']", "0.1")
    page.select_option("#reg", "l2")
    enter(page, "#epochs", "60")
    job_id = train_and_wait(page)
    page.wait_for_selector("#boundary[data-source='model']")
    link = page.get_attribute("#permalink", "href")

    # when the link is opened in another tab
    other = context.new_page()
    open_page(other, link[link.index("#") :])
    wait_status(other, "succeeded")
    other.wait_for_selector("#boundary[data-source='model']")

    # then the page is as it was: the same run, curves, boundary and controls
    assert other.get_attribute("#status", "data-job") == job_id
    assert loss_curve(other)["epochs"] == "60"
    assert other.get_by_label("Moons", exact=True).is_checked()
    assert other.get_by_label("x₁x₂").is_checked()
    assert other.input_value("#reg") == "l2"
    other.close()

    # and from the runs list of a fresh page, the run's own spec restores the controls
    page.goto("about:blank")
    open_page(page)
    page.click(f"#runs a[href='#job={job_id}']")
    page.wait_for_function(f"document.querySelector('#status').dataset.job === '{job_id}'")
    page.wait_for_selector("#boundary[data-source='model']")
    assert page.get_by_label("Moons", exact=True).is_checked()
    assert page.get_by_label("x₁x₂").is_checked()
    assert page.input_value(".layer:nth-child(1) input[step='0.05']") == "0.1"
    assert page.input_value("#epochs") == "60"
    assert page.input_value("#reg") == "l2"


def test_the_key_is_asked_for_once_then_kept_by_the_browser(keyless_context, stack, screenshots):
    # given: a browser that never had a key, under the page's Content Security Policy
    page = keyless_context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda m: problems.append(m.text) if "Security Policy" in m.text else 0)
    drawn = "#boundary[data-points]:not([data-points='0'])"
    try:
        # when: the page's first call is refused, it asks for the key
        page.goto("/")
        page.wait_for_selector("#key-dialog[open]")
        # the API's `markup` is shown as code, not as backticks
        assert "Authorization: Bearer" in page.text_content("#key-reason")
        assert "`" not in page.text_content("#key-reason")
        assert page.inner_text("#key-reason code >> nth=0") == "Authorization: Bearer <key>"
        page.fill("#key-input", stack.key)
        page.press("#key-input", "Enter")
        # then: the refused call is made again with it, and the data is drawn
        page.wait_for_selector(drawn)
        # and after a reload the key is still there: no question asked
        page.reload()
        page.wait_for_selector(drawn)
        assert page.query_selector("#key-dialog[open]") is None
        assert problems == []
    finally:
        page.screenshot(path=screenshots / "test_the_key_is_asked_for_once.png")


def test_a_run_is_followed_by_its_event_stream_and_by_polling_without_one(page):
    # given: the page's requests, recorded
    paths: list[str] = []
    page.on("request", lambda request: paths.append(request.url.split("?")[0]))
    open_page(page)
    enter(page, "#epochs", "40")

    # when it trains, the run follows the job's event stream: no metrics polling
    job_id = train_and_wait(page)
    assert sum(p.endswith(f"/v1/jobs/{job_id}/events") for p in paths) == 1
    assert not [p for p in paths if p.endswith(f"/v1/jobs/{job_id}/metrics")]
    assert int(loss_curve(page)["epochs"]) == 40

    # and where event streams are dropped on the way, it polls
    page.route("**/events", lambda route: route.abort())
    paths.clear()
    job_id = train_and_wait(page)
    assert [p for p in paths if p.endswith(f"/v1/jobs/{job_id}/metrics")]
    assert int(loss_curve(page)["epochs"]) == 40
    assert page.inner_text("#epoch") == "40 / 40"
