"""Budget arithmetic of an AutoML job: what is left, how long a trial may run, the fidelities.

The wall-clock budget covers the whole job: loading, the trials, the ensemble, the final refit
and the push. :data:`RESERVE_SHARE` of it (at least :data:`MIN_RESERVE` seconds, never more
than half) is kept back from the search for what comes after it, so the search stops starting
trials once only the reserve is left, and a running trial is killed when it would eat into it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

RESERVE_SHARE = 0.1
MIN_RESERVE = 1.5
MIN_TRIAL_SECONDS = 0.5
"""A trial is not started with less than this left: it could not finish anything."""
ETA = 3
"""Successive halving: each rung keeps the best 1/ETA and trains on ETA times more rows."""
MIN_ROWS = 100
"""The smallest training subsample of a fold worth fitting a model on."""


@dataclass(frozen=True)
class Budget:
    """A job's limits: ``seconds`` of wall clock from ``start`` (None: unlimited)."""

    start: float
    seconds: float | None

    @property
    def reserve(self) -> float:
        if self.seconds is None:
            return 0.0
        return min(max(MIN_RESERVE, RESERVE_SHARE * self.seconds), self.seconds / 2)

    def left(self, now: float) -> float:
        """Seconds left of the whole budget (infinite without one)."""
        if self.seconds is None:
            return math.inf
        return self.start + self.seconds - now

    def kept_back(self, after: float = 0.0) -> float:
        """The reserve, or ``after`` (the measured cost of what follows the search) when that
        is more, never more than half the budget."""
        if self.seconds is None:
            return 0.0
        return max(self.reserve, min(after, self.seconds / 2))

    def for_search(self, now: float, after: float = 0.0) -> float:
        """Seconds the search may still use (the reserve, or ``after``, kept back)."""
        return self.left(now) - self.kept_back(after)

    def trial_timeout(self, now: float, cap: float | None, after: float = 0.0) -> float | None:
        """How long a trial started now may run, or None when it may not start at all.

        ``cap``: a per-trial limit besides the budget (the server's job time limit).
        ``after``: what the ensemble, refit and push are expected to take (see
        :func:`after_search`).
        """
        room = self.for_search(now, after)
        if room < MIN_TRIAL_SECONDS:
            return None
        limit = min(room, cap) if cap else room
        return limit if math.isfinite(limit) else None


def rungs(train_rows: int, eta: int = ETA, min_rows: int = MIN_ROWS) -> list[float]:
    """The fractions of each fold's training rows fitted at each rung, the last always 1.

    Successive halving starts at about ``min_rows`` rows and multiplies by ``eta``; a small
    training set gets a single rung (the whole of it).
    """
    fractions = [1.0]
    while train_rows * fractions[0] / eta >= min_rows:
        fractions.insert(0, fractions[0] / eta)
    return fractions


REFIT_OVERHEAD = 2.5
"""Seconds of the steps after the search besides the fits: a child's start, scoring the
ensemble's run, serialising and pushing the model."""
REFIT_MEMBERS = 5
"""The costliest complete trials whose refit is budgeted (ensembles seldom have more)."""


def after_search(complete_trial_seconds: list[float], share: float = 1.0) -> float:
    """What the steps after the search will take, from the complete trials' measured times.

    The final refit fits each ensemble member once on all rows, then serialises the ensemble
    and inspects the file as any upload is; half a trial's time is allowed for each member.
    That is more than the fit alone (a trial fits each of its folds at every rung), and it
    must be: serialising and inspecting a large ensemble (gradient boosting with a small
    learning rate, forests) takes time that grows with the model's size, not its fit time.
    A bound from the fit alone (its share of a trial's rows) left too little: a 214-row,
    6-class ensemble's refit ran past its 4.9 s deadline. The rest (:data:`REFIT_OVERHEAD`,
    measured on a quiet machine) takes longer in the same proportion as the trials when they
    had only ``share`` of a core: a loaded machine.
    """
    if not complete_trial_seconds:
        return 0.0
    costliest = sorted(complete_trial_seconds, reverse=True)[:REFIT_MEMBERS]
    return REFIT_OVERHEAD / min(1.0, max(share, MIN_SHARE)) + sum(costliest) / 2


MIN_SHARE = 0.1
"""The smallest share of a core :func:`after_search` believes (a tenfold slowdown)."""
