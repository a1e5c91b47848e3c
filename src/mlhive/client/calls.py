"""Open calls: ask for help on a dataset, task or model, answer, accept (``client.calls``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from mlhive.client._http import HttpCore
from mlhive.wire.calls import CallAccess, CallDetail, CallOut, CallResponseOut, ResponseKind


class CallsAPI:
    """``client.calls``: a call is a post on an object you own ("looking for someone to try
    gradient boosting on this") with the skills wanted; others answer or volunteer, and you
    accept collaborators, who then get the call's access (``read`` or ``write``) on exactly
    that object and nothing else, until you revoke it. A call is as visible as its object.

    Example:
        >>> call = client.calls.open("dataset:12", "Boosting?", skills=["xgb"])  # doctest: +SKIP
        >>> reply = bob_client.calls.respond(call.id, "I can", kind="volunteer")  # doctest: +SKIP
        >>> client.calls.accept(call.id, reply.id)  # bob now writes dataset 12  # doctest: +SKIP
    """

    def __init__(self, core: HttpCore) -> None:
        self._core = core

    def open(
        self,
        subject: str,
        title: str,
        body: str = "",
        *,
        skills: Sequence[str] = (),
        access: CallAccess = "write",
    ) -> CallDetail:
        """Open a call on an object you own (or write to as a team member).

        Args:
            subject: ``dataset:12``, ``task:3`` or ``model:owner/name``.
            title: one line.
            body: Markdown.
            skills: free tags (stored lower case, ``-`` for spaces).
            access: what an accepted collaborator gets on the subject: ``read`` or ``write``.

        Raises:
            PermissionDeniedError: you do not own the subject.
            NotFoundError: no such subject (or one you may not see).
            InvalidInputError: a skill is not a tag.
        """
        payload = {
            "subject": subject,
            "title": title,
            "body": body,
            "skills": list(skills),
            "access": access,
        }
        return CallDetail.model_validate(
            self._core.request("POST", "/api/calls", json=payload).json()
        )

    def list(
        self,
        *,
        state: Literal["open", "closed", "all"] = "open",
        skill: str | None = None,
        subject: str | None = None,
        author: str | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> list[CallOut]:
        """Calls on objects you may see, newest first, filtered by state, a skill wanted, a
        subject (``dataset:12``) or an author."""
        params: dict[str, Any] = {"state": state, "offset": offset, "limit": limit}
        for name, value in (("skill", skill), ("subject", subject), ("author", author)):
            if value is not None:
                params[name] = value
        return [CallOut.model_validate(c) for c in self._core.get_json("/api/calls", params)]

    def get(self, call_id: int) -> CallDetail:
        """A call with its responses. Raises NotFoundError."""
        return CallDetail.model_validate(self._core.get_json(f"/api/calls/{int(call_id)}"))

    def respond(
        self, call_id: int, message: str, *, kind: ResponseKind = "answer"
    ) -> CallResponseOut:
        """Answer the call (``kind="answer"``) or volunteer for it (``"volunteer"``).

        Raises:
            ConflictError: the call is closed, or your earlier response is still pending.
            InvalidInputError: the call is yours.
        """
        path = f"/api/calls/{int(call_id)}/responses"
        body = {"kind": kind, "message": message}
        return CallResponseOut.model_validate(self._core.request("POST", path, json=body).json())

    def _decide(self, call_id: int, response_id: int, decision: str) -> CallResponseOut:
        path = f"/api/calls/{int(call_id)}/responses/{int(response_id)}/{decision}"
        return CallResponseOut.model_validate(self._core.request("POST", path).json())

    def accept(self, call_id: int, response_id: int) -> CallResponseOut:
        """Accept a response: its author gets the call's access on its subject.

        Raises:
            PermissionDeniedError: you do not own the subject.
            ConflictError: the response is not pending, or the call is closed.
        """
        return self._decide(call_id, response_id, "accept")

    def decline(self, call_id: int, response_id: int) -> CallResponseOut:
        """Decline a pending response. Raises PermissionDeniedError, ConflictError."""
        return self._decide(call_id, response_id, "decline")

    def revoke(self, call_id: int, response_id: int) -> CallResponseOut:
        """Revoke an accepted response: the access it gave ends with the next request.

        Raises PermissionDeniedError, ConflictError (not accepted)."""
        return self._decide(call_id, response_id, "revoke")

    def close(self, call_id: int) -> CallDetail:
        """Close the call: no more responses or acceptances; granted access stays until
        revoked. Raises PermissionDeniedError, ConflictError (closed already)."""
        path = f"/api/calls/{int(call_id)}/close"
        return CallDetail.model_validate(self._core.request("POST", path).json())
