"""Uploaded OpenML description documents → mlhive's wire models (dataset, edit, task, study).

Each reader names the offending field in its error; the routes turn that into OpenML's
"problem validating uploaded description file" code of the call.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from mlhive.server.domain.errors import InvalidInput
from mlhive.server.openml.xmlio import Node
from mlhive.wire.datasets import DatasetCreate, DatasetUpdate
from mlhive.wire.studies import CollectionCreate

_DATASET_TEXT = {
    "description": "description",
    "licence": "licence",
    "citation": "citation",
    "collection_date": "collection_date",
    "language": "language",
    "original_data_url": "original_url",
    "paper_url": "paper_url",
    "default_target_attribute": "default_target_attribute",
    "row_id_attribute": "row_id_attribute",
}
_EDITABLE = (
    "description",
    "creator",
    "contributor",
    "collection_date",
    "language",
    "citation",
    "original_data_url",
    "paper_url",
    "default_target_attribute",
    "row_id_attribute",
    "ignore_attribute",
)


def _validated(model: type[BaseModel], values: dict[str, Any], what: str) -> Any:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or what
        raise InvalidInput(f"{what}: {where}: {first['msg']}", field=where) from None


def _split(values: list[str]) -> list[str]:
    # OpenML accepts repeated elements and comma-separated lists alike.
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def _expect_root(node: Node, name: str, what: str) -> None:
    if node.name != name:
        raise InvalidInput(f"{what}: expected an oml:{name} document, not oml:{node.name}")


def dataset_create(node: Node) -> DatasetCreate:
    """``oml:data_set_description`` of an upload → :class:`DatasetCreate` (ARFF data;
    ``oml:url``, when given, becomes ``url``: where to fetch the data when no file comes)."""
    _expect_root(node, "data_set_description", "description")
    declared_sparse(node)  # a format other than ARFF or sparse ARFF is refused
    values: dict[str, Any] = {
        target: node.value(source)
        for source, target in _DATASET_TEXT.items()
        if node.value(source) is not None
    }
    values.update(
        name=node.value("name") or "",
        creator=node.values("creator"),
        contributor=node.values("contributor"),
        ignore_attributes=_split(node.values("ignore_attribute")),
        tags=_split(node.values("tag")),
        format="arff",
    )
    visibility = node.value("visibility")
    if visibility is not None:
        values["visibility"] = visibility
    url = node.value("url")
    if url is not None:
        values["url"] = url.strip()
    return _validated(DatasetCreate, values, "description")  # type: ignore[no-any-return]


def declared_sparse(node: Node) -> bool:
    """Whether a dataset description declares OpenML's ``sparse_arff`` format (else ``arff``).

    Raises:
        InvalidInput: any other format.
    """
    data_format = (node.value("format") or "arff").strip().lower()
    if data_format not in ("arff", "sparse_arff"):
        raise InvalidInput(
            f"description: format {data_format!r} is not supported (use ARFF or sparse_ARFF)",
            field="format",
        )
    return data_format == "sparse_arff"


def dataset_edit(node: Node) -> DatasetUpdate:
    """``oml:data_edit_parameters`` → a partial :class:`DatasetUpdate`."""
    _expect_root(node, "data_edit_parameters", "edit_parameters")
    values: dict[str, Any] = {}
    for field in _EDITABLE:
        found = node.values(field)
        if not found:
            continue
        if field in ("creator", "contributor"):
            values[field] = found
        elif field == "ignore_attribute":
            values["ignore_attributes"] = _split(found)
        elif field == "original_data_url":
            values["original_url"] = found[0]
        else:
            values[field] = found[0]
    return _validated(DatasetUpdate, values, "edit_parameters")  # type: ignore[no-any-return]


def task_inputs(node: Node) -> tuple[int, dict[str, str]]:
    """``oml:task_inputs`` → the task type id and the named inputs."""
    _expect_root(node, "task_inputs", "description")
    type_text = node.value("task_type_id") or ""
    if not type_text.isdigit():
        raise InvalidInput("description: task_type_id must be a number", field="task_type_id")
    inputs: dict[str, str] = {}
    for item in node.children("input"):
        name = item.attribute("name")
        if not name:
            raise InvalidInput("description: every oml:input needs a name", field="input")
        if name in inputs:
            raise InvalidInput(f"description: input {name!r} is given twice", field=name)
        inputs[name] = item.raw_text
    return int(type_text), inputs


def collection(node: Node) -> tuple[str, CollectionCreate]:
    """``oml:study`` → its kind (``suite`` for tasks, ``study`` for runs) and the model."""
    _expect_root(node, "study", "description")
    entity = node.value("main_entity_type") or "task"
    if entity not in ("task", "run"):
        raise InvalidInput(f"description: main_entity_type {entity!r} is neither task nor run")
    kind = "suite" if entity == "task" else "study"
    members: list[int] = []
    holder = node.child("tasks" if kind == "suite" else "runs")
    for text in holder.values("task_id" if kind == "suite" else "run_id") if holder else []:
        if not text.isdigit():
            raise InvalidInput(f"description: {text!r} is not an id", field="ids")
        members.append(int(text))
    values: dict[str, Any] = {
        "name": node.value("name") or "",
        "description": node.value("description") or "",
        "task_ids" if kind == "suite" else "run_ids": members,
    }
    if node.value("alias"):
        values["alias"] = node.value("alias")
    return kind, _validated(CollectionCreate, values, "description")
