"""Free tags people write about themselves and about work: profile interests, skills a call
wants. One normal form, so that "Gradient Boosting", "gradient-boosting" and
"gradient_boosting" are the same interest and match the same calls.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from mlhive.server.domain.errors import InvalidInput

MAX_TAG = 64
_SEPARATORS = re.compile(r"[\s_]+")
_TAG = re.compile(r"^[a-z0-9][a-z0-9.+#-]*$")


def normalise(raw: str, field: str) -> str:
    """``raw`` in normal form: trimmed, lower case, runs of spaces and underscores as one ``-``.

    Raises:
        InvalidInput: empty, too long, or with characters other than letters, digits and
            ``. + # -`` (after the first character, which is a letter or digit).
    """
    tag = _SEPARATORS.sub("-", raw.strip().lower())
    if not tag:
        raise InvalidInput(f"{field}: a tag cannot be empty; remove it", field=field)
    if len(tag) > MAX_TAG:
        raise InvalidInput(
            f"{field}: {raw!r} is longer than {MAX_TAG} characters; shorten it", field=field
        )
    if not _TAG.match(tag):
        raise InvalidInput(
            f"{field}: {raw!r} is not a tag: use letters, digits, spaces and '.+#-' "
            "(starting with a letter or digit)",
            field=field,
        )
    return tag


def normalise_all(raws: Iterable[str], field: str, limit: int) -> list[str]:
    """Each tag in normal form, duplicates once, in the order given.

    Raises:
        InvalidInput: a tag is invalid, or there are more than ``limit`` distinct tags.
    """
    tags = list(dict.fromkeys(normalise(raw, field) for raw in raws))
    if len(tags) > limit:
        raise InvalidInput(
            f"{field}: {len(tags)} tags given, at most {limit} are kept; drop some", field=field
        )
    return tags
