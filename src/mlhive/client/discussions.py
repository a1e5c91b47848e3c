"""``client.discussions``: threads on datasets, tasks, flows, runs, suites, studies and models."""

from __future__ import annotations

from urllib.parse import quote

from mlhive.client._http import HttpCore
from mlhive.wire.discussions import (
    PostOut,
    SubjectKind,
    ThreadAction,
    ThreadOut,
    ThreadSummary,
)

_NOUNS: dict[str, str] = {
    "dataset": "datasets",
    "task": "tasks",
    "flow": "flows",
    "run": "runs",
    "suite": "suites",
    "study": "studies",
    "model": "models",
}


class DiscussionsAPI:
    """``client.discussions``: read, open and answer threads on any object.

    An object is named by its kind and id, or a model repository by ``owner/name``. A thread is
    exactly as visible as its object.

    Example:
        >>> thread = client.discussions.open("dataset", 12, "Noise?", "run:7")  # doctest: +SKIP
        >>> client.discussions.reply(thread.id, "@alice fixed in version 2")  # doctest: +SKIP
    """

    def __init__(self, core: HttpCore) -> None:
        self._core = core

    @staticmethod
    def _subject_path(kind: SubjectKind, ref: int | str) -> str:
        if kind not in _NOUNS:
            raise ValueError(f"kind: {kind!r} is not one of {', '.join(_NOUNS)}")
        key = str(ref) if kind == "model" else quote(str(int(ref)), safe="")
        return f"/api/{_NOUNS[kind]}/{key}/discussions"

    def list(self, kind: SubjectKind, ref: int | str) -> list[ThreadSummary]:
        """The threads on an object, pinned first, then by latest post.

        Args:
            kind: ``dataset``, ``task``, ``flow``, ``run``, ``suite``, ``study`` or ``model``.
            ref: the object's id (``owner/name`` for a model).

        Returns:
            The threads (without their posts: :meth:`get` one for them).

        Raises:
            NotFoundError: no such object, or one you may not see.
        """
        raw = self._core.get_json(self._subject_path(kind, ref))
        return [ThreadSummary.model_validate(item) for item in raw]

    def open(self, kind: SubjectKind, ref: int | str, title: str, body: str) -> ThreadOut:
        """Open a thread on an object.

        Args:
            kind: the object's kind (see :meth:`list`).
            ref: its id (``owner/name`` for a model).
            title: the thread's title.
            body: the first post, in Markdown; ``@name`` mentions a user, ``dataset:12`` (or
                ``model:owner/name``) links to an object for readers who may see it.

        Returns:
            The new thread with its first post.

        Raises:
            NotFoundError: no such object; AuthenticationError: no API key;
            InvalidInputError: an empty title or body.
        """
        payload = {"title": title, "body": body}  # the server checks it, naming the field
        answer = self._core.request("POST", self._subject_path(kind, ref), json=payload)
        return ThreadOut.model_validate(answer.json())

    def get(self, thread_id: int) -> ThreadOut:
        """A thread with all its posts, oldest first.

        Raises:
            NotFoundError: no such thread, or one on an object you may not see.
        """
        return ThreadOut.model_validate(self._core.get_json(f"/api/discussions/{int(thread_id)}"))

    def reply(self, thread_id: int, body: str, reply_to: int | None = None) -> PostOut:
        """Reply in a thread.

        Args:
            thread_id: the thread.
            body: the reply, in Markdown.
            reply_to: a post of the thread this answers.

        Returns:
            The new post.

        Raises:
            ConflictError: the thread is locked. NotFoundError: no such thread.
        """
        payload = {"body": body, "reply_to": reply_to}
        path = f"/api/discussions/{int(thread_id)}/replies"
        return PostOut.model_validate(self._core.request("POST", path, json=payload).json())

    def edit(self, thread_id: int, post_id: int, body: str) -> PostOut:
        """Replace the body of one of your posts (the earlier body is kept in its history).

        Raises:
            PermissionDeniedError: not your post. ConflictError: the thread is locked.
        """
        path = f"/api/discussions/{int(thread_id)}/posts/{int(post_id)}"
        return PostOut.model_validate(self._core.request("PATCH", path, json={"body": body}).json())

    def moderate(self, thread_id: int, action: ThreadAction) -> ThreadOut:
        """``close``, ``reopen``, ``pin``, ``unpin``, ``lock`` or ``unlock`` a thread.

        Raises:
            PermissionDeniedError: not the object's owner (an author may close and reopen
                their own thread). ConflictError: the thread already is so.
        """
        path = f"/api/discussions/{int(thread_id)}/{action}"
        return ThreadOut.model_validate(self._core.request("POST", path).json())
