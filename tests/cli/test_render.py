"""How the CLI writes a network and a training on one line: a chain, a graph's names and
inputs, the training's options."""

import yaml

from syn0.cli.render import network_line, training_line
from tests.cli.conftest import EXAMPLES


def test_a_stack_is_a_chain():
    network = yaml.safe_load((EXAMPLES / "lenet.yaml").read_text())["network"]
    assert network_line(network) == (
        "[1, 12, 12] -> conv2d(6, 3, relu) -> maxpool2d(2) -> conv2d(12, 3, relu) -> "
        "maxpool2d(2) -> flatten -> dense(32, relu) -> dense(4, softmax)"
    )


def test_a_graph_names_its_layers_and_what_they_read():
    network = yaml.safe_load((EXAMPLES / "resnet.yaml").read_text())["network"]
    line = network_line(network)
    assert "-> stem=activation(relu) ->" in line
    assert "-> residual=batchnorm -> add(<- stem, residual) -> activation(relu) ->" in line


def test_the_training_line_names_normalized_targets_and_class_weights():
    base = {"loss": "mse", "optimizer": {"type": "sgd", "learning_rate": 0.01}, "epochs": 5}
    assert training_line({**base, "normalize_targets": True}) == (
        "mse, sgd lr 0.01, 5 epochs, batch full, normalized targets"
    )
    weighted = {**base, "loss": "cross_entropy", "batch_size": 8, "class_weight": "balanced"}
    assert training_line(weighted).endswith("batch 8, balanced classes")
    named = {**weighted, "class_weight": {"no": 1.0, "yes": 3.0}}
    assert training_line(named).endswith("class weights no=1.0 yes=3.0")
