"""What a reader saw while typing a column, and the typing of text that is almost numbers or dates.

A :class:`ColumnNote` per column records how its type was chosen (``stored`` in a typed file,
``inferred`` from text, ``declared`` by an override, ``coerced`` from text in which a few values
were not numbers or dates) and which non-empty values were read as missing, with their counts.
The server turns the notes and the column's statistics into a sentence a data scientist reads
(:mod:`mlhive.server.domain.datasets.type_report`).

Dirty columns. A text column whose non-missing values are numbers except for at most
:data:`DIRTY_DISTINCT` distinct values making up at most :data:`DIRTY_SHARE` of them is read as
numeric, those values becoming missing (and listed in the note). The same holds for ISO dates
(``2024-01-31``) and date-times (``2024-01-31 12:00:00``, ``T`` allowed). An override
(``string_attributes``, ``nominal_attributes``) keeps such a column as text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.types as pat

from mlhive.formats.types import FormatError, check_override_names

NoteKind = Literal["stored", "inferred", "declared", "coerced"]
Declarable = Literal["numeric", "date"]

DIRTY_SHARE = 0.1
DIRTY_DISTINCT = 10
MAX_LISTED = 10  # offending values kept per column, the most frequent first
_SAMPLE = 10_000  # leading values that must be mostly numbers (dates) before all are checked

_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_INTEGER = r"^[+-]?\d+$"
_DATE = r"^\d{4}-\d{2}-\d{2}$"
_DATETIME = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$"
DIRTY_PATTERN = f"{_NUMBER}|{_DATE}|{_DATETIME}"
_WHAT = {"numeric": "numbers", "date": "dates"}
_OVERRIDE = {"numeric": "numeric_attributes", "date": "date_attributes"}


@dataclass
class ColumnNote:
    """How one column got its type, and the non-empty values read as missing in it.

    Attributes:
        kind: ``stored``, ``inferred``, ``declared`` or ``coerced`` (see the module docstring).
        missing: value → count of the non-empty values that became missing (null markers such
            as ``?``, declared missing values, and the values of a coerced column that were not
            numbers or dates), at most :data:`MAX_LISTED` of them.
        missing_total: how many values ``missing`` stands for, including those not listed.
    """

    kind: NoteKind = "inferred"
    missing: dict[str, int] = field(default_factory=dict)
    missing_total: int = 0

    def add_missing(self, counts: Mapping[str, int]) -> None:
        """Count more values read as missing, keeping the most frequent ones listed."""
        merged = dict(self.missing)
        for value, count in counts.items():
            merged[value] = merged.get(value, 0) + count
        self.missing_total += sum(counts.values())
        top = sorted(merged.items(), key=lambda item: (-item[1], item[0]))[:MAX_LISTED]
        self.missing = dict(top)

    def to_json(self) -> dict[str, Any]:
        """The note as JSON-able data (stored with the dataset)."""
        return {"kind": self.kind, "missing": self.missing, "missing_total": self.missing_total}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ColumnNote:
        """Rebuild a note stored by :meth:`to_json`."""
        missing = {str(k): int(v) for k, v in dict(data.get("missing") or {}).items()}
        kind = data.get("kind", "inferred")
        known: tuple[NoteKind, ...] = ("stored", "inferred", "declared", "coerced")
        return cls(
            kind=kind if kind in known else "inferred",
            missing=missing,
            missing_total=int(data.get("missing_total", sum(missing.values()))),
        )


Notes = dict[str, ColumnNote]


@dataclass(frozen=True)
class Overrides:
    """The types an uploader declares for columns, and extra values that mean "missing"."""

    nominal: tuple[str, ...] = ()
    string: tuple[str, ...] = ()
    numeric: tuple[str, ...] = ()
    date: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()

    def by_column(self) -> dict[str, str]:
        """Column name → declared type."""
        groups = {"nominal": self.nominal, "string": self.string}
        groups |= {"numeric": self.numeric, "date": self.date}
        return {name: kind for kind, names in groups.items() for name in names}

    def declared(self) -> list[str]:
        """Every column with a declared type."""
        return list(self.by_column())

    def check(self, names: Sequence[str]) -> None:
        """Every override names a column, and no column gets two types.

        Raises:
            FormatError: ``unknown_column`` or ``malformed_file`` naming the column.
        """
        check_override_names(names, self.nominal, self.string, self.numeric, self.date)


def list_values(counts: Mapping[str, int], limit: int = MAX_LISTED) -> str:
    """``'n/a' (2), '—' (1)``: values and how often they occur, the most frequent first."""
    top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
    more = " …" if len(counts) > limit else ""
    return ", ".join(f"{value!r} ({count})" for value, count in top) + more


def value_counts(column: pa.ChunkedArray, mask: pa.ChunkedArray | pa.Array) -> dict[str, int]:
    """Counts of the non-empty values of ``column`` where ``mask`` is true."""
    picked = column.filter(pc.fill_null(mask, False))
    if pat.is_dictionary(picked.type):
        picked = picked.cast(pa.string())
    if len(picked) == 0:
        return {}
    counts = pc.value_counts(picked).to_pylist()
    return {str(c["values"]): int(c["counts"]) for c in counts if c["values"] not in (None, "")}


def null_tokens(
    column: pa.ChunkedArray, tokens: Sequence[str], note: ColumnNote | None
) -> pa.ChunkedArray:
    """Turn the given tokens into nulls, counting the non-empty ones in ``note``."""
    missing = pc.is_in(column, value_set=pa.array(tokens, column.type))
    if not pc.any(missing).as_py():
        return column  # spares a copy of all the text
    if note is not None:
        note.add_missing(value_counts(column, missing))
    return pc.if_else(missing, pa.scalar(None, column.type), column)


def _matches(strings: pa.ChunkedArray, pattern: str) -> pa.ChunkedArray:
    return pc.fill_null(pc.match_substring_regex(strings, pattern), False)


def parse_numbers(strings: pa.ChunkedArray, valid: pa.ChunkedArray) -> pa.ChunkedArray:
    """The number text where ``valid`` holds as int64 (all integers) or float64, else null."""
    kept = pc.if_else(valid, strings, pa.scalar(None, pa.string()))
    if pc.all(pc.fill_null(pc.match_substring_regex(kept, _INTEGER), True)).as_py():
        try:
            return kept.cast(pa.int64())
        except pa.ArrowInvalid:
            pass  # beyond int64: as floats, like pyarrow's own inference
    return kept.cast(pa.float64())


def parse_dates(strings: pa.ChunkedArray, valid: pa.ChunkedArray) -> pa.ChunkedArray | None:
    """ISO dates (date32) or date-times (timestamp[us]) where ``valid`` holds, else null;
    None when a value that looks like a date is not one (``2024-02-30``)."""
    kept = pc.if_else(valid, strings, pa.scalar(None, pa.string()))
    only_dates = pc.all(pc.fill_null(pc.match_substring_regex(kept, _DATE), True)).as_py()
    try:
        if only_dates:
            return kept.cast(pa.date32())
        return pc.replace_substring(kept, "T", " ").cast(pa.timestamp("us"))
    except pa.ArrowInvalid:
        return None


def coerce_dirty(strings: pa.ChunkedArray, note: ColumnNote) -> pa.ChunkedArray | None:
    """Read a text column (missing markers already null) as numbers or dates when all but a few
    of its values are; those few become missing and are counted in ``note``. None otherwise."""
    present = len(strings) - strings.null_count
    if present == 0:
        return None
    head = strings.slice(0, _SAMPLE).drop_null()
    clean = _cast_whole(strings)
    if clean is not None:  # pyarrow reads every value: what it would have typed without markers
        note.kind = "inferred"
        return clean
    for kind, pattern in (("numeric", _NUMBER), ("date", f"{_DATE}|{_DATETIME}")):
        # A look at the first values rules out free text without a regex over all of it.
        if len(head) and int(pc.sum(_matches(head, pattern)).as_py() or 0) < len(head) / 2:
            continue
        valid = _matches(strings, pattern)
        bad = present - int(pc.sum(valid).as_py() or 0)
        if bad == present or bad > DIRTY_SHARE * present:
            continue
        offending = value_counts(strings, pc.invert(valid))
        if len(offending) > DIRTY_DISTINCT:
            continue
        parsed = parse_numbers(strings, valid) if kind == "numeric" else parse_dates(strings, valid)
        if parsed is None:
            continue
        note.add_missing(offending)
        note.kind = "coerced" if bad else "inferred"
        return parsed
    return None


def _cast_whole(strings: pa.ChunkedArray) -> pa.ChunkedArray | None:
    """The column as int64, float64, date32 or timestamp when every value casts, else None."""
    for dtype in (pa.int64(), pa.float64(), pa.date32(), pa.timestamp("us")):
        try:
            return strings.cast(dtype)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
    return None


def declare(
    strings: pa.ChunkedArray, name: str, kind: Declarable, note: ColumnNote
) -> pa.ChunkedArray:
    """Read a text column declared numeric or date; every non-missing value must parse.

    Raises:
        FormatError: ``malformed_file`` naming the column and the values that do not parse.
    """
    pattern = _NUMBER if kind == "numeric" else f"{_DATE}|{_DATETIME}"
    valid = _matches(strings, pattern)
    parsed = parse_numbers(strings, valid) if kind == "numeric" else parse_dates(strings, valid)
    offending = value_counts(strings, pc.invert(valid))
    if parsed is None or offending:
        listed = list_values(offending) or "a date that does not exist, such as 2024-02-30"
        raise FormatError(
            "malformed_file",
            f"column {name!r} is declared {kind} ({_OVERRIDE[kind]}) but holds values that are "
            f"not {_WHAT[kind]}: {listed}; list them in missing_values to read them as missing, "
            f"or drop {name!r} from {_OVERRIDE[kind]}",
        )
    note.kind = "declared"
    return parsed


def declare_typed(column: pa.ChunkedArray, name: str, kind: Declarable) -> pa.ChunkedArray:
    """Apply a numeric or date override to a column of a typed file (Parquet, ARFF).

    Raises:
        FormatError: ``malformed_file`` when the column's values are not of that kind.
    """
    dtype = column.type
    if kind == "numeric" and (pat.is_integer(dtype) or pat.is_floating(dtype)):
        return column
    if kind == "date" and (pat.is_date(dtype) or pat.is_timestamp(dtype)):
        return column
    if pat.is_dictionary(dtype) or pat.is_string(dtype) or pat.is_large_string(dtype):
        return declare(column.cast(pa.string()), name, kind, ColumnNote())
    raise FormatError(
        "malformed_file",
        f"column {name!r} is declared {kind} ({_OVERRIDE[kind]}) but is stored as {dtype}",
    )
