"""Where a field sits in a spec file (no server needed)."""

from __future__ import annotations

import pytest

from syn0.cli.specfile import SpecFileError, load

YAML = """\
network:
  input_shape: [2]
  layers:
    - {type: dense, units: 4}
    - type: dense
      units: 2
training:
  optimizer: {type: sgd, learning_rate: 0}
"""


@pytest.mark.parametrize(
    ("loc", "where"),
    [
        ("network.layers.1.dense.units", ("network.layers.1.units", 6)),  # the union tag
        ("network.layers.0", ("network.layers.0", 4)),
        ("training.optimizer.sgd.learning_rate", ("training.optimizer.learning_rate", 8)),
        ("training.loss", ("training.loss", 7)),  # missing: the section it belongs in
        ("network.layers.7.units", ("network.layers.7.units", 3)),
        ("body", ("body", None)),
    ],
)
def test_locate_in_yaml(tmp_path, loc, where):
    (tmp_path / "spec.yaml").write_text(YAML)
    assert load(tmp_path / "spec.yaml").locate(loc) == where


def test_locate_in_json_with_tabs_and_no_spaces(tmp_path):
    (tmp_path / "spec.json").write_text(
        '{"network":{"input_shape":[2],\n\t"layers":[{"type":"dense","units":-1}]},\n'
        '"training":{"loss":"mse"}}'
    )
    spec = load(tmp_path / "spec.json")
    assert spec.where("network.layers.0.dense.units") == f"{tmp_path / 'spec.json'}:2: " + (
        "network.layers.0.units"
    )


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bad.yaml", "network: {input_shape: [2}\ntraining: {}\n", r"bad\.yaml:1:\d+: not valid"),
        ("bad.json", '{"network": {},\n "training": {},\n}', r"bad.json:3:1: not valid JSON"),
        ("list.yaml", "- 1\n", "a mapping with `network` and `training`; found list"),
        ("extra.yaml", "network: {}\ntraining: {}\nname: x\n", r"extra.yaml:3: name: unknown"),
    ],
)
def test_files_that_are_not_specs(tmp_path, name, text, message):
    (tmp_path / name).write_text(text)
    with pytest.raises(SpecFileError, match=message):
        load(tmp_path / name)


def test_a_missing_file(tmp_path):
    with pytest.raises(SpecFileError, match=r"missing\.yaml: cannot read the spec file"):
        load(tmp_path / "missing.yaml")
