"""Alias names: ``staging``, ``production`` and the names owners give."""

from __future__ import annotations

import re

from mlhive.server.domain.errors import InvalidInput
from mlhive.wire.serving import ALIAS_PATTERN

WELL_KNOWN = ("staging", "production")
_ALIAS = re.compile(ALIAS_PATTERN)


def check_alias(name: str) -> str:
    """The alias name (a leading ``@`` dropped), if it is valid.

    Raises:
        InvalidInput: a name that is not a lowercase letter followed by up to 63 lowercase
            letters, digits, ``-`` or ``_``.
    """
    bare = name.removeprefix("@")
    if not _ALIAS.fullmatch(bare):
        raise InvalidInput(
            f"alias: {name!r} is not a valid alias name; use a lowercase letter followed by up "
            "to 63 lowercase letters, digits, '-' or '_' (for example 'production')",
            field="alias",
        )
    return bare
