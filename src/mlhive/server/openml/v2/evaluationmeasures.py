"""``/evaluationmeasure/list``: the measures mlhive's server computes for runs."""

from __future__ import annotations

from fastapi import APIRouter

from mlhive.server.domain.experiments.metrics import MEASURES

router = APIRouter(prefix="/evaluationmeasure")


@router.get("/list")
def list_measures() -> list[str]:
    """The measure names, sorted."""
    return sorted(MEASURES)
