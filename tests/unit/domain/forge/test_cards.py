"""Card rendering (valid YAML front matter) and merge-request rules (pure functions)."""

from __future__ import annotations

import pytest

from mlhive.server.domain.forge.cards import card_markdown, front_matter, rule_violations
from mlhive.wire.models import MeasureComparison, MergeRule, ModelCard


def test_the_front_matter_is_yaml_that_reads_back_as_the_card() -> None:
    yaml = pytest.importorskip("yaml")
    card = ModelCard.model_validate(
        {
            "library": "scikit-learn",
            "input_schema": [{"name": "x1"}, {"name": "a: b # not a comment", "shape": [None, 3]}],
            "metrics": [{"name": "acc", "value": 0.9}],
            "base_models": [{"repo": "a/b", "commit": "c"}],
            "text": "---\nnot front matter",
        }
    )
    text = card_markdown(card, "alice/x", "f" * 64)
    document = text.split("---\n")[1]
    assert yaml.safe_load(document) == front_matter(card, "alice/x", "f" * 64)


def _row(measure: str, target: float, candidate: float, higher: bool = True) -> MeasureComparison:
    return MeasureComparison(
        task_id=1, measure=measure, target=target, candidate=candidate, higher_is_better=higher
    )


def test_max_drop_respects_the_direction_of_the_measure() -> None:
    rules = [MergeRule(measure="*", max_drop=0.005)]
    assert rule_violations(rules, [_row("predictive_accuracy", 0.90, 0.896)]) == []
    (broken,) = rule_violations(rules, [_row("predictive_accuracy", 0.90, 0.89)])
    assert "worse by 0.0100" in broken
    assert rule_violations(rules, [_row("log_loss", 0.30, 0.20, higher=False)]) == []
    assert rule_violations(rules, [_row("log_loss", 0.30, 0.31, higher=False)])


def test_floors_and_missing_measures_block() -> None:
    rules = [MergeRule(measure="predictive_accuracy", min=0.9)]
    assert (
        "below the minimum" in rule_violations(rules, [_row("predictive_accuracy", 0.95, 0.85)])[0]
    )
    assert "not evaluated" in rule_violations(rules, [_row("kappa", 0.5, 0.6)])[0]
