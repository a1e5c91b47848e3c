"""Helpers for serving tests: a repository with two scikit-learn commits that predict apart."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from fastapi.testclient import TestClient
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from tests.api.forge import Push, make_repo, skops_bytes
from tests.conftest import UserKey


def training_frame(n: int = 60, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """Two numeric features; the label is "hi" when x1 + x2 > 0."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n)})
    return frame, pd.Series(np.where(frame.x1 + frame.x2 > 0, "hi", "lo"))


def classifier_on(features: pd.DataFrame, y: pd.Series) -> Any:
    """A scaler + logistic regression fitted on ``features, y``."""
    return make_pipeline(StandardScaler(), LogisticRegression()).fit(features, y)


def classifier(flip: bool = False) -> Any:
    """A scaler + logistic regression on ``x1, x2``; ``flip`` learns the opposite labels."""
    X, y = training_frame()
    if flip:
        y = y.map({"hi": "lo", "lo": "hi"})
    return classifier_on(X, y)


@dataclass(frozen=True)
class TwoCommits:
    repo: str
    first: str
    second: str


def repo_with_two_commits(
    http: TestClient, push: Push, user: UserKey, name: str = "clf", **fields: Any
) -> TwoCommits:
    """``user/name`` with a classifier commit and, on top, one that predicts the opposite."""
    make_repo(http, user, name, **fields)
    repo = f"{user.name}/{name}"
    first = push(user, repo, skops_bytes(classifier()), "model.skops", message="first")
    assert first.status_code == 201, first.text
    second = push(user, repo, skops_bytes(classifier(flip=True)), "model.skops", message="2nd")
    assert second.status_code == 201, second.text
    return TwoCommits(repo, first.json()["id"], second.json()["id"])


def promote(http: TestClient, user: UserKey, repo: str, alias: str, commit: str) -> Any:
    response = http.post(
        f"/api/models/{repo}/aliases/{alias}", json={"commit": commit}, headers=user.headers
    )
    assert response.status_code == 200, response.text
    return response.json()
