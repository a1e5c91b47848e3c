"""Objects as discussions name them: found by kind and key, labelled, and linked for a reader.

Who may see what is decided by :mod:`mlhive.server.services.subjects` (and, for model
repositories named ``owner/name``, by the forge's own lookup, which uses the same rule): this
module asks them and never decides access itself.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from mlhive.server.db.tables.forge import ModelRepo
from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import DomainError, NotFound
from mlhive.server.domain.social.text import Reference
from mlhive.server.services import subjects
from mlhive.server.services.forge import repos
from mlhive.server.services.subjects import Kind, Subject

PAGES: dict[str, str] = {
    "dataset": "/datasets",
    "task": "/tasks",
    "flow": "/flows",
    "run": "/runs",
    "suite": "/suites",
    "study": "/studies",
    "model": "/models",
}


def find(session: Session, actor: Actor | None, kind: Kind, key: int | str) -> Subject:
    """The object ``kind`` ``key`` (an id, or ``owner/name`` for a model) as ``actor`` sees it.

    Raises:
        NotFound: no such object, or one the actor may not see.
    """
    if kind == "model" and isinstance(key, str):
        repo = repos.get_by_full_name(session, actor, key)
        return subjects.find(session, actor, "model", repo.id)
    return subjects.find(session, actor, kind, int(key))


def label(session: Session, subject: Subject) -> tuple[str, str]:
    """How the object is written in text (``dataset:12``, ``model:alice/net``) and its page."""
    if subject.kind == "model":
        repo = session.get_one(ModelRepo, subject.id)
        return f"model:{repo.full_name}", f"{PAGES['model']}/{repo.full_name}"
    return subject.ref, f"{PAGES[subject.kind]}/{subject.id}"


def kind_of(name: str) -> Kind:
    """``name`` as an object kind.

    Raises:
        NotFound: not a kind of object.
    """
    kind = next((k for k in subjects.KINDS if k == name), None)
    if kind is None:
        raise NotFound(f"there are no objects of kind {name!r}")
    return kind


def visible_page(session: Session, actor: Actor | None, reference: Reference) -> str | None:
    """The page of a referenced object when ``actor`` may see it, else None (missing and
    private objects look the same, so a reference leaks nothing)."""
    try:
        subject = find(session, actor, kind_of(reference.kind), reference.key)
    except DomainError:
        return None
    return label(session, subject)[1]
