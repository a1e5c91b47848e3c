"""Who is looking: the browser session, and the guards every form post goes through.

A person signs in with an API key and receives a random session token in an HttpOnly,
SameSite=Lax cookie (Secure over https); only its hash is stored. Forms carry a CSRF token
derived from the session token, and every post must come from this site's own origin. The
sign-in form, which has no session yet, uses a double-submit token in a short-lived cookie.

Signing in with a read-only key opens a read-only session: its person sees every page (their
private objects included) and every form post but sign-out is refused (403, ``read_only_key``),
by the same decision the API makes (``http.deps.authorize``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Form, Request, Response

from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import PermissionDenied, Unauthenticated
from mlhive.server.http.deps import HiveDep, authorize, read
from mlhive.server.services import accounts
from mlhive.server.services.social import feeds
from mlhive.wire.accounts import KeyScope

SESSION_COOKIE = "mlhive_session"
SIGN_IN_COOKIE = "mlhive_signin"


@dataclass(frozen=True)
class Viewer:
    """The person looking at a page (``actor`` None: anonymous) and their form token."""

    actor: Actor | None
    csrf: str
    unread: int = 0  # the signed-in user's unread notifications (the header's badge)

    @property
    def name(self) -> str | None:
        """The signed-in user's name."""
        return self.actor.name if self.actor else None

    @property
    def read_only(self) -> bool:
        """Whether the session was opened with a read-only key (its forms are refused)."""
        return self.actor is not None and self.actor.scope is KeyScope.READ


def csrf_for(token: str) -> str:
    """The form token of a session (a keyed hash: unguessable without the cookie)."""
    return hmac.new(token.encode(), b"mlhive form token", hashlib.sha256).hexdigest()[:40]


def viewer(request: Request, hive: HiveDep) -> Viewer:
    """Resolve the session cookie; an unknown, ended or expired session means anonymous."""
    token = request.cookies.get(SESSION_COOKIE)
    actor: Actor | None = None
    unread = 0
    if token:
        with read(hive) as session:
            actor = accounts.session_actor(session, token)
            unread = feeds.unread_count(session, actor) if actor is not None else 0
    found = Viewer(actor=actor, csrf=csrf_for(token) if actor and token else "", unread=unread)
    request.state.viewer = found
    return found


ViewerDep = Annotated[Viewer, Depends(viewer)]


def site_origin(request: Request) -> tuple[str, str]:
    """This site's scheme and host: the configured public URL's, else the request's."""
    public_url = request.app.state.hive.settings.public_url
    if public_url:
        parts = urlsplit(public_url)
        return parts.scheme, parts.netloc
    return request.url.scheme, request.url.netloc


def check_origin(request: Request) -> None:
    """Refuse a post that a browser says came from another site (Origin, else Referer)."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if source is None:
        return  # not from a browser that names its origin; the form token still has to match
    parts = urlsplit(source)
    if (parts.scheme, parts.netloc) != site_origin(request):
        raise PermissionDenied("this form was posted from another site; reload the page and retry")


def session_poster(
    request: Request, who: ViewerDep, csrf: Annotated[str, Form(max_length=100)] = ""
) -> Actor:
    """The signed-in poster of a form, after the origin and form-token checks, whatever the
    session's scope (signing out is for read-only sessions too)."""
    check_origin(request)
    if who.actor is None:
        raise Unauthenticated("sign in to do this")
    if not hmac.compare_digest(csrf, who.csrf):
        raise PermissionDenied("the form has expired; reload the page and retry")
    return who.actor


def signed_in(request: Request, poster: Annotated[Actor, Depends(session_poster)]) -> Actor:
    """The poster of a form that changes something: the session must be able to write."""
    return authorize(poster, request.method)


FormActor = Annotated[Actor, Depends(signed_in)]
SessionActor = Annotated[Actor, Depends(session_poster)]
"""A form poster of any scope: only for posts that change nothing but the session itself."""


def secure_cookies(request: Request) -> bool:
    """Cookies are marked Secure when the site is served over https (behind a proxy too)."""
    return site_origin(request)[0] == "https"


def new_sign_in_token() -> str:
    """A fresh double-submit token for the sign-in form."""
    return secrets.token_urlsafe(24)


def remember_sign_in_token(request: Request, response: Response, token: str) -> None:
    """Set the sign-in form's token as a short-lived cookie only the sign-in page receives."""
    response.set_cookie(
        SIGN_IN_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request),
        path="/sign-in",
    )


def start_session(request: Request, response: Response, token: str, max_age: int) -> None:
    """Hand the browser its session cookie (and drop the sign-in form's token)."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
        path="/",
    )
    response.delete_cookie(SIGN_IN_COOKIE, path="/sign-in")


def end_session(response: Response) -> None:
    """Make the browser forget its session cookie."""
    response.delete_cookie(SESSION_COOKIE, path="/")


def check_sign_in_token(request: Request, submitted: str) -> None:
    """The sign-in post must echo the token its form was served with."""
    check_origin(request)
    expected = request.cookies.get(SIGN_IN_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, submitted):
        raise PermissionDenied("the sign-in form has expired; reload the page and retry")
