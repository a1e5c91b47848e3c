"""The real client promotes commits and calls deployments of the real app."""

from __future__ import annotations

import pandas as pd
import pytest

from mlhive import Client
from mlhive.errors import InvalidInputError, NotFoundError
from tests.api.serving import classifier
from tests.client.conftest import MakeClient
from tests.conftest import UserKey

FRAME = pd.DataFrame({"x1": [2.0, -2.0, float("nan")], "x2": [1.0, -1.5, 3.0]})


def test_promote_deploy_predict_and_roll_back(client: Client) -> None:
    client.models.create("clf")
    first = client.models.push("alice/clf", classifier(), message="first")
    second = client.models.push("alice/clf", classifier(flip=True), message="flipped")
    moved = client.models.promote("alice/clf", first.id, "@production")
    assert (moved.from_commit, moved.to_commit) == (None, first.id)
    deployment = client.deployments.create("clf", "alice/clf", alias="production")
    assert deployment.commit == first.id and deployment.visibility == "private"

    answer = client.deployments.predict("clf", FRAME.iloc[:2])
    assert (answer.commit, answer.predictions) == (first.id, ["hi", "lo"])

    client.models.promote("alice/clf", second.id, "production")
    flipped = client.deployments.predict("clf", FRAME.iloc[:2], probabilities=True)
    assert (flipped.commit, flipped.predictions) == (second.id, ["lo", "hi"])
    assert flipped.classes == ["hi", "lo"] and flipped.probabilities is not None

    back = client.models.rollback("alice/clf", "production")
    assert back.to_commit == first.id
    assert client.deployments.predict("clf", [{"x1": 2.0, "x2": 1.0}]).commit == first.id
    history = client.models.alias_history("alice/clf", "production")
    assert [e.action for e in history] == ["rollback", "promote", "promote"]
    assert [a.name for a in client.models.aliases("alice/clf")] == ["production"]
    listed = client.deployments.list()
    assert [(d.name, d.requests) for d in listed] == [("clf", 3)]


def test_client_errors_name_the_column_and_hide_private_deployments(
    client: Client, make_client: MakeClient, bob: UserKey
) -> None:
    client.models.create("clf")
    pushed = client.models.push("alice/clf", classifier())
    client.deployments.create("clf", "alice/clf", commit=pushed.id)
    with pytest.raises(InvalidInputError, match="no column 'x2'"):
        client.deployments.predict("clf", {"x1": [1.0]})
    # A missing value (NaN in the frame) is sent as null; this model cannot take it.
    with pytest.raises(InvalidInputError, match="cannot take these inputs"):
        client.deployments.predict("clf", FRAME)
    with pytest.raises(NotFoundError):
        make_client(bob).deployments.predict("clf", FRAME.iloc[:1])
    assert client.deployments.get("clf").errors == 2


def test_metrics_show_calls_answer_times_and_the_inputs(client: Client) -> None:
    client.models.create("clf")
    pushed = client.models.push("alice/clf", classifier())
    client.deployments.create("clf", "alice/clf", commit=pushed.id)
    client.deployments.predict("clf", FRAME.iloc[:2])
    with pytest.raises(InvalidInputError):
        client.deployments.predict("clf", {"x1": [1.0]})
    watched = client.deployments.metrics("clf")
    assert (watched.requests, watched.errors, watched.latency.calls) == (2, 1, 1)
    assert watched.latency.p50_ms is not None and watched.latency.p50_ms > 0
    x1 = next(f for f in watched.features if f.name == "x1")
    assert (x1.values, x1.mean, x1.missing_share) == (2, 0.0, 0.0)
    assert watched.training_dataset is None and x1.training_mean is None
