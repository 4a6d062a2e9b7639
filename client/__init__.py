"""syn0's Python client, built on the HTTP API (``httpx``).

``Client(base_url, api_key=None)`` with ``.datasets``, ``.jobs``, ``.models``,
``.predictions``, ``.registry`` and ``.architectures``; errors are the typed exceptions below, each
carrying the problem+json fields.
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
from syn0.client.http import RetryPolicy
from syn0.client.types import (
    Alias,
    AliasMove,
    Architecture,
    BatchPrediction,
    Dataset,
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

__all__ = [
    "DEFAULT_URL",
    "Alias",
    "AliasMove",
    "Architecture",
    "BatchPrediction",
    "Client",
    "Conflict",
    "ConnectionFailed",
    "Dataset",
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
    "Syn0Error",
    "Template",
    "TooManyJobs",
    "Unauthorized",
    "Validation",
    "ValidationFailed",
    "Version",
]
