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
from mlhive.server.db.tables.datasets import Dataset
from mlhive.server.demo.experiments import load_experiments
from mlhive.server.demo.models import load_models
from mlhive.server.domain.access import Actor
from mlhive.server.services import accounts
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


def load_demo(
    settings: Settings, names: list[str] | None = None, *, experiments: bool = True
) -> str:
    """Migrate, create the ``admin`` user, publish and process the demo datasets, then
    (``experiments``) create their tasks, the ``demo-cc`` suite, baseline runs and the demo
    model repositories.

    Idempotent: datasets already published by the demo are skipped.

    Returns:
        A new API key of the admin user.
    """
    hive = build_hive(settings)
    upgrade(hive.engine)
    with transaction(hive.sessions) as session:
        user = session.scalar(select(User).where(User.name == "admin"))
        if user is None:
            user = accounts.create_user(session, "admin", is_admin=True)
        _, key = accounts.issue_key(session, user, "demo")
        actor = Actor(user.id, user.name, user.is_admin)
        existing = set(session.scalars(select(Dataset.name).where(Dataset.uploader_id == user.id)))
    scratch = settings.data_dir / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    for spec in DEMO_DATASETS:
        if spec.name in existing or (names is not None and spec.name not in names):
            continue
        _publish(hive, actor, spec, scratch)
    hive.worker.drain()
    if experiments:
        load_experiments(hive, actor)
        load_models(hive, actor)
    hive.engine.dispose()
    return key


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
