"""Exceptions of the scikit-learn integration.

The tree (all under :class:`mlhive.MlhiveError`)::

    FlowConversionError (also a ValueError)   an estimator cannot be described, or a flow
    │                                         cannot be rebuilt or does not match the estimator
    └── DisallowedImportError                 a flow names a class or function outside the
                                              allowed modules: refused before any import
    FoldError (also a RuntimeError)           the estimator raised on one fold of a run
"""

from __future__ import annotations

from mlhive.errors import MlhiveError

__all__ = ["DisallowedImportError", "FlowConversionError", "FoldError"]


class FlowConversionError(MlhiveError, ValueError):
    """An estimator cannot be turned into a flow, or a flow into an estimator."""


class DisallowedImportError(FlowConversionError):
    """A flow refers to a class or function outside the allowed modules."""


class FoldError(MlhiveError, RuntimeError):
    """The estimator failed on one fold; ``repeat``, ``fold`` and ``sample`` say which.

    The message names the fold and carries the original error's type and text, ready to be
    uploaded as a failed run's ``error_message``; the original is chained as ``__cause__``.
    """

    def __init__(self, message: str, repeat: int, fold: int, sample: int) -> None:
        super().__init__(message)
        self.message = message
        self.repeat = repeat
        self.fold = fold
        self.sample = sample

    def __reduce__(self) -> tuple[type[FoldError], tuple[str, int, int, int]]:
        # Worker processes send exceptions back pickled; keep every constructor argument.
        return (type(self), (self.message, self.repeat, self.fold, self.sample))
