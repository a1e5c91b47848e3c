"""JSON answers prepared without wire models: hot lists go from database rows to dicts to bytes.

``pydantic_core.to_json`` is the serializer FastAPI uses for wire models, so the bytes are the
ones the model would have produced (the same float and timestamp forms) as long as the dicts
carry the model's fields in its order; the route still declares the model for its OpenAPI
document (``response_model``).
"""

from __future__ import annotations

from typing import Any

from fastapi import Response
from pydantic import BaseModel
from pydantic_core import to_json


def json_response(data: Any) -> Response:
    """``data`` (dicts, lists, numbers, strings, datetimes) as an ``application/json`` answer."""
    return Response(content=to_json(data), media_type="application/json")


def model_response(model: BaseModel) -> Response:
    """A wire model as FastAPI would answer it, serialised here: a route that returns a
    model has FastAPI validate it again (in its thread pool, for a plain function) before
    serialising, which costs a frequent small read more than the read itself. The route
    declares the model as its ``response_model``."""
    return Response(content=model.model_dump_json(by_alias=True), media_type="application/json")
