"""Which measure names a request may ask for: per task type, the default, and the whole
catalogue. An unknown name is refused with the valid ones listed, never answered with an empty
table (a typo such as ``acuracy`` would otherwise look like "no results")."""

from __future__ import annotations

from mlhive.server.domain.errors import InvalidInput
from mlhive.server.domain.experiments.metrics import MEASURES, measures_for

DEFAULT_MEASURE = {
    "supervised_classification": "predictive_accuracy",
    "learning_curve": "predictive_accuracy",
    "supervised_regression": "root_mean_squared_error",
    "clustering": "adjusted_rand_index",
}


def scalar_measures(task_type: str) -> list[str]:
    """The measures of a task type that are single numbers (what leaderboards can sort by)."""
    return [m for m in measures_for(task_type) if not MEASURES[m].is_array]


def default_measure(task_type: str) -> str:
    """The measure a task's leaderboard shows first (its main measure)."""
    return DEFAULT_MEASURE[task_type]


def main_measure(task_type: str, declared: list[str] | None) -> str:
    """A task's main measure: the first scalar measure it declares, else its type's default."""
    scalar = scalar_measures(task_type)
    return next((m for m in declared or [] if m in scalar), default_measure(task_type))


def checked_measure(task_type: str, measure: str | None) -> str:
    """``measure`` if a task of this type has it (None: the default).

    Raises:
        InvalidInput: naming the valid measures of the task type.
    """
    if measure is None:
        return default_measure(task_type)
    valid = scalar_measures(task_type)
    if measure not in valid:
        raise InvalidInput(
            f"measure: {measure!r} is not a measure of {task_type} tasks; use one of "
            + ", ".join(valid),
            field="measure",
        )
    return measure


def known_measure(measure: str, field: str = "measure") -> str:
    """``measure`` if the server computes it for some task type.

    Raises:
        InvalidInput: naming every measure the server computes.
    """
    if measure not in MEASURES:
        raise InvalidInput(
            f"{field}: {measure!r} is not a measure this server computes; use one of "
            + ", ".join(sorted(MEASURES)),
            field=field,
        )
    return measure
