"""Writing the deployments' call counts, for every adapter that serves or shows them."""

from __future__ import annotations

import logging

from mlhive.server.http.deps import write
from mlhive.server.services.serving import deployments
from mlhive.server.wiring import Hive

log = logging.getLogger("mlhive.serving")


def flush_counts(hive: Hive, *, force: bool = False) -> None:
    """Write the counted calls when due (or now, with ``force``).

    A failed write keeps the counts for the next flush: counting never fails a call.
    """
    tally = hive.serving.tally
    if not force and not tally.due():
        return
    counts = tally.take()
    if not counts:
        return
    try:
        with write(hive) as session:
            deployments.flush_counts(session, counts)
    except Exception:  # any failure (a busy database, a lost connection): retry next time
        log.warning("deployment call counts not written yet; retrying later", exc_info=True)
        tally.give_back(counts)
