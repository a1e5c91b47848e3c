"""OpenML's estimation procedures: ids, names and parameters as OpenML serves them."""

from __future__ import annotations

import pytest

from mlhive.server.domain.errors import NotFound
from mlhive.server.domain.experiments.procedures import (
    PROCEDURES,
    default_procedure,
    get_procedure,
    procedures_for,
    to_wire,
)
from mlhive.wire.tasks import TASK_TYPE_IDS, EstimationProcedureOut

# (id, OpenML task type id, name, kind, folds, repeats, percentage, stratified), as OpenML's
# estimationprocedure/list answers.
OPENML = [
    (1, 1, "10-fold Crossvalidation", "crossvalidation", 10, 1, None, True),
    (2, 1, "5 times 2-fold Crossvalidation", "crossvalidation", 2, 5, None, True),
    (3, 1, "10 times 10-fold Crossvalidation", "crossvalidation", 10, 10, None, True),
    (4, 1, "Leave one out", "leaveoneout", None, 1, None, False),
    (5, 1, "10% Holdout set", "holdout", None, 1, 33, True),
    (6, 1, "33% Holdout set", "holdout", None, 1, 33, True),
    (7, 2, "10-fold Crossvalidation", "crossvalidation", 10, 1, None, False),
    (8, 2, "5 times 2-fold Crossvalidation", "crossvalidation", 2, 5, None, False),
    (9, 2, "10 times 10-fold Crossvalidation", "crossvalidation", 10, 10, None, False),
    (10, 2, "Leave one out", "leaveoneout", None, 1, None, False),
    (11, 2, "10% Holdout set", "holdout", None, 1, 33, False),
    (12, 2, "33% Holdout set", "holdout", None, 1, 33, False),
    (13, 3, "10-fold Learning Curve", "crossvalidation", 10, 1, None, True),
    (14, 3, "10 times 10-fold Learning Curve", "crossvalidation", 10, 10, None, True),
    (16, 1, "Custom Holdout", "custom_holdout", 1, 1, None, False),
    (17, 5, "50 times Clustering", "testontrainingdata", None, 50, None, False),
    (23, 1, "100 times 10-fold Crossvalidation", "crossvalidation", 10, 100, None, True),
    (24, 2, "Custom 10-fold Crossvalidation", "custom_holdout", 10, 1, None, False),
    (25, 1, "4-fold Crossvalidation", "crossvalidation", 4, 1, None, True),
    (26, 1, "Test on Training Data", "testontrainingdata", None, None, None, False),
    (27, 2, "Test on Training Data", "testontrainingdata", None, None, None, False),
    (28, 1, "20% Holdout (Ordered)", "holdout", 1, 1, 20, False),
]


@pytest.mark.parametrize("row", OPENML, ids=[f"id{row[0]}" for row in OPENML])
def test_catalogue_matches_openml(row: tuple[object, ...]) -> None:
    id_, ttid, name, kind, folds, repeats, percentage, stratified = row
    assert isinstance(id_, int)
    procedure = get_procedure(id_)
    assert procedure.task_type_id == ttid
    assert (procedure.name, procedure.kind) == (name, kind)
    assert (procedure.folds, procedure.repeats, procedure.percentage) == (
        folds,
        repeats,
        percentage,
    )
    assert procedure.stratified is stratified


def test_catalogue_has_exactly_openmls_procedures_for_mlhives_task_types() -> None:
    assert [procedure.id for procedure in PROCEDURES] == [row[0] for row in OPENML]


def test_only_learning_curve_procedures_are_learning_curves() -> None:
    assert {p.id for p in PROCEDURES if p.learning_curve} == {13, 14}
    assert {p.id for p in PROCEDURES if p.ordered} == {28}


@pytest.mark.parametrize("missing", [0, 15, 18, 22, 29, 35, 999])
def test_unknown_or_other_task_type_ids_are_not_found(missing: int) -> None:
    with pytest.raises(NotFound, match=str(missing)):
        get_procedure(missing)


def test_procedures_for_lists_one_task_type_by_id() -> None:
    assert [p.id for p in procedures_for("supervised_classification")] == [
        1, 2, 3, 4, 5, 6, 16, 23, 25, 26, 28
    ]  # fmt: skip
    assert [p.id for p in procedures_for("supervised_regression")] == [
        7, 8, 9, 10, 11, 12, 24, 27
    ]  # fmt: skip
    assert [p.id for p in procedures_for("learning_curve")] == [13, 14]
    assert [p.id for p in procedures_for("clustering")] == [17]


@pytest.mark.parametrize(
    ("task_type", "expected"),
    [
        ("supervised_classification", 1),
        ("supervised_regression", 7),
        ("learning_curve", 13),
        ("clustering", 17),
    ],
)
def test_default_procedure(task_type: str, expected: int) -> None:
    procedure = default_procedure(task_type)  # type: ignore[arg-type]
    assert procedure.id == expected
    assert procedure.task_type == task_type
    assert TASK_TYPE_IDS[task_type] == procedure.task_type_id


def test_to_wire_carries_every_field() -> None:
    wire = to_wire(get_procedure(14))
    assert wire == EstimationProcedureOut(
        id=14,
        name="10 times 10-fold Learning Curve",
        task_type="learning_curve",
        kind="crossvalidation",
        folds=10,
        repeats=10,
        percentage=None,
        stratified=True,
        learning_curve=True,
    )
    assert to_wire(get_procedure(6)).model_dump()["percentage"] == 33.0


def test_ordered_holdout_goes_on_the_wire_as_holdout() -> None:
    wire = to_wire(get_procedure(28))
    assert (wire.kind, wire.name, wire.percentage) == ("holdout", "20% Holdout (Ordered)", 20.0)
