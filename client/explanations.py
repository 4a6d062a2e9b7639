"""What ``models.explain`` and ``jobs.explain`` return: one sample's forward and backward
pass, per layer, as the API answers it (nested lists; ``numpy.asarray`` makes arrays)."""

from __future__ import annotations

from typing import Any

from syn0.client.types import _Reply


class ExplainedLayer(_Reply):
    """One layer: ``activation_values`` (its output) and, for layers with an
    activation, ``pre_activation``; its ``weights`` and ``biases`` with this sample's
    ``weight_gradient`` and ``bias_gradient`` (None without parameters); and
    ``output_gradient``, dLoss/d(output), or dLoss/d(pre_activation) for the last layer
    (``output_gradient_of`` says which)."""

    index: int
    name: str
    type: str
    activation: str | None = None
    output_shape: list[int]
    pre_activation: list[Any] | None = None
    activation_values: list[Any]
    weights: list[Any] | None = None
    biases: list[Any] | None = None
    weight_gradient: list[Any] | None = None
    bias_gradient: list[Any] | None = None
    output_gradient: list[Any]
    output_gradient_of: str


class Explanation(_Reply):
    """The sample's ``loss`` (the model's loss function, no penalty), what predict answers
    (``output``, ``probabilities`` for classifiers, ``prediction``), the ``input`` as
    the network saw it (normalized) with its gradient, and the ``layers`` in order."""

    model_id: str | None = None
    job_id: str | None = None
    epoch: int | None = None
    loss: float
    loss_name: str
    output: list[float]
    probabilities: list[float] | None = None
    prediction: Any = None
    input: list[Any]
    input_gradient: list[Any]
    layers: list[ExplainedLayer]


def explain_body(input: Any, record: dict[str, float] | None, target: Any) -> dict[str, Any]:
    """The request body: ``input`` (a list, or an array of one sample's shape) or
    ``record`` (feature names to values), and the ``target``."""
    if (input is None) == (record is None):
        raise TypeError("give either input or record")
    if record is not None:
        return {"record": record, "target": _plain(target)}
    sample = input.tolist() if hasattr(input, "tolist") else input
    return {"input": sample, "target": _plain(target)}


def _plain(target: Any) -> Any:
    """A NumPy scalar or array target as the JSON number(s) or label it holds."""
    return target.tolist() if hasattr(target, "tolist") else target
