"""JSON answers prepared without wire models: hot lists go from database rows to dicts to bytes.

``pydantic_core.to_json`` is the serializer FastAPI uses for wire models, so the bytes are the
ones the model would have produced (the same float and timestamp forms) as long as the dicts
carry the model's fields in its order; the route still declares the model for its OpenAPI
document (``response_model``).
"""

from __future__ import annotations

from typing import Any

from fastapi import Response
from pydantic_core import to_json


def json_response(data: Any) -> Response:
    """``data`` (dicts, lists, numbers, strings, datetimes) as an ``application/json`` answer."""
    return Response(content=to_json(data), media_type="application/json")
