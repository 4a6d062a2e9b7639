"""Response models and the query of architectures."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from syn0.core import NetworkSpec, Summary, TrainingSpec


class KnobOut(BaseModel):
    name: str = Field(description="a query parameter of GET /v1/architectures/{name}")
    default: int
    minimum: int
    maximum: int
    description: str


class ArchitectureOut(BaseModel):
    name: str = Field(description="the `{name}` of GET /v1/architectures/{name}")
    title: str
    year: int
    paper: str = Field(description="its authors and title")
    idea: str = Field(description="what it introduced, in one line")
    knobs: list[KnobOut]


class TemplateQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    input_shape: str = Field(
        description="channels,height,width of the images, e.g. 1,28,28",
        examples=["1,28,28", "3,32,32"],
    )
    classes: int = Field(description="units of the softmax output: the dataset's classes")
    width: int | None = Field(None, description="a knob; default: the family's (see `knobs`)")
    depth: int | None = Field(None, description="a knob; default: the family's (see `knobs`)")


class TemplateOut(BaseModel):
    """A family's network scaled to ``input_shape`` and ``classes``: ``network`` and
    ``training`` are the fields of the same names of POST /v1/jobs."""

    name: str
    input_shape: list[int]
    classes: int
    knobs: dict[str, int] = Field(description="the value of every knob, defaults included")
    network: NetworkSpec
    training: TrainingSpec = Field(description="a training spec that suits it: Adam, 10 epochs")
    summary: Summary
