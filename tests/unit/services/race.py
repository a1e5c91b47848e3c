"""Two requests interleaved at a chosen moment, to reach what services do when another request
wins a race: a unique key taken between their check and their insert.

``interleave(session, hive, reading=Task, then=work)`` lets the first SELECT of ``Task`` rows
that ``session`` runs go through, then runs ``work`` (the other request) to its commit before
the service sees the result, so the service goes on from a check that is already stale.

On PostgreSQL the other request has its own session on its own connection and commits for real;
the first transaction (READ COMMITTED) sees its rows from its next statement on. SQLite admits
one writer at a time (the engine begins with BEGIN IMMEDIATE), so a second connection would
wait for the first transaction to end: there the other request gets its own session and its
own transaction as a savepoint on the first one's connection, released when it commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import event, inspect
from sqlalchemy.engine import Result
from sqlalchemy.orm import ORMExecuteState, Session

from mlhive.server.wiring import Hive

T = TypeVar("T")


@contextmanager
def rival(session: Session, hive: Hive) -> Iterator[Session]:
    """A second session; once it commits, ``session``'s transaction sees what it wrote."""
    if session.get_bind().dialect.name == "sqlite":
        other = Session(
            bind=session.connection(),
            join_transaction_mode="create_savepoint",
            expire_on_commit=False,
        )
    else:
        other = hive.sessions()
    try:
        yield other
        other.commit()
    except BaseException:
        other.rollback()
        raise
    finally:
        other.close()


@contextmanager
def interleave(
    session: Session,
    hive: Hive,
    *,
    reading: type[Any],
    then: Callable[[Session], T],
    times: int = 1,
) -> Iterator[list[T]]:
    """After each of the first ``times`` SELECTs of ``reading`` rows in ``session``, run
    ``then`` in a rival session and commit it; yields what each run of ``then`` returned."""
    mapper = inspect(reading)
    done: list[T] = []

    def hook(state: ORMExecuteState) -> Result[Any] | None:
        if len(done) >= times or not state.is_select or state.bind_mapper is not mapper:
            return None
        if state.is_relationship_load or state.is_column_load:
            return None
        seen = state.invoke_statement().freeze()
        with rival(session, hive) as other:
            done.append(then(other))
        return seen()

    event.listen(session, "do_orm_execute", hook)
    try:
        yield done
    finally:
        event.remove(session, "do_orm_execute", hook)
