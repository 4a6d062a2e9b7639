"""Large JSON bodies streamed into arrays (``syn0.kit.json_stream``): the arrays NumPy would
make, and the errors the one-shot parsers give, without building Python lists."""

from __future__ import annotations

import json
from functools import partial

import numpy as np
import pytest

from syn0.datasets.parsing import _rectangular
from syn0.kit.errors import InvalidInput
from syn0.kit.json_stream import Counted, grid, labels_or_numbers, parse_object


def _stream(features: str, typecode: str = "d", **kw) -> np.ndarray:
    body = b'{"features": ' + features.encode() + b"}"
    read = partial(grid, field="features", typecode=typecode, **kw)
    return parse_object(body, {"features": read})["features"]


def _refusal(features: str) -> tuple[str, str]:
    with pytest.raises(InvalidInput) as caught:
        _stream(features)
    return caught.value.errors[0]["loc"], caught.value.detail


def _numpy_refusal(features: str) -> tuple[str, str]:
    """What the one-shot path says (``np.asarray`` and the row scan)."""
    with pytest.raises(InvalidInput) as caught:
        _rectangular(json.loads(features), "features")
    return caught.value.errors[0]["loc"], caught.value.detail


@pytest.mark.parametrize(
    "features",
    ["[[1.5, 2], [3, 4]]", "[1, 2, 3]", "[[[1, 2]], [[3, 4]]]", "[[[[0.5]]]]", "[[]]", "[]"],
)
def test_numbers_become_the_array_numpy_makes(features):
    streamed = _stream(features)
    expected = np.asarray(json.loads(features), dtype=np.float64)
    assert streamed.shape == expected.shape and streamed.dtype == np.float64
    np.testing.assert_array_equal(streamed, expected)


def test_float32_and_booleans():
    assert _stream("[[1e39, 0.1]]", "f").tolist() == [[np.inf, np.float32(0.1)]]
    booleans = _stream("[[true, false]]")
    assert booleans.dtype == bool and booleans.tolist() == [[True, False]]


@pytest.mark.parametrize(
    "features",
    [
        "[[1, 2], [3]]",
        "[[1, 2], 3]",
        "[1, [2, 3]]",
        "[[], [1]]",
        "[[1], []]",
        "[[], [[1]]]",
        "[[1, [2]]]",
        "[[1, 2], [3, [4]]]",
        "[[[1]], [2]]",
        "[[[1, 2], [3, 4]], [[5, 6], [7]]]",
    ],
)
def test_ragged_arrays_are_refused_as_the_one_shot_parser_refuses_them(features):
    assert _refusal(features) == _numpy_refusal(features)


@pytest.mark.parametrize(
    ("features", "words"),
    [
        ('[[1, "a"]]', "features.0.1 is a string"),
        ("[[1, null]]", "features.0.1 is null"),
        ("[[1, 2], [3, {}]]", "features.1.1 is an object"),
    ],
)
def test_what_is_not_a_number_is_named(features, words):
    loc, detail = _refusal(features)
    assert loc == "features" and words in detail


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b'{"features": [[1, NaN]]}', "NaN and Infinity are not JSON numbers"),
        (b'{"features": [[1, 1' + b"0" * 310 + b"]]}", "integers must fit in 64 bits"),
        (b'{"features": [[1e400]]}', "within ±1.8e308"),
        (b'{"features": [[1, 2]]', "not valid JSON"),
        (b'{"features": [[1, 2]]} trailing', "not valid JSON"),
    ],
)
def test_what_the_parser_refuses_is_invalid_json_with_a_hint(body, words):
    with pytest.raises(InvalidInput) as caught:
        parse_object(body, {"features": partial(grid, field="features", typecode="d")})
    assert caught.value.errors[0]["loc"] == "body"
    assert words in caught.value.detail


def test_other_values_are_kept_and_containers_skipped():
    body = b'{"name": "d", "task": null, "extra": {"deep": [[1, 2]]}, "more": [1, [2]]}'
    assert parse_object(body, {}) == {"name": "d", "task": None, "extra": {}, "more": []}
    assert parse_object(b"[1, 2]", {}) == []
    assert parse_object(b"7", {}) == 7


def test_past_max_values_the_rest_is_counted_not_kept():
    counted = _stream("[" + ",".join(["[1, 2, 3]"] * 100) + "]", max_values=10)
    assert counted == Counted((100, 3))


@pytest.mark.parametrize(
    ("targets", "expected", "dtype"),
    [
        ("[0, 1, 2]", [0, 1, 2], np.int64),
        ("[0, 1.5]", [0.0, 1.5], np.float64),
        ("[[0.5, 1], [2, 3]]", [[0.5, 1.0], [2.0, 3.0]], np.float64),
        ("[true, false]", [True, False], np.bool_),
    ],
)
def test_numeric_targets_keep_numpys_dtype(targets, expected, dtype):
    read = partial(labels_or_numbers, max_classes=10)
    y = parse_object(b'{"targets": ' + targets.encode() + b"}", {"targets": read})["targets"]
    assert y.dtype == dtype and y.tolist() == expected


def test_labels_are_a_list_with_each_distinct_one_kept_once():
    read = partial(labels_or_numbers, max_classes=10)
    y = parse_object(b'{"targets": ["cat", "dog", "cat"]}', {"targets": read})["targets"]
    assert y == ["cat", "dog", "cat"] and y[0] is y[2]


@pytest.mark.parametrize(
    ("targets", "words"),
    [
        ('["a", 1]', "all numbers or all strings"),
        ('[1, "a"]', "all numbers or all strings"),
        ('["a", "b", "c"]', "more than 2 distinct class labels"),
    ],
)
def test_targets_mixing_labels_and_numbers_or_over_the_classes_are_refused(targets, words):
    read = partial(labels_or_numbers, max_classes=2)
    with pytest.raises(InvalidInput) as caught:
        parse_object(b'{"targets": ' + targets.encode() + b"}", {"targets": read})
    assert words in caught.value.detail and caught.value.errors[0]["loc"] == "targets"
