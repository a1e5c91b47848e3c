"""Request values FastAPI cannot check by itself: JSON in form fields, quality ranges, and
query parameters the route does not know."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Annotated, TypeVar

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel, StringConstraints, ValidationError

from mlhive.server.domain.datasets.qualities import QUALITY_NAMES
from mlhive.server.domain.errors import InvalidInput
from mlhive.wire.datasets import parse_quality_range

Model = TypeVar("Model", bound=BaseModel)

_NUMBER = r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?)"
_BOUND = rf"\s*(?:{_NUMBER})?\s*"
QUALITY_PATTERN = rf"^[^:]*[^:\s][^:]*:{_BOUND}(?:\.\.{_BOUND})?$"
"""A quality filter as the OpenAPI document states it: ``NAME:LOW..HIGH`` (either bound may be
empty) or ``NAME:VALUE``, bounds decimal numbers or ``inf`` (not ``nan``, which would match
nothing). A value outside it is refused 422
before :func:`quality_ranges` sees it, so the document and the parser agree."""
QualityFilter = Annotated[str, StringConstraints(pattern=QUALITY_PATTERN)]


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
        where = ".".join(str(p) for p in first["loc"])
        # Text that is no JSON at all has no location inside: the field itself is to blame.
        name = f"{field}.{where}" if where else field
        raise InvalidInput(f"{name}: {first['msg']}", field=name) from None


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


def _query_names(dependant: Dependant) -> Iterator[str]:
    for field in dependant.query_params:
        yield field.alias
    for sub in dependant.dependencies:
        yield from _query_names(sub)


_ACCEPTED: dict[int, tuple[APIRoute, frozenset[str]]] = {}
"""Each route's query parameter names, worked out on its first request (routes never change
once the app is built; the route is kept so its id is never reused)."""


def _accepted(route: APIRoute) -> frozenset[str]:
    known = _ACCEPTED.get(id(route))
    if known is None or known[0] is not route:
        known = (route, frozenset(_query_names(route.dependant)))
        _ACCEPTED[id(route)] = known
    return known[1]


async def known_query(request: Request) -> None:
    """Refuse a query parameter the route does not declare (a router-wide dependency).

    FastAPI ignores unknown parameters, so a typo silently changes the answer:
    ``/api/datasets?staus=deactivated`` would list the active datasets. The native API names
    the unknown parameter and the valid ones instead.

    Raises:
        InvalidInput: the query names a parameter the route does not declare (``field`` is
            the first unknown one).
    """
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    if not request.scope.get("query_string"):
        return
    valid = _accepted(route)
    unknown = sorted({name for name in request.query_params if name not in valid})
    if not unknown:
        return
    accepted = ", ".join(sorted(valid)) or "none"
    noun = "parameter" if len(unknown) == 1 else "parameters"
    raise InvalidInput(
        f"unknown query {noun} {', '.join(repr(n) for n in unknown)}; "
        f"this route accepts: {accepted}",
        field=unknown[0],
        valid=sorted(valid),
    )
