"""Activity feeds, watches, the notifications inbox and webhooks (``client.activity``,
``client.notifications``, ``client.webhooks``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import quote

from mlhive.client._http import HttpCore
from mlhive.wire.activity import (
    DeliveryOut,
    EventOut,
    FeedPage,
    MarkedRead,
    NotificationPage,
    WatchOut,
    WebhookCreated,
    WebhookOut,
)

_NOUNS = {
    "dataset": "datasets",
    "task": "tasks",
    "flow": "flows",
    "run": "runs",
    "suite": "suites",
    "study": "studies",
}


def _feed_path(subject: str) -> str:
    kind, _, key = subject.partition(":")
    if kind == "person":
        return f"/api/users/{quote(key, safe='')}/activity"
    if kind == "team":
        return f"/api/teams/{quote(key, safe='')}/activity"
    if kind == "model" and key.count("/") == 1:
        owner, name = key.split("/")
        return f"/api/models/{quote(owner, safe='')}/{quote(name, safe='')}/activity"
    if kind in _NOUNS and key.isdigit():
        return f"/api/{_NOUNS[kind]}/{key}/activity"
    raise ValueError(
        f"subject: {subject!r} is not person:NAME, team:NAME, model:OWNER/NAME or KIND:ID "
        f"(KIND one of {', '.join(_NOUNS)})"
    )


class ActivityAPI:
    """``client.activity``: what happened, by whom, when, on what you may see; and what you
    watch (its events reach your inbox, ``client.notifications``).

    Example:
        >>> page = client.activity.feed("person:alice", limit=20)  # doctest: +SKIP
        >>> client.activity.watch("dataset:12")  # new versions, runs, comments  # doctest: +SKIP
    """

    def __init__(self, core: HttpCore) -> None:
        self._core = core

    def feed(self, subject: str, *, before: int | None = None, limit: int = 50) -> FeedPage:
        """One page of a feed, newest first: ``person:alice``, ``team:lab``, ``dataset:12``,
        ``model:alice/net``, ... Pass the page's ``next_before`` as ``before`` for the next.

        Raises:
            ValueError: ``subject`` is not written as above.
            NotFoundError: no such person, team or object (or one you may not see).
        """
        params: dict[str, Any] = {"limit": limit}
        if before is not None:
            params["before"] = before
        return FeedPage.model_validate(self._core.get_json(_feed_path(subject), params))

    def iterate(self, subject: str, *, page_size: int = 100) -> Iterator[EventOut]:
        """Every event of a feed, newest first, page by page."""
        before: int | None = None
        while True:
            page = self.feed(subject, before=before, limit=page_size)
            yield from page.items
            if page.next_before is None:
                return
            before = page.next_before

    def watch(self, target: str) -> WatchOut:
        """Watch ``target`` (``dataset:12``, ``model:alice/net``, ``person:bob``,
        ``team:lab``): its events reach your inbox. Watching twice is harmless.

        Raises:
            NotFoundError: no such target (or one you may not see).
        """
        answer = self._core.request("PUT", "/api/watches", json={"target": target})
        return WatchOut.model_validate(answer.json())

    def unwatch(self, target: str) -> None:
        """Stop watching ``target``. Raises NotFoundError when you were not watching it."""
        self._core.request("DELETE", "/api/watches", params={"target": target})

    def watches(self) -> list[WatchOut]:
        """What you watch."""
        return [WatchOut.model_validate(w) for w in self._core.get_json("/api/watches")]


class NotificationsAPI:
    """``client.notifications``: your inbox, newest first, about objects you may see now
    (mentions, runs on your tasks, comments and merge requests on your objects,
    reproductions of your runs, and what you watch).

    Example:
        >>> page = client.notifications.list(unread=True)  # doctest: +SKIP
        >>> client.notifications.read([n.id for n in page.items])  # doctest: +SKIP
    """

    def __init__(self, core: HttpCore) -> None:
        self._core = core

    def list(
        self, *, unread: bool = False, before: int | None = None, limit: int = 50
    ) -> NotificationPage:
        """One page of notifications (``unread``: only those not read yet), with your unread
        count; pass ``next_before`` as ``before`` for the next page."""
        params: dict[str, Any] = {"unread": unread, "limit": limit}
        if before is not None:
            params["before"] = before
        return NotificationPage.model_validate(self._core.get_json("/api/notifications", params))

    def unread(self) -> int:
        """How many unread notifications you have."""
        return self.list(unread=True, limit=1).unread

    def read(self, ids: Sequence[int]) -> MarkedRead:
        """Mark these notifications read (ids that are not yours are ignored)."""
        answer = self._core.request("POST", "/api/notifications/read", json={"ids": list(ids)})
        return MarkedRead.model_validate(answer.json())

    def read_all(self) -> MarkedRead:
        """Mark every notification read."""
        answer = self._core.request("POST", "/api/notifications/read", json={"all": True})
        return MarkedRead.model_validate(answer.json())


class WebhooksAPI:
    """``client.webhooks``: your notifications sent to a URL as signed JSON POSTs, retried
    after failures, with a delivery log (``docs/notifications.md`` shows how to verify the
    signature).

    Example:
        >>> hook = client.webhooks.create("https://ci.example.org/hive")  # doctest: +SKIP
        >>> hook.secret  # keep it: it is shown only now  # doctest: +SKIP
    """

    def __init__(self, core: HttpCore) -> None:
        self._core = core

    def create(self, url: str, *, verbs: Sequence[str] = ()) -> WebhookCreated:
        """Register a webhook (``verbs``: only those events, e.g. ``["dataset.version"]``).

        Raises:
            InvalidInputError: the URL is refused (not http(s), a host that is not public and
                not allowed by the operator), or a verb is unknown.
        """
        body = {"url": url, "verbs": list(verbs)}
        return WebhookCreated.model_validate(
            self._core.request("POST", "/api/webhooks", json=body).json()
        )

    def delete(self, webhook_id: int) -> None:
        """Delete a webhook and its delivery log."""
        self._core.request("DELETE", f"/api/webhooks/{webhook_id}")

    def deliveries(self, webhook_id: int, *, limit: int = 100) -> list[DeliveryOut]:
        """The webhook's delivery log, newest attempt first."""
        rows = self._core.get_json(f"/api/webhooks/{webhook_id}/deliveries", {"limit": limit})
        return [DeliveryOut.model_validate(r) for r in rows]

    def list(self) -> list[WebhookOut]:
        """Your webhooks (without their secrets)."""
        return [WebhookOut.model_validate(h) for h in self._core.get_json("/api/webhooks")]
