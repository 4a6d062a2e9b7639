"""syn0's Python client, built on the HTTP API (``httpx``).

``Client(base_url, api_key=None)`` with ``.datasets``, ``.jobs``, ``.models``,
``.predictions``, ``.registry``, ``.architectures``, ``.webhooks`` and ``.sweeps``;
errors are the typed exceptions below, each carrying the problem+json fields.
"""

from syn0.client.client import DEFAULT_URL, Client
from syn0.client.errors import (
    Conflict,
    ConnectionFailed,
    Forbidden,
    LimitExceeded,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    ServerError,
    ServiceUnavailable,
    Syn0Error,
    TooManyJobs,
    Unauthorized,
    ValidationFailed,
)
from syn0.client.explanations import ExplainedLayer, Explanation
from syn0.client.http import RetryPolicy
from syn0.client.sweeps import Sweep, SweepDetail, Trial
from syn0.client.types import (
    Alias,
    AliasMove,
    Architecture,
    BatchPrediction,
    Dataset,
    Evaluation,
    Job,
    Knob,
    Metric,
    Model,
    Page,
    Prediction,
    Registered,
    RegisteredDetail,
    Signature,
    Template,
    Validation,
    Version,
)
from syn0.client.webhooks import CreatedWebhook, Delivery, Webhook, WebhookAttempt

__all__ = [
    "DEFAULT_URL",
    "Alias",
    "AliasMove",
    "Architecture",
    "BatchPrediction",
    "Client",
    "Conflict",
    "ConnectionFailed",
    "CreatedWebhook",
    "Dataset",
    "Delivery",
    "Evaluation",
    "ExplainedLayer",
    "Explanation",
    "Forbidden",
    "Job",
    "Knob",
    "LimitExceeded",
    "Metric",
    "Model",
    "NotFound",
    "Page",
    "PayloadTooLarge",
    "Prediction",
    "RateLimited",
    "Registered",
    "RegisteredDetail",
    "RetryPolicy",
    "ServerError",
    "ServiceUnavailable",
    "Signature",
    "Sweep",
    "SweepDetail",
    "Syn0Error",
    "Template",
    "TooManyJobs",
    "Trial",
    "Unauthorized",
    "Validation",
    "ValidationFailed",
    "Version",
    "Webhook",
    "WebhookAttempt",
]
