"""Work for :func:`mlhive.server.jobs.bounded.run_bounded` to run in its child process
(module-level, so that the child can import it by name)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from mlhive.formats.types import FormatError


def sleep_forever(pid_file: Path) -> None:
    """Record this process's id, then never finish."""
    pid_file.write_text(str(os.getpid()))
    time.sleep(3600)


def square(n: int) -> tuple[int, int]:
    """The square of ``n`` and the id of the process that computed it."""
    return n * n, os.getpid()


def refuse(text: str) -> None:
    """Raise a ValueError (picklable as it is)."""
    raise ValueError(f"refused: {text}")


def malformed() -> None:
    """Raise an exception whose class cannot be rebuilt from its message alone."""
    raise FormatError("malformed_file", "column 'x' is broken", 7)


def die() -> None:
    """End the process without answering, as the kernel's OOM killer would."""
    os._exit(3)
