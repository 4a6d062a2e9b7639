"""Request and response bodies of the tenant and API-key administration."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from syn0.kit.schemas import Timestamp

Scope = Literal["admin", "train", "predict"]
TenantName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,99}$")]


class TenantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: TenantName = Field(description="lowercase letters, digits, '.', '_' and '-'")


class TenantOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    created_at: Timestamp


class TenantUsage(TenantOut):
    stored_bytes: int = Field(description="its datasets and model weights")
    active_jobs: int = Field(description="queued and running")


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scopes: Annotated[list[Scope], Field(min_length=1)] = ["train", "predict"]
    name: Annotated[str, Field(max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")] | None = None


class KeyOut(BaseModel):
    """A key as it can be shown again: never the key itself."""

    model_config = ConfigDict(from_attributes=True)

    prefix: str = Field(description="public: names the key to list, revoke or rotate it")
    tenant_id: str
    scopes: list[Scope]
    name: str | None
    created_at: Timestamp
    revoked_at: Timestamp | None


class KeyCreated(KeyOut):
    key: str = Field(description="the key itself, shown this once: the store keeps a hash")
