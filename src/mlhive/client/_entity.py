"""The base of the objects the client returns for server entities (datasets, tasks, flows, runs).

An entity class derives from its wire model and from :class:`Entity`, e.g.
``class Task(TaskOut, Entity)``: every field of the server's description is an attribute of the
entity, with its type, and a field added on the wire reaches the client without a second list.
"""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, PrivateAttr


class Entity(BaseModel):
    """A server object's description plus the client API that fetched it (``_api``).

    Entities are live handles that ``refresh()`` updates in place, so they compare and hash by
    identity, as plain objects do, not by their fields as pydantic models do.
    """

    _api: Any = PrivateAttr()

    @classmethod
    def _of(cls, api: Any, meta: BaseModel) -> Self:
        """The entity for ``meta`` (its wire model), talking to the server through ``api``."""
        entity = cls.model_validate(meta, from_attributes=True)
        entity._api = api
        return entity

    def _replace(self, meta: BaseModel) -> None:
        """Take every field from a fresh description of the same object (for ``refresh()``)."""
        for name in type(self).model_fields:
            setattr(self, name, getattr(meta, name))

    def to_dict(self) -> dict[str, Any]:
        """The description as JSON-compatible values (dates as ISO text)."""
        return self.model_dump(mode="json")

    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)

    def __str__(self) -> str:
        # print(entity) shows the short repr, as before entities were models, not every field.
        return repr(self)
