"""The Python client restates the server's vocabularies (it imports none of the server's
packages): each must equal what the OpenAPI document publishes."""

from __future__ import annotations

from typing import get_args

from syn0.client.sweeps import Sweep, SweepDetail, SweepProgress, SweepStatus, Trial
from syn0.client.types import (
    FINISHED,
    Alias,
    AliasMove,
    Architecture,
    Dataset,
    Knob,
    Metric,
    Model,
    Registered,
    RegisteredDetail,
    Status,
    Task,
    Template,
    Version,
)
from syn0.client.webhooks import (
    CreatedWebhook,
    Delivery,
    DeliveryStatus,
    Webhook,
    WebhookAttempt,
    WebhookEvent,
)
from tests.openapi import component, enum, properties


def test_statuses_and_the_finished_ones_are_the_servers():
    assert set(get_args(Status)) == set(enum("JobStatus"))
    assert set(FINISHED) == set(component("JobStatus")["x-finished"])


def test_a_metric_row_has_every_metric_the_server_reports():
    assert set(Metric.model_fields) == set(properties("MetricOut"))


def test_tasks_are_the_servers():
    assert set(get_args(Task)) == set(enum("Task"))
    assert Dataset.model_fields["task"].annotation == Task
    assert Model.model_fields["task"].annotation == Task


def test_the_architecture_replies_have_the_servers_fields():
    assert set(Architecture.model_fields) == set(properties("ArchitectureOut"))
    assert set(Knob.model_fields) == set(properties("KnobOut"))
    assert set(Template.model_fields) == set(properties("TemplateOut"))


def test_the_registry_replies_have_the_servers_fields():
    assert set(Registered.model_fields) == set(properties("RegisteredOut"))
    assert set(RegisteredDetail.model_fields) == set(properties("RegisteredDetail"))
    assert set(Version.model_fields) == set(properties("VersionOut"))
    assert set(Alias.model_fields) == set(properties("AliasOut"))
    assert set(AliasMove.model_fields) == set(properties("AliasMoveOut"))
    assert Version.model_fields["task"].annotation == Task


def test_the_sweep_replies_are_the_servers():
    assert set(Sweep.model_fields) == set(properties("SweepOut"))
    assert set(SweepDetail.model_fields) == set(properties("SweepDetail"))
    assert set(Trial.model_fields) == set(properties("TrialOut"))
    assert set(SweepProgress.model_fields) == set(properties("SweepProgress"))
    assert set(get_args(SweepStatus)) == set(properties("SweepOut")["status"]["enum"])


def test_the_webhook_replies_and_vocabularies_are_the_servers():
    assert set(Webhook.model_fields) == set(properties("WebhookOut"))
    assert set(CreatedWebhook.model_fields) == set(properties("WebhookCreated"))
    assert set(Delivery.model_fields) == set(properties("DeliveryOut"))
    assert set(WebhookAttempt.model_fields) == set(properties("AttemptOut"))
    assert set(get_args(WebhookEvent)) == set(properties("WebhookIn")["events"]["items"]["enum"])
    assert set(get_args(DeliveryStatus)) == set(properties("DeliveryOut")["status"]["enum"])
