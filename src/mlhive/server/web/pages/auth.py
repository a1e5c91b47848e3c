"""Signing in with an API key, and signing out (which ends the session on the server too)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mlhive.server.domain.errors import Unauthenticated
from mlhive.server.http.deps import HiveDep, write
from mlhive.server.services import accounts
from mlhive.server.web import session as web_session
from mlhive.server.web.render import page
from mlhive.server.web.routing import pages
from mlhive.server.web.session import SessionActor, ViewerDep

router = pages(tags=["pages"])


def _safe_next(target: str) -> str:
    """Only same-site paths are followed after sign-in (no open redirect)."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _sign_in_page(
    request: Request, *, next_url: str, error: str = "", status: int = 200
) -> Response:
    token = web_session.new_sign_in_token()
    context = {"title": "Sign in", "form_token": token, "next_url": next_url, "error": error}
    response = page(request, "sign_in.html", context, status=status)
    web_session.remember_sign_in_token(request, response, token)
    return response


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(request: Request, who: ViewerDep, next: str = "/") -> Response:
    """The sign-in form (already signed in: straight on to ``next``)."""
    if who.actor is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _sign_in_page(request, next_url=_safe_next(next))


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in(
    request: Request,
    hive: HiveDep,
    _: ViewerDep,
    api_key: Annotated[str, Form(max_length=200)],
    form_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Trade an API key for a session cookie."""
    web_session.check_sign_in_token(request, form_token)
    lifetime = timedelta(days=hive.settings.session_days)
    try:
        with write(hive) as session:
            token = accounts.open_session(session, api_key.strip(), lifetime)[1]
    except Unauthenticated:
        message = "That API key is unknown or revoked. Check it and try again."
        return _sign_in_page(request, next_url=_safe_next(next), error=message, status=401)
    response = RedirectResponse(_safe_next(next), status_code=303)
    web_session.start_session(request, response, token, int(lifetime.total_seconds()))
    return response


@router.post("/sign-out")
def sign_out(request: Request, hive: HiveDep, _: SessionActor) -> Response:
    """End the session on the server and in the browser."""
    token = request.cookies.get(web_session.SESSION_COOKIE, "")
    with write(hive) as session:
        accounts.close_session(session, token)
    response = RedirectResponse("/", status_code=303)
    web_session.end_session(response)
    return response
