"""The objects the client returns (Dataset, Task, Flow, Run) carry their wire model's fields."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest
from pydantic import BaseModel

from mlhive import Client, Dataset, Flow, Run, Task
from mlhive.wire.datasets import DatasetOut
from mlhive.wire.flows import FlowOut
from mlhive.wire.runs import RunOut
from mlhive.wire.tasks import TaskOut

PAIRS = [(Dataset, DatasetOut), (Task, TaskOut), (Flow, FlowOut), (Run, RunOut)]
#: Wire fields an entity shows in another shape (a property), as its docstring says.
RESHAPED = {(Run, "evaluations")}


@pytest.mark.parametrize(("entity", "wire"), PAIRS, ids=[e.__name__ for e, _ in PAIRS])
def test_every_wire_field_is_an_attribute_of_the_entity_with_the_same_type(
    entity: type[BaseModel], wire: type[BaseModel]
) -> None:
    for name, field in wire.model_fields.items():
        if (entity, name) in RESHAPED:
            assert isinstance(getattr(entity, name), property), name
            continue
        assert name in entity.model_fields, f"{entity.__name__} lacks {name}"
        assert entity.model_fields[name].annotation == field.annotation, name
    assert set(entity.model_fields) <= set(wire.model_fields)


def test_a_dataset_is_a_live_handle_refreshed_in_place(
    client: Client, run_jobs: Callable[[], int]
) -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": ["a", "b", "a"]})
    dataset = client.datasets.publish(frame, name="handle", target="y")
    assert isinstance(dataset, DatasetOut)
    assert str(dataset) == repr(dataset) and repr(dataset).startswith("Dataset(id=")
    assert dataset.processing == "pending" and dataset.features.empty
    same_dataset_again = client.datasets.get(dataset.id)
    assert dataset == dataset and dataset != same_dataset_again
    assert len({dataset, same_dataset_again}) == 2

    run_jobs()
    client.datasets.tag(dataset.id, "seen")
    assert dataset.refresh() is dataset
    assert (dataset.processing, dataset.tags) == ("done", ["seen"])
    assert dataset.to_dict()["tags"] == ["seen"] and dataset.meta.tags == ["seen"]
    assert set(dataset.features["name"]) == {"x", "y"}
