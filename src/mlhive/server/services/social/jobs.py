"""The social capability's job handlers and periodic work: webhook deliveries and their
retries (see :mod:`mlhive.server.services.social.webhooks`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from mlhive.server.db.engine import transaction
from mlhive.server.jobs.context import Handler, JobContext
from mlhive.server.services.activity import DELIVER_JOB
from mlhive.server.services.social import webhooks


def deliver_webhook(context: JobContext, payload: Mapping[str, Any]) -> None:
    """Job handler: one attempt at sending one event to one webhook, logged.

    The request is made outside any transaction; a failure is logged with its retry time
    (the job itself succeeds: retries are the delivery log's, see :func:`queue_retries`).
    """
    webhook_id, event_id = int(payload["webhook_id"]), int(payload["event_id"])
    attempt = int(payload.get("attempt", 1))
    with transaction(context.sessions) as session:
        planned = webhooks.plan(session, webhook_id, event_id, attempt)
    if planned is None:
        return
    outcome = webhooks.send(context.settings, planned)
    with transaction(context.sessions) as session:
        webhooks.log(session, context.settings, planned, outcome)


def queue_retries(context: JobContext) -> None:
    """Periodic: queue the webhook retries that are due."""
    with transaction(context.sessions) as session:
        webhooks.queue_due(session)


HANDLERS: dict[str, Handler] = {DELIVER_JOB: deliver_webhook}
PERIODIC: tuple[Callable[[JobContext], None], ...] = (queue_retries,)
