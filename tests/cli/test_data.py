"""``syn0 data``: generate, upload, images, ls, show, rm."""

from __future__ import annotations

import io
import json

import numpy as np

from syn0.cli.data import KINDS
from syn0.core import datasets
from tests.cli.conftest import EXAMPLES


def test_generate_prints_a_summary_an_id_or_json(syn0):
    plain = syn0("data", "generate", "spiral", "--samples", "200", "--noise", "0.1")
    assert plain.code == 0, plain.err
    assert "spiral (200, noise 0.1, seed 0): classification, 200 samples of [2]" in plain.out
    quiet = syn0("data", "generate", "moons", "--samples", "50", "-q")
    assert quiet.code == 0 and len(quiet.out.strip()) == 32
    as_json = syn0("data", "generate", "plane", "--samples", "50", "--seed", "3", "--json")
    dataset = json.loads(as_json.out)
    assert dataset["task"] == "regression" and dataset["name"] == "plane (50, noise 0, seed 3)"


def test_generate_refuses_bad_values(syn0):
    unknown = syn0("data", "generate", "bars")
    assert unknown.code == 2 and "'bars' is not one of" in unknown.err
    noisy = syn0("data", "generate", "xor", "--noise", "3")
    assert noisy.code == 2 and noisy.err.startswith("error: noise:")
    assert "Traceback" not in noisy.err


def test_generate_glyphs_with_channels_and_size(syn0):
    colour = syn0(
        "data", "generate", "glyphs", "--samples", "30", "--channels", "3", "--image-size", "12"
    )
    assert colour.code == 0, colour.err
    assert "glyphs (30, 3x12x12, noise 0, seed 0): classification, 30 samples of [3, 12, 12]" in (
        colour.out
    )
    for_points = syn0("data", "generate", "spiral", "--channels", "3")
    assert for_points.code == 2 and for_points.err.startswith("error: channels:")
    too_big = syn0("data", "generate", "glyphs", "--image-size", "64")
    assert too_big.code == 2 and "32" in too_big.err


def test_the_kinds_offered_are_the_servers():
    assert KINDS == datasets.KINDS + datasets.IMAGE_KINDS


def test_upload_csv_and_npz(syn0, tmp_path):
    csv = syn0("data", "upload", EXAMPLES / "xor.csv", "--target", "y", "--json")
    assert csv.code == 0, csv.err
    assert json.loads(csv.out)["classes"] == [0, 1]
    no_target = syn0("data", "upload", EXAMPLES / "xor.csv")
    assert no_target.code == 2 and "--target" in no_target.err
    wrong_target = syn0("data", "upload", EXAMPLES / "xor.csv", "--target", "colour")
    assert wrong_target.code == 2 and "colour" in wrong_target.err
    buffer = io.BytesIO()
    np.savez(buffer, X=np.ones((10, 3)), y=np.arange(10.0))
    (tmp_path / "ten.npz").write_bytes(buffer.getvalue())
    npz = syn0("data", "upload", tmp_path / "ten.npz", "--name", "ten", "--task", "regression")
    assert npz.code == 0, npz.err
    assert "ten: regression, 10 samples of [3], 1 out" in npz.out


def test_images_are_made_locally_and_uploaded(syn0):
    made = syn0("data", "images", "--kind", "shapes", "--samples", "30", "--size", "8", "--json")
    assert made.code == 0, made.err
    dataset = json.loads(made.out)
    assert dataset["input_shape"] == [1, 8, 8] and dataset["classes"] == [0, 1, 2]
    too_small = syn0("data", "images", "--size", "4")
    assert too_small.code == 2 and "size" in too_small.err


def test_ls_show_and_rm(syn0, api):
    dataset = api.datasets.generate("gauss", n_samples=20, name="to delete")
    listed = syn0("data", "ls", "--limit", "3")
    assert listed.code == 0 and dataset.id in listed.out and "to delete" in listed.out
    page = json.loads(syn0("data", "ls", "--json").out)
    assert dataset.id in [item["id"] for item in page["items"]]
    shown = syn0("data", "show", dataset.id)
    assert shown.code == 0 and "to delete" in shown.out and "[2]" in shown.out
    assert json.loads(syn0("data", "show", dataset.id, "--json").out)["id"] == dataset.id
    assert syn0("data", "rm", dataset.id).code == 0
    gone = syn0("data", "show", dataset.id)
    assert gone.code == 2 and gone.err == f"error: no dataset with id '{dataset.id}'\n"
