"""Request values FastAPI cannot check by itself: JSON in form fields, quality ranges."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from mlhive.server.domain.datasets.qualities import QUALITY_NAMES
from mlhive.server.domain.errors import InvalidInput
from mlhive.wire.datasets import parse_quality_range

Model = TypeVar("Model", bound=BaseModel)


def parse_form_json(model: type[Model], text: str, field: str) -> Model:
    """Validate the JSON of a form field (uploads send metadata next to the file) as
    ``model``, naming the first offending field: ``metadata.name: String should match...``.

    Raises:
        InvalidInput: the text is not JSON, or not a valid ``model``.
    """
    try:
        return model.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or field
        raise InvalidInput(f"{field}.{where}: {first['msg']}", field=f"{field}.{where}") from None


def quality_ranges(items: Iterable[str]) -> tuple[tuple[str, float | None, float | None], ...]:
    """``quality`` query values (``NAME:LOW..HIGH``, ``NAME:VALUE``) as ``(name, low, high)``.

    Raises:
        InvalidInput: a value of another form, or a quality the server does not compute (the
            valid names are listed: a typo must not look like "no datasets").
    """
    try:
        ranges = tuple(parse_quality_range(item) for item in items)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="quality") from None
    for name, _, _ in ranges:
        if name not in QUALITY_NAMES:
            raise InvalidInput(
                f"quality: {name!r} is not a quality this server computes; use one of "
                + ", ".join(sorted(QUALITY_NAMES)),
                field="quality",
            )
    return ranges
