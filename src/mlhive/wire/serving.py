"""Serving on the wire: aliases of model commits and their audit trail, deployments,
prediction requests (mlhive's own shapes and MLflow's ``/invocations`` shapes) and answers.

An alias (``staging``, ``production`` or one the owner names) points at a commit of a
repository; a deployment serves ``repo@alias`` (following the alias) or one fixed commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from mlhive.wire.common import WireModel
from mlhive.wire.display import Displayed
from mlhive.wire.models import REF_NAME_PATTERN, REPO_NAME_PATTERN, MergeRule, Visibility

ALIAS_PATTERN = r"^[a-z][a-z0-9_-]{0,63}$"
"""Alias names: a lowercase letter, then up to 63 lowercase letters, digits, ``-`` or ``_``."""
DEPLOYMENT_NAME_PATTERN = REPO_NAME_PATTERN
AliasAction = Literal["promote", "rollback"]

# -- aliases ----------------------------------------------------------------------------------


class AliasMove(WireModel):
    """Where an alias should point: a branch, a tag or a commit id of the repository."""

    commit: str = Field(min_length=1, max_length=128, description="branch, tag or commit id")


class CheckResult(WireModel):
    """One model check a commit passed (or failed) on its way to an alias."""

    name: str
    passed: bool
    detail: str = ""
    figure: float | None = Field(
        default=None, description="what the check measured (a score, milliseconds, a share)"
    )


class AliasOut(Displayed, WireModel):
    name: str
    commit: str
    updated_at: datetime

    def _headline(self) -> str:
        return f"@{self.name} → {self.commit[:12]}"


class AliasEventOut(Displayed, WireModel):
    """One audited move of an alias."""

    id: int
    alias: str
    action: AliasAction
    actor: str
    from_commit: str | None
    to_commit: str
    checks: list[CheckResult] = Field(
        default_factory=list, description="the checks the new commit passed"
    )
    created_at: datetime

    def _headline(self) -> str:
        before = self.from_commit[:12] if self.from_commit else "(none)"
        return f"{self.action} @{self.alias} {before} → {self.to_commit[:12]} by {self.actor}"


# -- model checks (model CI) -----------------------------------------------------------------

RULE_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 _.:-]{0,63}$"
MAX_RULES = 50


class BehaviourRule(WireModel):
    """An invariance or directional test written as data: change ``column`` alone on the probe
    rows (``set`` it to ``value``, ``add`` ``value`` to it, or ``scale`` it by ``value``) and
    ``expect`` the prediction to stay the ``same`` or to ``increase`` / ``decrease``.

    With ``class_label`` the rule looks at the probability of that class; without it, at the
    predicted class (``same`` only) or, for a regressor, the predicted value.
    """

    name: str = Field(pattern=RULE_NAME_PATTERN, description="how results name the rule")
    column: str = Field(min_length=1, max_length=256)
    change: Literal["set", "add", "scale"]
    value: float | int | str | bool | None = Field(
        description="the new value (set), or the number to add or multiply by"
    )
    expect: Literal["same", "increase", "decrease"]
    class_label: str | None = Field(
        default=None, max_length=256, description="look at this class's probability"
    )
    tolerance: float = Field(
        default=0.0,
        ge=0,
        le=1,
        strict=True,
        description="the share of probe rows allowed to break the rule",
    )

    @field_validator("value")
    @classmethod
    def _numeric_change(cls, value: Any, info: ValidationInfo) -> Any:
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        change = info.data.get("change")
        if change in ("add", "scale") and not numeric:
            raise ValueError(
                f"change {change!r} needs a number; use change 'set' for a category or text"
            )
        return value


class ModelChecksConfig(WireModel):
    """The checks every candidate commit of a repository must pass before promotion.

    Every field is optional: an empty document configures nothing (promotion is not gated).
    Checks that predict draw their probe rows from the repository's first linked task.
    """

    schema_check: bool = Field(
        default=False,
        description="the card's input and output schema match what the model takes and gives",
    )
    degenerate: bool = Field(
        default=False,
        description="not one constant prediction; class probabilities sum to 1",
    )
    scores: list[MergeRule] = Field(
        default_factory=list,
        max_length=MAX_RULES,
        description="a floor (min) or ceiling (max) on a measure of the linked tasks' fixed "
        "splits, and max_drop: how much worse than the @production commit it may be",
    )
    rules: list[BehaviourRule] = Field(default_factory=list, max_length=MAX_RULES)
    latency_ms: float | None = Field(
        default=None, gt=0, le=600_000, strict=True, description="budget for a one-row prediction"
    )
    onnx_parity: bool = Field(
        default=False, description="the ONNX export, when there is one, agrees with the original"
    )
    probe_rows: int = Field(
        default=200, ge=2, le=5000, strict=True, description="rows the behaviour checks predict"
    )

    @field_validator("rules")
    @classmethod
    def _unique_names(cls, rules: list[BehaviourRule]) -> list[BehaviourRule]:
        names = [rule.name for rule in rules]
        for index, name in enumerate(names):
            if name in names[:index]:
                raise ValueError(
                    f"rule {index} is named {name!r} like an earlier one; name each once"
                )
        return rules


class ModelChecksOut(WireModel):
    """A repository's check configuration and which checks it names."""

    repo: str
    revision: int = Field(description="raised by every change: results of older ones are stale")
    config: ModelChecksConfig
    checks: list[str] = Field(description="the names of the configured checks, in order")
    updated_at: datetime | None


class CheckRecord(WireModel):
    """One check's stored result for a commit."""

    name: str
    passed: bool
    detail: str
    figure: float | None
    checked_at: datetime


CheckState = Literal["not_configured", "queued", "running", "done", "failed", "stale", "not_run"]


class CommitChecksOut(Displayed, WireModel):
    """A commit's model-check results under the repository's current configuration."""

    repo: str
    commit: str
    state: CheckState = Field(
        description="done: every configured check has a result; stale: the results are of an "
        "older configuration; not_run: never queued (re-run them)"
    )
    revision: int | None = Field(description="the configuration the results were run with")
    passed: bool | None = Field(description="every configured check passed (None until done)")
    results: list[CheckRecord]
    missing: list[str] = Field(description="configured checks without a current result")
    error: str | None = None
    job_id: int | None = None

    def _headline(self) -> str:
        failed = [r.name for r in self.results if not r.passed]
        verdict = f"failed {', '.join(failed)}" if failed else "passed" if self.passed else ""
        return f"{self.commit[:12]}: checks {self.state}" + (f", {verdict}" if verdict else "")


# -- deployments ------------------------------------------------------------------------------


class DeploymentCreate(WireModel):
    """A deployment of ``repo@alias`` (it follows the alias) or of one fixed ``commit``."""

    name: str = Field(pattern=DEPLOYMENT_NAME_PATTERN)
    repo: str = Field(min_length=3, max_length=200, description="owner/name")
    alias: str | None = Field(default=None, pattern=ALIAS_PATTERN)
    commit: str | None = Field(default=None, min_length=1, max_length=128)
    visibility: Visibility = "private"
    owner: str | None = Field(
        default=None,
        max_length=64,
        description="A team (you write to) that will own it; by default you do.",
    )

    @model_validator(mode="after")
    def _one_target(self) -> DeploymentCreate:
        if (self.alias is None) == (self.commit is None):
            raise ValueError("give exactly one of alias (to follow it) or commit (to pin one)")
        return self


class DeploymentOut(Displayed, WireModel):
    id: int
    name: str
    owner: str
    repo: str
    alias: str | None
    commit: str | None = Field(description="the commit that answers now (None: alias unset)")
    visibility: Visibility
    created_at: datetime
    requests: int
    errors: int

    def _headline(self) -> str:
        target = f"@{self.alias}" if self.alias else "(pinned)"
        sha = self.commit[:12] if self.commit else "-"
        return f"{self.name}: {self.repo}{target} at {sha} ({self.requests} calls)"

    def _facts(self) -> list[tuple[str, object]]:
        return [
            ("repo", self.repo),
            ("alias", self.alias),
            ("commit", self.commit),
            ("visibility", self.visibility),
            ("requests", self.requests),
            ("errors", self.errors),
        ]


# -- predictions ------------------------------------------------------------------------------


class PredictRequest(WireModel):
    """Rows to predict: ``rows`` (one object per row), or ``columns`` + ``data`` (row lists),
    or ``inputs`` (row lists, for a model fitted without column names)."""

    rows: list[dict[str, Any]] | None = None
    columns: list[str] | None = None
    data: list[list[Any]] | None = None
    inputs: list[list[Any]] | None = None
    probabilities: bool = Field(default=False, description="class probabilities too")

    @model_validator(mode="after")
    def _one_shape(self) -> PredictRequest:
        shapes = [self.rows is not None, self.data is not None, self.inputs is not None]
        if sum(shapes) != 1:
            raise ValueError("give exactly one of rows, columns + data, or inputs")
        if (self.columns is None) != (self.data is None):
            raise ValueError("columns and data go together")
        return self


class DataframeSplit(WireModel):
    """pandas' ``orient="split"``: column names and row lists (the index is not used)."""

    columns: list[str]
    data: list[list[Any]]
    index: list[Any] | None = None


class Invocation(WireModel):
    """MLflow's ``/invocations`` body: one of its input shapes."""

    dataframe_split: DataframeSplit | None = None
    dataframe_records: list[dict[str, Any]] | None = None
    inputs: list[Any] | dict[str, list[Any]] | None = None
    instances: list[Any] | dict[str, list[Any]] | None = None

    @model_validator(mode="after")
    def _one_shape(self) -> Invocation:
        given = [
            name
            for name in ("dataframe_split", "dataframe_records", "inputs", "instances")
            if getattr(self, name) is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of dataframe_split, dataframe_records, inputs or instances"
            )
        return self


class PredictOut(WireModel):
    """Predictions, in the order of the rows sent, and the commit that computed them."""

    deployment: str
    repo: str
    commit: str
    engine: Literal["onnxruntime", "scikit-learn"] = Field(
        description="what computed the answer: the ONNX export (or ONNX commit), or the estimator"
    )
    predictions: list[Any]
    classes: list[str] | None = None
    probabilities: list[list[float]] | None = None


# -- monitoring -------------------------------------------------------------------------------


class LatencyOut(WireModel):
    """Server-side answer times of a deployment's answered calls, in milliseconds.

    ``calls`` is exact; each percentile is the middle of its histogram bucket (20 buckets per
    decade), within about 6 % of the true value.
    """

    calls: int
    p50_ms: float | None
    p90_ms: float | None
    p99_ms: float | None


class CategoryShare(WireModel):
    """How often one text value came in the inputs, beside its share in the training data."""

    value: str = Field(description="the value ('(other values)' pools those beyond the first 50)")
    share: float
    training_share: float | None = None


class FeatureDrift(WireModel):
    """One input column: what the deployment was given next to its training data's column."""

    name: str
    kind: Literal["number", "text"]
    values: int = Field(description="values given (missing ones included)")
    missing_share: float | None
    mean: float | None = None
    std: float | None = None
    categories: list[CategoryShare] = Field(default_factory=list)
    training_missing_share: float | None = None
    training_mean: float | None = None
    training_std: float | None = None
    mean_shift: float | None = Field(
        default=None,
        description="(mean - training_mean) / training_std: how many training standard "
        "deviations the inputs' mean moved",
    )


class DeploymentMetrics(Displayed, WireModel):
    """A deployment's calls, failures, answer times and input drift, over all its calls."""

    deployment: str
    commit: str | None
    requests: int
    errors: int
    latency: LatencyOut
    inputs_shown: bool = Field(
        description="whether the input summary is shown: it describes other callers' inputs, "
        "so only the deployment's owner and administrators see it"
    )
    training_dataset: int | None = Field(
        description="the dataset the answering commit was trained on (its card's lineage), "
        "whose column statistics the inputs are compared with; None: unknown or not visible"
    )
    features: list[FeatureDrift]

    def _headline(self) -> str:
        return f"{self.deployment}: {self.requests} calls, {self.errors} failed"

    def _facts(self) -> list[tuple[str, object]]:
        return [
            ("p50 ms", self.latency.p50_ms),
            ("p99 ms", self.latency.p99_ms),
            ("features", len(self.features)),
        ]


# -- retraining -------------------------------------------------------------------------------

RetrainAction = Literal["merge_request", "promote_staging"]
RetrainState = Literal["never", "queued", "running", "checking", "done", "failed", "refused"]


class RetrainingPolicyIn(WireModel):
    """How a repository retrains itself: on every new version of ``dataset`` (and every
    ``interval_hours`` when given) the server refits the pipeline (flow and setup) of the default
    branch's head on the newest version, commits it to ``branch``, runs the model checks and
    opens a merge request into the default branch, or moves @staging when they pass."""

    dataset: str = Field(min_length=1, max_length=128, description="the dataset name to follow")
    target: str | None = Field(
        default=None, max_length=256, description="the column to predict (default: the dataset's)"
    )
    time_column: str | None = Field(
        default=None,
        max_length=256,
        description="whose time range the card records (default: the first date column)",
    )
    branch: str = Field(default="retrain", pattern=REF_NAME_PATTERN)
    action: RetrainAction = "merge_request"
    interval_hours: float | None = Field(
        default=None, gt=0, le=24 * 366, description="also retrain on this schedule"
    )
    enabled: bool = True


class RetrainOutcome(WireModel):
    """The latest retrain of a repository: where it got to and why."""

    state: RetrainState
    message: str = ""
    dataset_id: int | None = None
    commit: str | None = None
    merge_request: int | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None


class RetrainingPolicyOut(RetrainingPolicyIn):
    repo: str
    source_commit: str | None = Field(
        default=None, description="the default branch's head, whose pipeline is refitted"
    )
    updated_at: datetime
    last: RetrainOutcome
    job_id: int | None = None
