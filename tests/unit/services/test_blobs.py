"""Blob rows recorded in bulk: each content hash once, however many hashes a push brings."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from mlhive.server.db.engine import transaction
from mlhive.server.db.tables.blobs import Blob
from mlhive.server.services.blobs import ROWS_PER_QUERY, remember_blob, remember_blobs
from mlhive.server.storage import BlobInfo
from mlhive.server.wiring import Hive


def info(i: int) -> BlobInfo:
    return BlobInfo(hashlib.sha256(str(i).encode()).hexdigest(), i)


def test_many_rows_are_recorded_once_each_next_to_known_ones(hive: Hive) -> None:
    many = 2 * ROWS_PER_QUERY + 200  # more hashes than one lookup takes
    with transaction(hive.sessions) as session:
        for i in range(0, many, 3):
            remember_blob(session, info(i))
    known = len(range(0, many, 3))
    with transaction(hive.sessions) as session:
        blobs = [info(i) for i in range(many)]
        assert remember_blobs(session, [*blobs, *blobs[:10]]) == many - known
    with transaction(hive.sessions) as session:
        rows = {b.sha256: b.size for b in session.scalars(select(Blob))}
        assert remember_blobs(session, blobs) == 0
    assert rows == {b.sha256: b.size for b in blobs}
