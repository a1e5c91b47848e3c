"""Page routes: domain errors and bad parameters become HTML error pages, not problem+json.

The API's exception handlers answer problem+json for the whole app; a page must answer a page.
:class:`PageRoute` catches what a page handler raises and renders ``error.html`` with the status
the API would have used (the one table in ``http.status``), so both faces agree on the meaning.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from mlhive.server.domain.errors import DomainError
from mlhive.server.http.failures import translate
from mlhive.server.http.status import STATUS, headers_for
from mlhive.server.web.render import render_error

log = logging.getLogger("mlhive.web")


class PageRoute(APIRoute):
    """An APIRoute whose failures render as HTML pages."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handle(request)
            except DomainError as exc:
                return render_error(request, STATUS[exc.code], exc.detail)
            except RequestValidationError as exc:
                return render_error(request, 422, _first_problem(exc))
            except HTTPException as exc:
                return render_error(request, exc.status_code, str(exc.detail))
            except Exception as exc:
                known = translate(exc)  # a busy database, a full disk: 503/507
                if known is not None:
                    page = render_error(request, STATUS[known.code], known.detail)
                    page.headers.update(headers_for(known))
                    return page
                log.exception("unhandled error on page %s %s", request.method, request.url.path)
                return render_error(request, 500, "The server failed to build this page.")

        return page_handler


def _first_problem(exc: RequestValidationError) -> str:
    errors = exc.errors()
    if not errors:
        return "the request is not valid"
    first: dict[str, Any] = errors[0]
    where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "path", "body"))
    return f"{where}: {first.get('msg', 'invalid')}"


def pages(**kwargs: Any) -> APIRouter:
    """A router for one page group: HTML error pages, hidden from the API's OpenAPI document."""
    return APIRouter(route_class=PageRoute, include_in_schema=False, **kwargs)
