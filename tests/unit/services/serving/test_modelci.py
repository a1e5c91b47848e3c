"""The model checks that predict, on stand-in models whose faults are known: probabilities that
do not sum to 1, a regressor's directional rule, classes the card does not list, and the ONNX
parity check for every state an export can be in."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from mlhive.server.domain.access import Actor
from mlhive.server.domain.serving.inputs import Schema, Table
from mlhive.server.services.serving import modelci
from mlhive.server.services.serving.modelci import Plan
from mlhive.server.services.serving.runtime import Prediction
from mlhive.wire.serving import BehaviourRule, ModelChecksConfig

FRAME = pd.DataFrame({"x": np.linspace(-2, 2, 20), "z": np.linspace(5, 1, 20)})
SCHEMA = Schema(columns=(("x", "float64"), ("z", "float64")))


class Linear:
    """Predicts ``2x`` (a regressor), or classes by the sign of x with P(pos) = sigmoid(x)."""

    schema = SCHEMA
    engine = "scikit-learn"

    def __init__(self, classifier: bool = False, proba_scale: float = 1.0) -> None:
        self.classifier, self.proba_scale = classifier, proba_scale

    def predict(self, table: Table, probabilities: bool) -> Prediction:
        x = np.asarray(table.columns["x"], dtype=np.float64)
        if not self.classifier:
            return Prediction(self.engine, list(2 * x))
        labels = ["pos" if v > 0 else "neg" for v in x]
        p = 1 / (1 + np.exp(-x))
        proba = np.column_stack([1 - p, p]) * self.proba_scale
        return Prediction(self.engine, labels, ["neg", "pos"], proba.tolist())


def _plan(model: Any, *, card: dict[str, Any] | None = None, **fields: Any) -> Plan:
    config = ModelChecksConfig.model_validate(fields.pop("config", {}))
    base: dict[str, Any] = {
        "commit_id": 1,
        "sha": "a" * 64,
        "revision": 1,
        "config": config,
        "names": modelci.check_names(config, []),
        "card": card or {},
        "format": "skops",
        "onnx_state": None,
        "onnx_report": {},
        "model": model,
        "model_problem": "",
        "probe": None,
        "tasks": [],
        "estimator": None,
        "production": None,
        "production_sha": None,
        "production_scores": {},
        "owner": Actor(id=1, name="alice", is_admin=False),
    }
    return Plan(**{**base, **fields})


CLASSIFIER_CARD = {
    "input_schema": [{"name": "x"}, {"name": "z"}],
    "output_schema": {"class_labels": ["neg", "pos"]},
}


def test_probabilities_that_do_not_sum_to_one_fail_the_degenerate_check() -> None:
    target = pd.Series(["pos" if v > 0 else "neg" for v in FRAME.x])
    good = modelci._degenerate(_plan(Linear(True), card=CLASSIFIER_CARD), "d", FRAME, target)
    assert good.passed and good.figure == 2.0
    bad = modelci._degenerate(
        _plan(Linear(True, proba_scale=0.9), card=CLASSIFIER_CARD), "d", FRAME, target
    )
    assert not bad.passed
    assert "of 20 probe rows do not sum to 1 (one sums to 0.9000)" in bad.detail


def test_a_regressors_directional_rule_looks_at_the_predicted_value() -> None:
    up = BehaviourRule(name="x up", column="x", change="add", value=1, expect="increase")
    down = up.model_copy(update={"expect": "decrease"})
    z_alone = BehaviourRule(name="z", column="z", change="scale", value=3, expect="same")
    plan = _plan(Linear())
    assert modelci._behaviour(plan, up, "rule x up", FRAME).passed
    broken = modelci._behaviour(plan, down, "rule x down", FRAME)
    assert not broken.passed and broken.figure == 1.0
    assert "adding 1 to x: the predicted value should not go up" in broken.detail
    assert "probe row 0: -4 → -2" in broken.detail
    assert modelci._behaviour(plan, z_alone, "rule z", FRAME).passed


def test_a_rule_on_a_column_the_data_lacks_says_which_columns_there_are() -> None:
    rule = BehaviourRule(name="w", column="w", change="set", value=0, expect="same")
    with pytest.raises(modelci._Unable, match="no column 'w'; the task's columns are 'x', 'z'"):
        modelci._behaviour(_plan(Linear()), rule, "rule w", FRAME)


def test_the_schema_check_compares_the_cards_columns_and_classes_with_the_model() -> None:
    assert modelci._schema(_plan(Linear(True), card=CLASSIFIER_CARD), "schema", FRAME).passed
    renamed = {**CLASSIFIER_CARD, "input_schema": [{"name": "x"}, {"name": "y"}]}
    wrong = modelci._schema(_plan(Linear(True), card=renamed), "schema", FRAME)
    assert not wrong.passed
    assert "names ['x', 'y'] but the model takes ['x', 'z']" in wrong.detail
    relabelled = {**CLASSIFIER_CARD, "output_schema": {"class_labels": ["neg", "pos", "odd"]}}
    classes = modelci._schema(_plan(Linear(True), card=relabelled), "schema", FRAME)
    assert not classes.passed and "the model's classes are ['neg', 'pos']" in classes.detail
    ranged = {
        "input_schema": [{"name": "x"}, {"name": "z"}],
        "output_schema": {"value_range": [-1, 1]},
    }
    outside = modelci._schema(_plan(Linear(), card=ranged), "schema", FRAME)
    assert not outside.passed and "outside the card's value_range [-1, 1]" in outside.detail
    assert not modelci._schema(_plan(Linear()), "schema", FRAME).passed  # no input_schema


@pytest.mark.parametrize(
    ("fmt", "state", "report", "passed", "words"),
    [
        ("skops", "ok", {"rows": 90, "max_abs_diff": 1e-7, "label_agreement": 1.0}, True, "agrees"),
        (
            "skops",
            "failed",
            {"detail": "the export does not predict like the original", "max_abs_diff": 0.4},
            False,
            "largest difference 0.4",
        ),
        ("skops", "unsupported", {"detail": "skl2onnx cannot convert"}, True, "deployments run"),
        ("skops", "unchecked", {}, False, "link a task and push again"),
        ("skops", "pending", {}, False, "still pending"),
        ("onnx", None, {}, True, "no ONNX export to compare"),
    ],
)
def test_onnx_parity_for_each_export_state(
    fmt: str, state: str | None, report: dict[str, Any], passed: bool, words: str
) -> None:
    result = modelci._onnx_parity(_plan(None, format=fmt, onnx_state=state, onnx_report=report))
    assert result.passed is passed and words in result.detail, result.detail
