"""The README's openml-python snippet, run as written against a live mlhive.

The rest of the README's tour is walked by ``tests/live/test_readme_tour.py``; this block needs
openml-python, which only this environment has. The snippet's server address and key are the
only changes (the README's point at ``make demo``'s port and a placeholder key).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from conftest import Server

README = Path(__file__).resolve().parents[3] / "README.md"


def openml_snippet() -> str:
    snippets = [
        body
        for body in re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
        if "import openml" in body
    ]
    assert len(snippets) == 1, "the README has one openml-python snippet"
    return snippets[0]


def test_the_readme_openml_snippet_lists_the_hive_datasets(
    server: Server, classification_task: int, tmp_path: Path
) -> None:
    snippet = openml_snippet()
    assert 'openml.config.server = "http://127.0.0.1:8000/api/v1/xml"' in snippet
    snippet = snippet.replace("http://127.0.0.1:8000/api/v1/xml", server.openml_url)
    snippet = snippet.replace('"mlh_..."', repr(server.api_key))
    # A fresh cache folder, as a new user's first call would have.
    script = f"import openml\nopenml.config.set_root_cache_directory({str(tmp_path)!r})\n{snippet}"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    header, first = done.stdout.splitlines()[:2]
    assert header.split()[0] == "did" and "NumberOfSymbolicFeatures" in header  # OpenML's columns
    assert first.split()[1].isdigit()  # a dataset of the hive, by its id
