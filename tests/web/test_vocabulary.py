"""The playground restates the server's vocabularies as plain `export const` literals
(web/js) and as form options (index.html); each must match what the OpenAPI document
publishes. No browser needed: the literals are read as JSON."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

from syn0.api.web import WEB
from tests.openapi import component, default, enum, properties


def constant(module: str, name: str) -> Any:
    """``export const NAME = <literal>;`` of ``web/js/<module>``: an array, an object with
    bare keys, or ``new Set([...])``, of strings, numbers and booleans."""
    text = (WEB / "js" / module).read_text()
    found = re.search(rf"^export const {name} = (.+?);$", text, re.M | re.S)
    assert found, f"{module} has no `export const {name} = ...;`"
    literal = re.sub(r"^new Set\((.*)\)$", r"\1", found.group(1), flags=re.S)
    literal = re.sub(r"([{,]\s*)(\w+):", r'\1"\2":', literal)  # bare keys
    return json.loads(re.sub(r",(\s*[\]}])", r"\1", literal))  # trailing commas


class _Form(HTMLParser):
    """The page's kind radios and each select's option values."""

    def __init__(self) -> None:
        super().__init__()
        self.radios: dict[str, list[str]] = {}
        self.selects: dict[str, list[str]] = {}
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "input" and a.get("type") == "radio":
            self.radios.setdefault(a["name"], []).append(a["value"])
        elif tag == "select":
            self._select = a["id"]
            self.selects[self._select] = []
        elif tag == "option" and self._select and "value" in a:
            self.selects[self._select].append(a["value"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def form() -> _Form:
    parsed = _Form()
    parsed.feed((WEB / "index.html").read_text())
    return parsed


def test_dataset_kinds_and_their_tasks():
    # The page plots 2-D points: it offers every generator but those of images.
    kinds = constant("state.js", "KINDS")
    published = component("DatasetKind")
    images = published["x-images"]
    assert images and set(images) <= set(published["x-tasks"])
    assert kinds == {k: task for k, task in published["x-tasks"].items() if k not in images}
    assert sorted(form().radios["kind"]) == sorted(kinds)


def test_input_features_and_hidden_layer_activations():
    assert set(constant("state.js", "FEATURES")) == set(enum("Feature"))
    # A hidden layer may use every activation but softmax, the output layer's.
    assert set(constant("state.js", "ACTIVATIONS")) == set(enum("Activation")) - {"softmax"}


def test_optimizers_regularizations_and_problem_types():
    selects = form().selects
    optimizers = constant("state.js", "OPTIMIZERS")
    assert set(optimizers) == set(
        properties("TrainingSpec")["optimizer"]["discriminator"]["mapping"]
    )
    assert selects["optimizer"] == optimizers
    regularizations = constant("state.js", "REGULARIZATIONS")
    assert set(regularizations) == {"none", *properties("RegularizationSpec")}
    assert selects["reg"] == regularizations
    problems = constant("state.js", "PROBLEMS")
    assert set(problems) == {"auto", *enum("Task")}
    assert selects["problem"] == problems


def test_training_defaults_are_the_apis():
    optimizer = default("TrainingSpec", "optimizer")
    assert constant("state.js", "TRAINING_DEFAULTS") == {
        "optimizer": optimizer["type"],
        "learning_rate": optimizer["learning_rate"],
        "batch_size": default("TrainingSpec", "batch_size"),
        "epochs": default("TrainingSpec", "epochs"),
        "validation_split": default("TrainingSpec", "validation_split"),
        "normalize_inputs": default("TrainingSpec", "normalize_inputs"),
        "patience": default("EarlyStoppingSpec", "patience"),
    }


def test_statuses_the_page_knows_are_the_apis():
    assert set(constant("run.js", "TERMINAL")) == set(component("JobStatus")["x-finished"])
    code = "\n".join(path.read_text() for path in sorted((WEB / "js").glob("*.js")))
    compared = re.findall(r'\.status\s*[!=]==\s*"(\w+)"', code)
    cases = re.findall(r'case "(\w+)":', (WEB / "js" / "status.js").read_text())
    assert compared and cases
    assert set(compared + cases) <= set(enum("JobStatus"))


def test_metric_names_the_page_reads_are_the_apis():
    code = "\n".join(path.read_text() for path in sorted((WEB / "js").glob("*.js")))
    # The page draws `loss` and `val_loss`; any val_* name in its code is a metric's.
    read = {"loss", *re.findall(r"\bval_\w+", code)}
    assert "val_loss" in read
    assert read <= set(properties("MetricOut"))


def test_optimizer_settings_and_schedules_are_the_apis():
    # Each optimizer's settings the page offers, under the API's names and defaults.
    settings = constant("state.js", "OPTIMIZER_SETTINGS")
    optimizers = properties("TrainingSpec")["optimizer"]["discriminator"]["mapping"]
    assert set(settings) == set(optimizers)
    for name, offered in settings.items():
        schema = optimizers[name].rsplit("/", 1)[-1]
        assert offered == {field: default(schema, field) for field in offered}
        assert set(offered) <= set(properties(schema)) - {"type", "learning_rate"}
    # The schedules: every one the API has, each setting named as the API names it, at its
    # default where it has one (a step schedule's `every` has none: the page picks 100;
    # a plateau's `min_delta` stays the API's).
    schedules = constant("state.js", "SCHEDULES")
    mapping = properties("TrainingSpec")["lr_schedule"]["discriminator"]["mapping"]
    assert set(schedules) == set(mapping)
    assert form().selects["schedule"] == list(schedules)
    for name, offered in schedules.items():
        schema = mapping[name].rsplit("/", 1)[-1]
        published = properties(schema)
        assert set(offered) <= set(published) - {"type"}
        for field, value in offered.items():
            assert value == published[field].get("default", value)
    assert schedules["step"]["every"] == 100
