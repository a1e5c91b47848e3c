"""Demo content loads from installed packages and is processed, idempotently."""

from __future__ import annotations

from sqlalchemy import select

from mlhive.server.config import Settings
from mlhive.server.db.engine import make_engine, make_session_factory
from mlhive.server.db.tables import Dataset, Quality
from mlhive.server.demo import DEMO_DATASETS, load_demo


def test_demo_datasets_load_processed_and_only_once(settings: Settings) -> None:
    assert len(DEMO_DATASETS) >= 10
    key = load_demo(settings, names=["iris", "penguins"])
    assert key.startswith("mlh_")
    load_demo(settings, names=["iris", "penguins"])  # second run adds nothing
    engine = make_engine(settings.resolved_database_url)
    with make_session_factory(engine)() as session:
        rows = {d.name: d for d in session.scalars(select(Dataset))}
        assert sorted(rows) == ["iris", "penguins"]
        assert {d.status for d in rows.values()} == {"active"}
        instances = session.scalar(
            select(Quality.value).where(
                Quality.dataset_id == rows["penguins"].id, Quality.name == "NumberOfInstances"
            )
        )
        missing = session.scalar(
            select(Quality.value).where(
                Quality.dataset_id == rows["penguins"].id, Quality.name == "NumberOfMissingValues"
            )
        )
    engine.dispose()
    assert instances == 344 and missing == 19
