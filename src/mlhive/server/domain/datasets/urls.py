"""Which dataset URLs the server may fetch: the rules, without any network access.

A dataset given by URL is downloaded by the server, so the URL must not make the server reach
what only it can reach (its own loopback services, the private network, a cloud's metadata
address): only ``http``/``https``, and only public addresses, unless the operator names the
host in ``MLHIVE_URL_FETCH_ALLOWED_HOSTS``. The network side (resolving, connecting to the
checked address, redirects, limits) is :mod:`mlhive.server.services.datasets.remote`.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from mlhive.server.domain.errors import InvalidInput
from mlhive.wire.errors import ErrorCode

SCHEMES = ("http", "https")
MAX_URL_LENGTH = 2048
MAX_REDIRECTS = 5

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Target:
    """A checked URL's parts: what the fetcher connects to and what it sends as Host."""

    url: str
    scheme: str
    host: str  # lower-case; an IPv6 address without brackets
    port: int
    literal: IPAddress | None  # the host when it is written as an address

    @property
    def filename(self) -> str:
        """The last segment of the URL's path (its extension may name the data format)."""
        return PurePosixPath(unquote(urlsplit(self.url).path)).name


def refused(detail: str) -> InvalidInput:
    """The error a URL the server will not fetch gets (``url_refused``, field ``url``)."""
    return InvalidInput(f"url: {detail}", code=ErrorCode.URL_REFUSED, field="url")


def parse(url: str) -> Target:
    """Split a URL and check its form: scheme, host, port, no credentials.

    Raises:
        InvalidInput: ``url_refused``, naming what is wrong and what is accepted.
    """
    if len(url) > MAX_URL_LENGTH:
        raise refused(f"the URL is longer than {MAX_URL_LENGTH} characters")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise refused("the URL holds spaces or control characters; percent-encode them")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise refused(f"{url!r} is not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        shown = f"{scheme}://" if scheme else "no scheme"
        raise refused(f"{shown} is not fetched; give an http:// or https:// URL")
    if parts.username is not None or parts.password is not None:
        raise refused("the URL must not hold a user name or password (it is shown with the data)")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise refused(f"{url!r} names no host")
    return Target(
        url=url,
        scheme=scheme,
        host=host,
        port=port or (443 if scheme == "https" else 80),
        literal=ip(host),
    )


def ip(host: str) -> IPAddress | None:
    """``host`` as an address, or None when it is a name (an IPv6 zone is ignored)."""
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None


def refusal_reason(address: IPAddress) -> str | None:
    """Why the server must not connect to ``address`` (None for a public address)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    checks = (
        (address.is_unspecified, "an unspecified address"),
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (address.is_private, "a private address"),
        (address.is_reserved, "a reserved address"),
        (not address.is_global, "not a public address"),
    )
    return next((reason for failed, reason in checks if failed), None)


URL_FETCH_SETTING = "MLHIVE_URL_FETCH_ALLOWED_HOSTS"


def check_address(
    target: Target, address: IPAddress, allowed: frozenset[str], setting: str = URL_FETCH_SETTING
) -> None:
    """Refuse connecting to ``address`` for ``target`` unless it is public or the host is
    on the operator's list (matched as written in the URL, so a name on the list does not
    let another name that resolves to the same address through). ``setting`` is the
    operator's setting that holds that list (dataset URLs', or webhooks').

    Raises:
        InvalidInput: ``url_refused``, naming the host, the address and the setting.
    """
    if target.host in allowed:
        return
    reason = refusal_reason(address)
    if reason is None:
        return
    seen = target.host if target.literal is not None else f"{target.host} resolves to {address}"
    raise refused(
        f"{seen}, {reason}: the server connects only to public addresses "
        f"(an operator may allow a host with {setting})"
    )


def check(url: str, allowed: frozenset[str], setting: str = URL_FETCH_SETTING) -> Target:
    """Everything knowable about a URL without the network: its form, and its host when
    that is an address. Names are resolved (and checked again) when the URL is fetched.

    Raises:
        InvalidInput: ``url_refused``.
    """
    target = parse(url)
    if target.literal is not None:
        check_address(target, target.literal, allowed, setting)
    return target
