"""The SQL form of :mod:`mlhive.server.domain.access`, for listings and searches.

Every listing filters with :func:`visible` on its table's owner and visibility columns, so a
private object is left out of a list exactly when the row check would refuse it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, delete, or_, true
from sqlalchemy.orm import QueryableAttribute, Session

from mlhive.server.db.tables.accounts import ObjectCollaborator
from mlhive.server.db.tables.social import OpenCall
from mlhive.server.domain.access import Actor, GrantKind

Column = ColumnElement[Any] | QueryableAttribute[Any]


def visible(
    actor: Actor | None,
    owner: Column,
    visibility: Column,
    grant: tuple[GrantKind, Column] | None = None,
) -> ColumnElement[bool]:
    """Rows ``actor`` may see: public ones, its own and its teams' (all for an admin), and,
    with ``grant`` (the kind and id column of the listed objects), those granted to it."""
    if actor is not None and actor.is_admin:
        return true()
    public = visibility == "public"
    if actor is None:
        return public
    seen = [public, owner.in_(actor.readable())]
    if grant is not None and actor.granted(grant[0]):
        seen.append(grant[1].in_(actor.granted(grant[0])))
    return or_(*seen)


def writable(actor: Actor, owner: Column) -> ColumnElement[bool]:
    """Rows ``actor`` may change: its own and those of the teams it writes to."""
    if actor.is_admin:
        return true()
    return owner.in_(actor.writable())


def forget_grants(session: Session, kind: GrantKind, object_id: int) -> None:
    """Delete the collaborator grants and open calls on an object being deleted, so that an
    object made later with the same id (SQLite may reuse the highest id) inherits none."""
    session.execute(
        delete(ObjectCollaborator).where(
            ObjectCollaborator.subject_kind == kind, ObjectCollaborator.subject_id == object_id
        )
    )
    session.execute(
        delete(OpenCall).where(OpenCall.subject_kind == kind, OpenCall.subject_id == object_id)
    )
