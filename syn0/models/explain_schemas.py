"""Request and reply of explain: one sample's forward and backward pass, per layer."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

Values = list[Any]  # nested lists of numbers, shaped as the field says


class ExplainIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    input: list[Any] | None = Field(
        None,
        min_length=1,
        description="one sample, shaped like one row of the model's inputs: a list of "
        "numbers for flat inputs, nested (channels, height, width) for images",
    )
    record: dict[str, Any] | None = Field(
        None,
        min_length=1,
        description="instead of `input`, for models of flat features: `{feature name: "
        "number}`, every feature of the model's signature named once",
    )
    target: int | float | str | bool | list[float] = Field(
        description="classifiers: a class label as the model's `classes` spell it; "
        "regressions: a number, or a list of one number per output"
    )

    @model_validator(mode="after")
    def _one_of(self) -> ExplainIn:
        if (self.input is None) == (self.record is None):
            raise ValueError("send one sample as either `input` or `record`, not both")
        return self


class LayerOut(BaseModel):
    index: int = Field(description="the layer's position in the network's `layers`")
    name: str = Field(description="its `name`, or `<type>_<index>`")
    type: str
    activation: str | None = Field(
        description="its activation (the last layer's: the output activation); null for "
        "layers without one"
    )
    output_shape: list[int]
    pre_activation: Values | None = Field(
        description="z, before the activation (`x @ W + b` for dense); null for layers "
        "without an activation"
    )
    activation_values: Values = Field(
        description="a = f(z), the layer's output; the last layer's with the output "
        "activation applied (softmax: the probabilities)"
    )
    weights: Values | None = Field(
        description="dense: W (in, units); conv2d: (filters, channels, k, k); batchnorm: "
        "gamma; null for layers without parameters"
    )
    biases: Values | None = Field(description="b (batchnorm: beta); null when there is none")
    weight_gradient: Values | None = Field(description="dLoss/dW, shaped like `weights`")
    bias_gradient: Values | None = Field(description="dLoss/db, shaped like `biases`")
    output_gradient: Values = Field(
        description="dLoss/d(activation_values); for the last layer dLoss/d(pre_activation), "
        "as `output_gradient_of` says"
    )
    output_gradient_of: str = Field(
        description="`activation_values`, or `pre_activation` for the last layer (its "
        "activation is part of the loss)"
    )


class ExplainOut(BaseModel):
    model_id: str | None = Field(description="the model explained; null for a checkpoint")
    job_id: str | None = Field(description="the job whose model or checkpoint this is")
    epoch: int | None = Field(description="the epoch whose weights these are")
    loss: float = Field(
        description="this sample's loss with the model's loss function, without the L1/L2 "
        "penalty and class weights (a regression trained on normalized targets: in those units)"
    )
    loss_name: str
    output: list[float] = Field(description="what predict answers for this input")
    probabilities: list[float] | None = Field(
        description="classifiers: per class, in the order of `classes`"
    )
    prediction: Any = Field(description="the predicted label, or the output value(s)")
    input: Values = Field(
        description="the values on the input nodes: the input after the model's own "
        "features and input normalization"
    )
    input_gradient: Values = Field(description="dLoss/d(input), shaped like `input`")
    layers: list[LayerOut] = Field(description="one per layer, in the network's order")
