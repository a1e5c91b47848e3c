"""Webhooks: a user's HTTP endpoint receives the events of their inbox, signed, with retries
and a delivery log.

- **Registration** (:func:`create`): an ``http``/``https`` URL whose host is public, checked
  by the same guard as dataset URLs (``domain.datasets.urls`` and
  ``services.datasets.remote.checked_addresses``), unless the operator lists the host in
  ``MLHIVE_WEBHOOK_ALLOWED_HOSTS``. The secret is made by the server and shown once.
- **Delivery** (the ``deliver_webhook`` job, queued by ``services.activity`` for each
  notification): the host is resolved and checked again (DNS may have changed since), the
  request goes to the checked address itself, redirects are not followed, and the owner must
  still see the event's object (else the attempt is logged ``refused`` and nothing is sent).
  The body is JSON; ``X-Mlhive-Signature`` is ``sha256=`` and the hex HMAC-SHA256, keyed with
  the secret, of ``<X-Mlhive-Timestamp>.<raw body>``, so a receiver can refuse replays of old
  timestamps.
- **Retries**: a failed attempt (no answer, a timeout, a status other than 2xx) is logged with
  the time of its retry, ``MLHIVE_WEBHOOK_RETRY_SECONDS`` times 4^(attempt - 1) later, until
  ``MLHIVE_WEBHOOK_MAX_ATTEMPTS`` attempts were made (then ``gave_up``). The workers' periodic
  sweep (:func:`queue_due`) queues the retries that are due.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from mlhive.server.config import Settings
from mlhive.server.db.base import utcnow
from mlhive.server.db.tables.accounts import User
from mlhive.server.db.tables.social import Event, Notification, Webhook, WebhookDelivery
from mlhive.server.domain.access import Actor
from mlhive.server.domain.datasets import urls
from mlhive.server.domain.errors import DomainError, InvalidInput, NotFound
from mlhive.server.jobs import queue
from mlhive.server.services import accounts, activity
from mlhive.server.services.datasets import remote
from mlhive.server.services.social import feeds
from mlhive.wire.activity import DeliveryOut, WebhookCreate, WebhookCreated, WebhookOut

SETTING = "MLHIVE_WEBHOOK_ALLOWED_HOSTS"
MAX_WEBHOOKS = 20
"""Webhooks per user."""
USER_AGENT = "mlhive-webhook"
SIGNATURE_HEADER = "X-Mlhive-Signature"
TIMESTAMP_HEADER = "X-Mlhive-Timestamp"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header's value: ``sha256=`` and the HMAC-SHA256 of ``timestamp.body``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def _check_url(settings: Settings, url: str) -> urls.Target:
    allowed = settings.webhook_allowed_host_names
    target = urls.check(url, allowed, SETTING)
    remote.checked_addresses(target, allowed, settings.webhook_timeout_seconds, SETTING)
    return target


def _out(hook: Webhook) -> WebhookOut:
    return WebhookOut(
        id=hook.id, url=hook.url, verbs=list(hook.verbs), active=hook.active,
        created_at=hook.created_at,
    )  # fmt: skip


def create(
    session: Session, settings: Settings, actor: Actor, body: WebhookCreate
) -> WebhookCreated:
    """Register a webhook for the actor's notifications (``verbs``: only those verbs).

    Raises:
        InvalidInput: ``url_refused`` (not http(s), or a host that is not public and not
            allowed by the operator), ``url_fetch_failed`` (a host name that does not
            resolve), an unknown verb, or too many webhooks.
    """
    unknown = sorted(set(body.verbs) - set(activity.VERBS))
    if unknown:
        raise InvalidInput(
            f"verbs: unknown {', '.join(unknown)}; the verbs are {', '.join(activity.VERBS)}",
            field="verbs",
        )
    _check_url(settings, body.url)
    count = len(list(session.scalars(select(Webhook.id).where(Webhook.owner_id == actor.id))))
    if count >= MAX_WEBHOOKS:
        raise InvalidInput(
            f"you have {count} webhooks, the most a user may have; delete one first", field="url"
        )
    hook = Webhook(
        owner_id=actor.id,
        url=body.url,
        secret=secrets.token_urlsafe(32),
        verbs=list(dict.fromkeys(body.verbs)),
        active=True,
    )
    session.add(hook)
    session.flush()
    return WebhookCreated(**_out(hook).model_dump(), secret=hook.secret)


def _mine(session: Session, actor: Actor, webhook_id: int) -> Webhook:
    hook = session.get(Webhook, webhook_id)
    if hook is None or (hook.owner_id != actor.id and not actor.is_admin):
        raise NotFound(f"webhook {webhook_id} not found")
    return hook


def list_mine(session: Session, actor: Actor) -> list[WebhookOut]:
    """The actor's webhooks (never their secrets)."""
    hooks = session.scalars(
        select(Webhook).where(Webhook.owner_id == actor.id).order_by(Webhook.id)
    )
    return [_out(h) for h in hooks]


def delete(session: Session, actor: Actor, webhook_id: int) -> None:
    """Delete a webhook and its delivery log (its queued deliveries then find nothing)."""
    session.delete(_mine(session, actor, webhook_id))
    session.flush()


def deliveries(
    session: Session, actor: Actor, webhook_id: int, limit: int = 100
) -> list[DeliveryOut]:
    """A webhook's delivery log, newest attempt first."""
    hook = _mine(session, actor, webhook_id)
    rows = session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == hook.id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    )
    return [
        DeliveryOut(
            id=r.id,
            event_id=r.event_id,
            attempt=r.attempt,
            at=r.at,
            outcome=r.outcome,
            status_code=r.status_code,
            error=r.error,
            duration_ms=r.duration_ms,
            next_retry_at=r.next_retry_at,
        )
        for r in rows
    ]


# -- the phases of the delivery job ---------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """One attempt at one delivery, read in a short transaction."""

    webhook_id: int
    event_id: int
    attempt: int
    url: str
    secret: str
    body: bytes
    verb: str
    refusal: str | None = None  # the owner no longer sees the event's object


def plan(session: Session, webhook_id: int, event_id: int, attempt: int) -> Plan | None:
    """What to send (None: the webhook or the event is gone, or the webhook was disabled)."""
    hook = session.get(Webhook, webhook_id)
    event = session.get(Event, event_id)
    if hook is None or event is None or not hook.active:
        return None
    owner = session.get_one(User, hook.owner_id)
    reader = accounts.actor_of(session, owner)
    subject = activity.subject_of(session, event.subject_kind, event.subject_id)
    refusal = None
    if subject is None or not activity.may_see(session, reader, subject):
        refusal = f"{owner.name} may no longer see the object of event {event.id}"
    reason = session.scalar(
        select(Notification.reason).where(
            Notification.recipient_id == owner.id, Notification.event_id == event.id
        )
    )
    payload: dict[str, Any] = {
        "webhook_id": hook.id,
        "attempt": attempt,
        "reason": reason,
        "event": feeds.describe(session, [event])[0].model_dump(mode="json"),
    }
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    return Plan(hook.id, event.id, attempt, hook.url, hook.secret, body, event.verb, refusal)


@dataclass(frozen=True)
class Outcome:
    """What one attempt gave."""

    outcome: str  # delivered | failed | refused
    status_code: int | None
    error: str | None
    duration_ms: float


def send(settings: Settings, planned: Plan) -> Outcome:
    """POST the planned body to the webhook (no transaction: the network only)."""
    started = time.monotonic()

    def done(outcome: str, status: int | None = None, error: str | None = None) -> Outcome:
        return Outcome(outcome, status, error, (time.monotonic() - started) * 1000)

    if planned.refusal is not None:
        return done("refused", error=planned.refusal)
    try:
        target = urls.check(planned.url, settings.webhook_allowed_host_names, SETTING)
        addresses = remote.checked_addresses(
            target, settings.webhook_allowed_host_names, settings.webhook_timeout_seconds, SETTING
        )
    except DomainError as exc:
        refused = exc.code == urls.refused("").code
        return done("refused" if refused else "failed", error=exc.detail)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Host": httpx.URL(target.url).netloc.decode("ascii"),
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(planned.secret, timestamp, planned.body),
        "X-Mlhive-Event": planned.verb,
        "X-Mlhive-Delivery": f"{planned.event_id}.{planned.webhook_id}",
        "X-Mlhive-Attempt": str(planned.attempt),
    }
    extensions: dict[str, Any] = {}
    if target.scheme == "https" and target.literal is None:
        extensions["sni_hostname"] = target.host
    url = httpx.URL(target.url)
    timeout = httpx.Timeout(settings.webhook_timeout_seconds)
    error = "no address accepted the connection"
    with httpx.Client(trust_env=False, follow_redirects=False, timeout=timeout) as client:
        for address in addresses:
            request = client.build_request(
                "POST", url.copy_with(host=str(address)), headers=headers,
                content=planned.body, extensions=extensions,
            )  # fmt: skip
            try:
                response = client.send(request)
            except httpx.ConnectError as exc:
                error = f"could not connect to {address}: {exc or type(exc).__name__}"
                continue
            except httpx.HTTPError as exc:
                return done("failed", error=f"{type(exc).__name__}: {exc}"[:1000])
            if 200 <= response.status_code < 300:
                return done("delivered", response.status_code)
            return done(
                "failed", response.status_code, f"the endpoint answered HTTP {response.status_code}"
            )
    return done("failed", error=error[:1000])


def log(session: Session, settings: Settings, planned: Plan, outcome: Outcome) -> WebhookDelivery:
    """Write the attempt to the delivery log, with its retry time when it may be retried."""
    result = outcome.outcome
    next_retry = None
    if result == "failed":
        if planned.attempt >= settings.webhook_max_attempts:
            result = "gave_up"
        else:
            wait = settings.webhook_retry_seconds * 4 ** (planned.attempt - 1)
            next_retry = utcnow() + timedelta(seconds=wait)
    row = WebhookDelivery(
        webhook_id=planned.webhook_id,
        event_id=planned.event_id,
        attempt=planned.attempt,
        outcome=result,
        status_code=outcome.status_code,
        error=outcome.error,
        duration_ms=round(outcome.duration_ms, 3),
        next_retry_at=next_retry,
        retry_queued=False,
    )
    session.add(row)
    session.flush()
    return row


def queue_due(session: Session, limit: int = 1000) -> int:
    """Queue the retries that are due (the workers' periodic sweep); returns how many."""
    now = utcnow()
    rows = list(
        session.scalars(
            select(WebhookDelivery)
            .where(
                WebhookDelivery.retry_queued.is_(False),
                WebhookDelivery.next_retry_at.is_not(None),
                WebhookDelivery.next_retry_at <= now,
            )
            .order_by(WebhookDelivery.next_retry_at)
            .limit(limit)
        )
    )
    for row in rows:
        owner = session.scalar(select(Webhook.owner_id).where(Webhook.id == row.webhook_id))
        queue.enqueue(
            session,
            activity.DELIVER_JOB,
            {"webhook_id": row.webhook_id, "event_id": row.event_id, "attempt": row.attempt + 1},
            subject=f"webhook:{row.webhook_id}",
            owner=owner,
        )
        row.retry_queued = True
    session.flush()
    return len(rows)
