"""A deployment's monitoring: merging each process's recorded answer times and inputs into the
stored rows, and reading them back as latency percentiles and a drift summary per column.

The training side of the drift summary is the column statistics the server already keeps for
the dataset the answering commit was trained on (its card's ``lineage.dataset_id``, filled in
from the task or run when the card names one): the share of missing values, the mean and
standard deviation of numbers, and the counts of the most frequent values of text columns.
The dataset is shown only to callers who may see it.

The input summary describes what other callers sent, so only the deployment's owner and
administrators see it; everyone who may see the deployment sees its counts and answer times.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from mlhive.server.db.tables.datasets import Dataset, Feature
from mlhive.server.db.tables.serving import Deployment, DeploymentInput, DeploymentLatency
from mlhive.server.domain.access import Actor, can_write
from mlhive.server.domain.errors import NotFound
from mlhive.server.services.datasets import catalog
from mlhive.server.services.serving import deployments
from mlhive.server.services.serving.monitor import (
    OTHER,
    SUMMARY,
    ColumnTally,
    Recorded,
    percentile,
)
from mlhive.wire.serving import CategoryShare, DeploymentMetrics, FeatureDrift, LatencyOut

CATEGORIES_SHOWN = 12
UPSERT_ROWS = 500
"""Rows one statement adds (well within SQLite's limit on bound parameters)."""
OTHER_LABEL = "(other values)"


def _upsert(session: Session, table: Any, keys: list[str], rows: list[dict[str, Any]]) -> None:
    """Add ``rows``' counts to the stored ones (inserting rows not stored yet), atomically."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).values(rows)
    columns = table.__table__.c
    added = {name: columns[name] + statement.excluded[name] for name in rows[0] if name not in keys}
    session.execute(statement.on_conflict_do_update(index_elements=keys, set_=added))


def flush(session: Session, taken: dict[int, Recorded]) -> None:
    """Merge recorded answer times and inputs into the stored rows (deleted deployments are
    skipped)."""
    alive = set(session.scalars(select(Deployment.id).where(Deployment.id.in_(list(taken)))))
    latency: list[dict[str, Any]] = []
    columns: list[dict[str, Any]] = []
    for deployment_id, recorded in sorted(taken.items()):
        if deployment_id not in alive:
            continue
        for bucket, calls in sorted(recorded.latency.items()):
            latency.append({"deployment_id": deployment_id, "bucket": bucket, "calls": calls})
        for name, tally in sorted(recorded.columns.items()):
            columns.append(_input_row(deployment_id, name, SUMMARY, tally))
            for value, count in sorted(tally.categories.items()):
                columns.append(_input_row(deployment_id, name, value, ColumnTally(values=count)))
    _upsert(session, DeploymentLatency, ["deployment_id", "bucket"], latency)
    _upsert(session, DeploymentInput, ["deployment_id", "column", "category"], columns)


def _input_row(deployment_id: int, name: str, category: str, tally: ColumnTally) -> dict[str, Any]:
    return {
        "deployment_id": deployment_id,
        "column": name[:256],
        "category": category,
        "values": tally.values,
        "missing": tally.missing,
        "total": tally.total,
        "squares": tally.squares,
    }


def stored(session: Session, deployment_id: int) -> Recorded:
    """What the stored rows hold for a deployment, in the form a process records it."""
    recorded = Recorded()
    for bucket, calls in session.execute(
        select(DeploymentLatency.bucket, DeploymentLatency.calls).where(
            DeploymentLatency.deployment_id == deployment_id
        )
    ):
        recorded.latency[bucket] = calls
    for row in session.scalars(
        select(DeploymentInput).where(DeploymentInput.deployment_id == deployment_id)
    ):
        tally = recorded.columns.setdefault(row.column, ColumnTally())
        if row.category == SUMMARY:
            tally.values += row.values
            tally.missing += row.missing
            tally.total += row.total
            tally.squares += row.squares
        else:
            tally.categories[row.category] = tally.categories.get(row.category, 0) + row.values
    return recorded


def _training(
    session: Session, actor: Actor | None, card: dict[str, Any]
) -> tuple[int | None, Dataset | None, dict[str, Feature]]:
    dataset_id = (card.get("lineage") or {}).get("dataset_id")
    if not isinstance(dataset_id, int):
        return None, None, {}
    try:
        dataset = catalog.get(session, actor, dataset_id)
    except NotFound:  # gone, or private to someone else: compare with nothing
        return None, None, {}
    features = session.scalars(select(Feature).where(Feature.dataset_id == dataset.id))
    return dataset.id, dataset, {f.name: f for f in features}


def _training_categories(feature: Feature | None, rows: int) -> dict[str, float]:
    distribution = (feature.distribution or {}) if feature is not None else {}
    if distribution.get("kind") != "categories" or rows <= 0:
        return {}
    return {str(item["value"]): item["count"] / rows for item in distribution.get("top", [])}


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _drift(
    name: str, tally: ColumnTally, feature: Feature | None, training_rows: int
) -> FeatureDrift:
    given = tally.values - tally.missing
    trained = feature is not None and training_rows > 0
    missing_share = _share(tally.missing, tally.values)
    train_missing = (
        feature.number_of_missing_values / training_rows
        if feature is not None and trained
        else None
    )
    if not tally.categories:  # numbers (or a text column with only missing values so far)
        mean = tally.total / given if given else None
        variance = tally.squares / given - mean * mean if given and mean is not None else None
        std = math.sqrt(max(variance, 0.0)) if variance is not None else None
        train_mean = feature.mean if feature is not None else None
        train_std = feature.stdev if feature is not None else None
        shift = None
        if mean is not None and train_mean is not None and train_std:
            shift = (mean - train_mean) / train_std
        return FeatureDrift(
            name=name,
            kind="number",
            values=tally.values,
            missing_share=missing_share,
            mean=mean,
            std=std,
            training_missing_share=train_missing,
            training_mean=train_mean,
            training_std=train_std,
            mean_shift=shift,
        )
    training = _training_categories(feature, training_rows)
    ranked = sorted(tally.categories.items(), key=lambda item: (-item[1], item[0]))
    shown = [(v, c) for v, c in ranked if v != OTHER][:CATEGORIES_SHOWN]
    pooled = sum(c for v, c in ranked if (v, c) not in shown)
    categories = [
        CategoryShare(value=value, share=count / given, training_share=training.get(value))
        for value, count in shown
    ]
    if pooled:
        categories.append(CategoryShare(value=OTHER_LABEL, share=pooled / given))
    return FeatureDrift(
        name=name,
        kind="text",
        values=tally.values,
        missing_share=missing_share,
        categories=categories,
        training_missing_share=train_missing,
    )


def summary(
    session: Session,
    actor: Actor | None,
    deployment: Deployment,
    pending: Recorded,
    pending_counts: tuple[int, int],
) -> DeploymentMetrics:
    """A deployment's metrics: stored rows plus what this process has not written yet
    (``pending``, ``pending_counts``), its inputs next to the training data's columns."""
    described = deployments.describe(session, deployment, pending_counts)
    recorded = stored(session, deployment.id)
    recorded.add(pending)
    shown = can_write(actor, deployment.owner_id)
    commit = deployments.current_commit(session, deployment) if shown else None
    dataset_id, dataset, features = _training(session, actor, commit.card if commit else {})
    rows = dataset.number_of_rows if dataset is not None else 0
    latency = recorded.latency
    columns = sorted(recorded.columns.items()) if shown else []
    return DeploymentMetrics(
        deployment=deployment.name,
        commit=described.commit,
        requests=described.requests,
        errors=described.errors,
        latency=LatencyOut(
            calls=sum(latency.values()),
            p50_ms=percentile(latency, 0.50),
            p90_ms=percentile(latency, 0.90),
            p99_ms=percentile(latency, 0.99),
        ),
        inputs_shown=shown,
        training_dataset=dataset_id,
        features=[_drift(name, tally, features.get(name), rows) for name, tally in columns],
    )
