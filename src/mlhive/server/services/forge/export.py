"""The ``forge_export_onnx`` job: convert a scikit-learn commit to ONNX and check parity.

skl2onnx converts the estimator (loaded through the allowlist) with one float input ``X`` of
``n_features_in_`` columns; when the task's data has categorical or text columns and the
estimator was fitted on a DataFrame (it knows its column names), the export takes one input per
column instead (``[n, 1]`` strings for categorical and text columns, floats for the others), the
layout skl2onnx needs for a ``ColumnTransformer``. When the repository (or the card's lineage)
names a task, both the original and the export predict the task's whole dataset: the export
is ``ok`` when the labels agree on ≥ 99.9 % of the rows and probabilities differ by at most
1e-3 (regression values by 1e-3 relative to their largest magnitude: the export computes in
float32); without data the export is ``unchecked``. Models skl2onnx cannot convert, or
non-numeric features given to a model fitted without column names, are ``unsupported``; a job
that breaks on the way records ``failed`` with the reason (:func:`mark_failed`).
The export is offered for download when it
is ``ok`` or ``unchecked``.

The job runs in three phases: :func:`prepare` loads the estimator in a short transaction,
:func:`check` converts and compares outside any transaction, and :func:`record` stores the
outcome; the handler is :func:`mlhive.server.services.forge.jobs.export_onnx`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from mlhive.server.db.tables.forge import ModelCommit, ModelRepo
from mlhive.server.services.blobs import remember_blob
from mlhive.server.services.forge import content
from mlhive.server.services.forge.evaluation import TaskSpec, features_and_target, task_spec
from mlhive.server.storage import BlobInfo, BlobStore

LABEL_AGREEMENT = 0.999
TOLERANCE = 1e-3
OPSETS = {"": 17, "ai.onnx.ml": 3}


@dataclass(frozen=True)
class Prepared:
    """A commit's estimator and the task its export is checked on, read in a transaction."""

    estimator: Any
    spec: TaskSpec | None


@dataclass(frozen=True)
class ExportOutcome:
    """What :func:`check` found: a state, its report and the stored export (if offered)."""

    state: str
    report: dict[str, Any]
    blob: BlobInfo | None


def _spec_for(session: Session, commit: ModelCommit) -> TaskSpec | None:
    repo = session.get(ModelRepo, commit.repo_id)
    task_ids = list(repo.task_ids) if repo else []
    lineage_task = (commit.card.get("lineage") or {}).get("task_id")
    if lineage_task is not None:
        task_ids.insert(0, lineage_task)
    return task_spec(session, task_ids[0]) if task_ids else None


def _is_number(dtype: Any) -> bool:
    # pandas' test, not numpy's: np.issubdtype raises TypeError on a CategoricalDtype.
    return bool(pd.api.types.is_numeric_dtype(dtype)) and not isinstance(dtype, pd.CategoricalDtype)


def input_columns(estimator: Any, features: pd.DataFrame | None) -> list[tuple[str, bool]] | None:
    """The per-column inputs ``(name, is_text)`` of an export, or None for one float ``X``.

    Per-column inputs are used only when the task's data has non-numeric columns and the
    estimator was fitted on a DataFrame (``feature_names_in_``).

    Raises:
        ValueError: non-numeric columns for a model fitted without column names, or a column
            the model expects that the task's data does not have.
    """
    if features is None or all(_is_number(dtype) for dtype in features.dtypes):
        return None
    text = [str(c) for c, dtype in features.dtypes.items() if not _is_number(dtype)]
    names = getattr(estimator, "feature_names_in_", None)
    if names is None:
        raise ValueError(
            f"the task has non-numeric features ({', '.join(text)}) and the model was fitted "
            "without column names; fit it on a DataFrame so the export can take them by name"
        )
    missing = [str(n) for n in names if n not in features.columns]
    if missing:
        raise ValueError(f"the task's data has no column {', '.join(missing)} the model expects")
    return [(str(n), not _is_number(features[n].dtype)) for n in names]


def convert(estimator: Any, columns: list[tuple[str, bool]] | None = None) -> bytes:
    """The ONNX bytes of a fitted estimator (no ZipMap on classifiers).

    Args:
        estimator: a fitted scikit-learn estimator.
        columns: per-column inputs from :func:`input_columns`; None for one float input ``X``.

    Raises:
        Exception: whatever skl2onnx raises for models it cannot convert.
    """
    from skl2onnx import to_onnx  # type: ignore[import-untyped]
    from skl2onnx.common.data_types import (  # type: ignore[import-untyped]
        FloatTensorType,
        StringTensorType,
    )

    if columns is None:
        initial = [("X", FloatTensorType([None, int(estimator.n_features_in_)]))]
    else:
        initial = [
            (name, StringTensorType([None, 1]) if text else FloatTensorType([None, 1]))
            for name, text in columns
        ]
    options = {"zipmap": False} if hasattr(estimator, "predict_proba") else None
    model = to_onnx(estimator, initial_types=initial, options=options, target_opset=OPSETS)
    data: bytes = model.SerializeToString()
    return data


def feeds(features: pd.DataFrame, columns: list[tuple[str, bool]] | None) -> dict[str, Any]:
    """The inputs an export takes for ``features`` (see :func:`convert`)."""
    if columns is None:
        return {"X": features.to_numpy(dtype=np.float32)}
    return {
        name: (
            features[name].astype(str).to_numpy(dtype=object).reshape(-1, 1)
            if text
            else features[name].to_numpy(dtype=np.float32).reshape(-1, 1)
        )
        for name, text in columns
    }


def parity(
    estimator: Any,
    onnx_bytes: bytes,
    features: pd.DataFrame,
    columns: list[tuple[str, bool]] | None = None,
) -> dict[str, Any]:
    """Compare the estimator and its export on ``features`` (inputs laid out as ``columns``)."""
    import onnxruntime as ort  # type: ignore[import-untyped]

    if columns is not None:  # the estimator checks its column names: give it exactly those
        features = features[[name for name, _ in columns]]
    session = ort.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
    outputs = session.run(None, feeds(features, columns))
    report: dict[str, Any] = {"rows": len(features)}
    if hasattr(estimator, "predict_proba") and len(outputs) > 1:
        labels = np.asarray(outputs[0]).astype(str).ravel()
        expected = np.asarray(estimator.predict(features)).astype(str).ravel()
        report["label_agreement"] = float(np.mean(labels == expected)) if len(features) else 1.0
        diff = np.abs(np.asarray(outputs[1], dtype=np.float64) - estimator.predict_proba(features))
    else:
        values = np.asarray(outputs[0], dtype=np.float64).ravel()
        diff = np.abs(values - np.asarray(estimator.predict(features), dtype=np.float64).ravel())
        report["label_agreement"] = None
    report["max_abs_diff"] = float(diff.max()) if diff.size else 0.0
    agreement = report["label_agreement"]
    scale = (
        1.0
        if agreement is not None
        else max(1.0, float(np.abs(expected_values(estimator, features)).max(initial=0.0)))
    )
    good = report["max_abs_diff"] <= TOLERANCE * scale and (
        agreement is None or agreement >= LABEL_AGREEMENT
    )
    report["state"] = "ok" if good else "failed"
    report["detail"] = "" if good else "the export does not predict like the original"
    return report


def expected_values(estimator: Any, features: Any) -> Any:
    """The original's predictions as floats (regressors)."""
    return np.asarray(estimator.predict(features), dtype=np.float64)


def prepare(session: Session, store: BlobStore, commit_id: int) -> Prepared | None:
    """The estimator and task of a scikit-learn commit; None for other formats or a gone one."""
    commit = session.get(ModelCommit, commit_id)
    if commit is None or commit.format != "skops":
        return None
    spec = _spec_for(session, commit)
    return Prepared(content.load_estimator(store, commit), spec)


def check(store: BlobStore, prepared: Prepared) -> ExportOutcome:
    """Convert the estimator, store the export and check its parity; no database access."""
    estimator, spec = prepared.estimator, prepared.spec
    features = None if spec is None else features_and_target(store, spec)[0]
    try:
        columns = input_columns(estimator, features)
    except ValueError as exc:
        return ExportOutcome("unsupported", {"detail": str(exc)[:2000]}, None)
    try:
        onnx_bytes = convert(estimator, columns)
    except Exception as exc:  # skl2onnx's errors have no common base
        detail = f"skl2onnx cannot convert this model: {type(exc).__name__}: {exc}"
        return ExportOutcome("unsupported", {"detail": detail[:2000]}, None)
    blob = store.put(onnx_bytes)
    if features is None:
        return ExportOutcome(
            "unchecked", {"detail": "no linked task: parity was not checked", "rows": 0}, blob
        )
    report = parity(estimator, onnx_bytes, features, columns)
    return ExportOutcome(str(report.pop("state")), report, blob)


def record(session: Session, commit_id: int, outcome: ExportOutcome) -> None:
    """Store the export's state and report on its commit (and the export, when offered)."""
    commit = session.get(ModelCommit, commit_id)
    if commit is None:
        return
    report = dict(outcome.report)
    if outcome.blob is not None:
        remember_blob(session, outcome.blob)
        commit.onnx_sha256 = outcome.blob.sha256
        report["size"] = outcome.blob.size
    commit.onnx_state, commit.onnx_report = outcome.state, report


def mark_failed(session: Session, commit_id: int, exc: BaseException) -> None:
    """Record that the export job broke (state ``failed``, the error as its detail).

    Without this the commit would show its export ``pending`` for ever.
    """
    commit = session.get(ModelCommit, commit_id)
    if commit is None:
        return
    detail = f"the export job failed: {type(exc).__name__}: {exc}"
    commit.onnx_state, commit.onnx_report = "failed", {"detail": detail[:2000]}
    commit.onnx_sha256 = None
