"""OpenML's catalogue of estimation procedures, with OpenML's ids and names.

A task fixes one estimation procedure: how its dataset is split into train and test rows. The
ids, names and parameters below are OpenML's own, so that an OpenML client asking for
``estimationprocedure/list`` or reading ``estimation_procedure_id`` of a task sees the numbers it
knows. Source: OpenML's ``estimation_procedure`` table as the OpenML server serves it (the
``estimationprocedure/list`` answer recorded in openml-python's test files and asserted by
OpenML's server-api tests; ids 1-25 also in OpenML's ``data/sql/estimation_procedure.sql``).
Only the procedures of the task types mlhive supports (1, 2, 3 and 5) are listed; ids 15, 18-22
and 29-35 belong to other task types.

Quirks kept on purpose, because OpenML serves them that way:

- id 5 and 11 are *named* "10% Holdout set" but OpenML records (and splits with) a test share of
  33 percent; we keep 33 so that splits and task descriptions agree with OpenML's.
- id 17, OpenML's only clustering procedure, is "50 times Clustering" with 50 repeats of
  test-on-training-data. Fifty identical train = test splits carry no information, so mlhive's
  splits hold one repeat (see :mod:`mlhive.server.domain.experiments.splits`); the repeats are
  the number of times a clusterer is meant to be restarted.
- id 24 ("Custom 10-fold Crossvalidation", regression) needs a fold number for every row from
  the task's creator; mlhive cannot take one yet, so making its splits is refused.
- id 28 ("20% Holdout (Ordered)") is OpenML's ``holdout_ordered``: the last rows, in dataset
  order, are the test set. The wire contract has no such kind yet, so :func:`to_wire` reports
  it as ``holdout`` (the name says "Ordered").

Whether the production OpenML server has procedures after id 35 could not be checked from
public sources; none are listed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mlhive.server.domain.errors import NotFound
from mlhive.wire.tasks import TASK_TYPE_IDS, EstimationProcedureOut, ProcedureKind, TaskType

__all__ = [
    "PROCEDURES",
    "EstimationProcedure",
    "default_procedure",
    "get_procedure",
    "procedures_for",
    "to_wire",
]


@dataclass(frozen=True)
class EstimationProcedure:
    """One way of splitting a task's rows, as OpenML defines it.

    Attributes:
        id: OpenML's estimation procedure id.
        name: OpenML's name, e.g. ``"10-fold Crossvalidation"``.
        task_type: the task type the procedure belongs to (OpenML lists one per task type).
        kind: ``crossvalidation``, ``holdout``, ``leaveoneout``, ``custom_holdout`` or
            ``testontrainingdata``.
        folds: folds per repeat (cross-validation, custom folds), else ``None``.
        repeats: how often the splitting is repeated with fresh randomness, else ``None``.
        percentage: the test share in percent (holdout), else ``None``.
        stratified: whether classification splits keep the class proportions.
        learning_curve: whether each fold's training set is also cut into growing samples.
        ordered: holdout without shuffling: the last rows are the test set.
    """

    id: int
    name: str
    task_type: TaskType
    kind: ProcedureKind
    folds: int | None = None
    repeats: int | None = None
    percentage: float | None = None
    stratified: bool = False
    learning_curve: bool = False
    ordered: bool = False

    @property
    def task_type_id(self) -> int:
        """OpenML's id of the task type (1, 2, 3 or 5)."""
        return TASK_TYPE_IDS[self.task_type]


_CLS: Literal["supervised_classification"] = "supervised_classification"
_REG: Literal["supervised_regression"] = "supervised_regression"
_CV: Literal["crossvalidation"] = "crossvalidation"
_HOLDOUT: Literal["holdout"] = "holdout"


def _cv(
    id_: int, task_type: TaskType, repeats: int, folds: int, stratified: bool
) -> EstimationProcedure:
    name = f"{folds}-fold Crossvalidation"
    if repeats > 1:
        name = f"{repeats} times {name}"
    return EstimationProcedure(id_, name, task_type, _CV, folds, repeats, None, stratified)


PROCEDURES: tuple[EstimationProcedure, ...] = (
    _cv(1, _CLS, 1, 10, True),
    _cv(2, _CLS, 5, 2, True),
    _cv(3, _CLS, 10, 10, True),
    EstimationProcedure(4, "Leave one out", _CLS, "leaveoneout", None, 1),
    EstimationProcedure(5, "10% Holdout set", _CLS, _HOLDOUT, None, 1, 33.0, True),
    EstimationProcedure(6, "33% Holdout set", _CLS, _HOLDOUT, None, 1, 33.0, True),
    _cv(7, _REG, 1, 10, False),
    _cv(8, _REG, 5, 2, False),
    _cv(9, _REG, 10, 10, False),
    EstimationProcedure(10, "Leave one out", _REG, "leaveoneout", None, 1),
    EstimationProcedure(11, "10% Holdout set", _REG, _HOLDOUT, None, 1, 33.0, False),
    EstimationProcedure(12, "33% Holdout set", _REG, _HOLDOUT, None, 1, 33.0, False),
    EstimationProcedure(
        13, "10-fold Learning Curve", "learning_curve", _CV, 10, 1, None, True, learning_curve=True
    ),
    EstimationProcedure(
        14,
        "10 times 10-fold Learning Curve",
        "learning_curve",
        _CV,
        10,
        10,
        None,
        True,
        learning_curve=True,
    ),
    EstimationProcedure(16, "Custom Holdout", _CLS, "custom_holdout", 1, 1),
    EstimationProcedure(17, "50 times Clustering", "clustering", "testontrainingdata", None, 50),
    _cv(23, _CLS, 100, 10, True),
    EstimationProcedure(24, "Custom 10-fold Crossvalidation", _REG, "custom_holdout", 10, 1),
    _cv(25, _CLS, 1, 4, True),
    EstimationProcedure(26, "Test on Training Data", _CLS, "testontrainingdata"),
    EstimationProcedure(27, "Test on Training Data", _REG, "testontrainingdata"),
    EstimationProcedure(28, "20% Holdout (Ordered)", _CLS, _HOLDOUT, 1, 1, 20.0, ordered=True),
)

_BY_ID: dict[int, EstimationProcedure] = {procedure.id: procedure for procedure in PROCEDURES}
_DEFAULTS: dict[str, int] = {
    "supervised_classification": 1,
    "supervised_regression": 7,
    "learning_curve": 13,
    "clustering": 17,
}


def get_procedure(procedure_id: int) -> EstimationProcedure:
    """Look up an estimation procedure by OpenML's id.

    Args:
        procedure_id: e.g. ``1`` for classification's 10-fold cross-validation.

    Returns:
        The procedure.

    Raises:
        NotFound: for an id mlhive does not know.
    """
    try:
        return _BY_ID[procedure_id]
    except KeyError:
        raise NotFound(f"no estimation procedure with id {procedure_id}") from None


def procedures_for(task_type: TaskType) -> tuple[EstimationProcedure, ...]:
    """The procedures a task of this type may use, by ascending id.

    Args:
        task_type: ``supervised_classification``, ``supervised_regression``,
            ``learning_curve`` or ``clustering``.

    Returns:
        The matching procedures (OpenML keeps one entry per task type).
    """
    return tuple(procedure for procedure in PROCEDURES if procedure.task_type == task_type)


def default_procedure(task_type: TaskType) -> EstimationProcedure:
    """The procedure a task gets when none is named.

    10-fold cross-validation for supervised tasks (stratified for classification), the 10-fold
    learning curve for learning-curve tasks, and test-on-training-data for clustering.

    Args:
        task_type: the task's type.

    Returns:
        The default procedure.
    """
    return _BY_ID[_DEFAULTS[task_type]]


def to_wire(procedure: EstimationProcedure) -> EstimationProcedureOut:
    """The API's view of a procedure.

    Args:
        procedure: a catalogue entry.

    Returns:
        The wire model; an ordered holdout is reported with kind ``holdout``.
    """
    return EstimationProcedureOut(
        id=procedure.id,
        name=procedure.name,
        task_type=procedure.task_type,
        kind=procedure.kind,
        folds=procedure.folds,
        repeats=procedure.repeats,
        percentage=procedure.percentage,
        stratified=procedure.stratified,
        learning_curve=procedure.learning_curve,
    )
