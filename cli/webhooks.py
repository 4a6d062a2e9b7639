"""``syn0 webhooks``: endpoints that receive signed events, their deliveries, resend."""

from __future__ import annotations

import click

from syn0.cli.common import (
    BadInput,
    State,
    dump,
    echo_json,
    json_option,
    limit_option,
    pass_state,
)
from syn0.cli.render import show_page, when
from syn0.client import Delivery


@click.group()
def webhooks() -> None:
    """Webhooks: signed POSTs (Standard Webhooks) when jobs end and aliases move."""


@webhooks.command()
@click.argument("url")
@click.option(
    "--events",
    required=True,
    metavar="A,B",
    help="Comma-separated: job.succeeded, job.failed, job.cancelled, model.alias_moved, "
    "sweep.completed.",
)
@click.option("--description", help="What the endpoint is for.")
@json_option
@pass_state
def create(state: State, url: str, events: str, description: str | None, as_json: bool) -> None:
    """Send the events to URL; prints the signing secret, this once."""
    names = [name.strip() for name in events.split(",") if name.strip()]
    if not names:
        raise BadInput("--events needs at least one event type, e.g. --events job.succeeded")
    webhook = state.client.webhooks.create(url, names, description=description)
    if as_json:
        echo_json(dump(webhook))
        return
    click.echo(f"webhook {webhook.id}: {webhook.url} ({', '.join(webhook.events)})")
    click.echo(f"Its signing secret, shown this once: {webhook.secret}")


@webhooks.command("list")
@limit_option
@json_option
@pass_state
def list_webhooks(state: State, limit: int, as_json: bool) -> None:
    """List webhooks, newest first."""
    page = state.client.webhooks.list(limit=limit)
    show_page(
        page,
        as_json,
        ["id", "url", "events", "created"],
        lambda w: [w.id, w.url, ", ".join(w.events), when(w.created_at)],
    )


@webhooks.command()
@click.argument("webhook_id", metavar="ID")
@pass_state
def delete(state: State, webhook_id: str) -> None:
    """Delete webhook ID and its deliveries."""
    state.client.webhooks.delete(webhook_id)
    click.echo(f"deleted webhook {webhook_id}")


@webhooks.command()
@click.argument("webhook_id", metavar="ID")
@click.option("--status", type=click.Choice(["pending", "succeeded", "failed"]))
@limit_option
@json_option
@pass_state
def deliveries(
    state: State, webhook_id: str, status: str | None, limit: int, as_json: bool
) -> None:
    """List the deliveries of webhook ID, newest first, with the status code of each try."""
    page = state.client.webhooks.deliveries(webhook_id, status=status, limit=limit)
    show_page(
        page,
        as_json,
        ["delivery", "event", "status", "tries", "next try", "created"],
        lambda d: [
            d.id,
            d.event_type,
            d.status,
            _tries(d),
            when(d.next_attempt_at),
            when(d.created_at),
        ],
    )


@webhooks.command()
@click.argument("webhook_id", metavar="ID")
@click.argument("delivery_id", metavar="DELIVERY")
@json_option
@pass_state
def resend(state: State, webhook_id: str, delivery_id: str, as_json: bool) -> None:
    """Send DELIVERY (msg_...) of webhook ID again, with the same webhook-id."""
    delivery = state.client.webhooks.resend(webhook_id, delivery_id)
    if as_json:
        echo_json(dump(delivery))
    else:
        click.echo(f"{delivery.id} will be sent again (try {len(delivery.attempts) + 1})")


def _tries(delivery: Delivery) -> str:
    """``503, timed out, 200``: each try's status code or its error, oldest first."""
    return ", ".join(
        str(a.status_code) if a.status_code is not None else (a.error or "error").split(":")[0]
        for a in delivery.attempts
    )
