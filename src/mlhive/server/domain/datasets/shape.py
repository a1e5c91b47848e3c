"""How big a dataset's table may be: the operator's caps on columns and cells.

Each column becomes a feature row, a value distribution and an entry in every feature listing,
and processing holds the whole table in memory, so both the width and the size of a table
bound what one upload costs the server (see ``max_columns`` and ``max_cells`` in
:class:`mlhive.server.config.Settings`). A refused upload is refused before anything is stored.
"""

from __future__ import annotations

from mlhive.server.domain.errors import PayloadTooLarge
from mlhive.wire.errors import ErrorCode


def check_shape(rows: int, columns: int, *, max_columns: int, max_cells: int) -> None:
    """Refuse a table wider than ``max_columns`` or with more than ``max_cells`` values.

    Raises:
        PayloadTooLarge: ``too_many_columns`` or ``too_many_cells``, naming the count, the
            limit and the setting that raises it.
    """
    check_width(columns, max_columns=max_columns)
    cells = rows * columns
    if cells > max_cells:
        raise PayloadTooLarge(
            f"file: {rows} rows x {columns} columns = {cells} values, more than the "
            f"{max_cells} this server accepts in one dataset (setting max_cells, "
            "MLHIVE_MAX_CELLS); split the data into several datasets, or ask the server's "
            "operator to raise the limit",
            code=ErrorCode.TOO_MANY_CELLS,
            field="file",
            cells=cells,
            limit=max_cells,
            setting="max_cells",
        )


def check_width(columns: int, *, max_columns: int, at_least: bool = False) -> None:
    """Refuse a table wider than ``max_columns`` (``at_least``: the count is a lower bound,
    as read from a header that was not read to its end).

    Raises:
        PayloadTooLarge: ``too_many_columns``, naming the count, the limit and the setting.
    """
    if columns > max_columns:
        counted = f"at least {columns}" if at_least else str(columns)
        raise PayloadTooLarge(
            f"file: {counted} columns, more than the {max_columns} this server accepts in one "
            "dataset (setting max_columns, MLHIVE_MAX_COLUMNS); store very wide data in long "
            "form (one row per observation and variable), or ask the server's operator to "
            "raise the limit",
            code=ErrorCode.TOO_MANY_COLUMNS,
            field="file",
            columns=columns,
            limit=max_columns,
            setting="max_columns",
        )
