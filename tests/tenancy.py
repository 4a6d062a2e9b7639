"""The store's tenant for the store and worker tests, and reads that look a row's tenant
up from the row itself (the tests know the ids; the API always knows the tenant)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from syn0.jobs import repository as jobs
from syn0.jobs.orm import Job, JobMetric
from syn0.models import repository as models
from syn0.models.orm import Model
from syn0.tenants import repository as tenants

TENANT = "test"


def tenant_id(session: Session) -> str:
    """The id of the tenant ``test``, made on first use."""
    return tenants.ensure_tenant(session, TENANT).id


def job(session: Session, job_id: str) -> Job:
    return session.get_one(Job, job_id)


def metrics(session: Session, job_id: str) -> list[JobMetric]:
    return jobs.list_metrics(session, job(session, job_id).tenant_id, job_id)


def weights(session: Session, model_id: str) -> bytes:
    return models.load_weights(session, session.get_one(Model, model_id).tenant_id, model_id)
