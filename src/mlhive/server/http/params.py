"""Integers a request may carry, bounded to what the database can store.

A number beyond a column's range never reaches SQL (where SQLite raises OverflowError and
PostgreSQL "integer out of range", both 500s): the request is refused as invalid input
naming the parameter, and the bounds are in the OpenAPI document.
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import Interval

from mlhive.server.domain.limits import MAX_COUNT
from mlhive.wire.common import MAX_ID

ObjectId = Annotated[int, Interval(ge=-MAX_ID - 1, le=MAX_ID)]
"""Any id a path or filter names; unknown but storable ids are simply not found."""
PositiveId = Annotated[int, Interval(ge=1, le=MAX_ID)]
"""An id where OpenML's face refuses zero and negative numbers as malformed."""
Offset = Annotated[int, Interval(ge=0, le=MAX_COUNT)]
"""How many items of a listing to skip."""
