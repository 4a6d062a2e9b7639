"""How the CLI writes a network on one line: a chain, and a graph's names and inputs."""

import yaml

from syn0.cli.render import network_line
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
