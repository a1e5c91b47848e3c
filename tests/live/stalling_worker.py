"""A job worker whose handlers never finish: the stand-in for a worker killed in the middle
of a job. ``python -m tests.live.stalling_worker`` (settings from the environment)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from mlhive.server.app import build_hive
from mlhive.server.config import Settings
from mlhive.server.jobs.context import JobContext


def _stall(_: JobContext, __: Mapping[str, Any]) -> None:
    threading.Event().wait()  # until the process is killed


def main() -> None:
    hive = build_hive(Settings())
    hive.worker.handlers = dict.fromkeys(hive.worker.handlers, _stall)
    hive.worker.run_forever()


if __name__ == "__main__":
    main()
