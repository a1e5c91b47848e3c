"""The model forge on the wire: model cards, repositories, commits, diffs, merges and merge
requests, plus the skops allowlist both the server and the client load estimators with.

A repository is addressed as ``owner/name``; a *ref* is a branch, a tag or a commit id (the
full 64-hex id or a unique prefix of at least 7 digits).
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from os import PathLike
from typing import Any, Literal

from pydantic import Field, model_validator

from mlhive.wire.common import StoredId, WireModel
from mlhive.wire.display import Displayed, first_line

Visibility = Literal["public", "private"]
ModelFormat = Literal["safetensors", "skops", "onnx"]
CardTaskType = Literal[
    "supervised_classification",
    "supervised_regression",
    "learning_curve",
    "clustering",
    "other",
]
TensorMergeMethod = Literal["average", "task_arithmetic", "ties"]
EnsembleMethod = Literal["voting", "stacking"]
MergeMethod = Literal["average", "task_arithmetic", "ties", "voting", "stacking"]
RequestState = Literal["open", "merged", "closed"]
EvaluationState = Literal["pending", "done", "failed", "not_applicable"]

REPO_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
REF_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$"

# -- the skops allowlist ----------------------------------------------------------------------
# skops trusts its own defaults (scikit-learn estimators, builtins, numpy ufuncs); on top of that
# exactly these names are trusted. Anything else named in a file refuses the whole file: the
# uploader's idea of what is safe is never consulted.
SKOPS_TRUSTED_TYPES: frozenset[str] = frozenset(
    {
        "sklearn.tree._tree.Tree",
        "sklearn.utils._bunch.Bunch",
        "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
        "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
        "sklearn.neighbors._kd_tree.KDTree",
        "sklearn.neighbors._ball_tree.BallTree",
        "sklearn._loss.loss.HalfBinomialLoss",
        "sklearn._loss.loss.HalfMultinomialLoss",
        "sklearn._loss.loss.HalfSquaredError",
        "sklearn._loss.link.IdentityLink",
        "sklearn._loss.link.LogitLink",
        "sklearn._loss.link.MultinomialLogit",
        "sklearn._loss._loss.CyHalfBinomialLoss",
        "sklearn._loss._loss.CyHalfMultinomialLoss",
        "sklearn._loss._loss.CyHalfSquaredError",
        "sklearn.linear_model._sgd_fast.Hinge",
        "sklearn.linear_model._sgd_fast.Log",
        "sklearn.linear_model._sgd_fast.SquaredLoss",
        "sklearn.linear_model._sgd_fast.ModifiedHuber",
        "sklearn.linear_model._sgd_fast.Huber",
        "sklearn.linear_model._sgd_fast.EpsilonInsensitive",
        "sklearn.linear_model._sgd_fast.SquaredHinge",
        "numpy.dtype",
        "numpy.ndarray",
        "numpy.float32",
        "numpy.float64",
        "numpy.int32",
        "numpy.int64",
        "numpy.bool_",
        "numpy.str_",
        "numpy.random.mtrand.RandomState",
        "numpy.random._mt19937.MT19937",
        "numpy.random._pcg64.PCG64",
        "numpy.random._generator.Generator",
        "scipy.sparse._csr.csr_matrix",
        "scipy.sparse._csc.csc_matrix",
        "scipy.sparse._csr.csr_array",
        "scipy.sparse._csc.csc_array",
        "collections.OrderedDict",
        "collections.defaultdict",
        # Reviewed plain-data helpers of textbook pipelines. Each holds only numbers, strings,
        # arrays or other allowlisted objects, and loading one runs no code it carries:
        # make_column_selector: a regex pattern and dtype include/exclude lists.
        "sklearn.compose._column_transformer.make_column_selector",
        # CalibratedClassifierCV's fitted parts: an estimator, calibrators and class labels;
        # the sigmoid calibrator is two floats (isotonic is IsotonicRegression, an estimator).
        "sklearn.calibration._CalibratedClassifier",
        "sklearn.calibration._SigmoidCalibration",
        # A search's fitted scorer: the estimator's own score method, or a reference to one of
        # the metric functions below with its sign and keyword arguments.
        "sklearn.metrics._scorer._PassthroughScorer",
        "sklearn.metrics._scorer._Scorer",
        # Metric functions named by scoring="...": pure computations on arrays.
        "sklearn.metrics._classification.accuracy_score",
        "sklearn.metrics._classification.balanced_accuracy_score",
        "sklearn.metrics._classification.f1_score",
        "sklearn.metrics._classification.log_loss",
        "sklearn.metrics._classification.precision_score",
        "sklearn.metrics._classification.recall_score",
        "sklearn.metrics._ranking.roc_auc_score",
        "sklearn.metrics._regression.mean_absolute_error",
        "sklearn.metrics._regression.mean_squared_error",
        "sklearn.metrics._regression.r2_score",
        "sklearn.metrics._regression.root_mean_squared_error",
        # Cross-validation splitters a search or calibrator keeps: split counts, a shuffle
        # flag and a seed (an int or an allowlisted RandomState).
        "sklearn.model_selection._split.GroupKFold",
        "sklearn.model_selection._split.KFold",
        "sklearn.model_selection._split.RepeatedKFold",
        "sklearn.model_selection._split.RepeatedStratifiedKFold",
        "sklearn.model_selection._split.ShuffleSplit",
        "sklearn.model_selection._split.StratifiedKFold",
        "sklearn.model_selection._split.StratifiedShuffleSplit",
        # SelectKBest/SelectPercentile score functions: univariate statistics on arrays.
        "sklearn.feature_selection._univariate_selection.chi2",
        "sklearn.feature_selection._univariate_selection.f_classif",
        "sklearn.feature_selection._univariate_selection.f_regression",
        "sklearn.feature_selection._univariate_selection.r_regression",
        # HistGradientBoosting with a categorical mask keeps functools.partial(check_array,
        # ...): skops lists a partial's function and arguments as types of their own, so the
        # partial can only wrap what this list allows; check_array only validates input.
        "functools.partial",
        "sklearn.utils.validation.check_array",
    }
)

# Types skops would load but the forge refuses: they hold code, not data. Named with the reason
# so a refused upload says why and what to use instead.
SKOPS_REFUSED_TYPES: dict[str, str] = {
    # (but for the code-free ones scikit-learn builds itself: see _is_builtin_step)
    "sklearn.preprocessing._function_transformer.FunctionTransformer": (
        "FunctionTransformer holds a function that runs on every prediction (code, not data); "
        "use a built-in transformer instead (e.g. PowerTransformer, SplineTransformer, "
        "or TransformedTargetRegressor(transformer=...)), or push the model as ONNX"
    ),
}


def untrusted_skops_types(named: list[str]) -> list[str]:
    """The types of ``named`` (as ``skops.io.get_untrusted_types`` lists them) not allowed.

    Args:
        named: the type names a skops file needs beyond skops' own defaults.

    Returns:
        The names outside :data:`SKOPS_TRUSTED_TYPES`, sorted; empty means the file may load.
    """
    return sorted(set(named) - SKOPS_TRUSTED_TYPES)


def _named(node: dict[str, Any], path: str) -> bool:
    return f"{node.get('__module__')}.{node.get('__class__')}" == path


def _is_builtin_step(transformer: dict[str, Any]) -> bool:
    """Whether a FunctionTransformer node is one scikit-learn builds itself and holds no code:
    the identity a ColumnTransformer puts for ``"passthrough"`` (``func=None``), or
    HistGradientBoosting's input check (``func=functools.partial(check_array, ...)``); neither
    has an inverse."""
    try:
        attributes = transformer["content"]["content"]
        func, inverse = attributes["func"], attributes["inverse_func"]
    except (KeyError, TypeError):
        return False
    if not isinstance(func, dict) or not isinstance(inverse, dict):
        return False
    if inverse.get("content") != "null":
        return False
    if _named(func, "builtins.str") and func.get("content") == "null":
        return True
    inner = func.get("content", {}).get("func") if isinstance(func.get("content"), dict) else None
    return (
        _named(func, "functools.partial")
        and isinstance(inner, dict)
        and _named(inner, "sklearn.utils.validation.check_array")
    )


def refused_schema_types(schema: Any) -> set[str]:
    """The ``module.Class`` of every object a skops ``schema.json`` (parsed) holds that
    :data:`SKOPS_REFUSED_TYPES` refuses.

    ``skops.io.get_untrusted_types`` leaves out what skops itself trusts (every scikit-learn
    estimator); this walk sees those too. The FunctionTransformers scikit-learn makes itself
    for a passthrough or an input check (see :func:`_is_builtin_step`) are not counted.
    """
    found: set[str] = set()
    pending = [schema]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            name = f"{node.get('__module__')}.{node.get('__class__')}"
            if name in SKOPS_REFUSED_TYPES and not _is_builtin_step(node):
                found.add(name)
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return found


def refused_skops_reasons(source: bytes | str | PathLike[str]) -> list[str]:
    """Why the forge refuses a skops file (its bytes or path) for :data:`SKOPS_REFUSED_TYPES`;
    empty when none occurs. Reads the archive's ``schema.json`` only; loads nothing.

    Raises:
        ValueError: not a zip archive with a readable ``schema.json``.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as zf:
            schema = json.loads(zf.read("schema.json"))
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, OSError) as exc:
        raise ValueError(f"not a readable skops file: {exc}") from None
    named = refused_schema_types(schema)
    return [reason for name, reason in sorted(SKOPS_REFUSED_TYPES.items()) if name in named]


# -- the model card ---------------------------------------------------------------------------


class FeatureSpec(WireModel):
    """One input of the model: a feature column or an input tensor."""

    name: str = Field(min_length=1, max_length=256)
    dtype: str = Field(default="float64", max_length=64)
    shape: list[int | None] = Field(default_factory=list, description="None = any size")


class OutputSchema(WireModel):
    """What the model returns: class labels (classifiers) or a value range (regressors)."""

    class_labels: list[str] | None = None
    value_range: tuple[float, float] | None = None
    dtype: str | None = Field(default=None, max_length=64)
    shape: list[int | None] = Field(default_factory=list)


class Lineage(WireModel):
    """What the model was trained on: ids of this server's dataset, task and run."""

    dataset_id: StoredId | None = None
    dataset_version: StoredId | None = None
    task_id: StoredId | None = None
    run_id: StoredId | None = None


class DataSeen(WireModel):
    """One dataset a model was trained on: which version, how many rows, the time range of
    its time column, and when (``source="server"``: the server fitted the model on it itself;
    ``"uploader"``: what the pusher says it trained on)."""

    dataset_id: StoredId
    name: str = Field(default="", max_length=128, description="filled in by the server")
    version: StoredId | None = Field(default=None, description="filled in by the server")
    rows: int | None = Field(default=None, ge=0, le=10**15, description="rows trained on")
    time_column: str | None = Field(default=None, max_length=256)
    time_from: str | None = Field(default=None, max_length=64, description="earliest time seen")
    time_to: str | None = Field(default=None, max_length=64, description="latest time seen")
    applied_at: datetime | None = Field(default=None, description="when it was trained on")
    source: Literal["server", "uploader"] = "uploader"


class PipelineRef(WireModel):
    """The flow and setup (hyper-parameter values) the model was built from: what the server
    rebuilds to retrain it. Filled in from ``lineage.run_id`` when the card names a run."""

    flow_id: StoredId
    setup_id: StoredId


class BaseModelRef(WireModel):
    """A model this one was fine-tuned or merged from."""

    repo: str = Field(min_length=3, max_length=200, description="owner/name")
    commit: str | None = Field(default=None, max_length=64)
    coefficient: float | None = None


class MergeInfo(WireModel):
    """How a merged model was made."""

    method: MergeMethod
    coefficients: list[float] = Field(default_factory=list)
    options: dict[str, Any] = Field(default_factory=dict)


class CardMetric(WireModel):
    """A measured quality: ``source="server"`` values come from this server's evaluations."""

    name: str = Field(min_length=1, max_length=64)
    value: float | None
    task_id: int | None = None
    run_id: int | None = None
    source: Literal["server", "uploader"] = "uploader"


class ModelCard(WireModel):
    """The model card: every field has a fixed meaning, so tools can read it.

    ``library``/``library_version``/``model_type`` and the schemas are filled in from the file
    where the server can read them; server metrics are filled in from the run in ``lineage``.
    """

    library: str = Field(default="", max_length=64)
    library_version: str = Field(default="", max_length=64)
    model_type: str = Field(default="", max_length=256)
    task_type: CardTaskType = "other"
    input_schema: list[FeatureSpec] = Field(default_factory=list)
    output_schema: OutputSchema = Field(default_factory=OutputSchema)
    lineage: Lineage = Field(default_factory=Lineage)
    base_models: list[BaseModelRef] = Field(default_factory=list)
    merge: MergeInfo | None = None
    metrics: list[CardMetric] = Field(default_factory=list)
    data_seen: list[DataSeen] = Field(default_factory=list, max_length=1000)
    pipeline: PipelineRef | None = None
    licence: str = Field(default="", max_length=128)
    intended_use: str = Field(default="", max_length=20_000)
    limitations: str = Field(default="", max_length=20_000)
    text: str = Field(default="", max_length=200_000)

    @model_validator(mode="after")
    def _consistent(self) -> ModelCard:
        names = [f.name for f in self.input_schema]
        if len(names) != len(set(names)):
            raise ValueError("input_schema: feature names must be unique")
        coefficients = self.merge.coefficients if self.merge is not None else []
        if coefficients and self.base_models and len(coefficients) != len(self.base_models):
            raise ValueError("merge.coefficients: one per base model")
        value_range = self.output_schema.value_range
        if value_range is not None and value_range[0] > value_range[1]:
            raise ValueError("output_schema.value_range: low must not exceed high")
        return self


# -- repositories, refs, commits --------------------------------------------------------------


class MergeRule(WireModel):
    """A gate on merge requests: ``max_drop`` in the measure's own units (0.005 = 0.5
    accuracy points; lower-is-better measures may not *rise* by more), and/or a floor/ceiling
    ``min``/``max``. ``measure="*"`` applies ``max_drop`` to every compared measure."""

    measure: str = Field(min_length=1, max_length=64)
    # Strict: JSON's true/false are not numbers (lax pydantic would take false for 0.0).
    max_drop: float | None = Field(default=None, ge=0, strict=True)
    min: float | None = Field(default=None, strict=True)
    max: float | None = Field(default=None, strict=True)


class RepoCreate(WireModel):
    name: str = Field(pattern=REPO_NAME_PATTERN)
    description: str = Field(default="", max_length=100_000)
    visibility: Visibility = "public"
    owner: str | None = Field(
        default=None,
        max_length=64,
        description="A team (you write to) that will own it; by default you do.",
    )
    task_ids: list[StoredId] = Field(default_factory=list, description="tasks that gate merges")
    rules: list[MergeRule] = Field(default_factory=list)


class RepoUpdate(WireModel):
    description: str | None = Field(default=None, max_length=100_000)
    visibility: Visibility | None = None
    task_ids: list[StoredId] | None = None
    rules: list[MergeRule] | None = None


class ForkRequest(WireModel):
    name: str | None = Field(default=None, pattern=REPO_NAME_PATTERN)
    visibility: Visibility | None = None


class RefCreate(WireModel):
    name: str = Field(pattern=REF_NAME_PATTERN)
    ref: str = Field(min_length=1, max_length=128, description="branch, tag or commit id")


class RefOut(WireModel):
    name: str
    kind: Literal["branch", "tag"]
    commit: str


class RepoOut(Displayed, WireModel):
    id: int
    owner: str
    name: str
    full_name: str
    description: str
    visibility: Visibility
    task_ids: list[int]
    rules: list[MergeRule]
    default_branch: str
    forked_from: str | None
    created_at: datetime
    refs: list[RefOut] = Field(default_factory=list)

    def _headline(self) -> str:
        return f"{self.full_name} ({self.visibility}, {len(self.refs)} refs)"

    def _facts(self) -> list[tuple[str, object]]:
        return [
            ("description", first_line(self.description)),
            ("tasks", self.task_ids),
            ("default branch", self.default_branch),
            ("refs", [f"{r.name} → {r.commit[:12]}" for r in self.refs]),
            ("forked from", self.forked_from),
        ]


class CommitCreate(WireModel):
    """The ``metadata`` part of a push (the model file is the ``file`` part)."""

    message: str = Field(default="", max_length=20_000)
    branch: str = Field(default="main", pattern=REF_NAME_PATTERN)
    card: ModelCard = Field(default_factory=ModelCard)
    format: ModelFormat | None = Field(default=None, description="else sniffed from the file")
    expected_head: str | None = Field(
        default=None, description="refuse (409) if the branch has moved past this commit"
    )
    allow_format_change: bool = Field(
        default=False,
        description="commit a file whose format differs from the branch head's (refused, 409, "
        "without it: a branch's history stays comparable commit by commit)",
    )


SHA256_PATTERN = r"^[0-9a-f]{64}$"
UPLOAD_CHUNK_BYTES = 16 * 1024**2
"""The size of a model file's pieces in an upload session: a tensor's bytes (or a non-tensor
file's) are cut into pieces of this size, the last one shorter. The server stores a tensor's
pieces as its chunks, so this is the server's chunk size."""


class ChunkRef(WireModel):
    """One piece of a model file, named by the sha256 of its bytes."""

    sha256: str = Field(pattern=SHA256_PATTERN)
    size: int = Field(ge=0)


class UploadCreate(WireModel):
    """Open an upload session: the commit's metadata and the file described piece by piece.

    A safetensors file is described by its JSON header (as it is in the file) and the pieces
    of its tensors' bytes in file order: each tensor cut into pieces of ``UPLOAD_CHUNK_BYTES``
    (one empty piece for an empty tensor). Any other file is one piece: the whole file.
    Every piece is checked against its sha256 as it arrives and the header as an uploaded
    file's would be, so the commit holds exactly the bytes described.
    """

    metadata: CommitCreate = Field(default_factory=CommitCreate)
    filename: str | None = Field(default=None, max_length=255)
    size: int = Field(ge=1, description="the file's size in bytes")
    header: str | None = Field(
        default=None, description="safetensors: the file's JSON header, as in the file"
    )
    chunks: list[ChunkRef] = Field(min_length=1, max_length=1_000_000)


class UploadOut(WireModel):
    """An upload session: what the server still lacks before the commit can be made."""

    id: str
    repo: str
    expires_at: datetime
    missing: list[str] = Field(description="sha256 of the pieces still to PUT")
    missing_bytes: int
    total_bytes: int


class TensorEntry(WireModel):
    name: str
    dtype: str
    shape: list[int]
    size: int


class OnnxExport(WireModel):
    """The ONNX export of a scikit-learn commit and its parity check on the task's data."""

    state: Literal["pending", "ok", "unchecked", "failed", "unsupported"]
    detail: str = ""
    rows: int = 0
    label_agreement: float | None = None
    max_abs_diff: float | None = None


class CommitOut(Displayed, WireModel):
    id: str
    repo: str
    parents: list[str]
    author: str
    message: str
    created_at: datetime
    format: ModelFormat
    card: ModelCard
    files: dict[str, int] = Field(description="downloadable file name -> size in bytes")
    tensors: int = Field(default=0, description="number of tensors (safetensors)")
    onnx_export: OnnxExport | None = None

    def _headline(self) -> str:
        message = first_line(self.message, 50)
        return f"{self.repo}@{self.id[:12]} {self.format} by {self.author}" + (
            f": {message}" if message else ""
        )

    def _facts(self) -> list[tuple[str, object]]:
        export = self.onnx_export.state if self.onnx_export else None
        return [
            ("commit", self.id),
            ("parents", [p[:12] for p in self.parents]),
            ("created", self.created_at.isoformat(timespec="seconds")),
            ("model", self.card.model_type or self.format),
            ("files", [f"{name} ({size:,} bytes)" for name, size in self.files.items()]),
            ("ONNX export", export),
        ]


# -- diffs and merges -------------------------------------------------------------------------


class TensorChange(WireModel):
    name: str
    dtype_before: str | None = None
    dtype_after: str | None = None
    shape_before: list[int] | None = None
    shape_after: list[int] | None = None
    norm_of_difference: float | None = None
    fraction_changed: float | None = None


class DiffOut(Displayed, WireModel):
    a: str
    b: str
    format: ModelFormat | Literal["mixed"]
    added: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    changed: list[TensorChange] = Field(default_factory=list)
    unchanged: int = 0
    changed_parameters: dict[str, tuple[str | None, str | None]] = Field(default_factory=dict)
    changed_attributes: list[str] = Field(default_factory=list)

    def _headline(self) -> str:
        if self.format == "skops":
            return (
                f"{self.a[:12]}..{self.b[:12]}: {len(self.changed_parameters)} parameters, "
                f"{len(self.changed_attributes)} fitted attributes changed"
            )
        return (
            f"{self.a[:12]}..{self.b[:12]}: {len(self.changed)} changed, {len(self.added)} "
            f"added, {len(self.removed)} removed, {self.unchanged} unchanged"
        )

    def _facts(self) -> list[tuple[str, object]]:
        rows: list[tuple[str, object]] = [
            (name, f"{before} → {after}")
            for name, (before, after) in self.changed_parameters.items()
        ]
        rows += [(c.name, f"changed (L2 {c.norm_of_difference:.4g})" if c.norm_of_difference
                  is not None else "changed") for c in self.changed]  # fmt: skip
        rows += [(name, "added") for name in self.added]
        rows += [(name, "removed") for name in self.removed]
        return rows


class MergeSource(WireModel):
    repo: str | None = Field(default=None, description="owner/name; default: this repository")
    ref: str


class MergeCreate(WireModel):
    method: MergeMethod
    sources: list[MergeSource] = Field(min_length=1, max_length=64)
    weights: list[float] | None = Field(
        default=None, description="average: weights; task_arithmetic/ties: one λ per source"
    )
    base: MergeSource | None = Field(default=None, description="task_arithmetic/ties: the base")
    density: float = Field(default=0.2, gt=0, le=1, description="ties: fraction kept")
    task_id: StoredId | None = Field(default=None, description="voting/stacking: data to fit on")
    voting: Literal["soft", "hard"] = "soft"
    branch: str = Field(default="main", pattern=REF_NAME_PATTERN)
    message: str = Field(default="", max_length=20_000)

    @model_validator(mode="after")
    def _shape(self) -> MergeCreate:
        if self.weights is not None and len(self.weights) != len(self.sources):
            raise ValueError("weights: one per source")
        if self.method in ("task_arithmetic", "ties") and self.base is None:
            raise ValueError(f"base: {self.method} needs a base model")
        return self


class MergeOut(WireModel):
    id: int
    repo: str
    method: MergeMethod
    branch: str
    state: Literal["pending", "done", "failed"]
    error: str | None
    commit: str | None
    job_id: int | None


# -- merge requests ---------------------------------------------------------------------------


class MergeRequestCreate(WireModel):
    source_branch: str = Field(pattern=REF_NAME_PATTERN)
    source_repo: str | None = Field(default=None, description="a fork: owner/name")
    target_branch: str = Field(default="main", pattern=REF_NAME_PATTERN)
    title: str = Field(min_length=1, max_length=256)
    description: str = Field(default="", max_length=100_000)


class CommentCreate(WireModel):
    body: str = Field(min_length=1, max_length=100_000)
    reply_to: int | None = Field(default=None, description="a comment id: answer in its thread")
    tensor: str | None = Field(default=None, max_length=512, description="review: about this")


class CommentOut(WireModel):
    id: int
    author: str
    body: str
    reply_to: int | None
    tensor: str | None
    created_at: datetime


class MeasureComparison(WireModel):
    task_id: int
    measure: str
    target: float | None
    candidate: float | None
    higher_is_better: bool
    target_run_id: int | None = None
    candidate_run_id: int | None = None


class MergeRequestOut(Displayed, WireModel):
    number: int
    repo: str
    title: str
    description: str
    author: str
    source: str
    source_branch: str
    target_branch: str
    source_commit: str
    target_commit: str
    state: RequestState
    evaluation_state: EvaluationState
    evaluation_error: str | None
    comparison: list[MeasureComparison]
    violations: list[str]
    mergeable: bool
    merged_commit: str | None
    created_at: datetime
    comments: list[CommentOut] = Field(default_factory=list)
    job_id: int | None = None

    def _headline(self) -> str:
        verdict: str
        if self.state != "open":
            verdict = self.state
        else:
            verdict = "mergeable" if self.mergeable else f"evaluation {self.evaluation_state}"
        return f"{self.repo}!{self.number} {first_line(self.title, 50)!r} [{verdict}]"

    def _facts(self) -> list[tuple[str, object]]:
        return [
            ("author", self.author),
            ("from", f"{self.source}:{self.source_branch} ({self.source_commit[:12]})"),
            ("into", f"{self.target_branch} ({self.target_commit[:12]})"),
            ("evaluation", self.evaluation_state),
            ("rules broken", self.violations),
            ("merged as", self.merged_commit),
            ("comments", len(self.comments)),
        ]
