"""Parameters of compared runs get readable names: ``Component.parameter``, with the flow id
only where two components share a class name."""

from __future__ import annotations

from mlhive.server.db.engine import transaction
from mlhive.server.domain.access import Actor
from mlhive.server.services.experiments import comparison, flows
from mlhive.server.wiring import Hive
from tests.factories import flow_body


def test_parameter_labels_are_short_and_tell_same_named_components_apart(
    hive: Hive, as_alice: Actor
) -> None:
    scaler = "sklearn.preprocessing._data.StandardScaler"
    pipeline = flow_body(
        f"sklearn.pipeline.Pipeline(a={scaler},b={scaler},clf=sklearn.svm._classes.SVC)",
        parameters=("memory",),
        components={
            "a": flow_body(scaler, "sklearn==1.5", parameters=("with_mean",)),
            "b": flow_body(scaler, "sklearn==1.4", parameters=("with_mean",)),
            "clf": flow_body("sklearn.svm._classes.SVC", parameters=("C",)),
        },
    )
    with transaction(hive.sessions) as session:
        top, _ = flows.upload(session, as_alice, pipeline)
        ids = {c.identifier: c.flow.id for c in flows.describe(session, top).components}
        keys = [(top.id, "memory"), (ids["clf"], "C"), (ids["a"], "with_mean")]
        keys.append((ids["b"], "with_mean"))
        labels = comparison.parameter_labels(session, keys)
    assert labels == {
        f"{top.id}:memory": "Pipeline.memory",
        f"{ids['clf']}:C": "SVC.C",
        f"{ids['a']}:with_mean": f"StandardScaler#{ids['a']}.with_mean",
        f"{ids['b']}:with_mean": f"StandardScaler#{ids['b']}.with_mean",
    }
