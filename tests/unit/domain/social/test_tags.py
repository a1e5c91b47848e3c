"""Free tags (interests, skills): one normal form, and bad ones named."""

from __future__ import annotations

import pytest

from mlhive.server.domain.errors import InvalidInput
from mlhive.server.domain.social.tags import normalise, normalise_all


@pytest.mark.parametrize(
    ("raw", "tag"),
    [
        ("Gradient Boosting", "gradient-boosting"),
        ("gradient_boosting", "gradient-boosting"),
        ("  NLP  ", "nlp"),
        ("C++", "c++"),
        ("c#", "c#"),
        ("scikit-learn 1.5", "scikit-learn-1.5"),
    ],
)
def test_spellings_meet_in_one_normal_form(raw: str, tag: str) -> None:
    assert normalise(raw, "interests") == tag


@pytest.mark.parametrize("raw", ["", "   ", "a/b", "-lead", "x" * 65, "ünïcode"])
def test_a_bad_tag_is_named_with_its_field(raw: str) -> None:
    with pytest.raises(InvalidInput, match="interests"):
        normalise(raw, "interests")


def test_duplicates_count_once_and_the_limit_is_on_distinct_tags() -> None:
    assert normalise_all(["NLP", "nlp", "Vision"], "skills", 2) == ["nlp", "vision"]
    with pytest.raises(InvalidInput, match="at most 2"):
        normalise_all(["a", "b", "c"], "skills", 2)
