"""Answering a deployment's call: find the commit, take its loaded model, check the inputs,
predict. Only the lookup needs the database; checking and predicting run after its read
transaction has ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from mlhive.server.db.tables.forge import ModelCommit
from mlhive.server.domain.errors import Conflict, InvalidInput
from mlhive.server.domain.serving import inputs
from mlhive.server.domain.serving.inputs import Schema, Table
from mlhive.server.services.forge import content
from mlhive.server.services.serving import deployments
from mlhive.server.services.serving.deployments import Target
from mlhive.server.services.serving.runtime import (
    EstimatorModel,
    Loaded,
    OnnxModel,
    Serving,
)
from mlhive.server.storage import BlobStore
from mlhive.wire.serving import Invocation, PredictOut, PredictRequest


@dataclass(frozen=True)
class Served:
    """A deployment's call, ready to answer: who answers and with which loaded model."""

    deployment_id: int
    deployment: str
    repo: str
    commit: str
    model: Loaded


def _estimator_schema(card: dict[str, Any], estimator: Any) -> Schema:
    """The card's input schema, or the estimator's own column names where they differ."""
    schema = inputs.schema_of(card.get("input_schema") or [])
    names = getattr(estimator, "feature_names_in_", None)
    if names is None:
        if schema.columns or schema.width is not None:
            return schema
        return Schema(width=getattr(estimator, "n_features_in_", None))
    declared = dict(schema.columns)
    return Schema(columns=tuple((str(n), declared.get(str(n), "float64")) for n in names))


def _session(data: bytes, commit: ModelCommit) -> Any:
    import onnxruntime as ort  # type: ignore[import-untyped]

    try:
        return ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime's errors have no common base
        raise InvalidInput(f"commit {commit.sha[:12]}: onnxruntime cannot run it: {exc}") from None


def _onnx_model(store: BlobStore, commit: ModelCommit) -> OnnxModel:
    """An ONNX commit: one input (row lists, or the card's columns in order) or one per column."""
    manifest = content.manifest_of(store, commit)
    data = content.read_blob(store, manifest.files[content.FILE_NAMES["onnx"]].sha256)
    session = _session(data, commit)
    feeds = session.get_inputs()
    names = [i.name for i in feeds]
    declared = inputs.schema_of(commit.card.get("input_schema") or [])
    if len(names) == 1 and len(declared.columns) <= 1:
        width = feeds[0].shape[1] if len(feeds[0].shape) == 2 else None
        schema = Schema(width=width if isinstance(width, int) else None)
    elif len(names) == 1:
        schema = declared
    else:
        dtypes = dict(declared.columns)
        schema = Schema(columns=tuple((n, dtypes.get(n, "float64")) for n in names))
    labels = (commit.card.get("output_schema") or {}).get("class_labels")
    return OnnxModel(session, schema, names, labels)


def _export_model(store: BlobStore, commit: ModelCommit, estimator: EstimatorModel) -> OnnxModel:
    """The fast path of a scikit-learn commit: its ONNX export, which predicted like the
    estimator on the task's data (state ``ok``), taking the estimator's inputs."""
    session = _session(content.read_blob(store, str(commit.onnx_sha256)), commit)
    names = [i.name for i in session.get_inputs()]
    classes = getattr(estimator.estimator, "classes_", None)
    labels = [str(c) for c in classes] if classes is not None else None
    return OnnxModel(session, estimator.schema, names, labels)


def load(store: BlobStore, commit: ModelCommit) -> Loaded:
    """A commit's model, ready to predict: ONNX commits and scikit-learn commits whose export
    passed its parity check run in onnxruntime (the fast path); other scikit-learn commits run
    the estimator loaded through the skops allowlist.

    Raises:
        InvalidInput: a format the server cannot run.
    """
    deployments.check_servable(commit)
    if commit.format == "onnx":
        return _onnx_model(store, commit)
    estimator = content.load_estimator(store, commit)
    model = EstimatorModel(estimator, _estimator_schema(commit.card, estimator))
    if commit.onnx_state == "ok" and commit.onnx_sha256 is not None:
        return _export_model(store, commit, model)
    return model


def ready(session: Session, store: BlobStore, serving: Serving, found: Target) -> Served:
    """The target's model (loaded now if this process has not loaded it yet).

    Raises:
        Conflict: the deployment's alias points at no commit yet.
        InvalidInput: a commit in a format the server cannot run.
    """
    commit_id, sha = found.commit_id, found.commit_sha
    if commit_id is None or sha is None:
        raise Conflict(
            f"deployment {found.deployment!r} follows @{found.alias} of {found.repo}, which "
            f"points at no commit yet; promote one (POST /api/models/{found.repo}/aliases/"
            f"{found.alias})"
        )
    model = serving.models.get(
        str(commit_id), lambda: load(store, session.get_one(ModelCommit, commit_id))
    )
    return Served(found.deployment_id, found.deployment, found.repo, sha, model)


def answer(served: Served, table: Table, probabilities: bool) -> PredictOut:
    """Predict the checked rows; the answer names the commit that computed it."""
    result = served.model.predict(table, probabilities)
    return PredictOut(
        deployment=served.deployment,
        repo=served.repo,
        commit=served.commit,
        engine=result.engine,
        predictions=result.predictions,
        classes=result.classes,
        probabilities=result.probabilities,
    )


def request_table(served: Served, body: PredictRequest) -> Table:
    """The checked inputs of an mlhive prediction request.

    Raises:
        InvalidInput: a missing, unknown or mistyped column (named), or no rows.
    """
    return inputs.from_request(body, served.model.schema)


def invocation_table(served: Served, body: Invocation) -> Table:
    """The checked inputs of an MLflow ``/invocations`` request (answered with labels only,
    as MLflow's pyfunc does)."""
    return inputs.from_invocation(body, served.model.schema)
