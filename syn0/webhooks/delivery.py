"""The workers' side: fan new outbox events out to deliveries, and send the deliveries
that are due, recording every try. Every worker runs both in a thread of its main
process every ``SYN0_WEBHOOKS_INTERVAL_SECONDS`` (``deliver_forever``, started beside
the reaper), never as a task behind training jobs.

**Fan-out.** Under the locked outbox cursor (one worker at a time), the events after it
become one delivery per webhook of their tenant that asks for their type (and existed
when the event happened), and the cursor moves to the last event read. The outbox makes
ids visible in order, so nothing behind the cursor can appear later; a delivery is
unique per webhook and event, so an event is never fanned out twice.

**Sending.** Due deliveries are claimed (leased for a try's timeout and a margin) in one
commit, sent in parallel, and each try recorded in a commit of its own: a 2xx is
``succeeded``; anything else waits the next step of ``SYN0_WEBHOOKS_RETRY_SCHEDULE``,
and after the last one the delivery is ``failed``. A worker that dies mid-try leaves a
lease that ends, and the try is made again: at least once, always with the same
``webhook-id``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from syn0.kit import metrics
from syn0.kit.db import session_scope
from syn0.kit.orm import utcnow
from syn0.settings import Settings
from syn0.webhooks import repository as store
from syn0.webhooks import retention, sending, signing
from syn0.webhooks.orm import FAILED, PENDING, SUCCEEDED, Attempt, Delivery
from syn0.webhooks.schemas import EVENT_TYPES

log = logging.getLogger(__name__)

EVENTS_PER_PASS = 500
SENDS_PER_PASS = 32
SENDERS = 8  # tries in flight at once per worker
LEASE_MARGIN_SECONDS = 30.0


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class FannedOut:
    events: int  # read after the cursor (0 also when another worker holds it)
    deliveries: int  # made of them


def fan_out(session: Session, schedule_length: int) -> FannedOut:
    """Deliveries for the next events after the cursor (see the module's notes)."""
    cursor = store.lock_cursor(session)
    if cursor is None:
        return FannedOut(0, 0)
    events = store.events_after(session, cursor.last_event_id, EVENTS_PER_PASS)
    if not events:
        return FannedOut(0, 0)
    wanted = [event for event in events if event.type in EVENT_TYPES]
    hooks = defaultdict(list)
    for hook in store.of_tenants(session, list({event.tenant_id for event in wanted})):
        hooks[hook.tenant_id].append(hook)
    done = store.delivered(session, [event.id for event in wanted]) if hooks else set()
    made = [
        Delivery(
            webhook_id=hook.id,
            event_id=event.id,
            event_type=event.type,
            payload=signing.body(event.type, event.created_at, event.data),
            status=PENDING,
            attempts=0,
            final_attempt=schedule_length + 1,
            next_attempt_at=utcnow(),
        )
        for event in wanted
        for hook in hooks.get(event.tenant_id, ())
        if event.type in hook.events
        and _utc(hook.created_at) <= _utc(event.created_at)
        and (hook.id, event.id) not in done
    ]
    store.add_deliveries(session, made)
    cursor.last_event_id, cursor.updated_at = events[-1].id, utcnow()
    return FannedOut(len(events), len(made))


@dataclass(frozen=True)
class Claim:
    """A delivery taken for one try, read before its claim commits."""

    delivery_id: str
    attempt: int
    final_attempt: int
    url: str
    secret: str
    payload: str


def claim(session: Session, settings: Settings, now: datetime) -> list[Claim]:
    lease = now + timedelta(seconds=settings.webhooks_timeout_seconds + LEASE_MARGIN_SECONDS)
    return [
        Claim(row.id, row.attempts, row.final_attempt, hook.url, hook.secret, row.payload)
        for row, hook in store.claim_due(session, now, lease, SENDS_PER_PASS)
    ]


def after(claim: Claim, outcome: sending.Outcome, schedule: list[float], now: datetime) -> dict:
    """The delivery's new state after a try."""
    if outcome.ok:
        status, next_at = SUCCEEDED, None
    elif claim.attempt >= claim.final_attempt:
        status, next_at = FAILED, None
    else:
        wait = schedule[min(claim.attempt, len(schedule)) - 1]
        status, next_at = PENDING, now + timedelta(seconds=wait)
    return {"status": status, "next_attempt_at": next_at, "last_status_code": outcome.status_code}


def record(session: Session, claim: Claim, outcome: sending.Outcome, sent_at: datetime,
           schedule: list[float]) -> bool:  # fmt: skip
    attempt = Attempt(
        delivery_id=claim.delivery_id,
        number=claim.attempt,
        sent_at=sent_at,
        status_code=outcome.status_code,
        error=outcome.error,
        duration_ms=outcome.duration_ms,
    )
    return store.record(session, attempt, after(claim, outcome, schedule, utcnow()))


def _counted(claim: Claim, outcome: sending.Outcome) -> str:
    """The try's outcome as ``syn0_webhook_deliveries_total`` counts it."""
    if outcome.ok:
        return "delivered"
    return "gave_up" if claim.attempt >= claim.final_attempt else "failed"


class Sender:
    """One worker's fan-out and tries: an HTTP client and a pool of threads that send."""

    def __init__(self, factory: sessionmaker[Session], settings: Settings):
        self.factory, self.settings = factory, settings
        self.http = sending.client(settings.webhooks_timeout_seconds)
        self.pool = ThreadPoolExecutor(SENDERS, thread_name_prefix="syn0-webhook")
        self.prune_at = time.monotonic()  # the first pass prunes

    def run_once(self) -> int:
        """Fan out, then send what is due (each again while it comes back full); the
        number of tries made. Once an hour, expired rows are pruned first."""
        if time.monotonic() >= self.prune_at:
            self.prune_at = time.monotonic() + retention.PRUNE_EVERY_SECONDS
            with session_scope(self.factory) as session:
                pruned = retention.prune(session, utcnow(), self.settings.events_retention_days)
            if pruned.events or pruned.deliveries:
                log.info("webhooks: pruned %s events and %s deliveries", pruned.events,
                         pruned.deliveries)  # fmt: skip
        while True:
            with session_scope(self.factory) as session:
                read = fan_out(session, len(self.settings.webhooks_retry_schedule)).events
            if read < EVENTS_PER_PASS:
                break
        tries = 0
        while True:
            with session_scope(self.factory) as session:
                claims = claim(session, self.settings, utcnow())
            list(self.pool.map(self._try, claims))
            tries += len(claims)
            if len(claims) < SENDS_PER_PASS:
                return tries

    def _try(self, claim: Claim) -> None:
        sent_at = utcnow()
        outcome = sending.send(
            self.http,
            claim.url,
            claim.secret,
            signing.message_id(claim.delivery_id),
            claim.payload,
            allow_private=self.settings.webhooks_allow_private,
        )
        try:
            with session_scope(self.factory) as session:
                record(session, claim, outcome, sent_at, self.settings.webhooks_retry_schedule)
        except Exception as exc:  # the lease ends and the try is made again
            log.warning("webhooks: could not record try %s of %s: %s",
                        claim.attempt, claim.delivery_id, exc)  # fmt: skip
            return
        metrics.WEBHOOK_DELIVERIES.labels(outcome=_counted(claim, outcome)).inc()
        if not outcome.ok:
            log.info("webhooks: try %s of msg_%s failed: %s", claim.attempt,
                     claim.delivery_id, outcome.error or outcome.status_code)  # fmt: skip

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        self.http.close()


def deliver_forever(factory: sessionmaker[Session], settings: Settings) -> threading.Event:
    """Run passes every ``webhooks_interval_seconds`` in a daemon thread until the
    returned event is set. A pass that fails (the database is down) is logged."""
    stop = threading.Event()
    sender = Sender(factory, settings)

    def loop() -> None:
        try:
            while True:
                started = time.monotonic()
                try:
                    sender.run_once()
                except Exception as exc:  # keep delivering once the database is back
                    log.warning("webhooks pass failed: %s", exc)
                elapsed = time.monotonic() - started
                if stop.wait(max(0.0, settings.webhooks_interval_seconds - elapsed)):
                    return
        finally:
            sender.close()

    threading.Thread(target=loop, name="syn0-webhooks", daemon=True).start()
    return stop
