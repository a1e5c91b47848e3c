"""Demo content: about ten real datasets that ship inside installed packages (no downloads)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from mlhive.formats.tables import from_pandas, write_parquet
from mlhive.server.app import build_hive
from mlhive.server.config import Settings
from mlhive.server.db.engine import transaction
from mlhive.server.db.migrate import upgrade
from mlhive.server.db.tables.accounts import User
from mlhive.server.db.tables.datasets import Dataset, DatasetTag
from mlhive.server.demo.experiments import load_experiments
from mlhive.server.demo.models import load_models
from mlhive.server.domain.access import Actor
from mlhive.server.services import accounts
from mlhive.server.services.automl import auto
from mlhive.server.services.datasets import catalog
from mlhive.server.wiring import Hive
from mlhive.wire.datasets import DatasetCreate

DEMO_TAG = "demo"


@dataclass(frozen=True)
class DemoDataset:
    name: str
    target: str
    load: Callable[[], pd.DataFrame]
    description: str
    source: str
    licence: str = "public"
    ignore: list[str] = field(default_factory=list)


def _sklearn(loader: str, *, classes: bool = True) -> Callable[[], pd.DataFrame]:
    def load() -> pd.DataFrame:
        import sklearn.datasets

        bunch = getattr(sklearn.datasets, loader)(as_frame=True)
        frame: pd.DataFrame = bunch.frame.copy()
        if classes:
            names = list(bunch.target_names)
            frame["target"] = pd.Categorical.from_codes(
                frame["target"].astype(int).to_numpy(), categories=pd.Index(names)
            )
        return frame

    return load


def _penguins() -> pd.DataFrame:
    from palmerpenguins import load_penguins

    frame: pd.DataFrame = load_penguins()
    for column in ("species", "island", "sex"):
        frame[column] = frame[column].astype("category")
    return frame


def _vega(name: str) -> Callable[[], pd.DataFrame]:
    def load() -> pd.DataFrame:
        from vega_datasets import local_data

        frame: pd.DataFrame = getattr(local_data, name.replace("-", "_"))()
        return frame

    return load


def _statsmodels(name: str, target: str) -> Callable[[], pd.DataFrame]:
    def load() -> pd.DataFrame:
        import importlib

        module = importlib.import_module(f"statsmodels.datasets.{name}")
        frame: pd.DataFrame = module.load_pandas().data
        if target == "vote":
            frame[target] = frame[target].map({0.0: "Dole", 1.0: "Clinton"}).astype("category")
        return frame

    return load


DEMO_DATASETS = [
    DemoDataset("iris", "target", _sklearn("load_iris"), "Fisher's iris flowers.", "scikit-learn"),
    DemoDataset(
        "wine",
        "target",
        _sklearn("load_wine"),
        "Chemical analysis of Italian wines.",
        "scikit-learn",
    ),
    DemoDataset(
        "breast-cancer",
        "target",
        _sklearn("load_breast_cancer"),
        "Wisconsin diagnostic breast cancer.",
        "scikit-learn",
    ),
    DemoDataset(
        "digits",
        "target",
        _sklearn("load_digits"),
        "8x8 images of handwritten digits.",
        "scikit-learn",
    ),
    DemoDataset(
        "diabetes",
        "target",
        _sklearn("load_diabetes", classes=False),
        "Diabetes progression one year after baseline.",
        "scikit-learn",
    ),
    DemoDataset(
        "penguins",
        "species",
        _penguins,
        "Palmer Archipelago penguins.",
        "palmerpenguins",
        "CC0-1.0",
    ),
    DemoDataset(
        "seattle-weather",
        "weather",
        _vega("seattle-weather"),
        "Daily weather in Seattle, 2012-2015.",
        "vega_datasets",
    ),
    DemoDataset(
        "cars",
        "Miles_per_Gallon",
        _vega("cars"),
        "Classic auto-mpg data.",
        "vega_datasets",
        ignore=["Name"],
    ),
    DemoDataset(
        "anes96",
        "vote",
        _statsmodels("anes96", "vote"),
        "1996 American National Election Study.",
        "statsmodels",
    ),
    DemoDataset(
        "fair",
        "affairs",
        _statsmodels("fair", "affairs"),
        "Fair's extramarital affairs survey.",
        "statsmodels",
    ),
]


Report = Callable[[str], None]


def _quiet(message: str) -> None:
    """The progress callback when nobody watches."""


def prepare_demo(settings: Settings) -> str:
    """Migrate the database and create the ``admin`` user; returns a new API key of theirs.

    Quick (no data is loaded), so that ``mlhive demo`` can print the key and serve at once.
    """
    hive = build_hive(settings)
    upgrade(hive.engine)
    with transaction(hive.sessions) as session:
        user = session.scalar(select(User).where(User.name == "admin"))
        if user is None:
            user = accounts.create_user(session, "admin", is_admin=True)
        _, key = accounts.issue_key(session, user, "demo")
    hive.engine.dispose()
    return key


def load_demo(
    settings: Settings,
    names: list[str] | None = None,
    *,
    experiments: bool = True,
    report: Report = _quiet,
) -> str:
    """Prepare (:func:`prepare_demo`), then load the demo content (:func:`load_content`).

    Returns:
        A new API key of the admin user.
    """
    key = prepare_demo(settings)
    load_content(settings, names, experiments=experiments, report=report)
    return key


def load_content(
    settings: Settings,
    names: list[str] | None = None,
    *,
    experiments: bool = True,
    report: Report = _quiet,
) -> None:
    """Publish and process the demo datasets that are missing, then (``experiments``) their
    tasks, the ``demo-cc`` suite, baseline runs and the demo model repositories.

    Idempotent, and confined to what the demo made: a dataset counts as the demo's when the
    admin uploaded it under a demo name with the ``demo`` tag; nothing else is ever touched, and
    what exists (a dataset, a task with runs, a model repository) is never made again.

    Args:
        settings: the server's settings (``prepare_demo`` must have run).
        names: only these demo datasets (default: all of them).
        experiments: also make tasks, runs and models.
        report: called with one line per step (``mlhive demo`` prints them).
    """
    hive = build_hive(settings)
    with transaction(hive.sessions) as session:
        user = session.scalars(select(User).where(User.name == "admin")).one()
        actor = Actor(user.id, user.name, user.is_admin)
    wanted = [s for s in DEMO_DATASETS if names is None or s.name in names]
    missing = [s for s in wanted if s.name not in demo_datasets(hive, actor)]
    scratch = settings.data_dir / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    for number, spec in enumerate(missing, 1):
        _publish(hive, actor, spec, scratch)
        report(f"dataset {spec.name} published ({number}/{len(missing)})")
    hive.worker.drain()
    if missing:
        report(f"{len(missing)} datasets processed (features, qualities)")
        _report_automatic(hive, actor, [s.name for s in missing], report)
    if experiments:
        ids = sorted(demo_datasets(hive, actor).values())
        load_experiments(hive, actor, ids, report)
        load_models(hive, actor, ids, report)
    hive.engine.dispose()


def _report_automatic(hive: Hive, actor: Actor, names: list[str], report: Report) -> None:
    """What the hive made by itself for the datasets just published (``auto_automl_budget``,
    on in ``mlhive demo``): their tasks, baseline runs and AutoML searches."""
    ids = demo_datasets(hive, actor)
    with transaction(hive.sessions) as session:
        made = [auto.status(session, hive.settings, actor, ids[n]) for n in names if n in ids]
    for status in made:
        if status.state == "done":
            report(
                f"task {status.task_id}: {len(status.baseline_run_ids)} baseline runs uploaded "
                f"and an AutoML search of {status.time_budget:g} s run ({status.search_state}) "
                "by the hive itself"
            )
        elif status.state in ("skipped", "failed"):
            report(f"dataset {status.dataset_id}: no automatic leaderboard: {status.reason}")


def demo_datasets(hive: Hive, actor: Actor) -> dict[str, int]:
    """The demo's own datasets by name (the admin's, under a demo name, tagged ``demo``)."""
    with transaction(hive.sessions) as session:
        rows = session.execute(
            select(Dataset.name, Dataset.id)
            .join(DatasetTag, DatasetTag.dataset_id == Dataset.id)
            .where(
                Dataset.uploader_id == actor.id,
                Dataset.name.in_([s.name for s in DEMO_DATASETS]),
                DatasetTag.tag == DEMO_TAG,
            )
            .order_by(Dataset.id)
        ).all()
    return {row.name: row.id for row in rows}


def _publish(hive: Hive, actor: Actor, spec: DemoDataset, scratch: Path) -> None:
    frame = spec.load()
    if not pd.api.types.is_numeric_dtype(frame[spec.target]):  # class labels: nominal
        frame[spec.target] = frame[spec.target].astype("category")
    table = from_pandas(frame)
    with tempfile.NamedTemporaryFile(dir=scratch, suffix=".parquet", delete=False) as tmp:
        path = Path(tmp.name)
    try:
        write_parquet(table, path)
        meta = DatasetCreate(
            name=spec.name,
            description=f"{spec.description} (shipped with {spec.source})",
            licence=spec.licence,
            default_target_attribute=spec.target,
            ignore_attributes=spec.ignore,
            tags=[DEMO_TAG, spec.source.replace("_", "-")],
            format="parquet",
        )
        with transaction(hive.sessions) as session, path.open("rb") as handle:
            catalog.publish(session, hive.store, hive.settings, actor, handle, path.name, meta)
    finally:
        path.unlink(missing_ok=True)
