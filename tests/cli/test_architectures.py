"""``syn0 architectures``: the list, one family's spec file (read back by ``syn0 train``'s
own loader, and trained), and bad options named as options."""

from __future__ import annotations

import json

import pytest

from syn0.cli.specfile import load
from syn0.core import NetworkSpec, TrainingSpec, datasets
from syn0.core.architectures import TRAINING, build


@pytest.fixture(scope="module")
def bars(api) -> str:
    X, y = datasets.images(160, size=12, noise=0.1, kind="bars")
    return api.datasets.upload_arrays(X, y, name="bars").id


def test_the_list_names_each_family_its_idea_and_knobs(syn0):
    done = syn0("architectures")
    assert done.code == 0, done.err
    lines = done.out.splitlines()
    assert lines[0].split() == ["name", "year", "width", "depth", "idea"]
    assert [line.split()[0] for line in lines[1:] if line[:1] != " "] == [
        "lenet5",
        "alexnet",
        "vgg",
        "googlenet",
        "resnet",
    ]
    assert "lenet5     1998  6 (1-64)    2 (1-3)  LeNet-5 (LeCun et al., 1998)" in done.out
    as_json = json.loads(syn0("architectures", "--json").out)
    assert as_json[4]["name"] == "resnet" and as_json[4]["year"] == 2015


@pytest.mark.parametrize("name", ["lenet5", "alexnet", "vgg", "googlenet", "resnet"])
def test_the_spec_file_reads_back_as_the_template(syn0, tmp_path, name):
    # when
    done = syn0("architectures", name, "--input-shape", "3,32,32", "--classes", "10")
    assert done.code == 0, done.err
    (tmp_path / "spec.yaml").write_text(done.out)
    # then: `syn0 train`'s loader gives back the network and the training spec
    parsed = load(tmp_path / "spec.yaml").data
    assert NetworkSpec.model_validate(parsed["network"]) == build(name, (3, 32, 32), 10)
    assert TrainingSpec.model_validate(parsed["training"]) == TRAINING
    assert done.out.startswith(f"# {name} (width=")
    assert "  - {type: dense, name: predictions, units: 10, activation: softmax" in done.out


def test_a_spec_file_for_a_dataset_trains(syn0, bars, tmp_path):
    # given: ResNet for the dataset's images and classes, for 2 epochs
    done = syn0("architectures", "resnet", "--data", bars, "--width", "4", "--depth", "1")
    assert done.code == 0, done.err
    assert done.out.startswith("# resnet (width=4, depth=1) for images of 1,12,12 and 4 classes")
    (tmp_path / "resnet.yaml").write_text(done.out.replace("epochs: 10", "epochs: 2"))
    # when
    trained = syn0("train", tmp_path / "resnet.yaml", "--data", bars, "--watch")
    # then
    assert trained.code == 0, trained.err
    assert " succeeded in " in trained.out and "(2 epochs)" in trained.out


@pytest.mark.parametrize(
    ("args", "err"),
    [
        (
            ["vgg", "--input-shape", "28,28", "--classes", "10"],
            "error: --input-shape: Received an invalid value for `input_shape`, expected "
            "(channels, height, width): channels from 1 to 256, height and width from 8 to "
            "2048 pixels. Received: input_shape=(28, 28)\n",
        ),
        (
            ["vgg", "--input-shape", "1,28,28", "--classes", "10", "--depth", "9"],
            "error: --depth: Received an invalid value for `depth`, expected an integer from 1 "
            "to 4 for vgg. Received: depth=9\n",
        ),
        (
            ["vgg"],
            "error: vgg's network is scaled to your images: give --input-shape C,H,W and "
            "--classes K, or --data ID\n",
        ),
        (
            ["--classes", "10"],
            "error: --input-shape, --classes, --data, --width and --depth need a NAME\n",
        ),
        (
            ["transformer", "--input-shape", "1,28,28", "--classes", "10"],
            "error: no architecture named 'transformer'; the architectures are lenet5, "
            "alexnet, vgg, googlenet, resnet\n",
        ),
    ],
)
def test_bad_options_are_named_as_options(syn0, args, err):
    refused = syn0("architectures", *args)
    assert (refused.code, refused.out, refused.err) == (2, "", err)
