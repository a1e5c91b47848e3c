"""Publishing: validation before anything is stored, versions per name, and two uploads of one
name racing for the same version."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mlhive.server.db.engine import transaction
from mlhive.server.db.tables.datasets import Dataset
from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import Conflict, InvalidInput
from mlhive.server.services.datasets import catalog
from mlhive.server.wiring import Hive
from mlhive.wire.datasets import DatasetCreate
from mlhive.wire.errors import ErrorCode
from tests.factories import PEOPLE_CSV, publish
from tests.unit.services.race import interleave


def _versions(hive: Hive, name: str = "people") -> list[tuple[int, int]]:
    """(version, uploader id) of every dataset called ``name``."""
    with transaction(hive.sessions) as session:
        rows = session.execute(
            select(Dataset.version, Dataset.uploader_id)
            .where(Dataset.name == name)
            .order_by(Dataset.version)
        )
        return [(version, uploader) for version, uploader in rows]


def _publish_in(session: Session, hive: Hive, actor: Actor, csv: str) -> Dataset:
    meta = DatasetCreate(name="people", default_target_attribute="label")
    return catalog.publish(
        session, hive.store, hive.settings, actor, io.BytesIO(csv.encode()), "data.csv", meta
    )


def _bobs_upload(hive: Hive, bob: Actor) -> Callable[[Session], int]:
    """Bob uploading other data under the same name; the version he got."""
    theirs = PEOPLE_CSV.replace("31,red", "32,red")
    return lambda other: _publish_in(other, hive, bob, theirs).version


def test_a_new_upload_is_in_preparation_and_queued_for_processing(
    hive: Hive, as_alice: Actor
) -> None:
    dataset_id = publish(hive, as_alice, tags=["uci", "uci", "small"])
    with transaction(hive.sessions) as session:
        out = catalog.describe(session, catalog.get(session, as_alice, dataset_id))
    assert (out.name, out.version, out.uploader) == ("people", 1, "alice")
    assert (out.status, out.processing) == ("in_preparation", "pending")
    assert (out.number_of_rows, out.number_of_columns) == (6, 4)
    assert out.tags == ["small", "uci"]
    assert out.job_id is not None


def test_each_upload_of_a_name_is_its_next_version(
    hive: Hive, as_alice: Actor, as_bob: Actor
) -> None:
    publish(hive, as_alice)
    publish(hive, as_bob)
    publish(hive, as_alice, name="other")
    assert _versions(hive) == [(1, as_alice.id), (2, as_bob.id)]
    assert _versions(hive, "other") == [(1, as_alice.id)]


@pytest.mark.parametrize(
    ("csv", "meta", "code", "field"),
    [
        (PEOPLE_CSV, {"default_target_attribute": "class"}, ErrorCode.UNKNOWN_COLUMN,
         "default_target_attribute"),
        (PEOPLE_CSV, {"ignore_attributes": ["weight"]}, ErrorCode.UNKNOWN_COLUMN,
         "ignore_attributes"),
        ("age,label\n", {}, ErrorCode.EMPTY_FILE, None),
    ],
)  # fmt: skip
def test_a_rejected_upload_stores_no_dataset(
    hive: Hive, as_alice: Actor, csv: str, meta: dict[str, Any], code: ErrorCode, field: str | None
) -> None:
    with pytest.raises(InvalidInput) as raised:
        publish(hive, as_alice, csv, **meta)
    assert raised.value.code == code
    assert raised.value.extra.get("field") == field
    assert _versions(hive) == []


def test_a_malformed_file_is_refused_naming_its_line(hive: Hive, as_alice: Actor) -> None:
    with pytest.raises(InvalidInput) as raised:
        publish(hive, as_alice, "age,label\n31,yes\n45\n")
    assert raised.value.code == ErrorCode.MALFORMED_FILE
    assert raised.value.extra["line"] == 3
    assert _versions(hive) == []


def test_an_arff_upload_is_kept_as_it_came(hive: Hive, as_alice: Actor) -> None:
    arff = (
        "% from the 1990 census\n@relation people\n"
        "@attribute age numeric\n@attribute label {yes,no}\n@data\n31,yes\n45,no\n"
    )
    dataset_id = publish(hive, as_alice, arff, filename="people.arff")
    with transaction(hive.sessions) as session:
        dataset = catalog.get(session, None, dataset_id)
        assert (dataset.upload_format, dataset.number_of_rows) == ("arff", 2)
        assert dataset.arff_sha256 is not None and dataset.arff_sha256 != dataset.data_sha256
    with hive.store.open(dataset.arff_sha256) as handle:
        assert handle.read() == arff.encode()


def test_an_upload_that_loses_the_race_for_a_version_takes_the_next_one(
    hive: Hive, as_alice: Actor, as_bob: Actor
) -> None:
    publish(hive, as_alice)
    with transaction(hive.sessions) as session:
        # Bob's upload commits version 2 right after Alice's upload has read "latest is 1".
        with interleave(session, hive, reading=Dataset, then=_bobs_upload(hive, as_bob)) as rivals:
            mine = _publish_in(session, hive, as_alice, PEOPLE_CSV)
        assert rivals == [2]
        assert mine.version == 3
    assert _versions(hive) == [(1, as_alice.id), (2, as_bob.id), (3, as_alice.id)]


def test_an_upload_that_keeps_losing_the_race_is_a_conflict_and_stores_nothing(
    hive: Hive, as_alice: Actor, as_bob: Actor
) -> None:
    publish(hive, as_alice)
    with (
        pytest.raises(Conflict) as raised,
        transaction(hive.sessions) as session,
        interleave(
            session, hive, reading=Dataset, then=_bobs_upload(hive, as_bob), times=5
        ) as rivals,
    ):
        _publish_in(session, hive, as_alice, PEOPLE_CSV)
    assert rivals == [2, 3, 4, 5, 6]
    assert raised.value.code == ErrorCode.CONFLICT
    assert raised.value.detail == "could not allocate a version for 'people'; please retry"
    assert [v for v, uploader in _versions(hive) if uploader == as_alice.id] == [1]
