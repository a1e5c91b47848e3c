"""The README's five-minute tour, walked as written against a fresh ``mlhive demo``.

A newcomer runs ``make demo``, opens the pages the tour names, types every ``mlhive`` line of
its shell blocks in a second terminal and its Python blocks in one interpreter. The only
changes: the demo listens on a free port instead of 8000, ``.venv/bin`` is this environment's,
and the home folder (config file, cache) is a fresh one. The openml-python block runs in the
compatibility suite, which has that client (``tests/compat/client/test_readme_snippet.py``).
Every command must succeed without a warning, and the server's log must hold none either.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mlhive.server.config import Settings
from tests.live.conftest import ROOT
from tests.live.demo import Demo

README = ROOT / "README.md"
BIN = Path(sys.executable).parent
_LOG_PROBLEM = re.compile(r"\b(WARNING|ERROR|CRITICAL)\b|Traceback|Warning:")


def tour() -> str:
    text = README.read_text(encoding="utf-8")
    return text[text.index("## A five-minute tour") : text.index("## Running it for real")]


def blocks(language: str) -> list[str]:
    return [
        body for lang, body in re.findall(r"```(\w+)\n(.*?)```", tour(), re.S) if lang == language
    ]


@pytest.fixture
def demo(settings: Settings) -> Iterator[Demo]:
    started = Demo(settings, only=())
    yield started
    started.stop()


class Terminal:
    """A second terminal: a fresh home folder, no mlhive settings in the environment."""

    def __init__(self, home: Path, port: int) -> None:
        self.port = port
        self.cwd = home / "work"
        self.cwd.mkdir(parents=True)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("MLHIVE_", "XDG_"))}
        self.env["HOME"] = str(home)

    def run(self, argv: list[str], stdin: str = "") -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            argv, cwd=self.cwd, env=self.env, input=stdin, capture_output=True, text=True,
            timeout=900, check=False, start_new_session=True,  # no terminal: keys come on stdin
        )  # fmt: skip
        shown = f"$ {shlex.join(argv)}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        assert done.returncode == 0, shown
        assert not re.search(r"warning", done.stderr, re.I), shown
        return done

    def shell_line(self, line: str, key: str) -> tuple[str, str] | None:
        """Run one line of a shell block; ``(the command's first words, its output)``."""
        words = shlex.split(line.replace("127.0.0.1:8000", f"127.0.0.1:{self.port}"), comments=True)
        if not words:
            return None
        assert words[0] == ".venv/bin/mlhive", f"the tour runs mlhive only, not {line!r}"
        # `login` asks for the key; from a pipe it reads the first line of standard input.
        done = self.run([str(BIN / "mlhive"), *words[1:]], stdin=f"{key}\n")
        return " ".join(words[1:3]), done.stdout


def test_the_readme_tour_works_as_written_with_no_warning(
    demo: Demo, settings: Settings, tmp_path: Path
) -> None:
    key_line = demo.lines[demo.wait_for("admin API key", timeout=180)]
    key = re.search(r"mlh_[A-Za-z0-9_-]+", key_line).group(0)  # type: ignore[union-attr]
    demo.wait_for("[demo] ready", timeout=900)
    terminal = Terminal(tmp_path / "home", demo.port)

    # The pages the tour names.
    pages = ["/", *re.findall(r"\(`(/[^`\s]*)`\)", tour())]
    assert {"/datasets", "/tasks/1", "/suites/demo-cc", "/models/admin/iris-classifier"} <= set(
        pages
    )
    for path in pages:
        page = httpx.get(f"{demo.url}{path}", timeout=60)
        assert page.status_code == 200 and "<html" in page.text, path

    # The shell blocks, line by line; the Python blocks in one interpreter after the first one
    # (they build on each other and on the file the first shell block pulled).
    shell, python = blocks("bash"), [b for b in blocks("python") if "import openml" not in b]
    assert len(shell) >= 2 and len(python) >= 4
    said: dict[str, str] = {}  # each command's first output
    for line in shell[0].splitlines():
        if (done := terminal.shell_line(line, key)) is not None:
            said.setdefault(*done)
    assert "as admin" in said["login --url"]
    assert "penguins" in said["dataset ls"]
    assert (terminal.cwd / "iris.csv").read_text().splitlines()[0].endswith('"target"')
    script = terminal.cwd / "tour.py"
    script.write_text("\n\n".join(python), encoding="utf-8")
    printed = terminal.run([sys.executable, str(script)]).stdout
    assert "first model" in printed  # the model log
    for block in shell[1:]:
        for line in block.splitlines():
            terminal.shell_line(line, key)

    # What the tour made is in the hive, as the server sees it.
    flows = httpx.get(f"{demo.url}/api/flows", params={"name": "my.Boosting"}, timeout=60).json()
    assert len(flows) == 1, flows  # the predictions uploaded from another tool, as a flow
    runs = httpx.get(f"{demo.url}/api/runs", params={"flow": flows[0]["id"]}, timeout=60).json()
    assert [r["state"] for r in runs["items"]] == ["evaluated"], runs
    log = httpx.get(f"{demo.url}/api/models/admin/penguin-clf/commits", timeout=60)
    assert [c["message"] for c in log.json()] == ["first model"], log.text
    copies = httpx.get(f"{demo.url}/api/datasets", params={"name": "iris-copy"}, timeout=60)
    assert [d["status"] for d in copies.json()["items"]] == ["active"]

    problems = [line for line in demo.lines if _LOG_PROBLEM.search(line)]
    assert not problems, "the server logged:\n" + "\n".join(problems)
