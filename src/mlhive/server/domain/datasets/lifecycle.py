"""Dataset rules that need no database: the status life cycle."""

from __future__ import annotations

from mlhive.server.domain.errors import Conflict
from mlhive.wire.errors import ErrorCode

# OpenML's life cycle: a new dataset is in preparation until processed (and, on a curated
# server, approved); active datasets can be deactivated and re-activated, never un-prepared.
TRANSITIONS: dict[str, frozenset[str]] = {
    "in_preparation": frozenset({"active", "deactivated"}),
    "active": frozenset({"deactivated"}),
    "deactivated": frozenset({"active"}),
}

# Fields whose change alters features/qualities: editing one re-runs processing.
PROCESSING_FIELDS = frozenset({"default_target_attribute", "row_id_attribute", "ignore_attributes"})


def check_transition(current: str, new: str, *, processed: bool) -> None:
    """Raise Conflict for a status change OpenML's life cycle does not allow."""
    if new == current:
        return
    if new not in TRANSITIONS.get(current, frozenset()):
        raise Conflict(
            f"cannot change status from {current} to {new}",
            code=ErrorCode.INVALID_STATUS_TRANSITION,
        )
    if new == "active" and not processed:
        raise Conflict(
            "the dataset cannot be activated before it has been processed successfully",
            code=ErrorCode.NOT_PROCESSED,
        )


def allowed_statuses(current: str, *, processed: bool) -> list[str]:
    """The statuses a dataset may move to now (what :func:`check_transition` lets through)."""
    allowed = TRANSITIONS.get(current, frozenset())
    return sorted(s for s in allowed if s != "active" or processed)
