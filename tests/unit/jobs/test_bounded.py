"""A real bound on a job's heavy phase (#15 finding 4): the child process is killed at the
limit, and its result or its error comes back as if the work had run in the worker."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mlhive.server.jobs.bounded import TimeLimitExceeded, run_bounded
from tests.unit.jobs import child_work


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_work_over_the_limit_is_killed_and_fails_naming_the_limit(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    with pytest.raises(TimeLimitExceeded) as caught:
        run_bounded(child_work.sleep_forever, pid_file, seconds=2, what="processing dataset 7")
    message = caught.value.detail
    assert message.startswith("processing dataset 7 took longer than the 2 s")
    assert "MLHIVE_JOB_TIME_LIMIT_SECONDS" in message
    assert caught.value.extra["setting"] == "job_time_limit_seconds"
    assert not _alive(int(pid_file.read_text()))  # stopped, not left running


def test_the_result_comes_back_from_another_process() -> None:
    value, pid = run_bounded(child_work.square, 12, seconds=60, what="squaring")
    assert value == 144 and pid != os.getpid()


def test_no_limit_runs_the_work_here() -> None:
    assert run_bounded(child_work.square, 3, seconds=0, what="squaring") == (9, os.getpid())


def test_the_child_s_exception_is_raised_with_its_traceback() -> None:
    with pytest.raises(ValueError, match="refused: this") as caught:
        run_bounded(child_work.refuse, "this", seconds=60, what="refusing")
    assert any("child_work.py" in note for note in caught.value.__notes__)


def test_an_exception_that_cannot_travel_keeps_its_message() -> None:
    with pytest.raises(RuntimeError, match="line 7: column 'x' is broken"):
        run_bounded(child_work.malformed, seconds=60, what="reading")


def test_a_child_that_dies_is_reported_with_its_exit_code() -> None:
    with pytest.raises(RuntimeError, match=r"dying stopped without an answer \(exit code 3\)"):
        run_bounded(child_work.die, seconds=60, what="dying")
