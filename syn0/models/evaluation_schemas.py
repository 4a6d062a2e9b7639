"""The evaluation report (``POST /v1/models/{id}/evaluate``, a job's ``evaluation``): one
of two shapes, by ``task``; the numbers are scikit-learn's on the same predictions."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class EvaluateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dataset_id: str = Field(
        min_length=1, max_length=32, description="a dataset of the model's task and input shape"
    )


# Evaluate's two bodies, for the OpenAPI document (the route reads the request itself).
EVALUATE_BODIES = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": EvaluateIn.model_json_schema()},
            "text/csv": {
                "schema": {
                    "type": "string",
                    "description": "a header row naming the model's features (any order) and "
                    "the target column (the model's target name, or `?target=`), then rows",
                }
            },
        },
    }
}


class ClassMetrics(BaseModel):
    label: Any = Field(description="the class, in the user's own value")
    precision: float
    recall: float
    f1: float
    support: int = Field(description="samples of this class")


class Averages(BaseModel):
    precision: float
    recall: float
    f1: float
    support: int


class ClassificationReport(BaseModel):
    task: Literal["classification"] = "classification"
    n_samples: int
    accuracy: float
    log_loss: float = Field(description="of the probabilities, clipped to [eps, 1 - eps]")
    classes: list[Any] = Field(description="the order of the confusion matrix's rows, columns")
    confusion_matrix: list[list[int]] = Field(
        description="rows: the true class; columns: the predicted class"
    )
    per_class: list[ClassMetrics] = Field(description="a class never predicted has precision 0")
    macro_avg: Averages = Field(description="the classes' unweighted mean")
    weighted_avg: Averages = Field(description="the classes' mean weighted by support")
    roc_auc: float | None = Field(
        description="two classes: ROC AUC of the second class's probability; null for more "
        "classes, or when the data holds only one"
    )


class RegressionReport(BaseModel):
    task: Literal["regression"] = "regression"
    n_samples: int
    mse: float
    rmse: float = Field(description="the mean over target columns of each column's RMSE")
    mae: float
    r2: float = Field(description="the mean over target columns of each column's R²")


Evaluation = Annotated[ClassificationReport | RegressionReport, Field(discriminator="task")]


class EvaluationOut(BaseModel):
    model_id: str
    dataset_id: str | None = Field(description="null for a CSV sent with the request")
    report: Evaluation
