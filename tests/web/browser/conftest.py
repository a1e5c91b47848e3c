"""Browser tests: a real ``uvicorn`` server on loopback over a seeded hive, driven by
Debian's Chromium through Playwright (never a downloaded browser).

The site is built once per test process: the demo datasets with their tasks and baseline runs,
then every ``seed_*.py`` module beside this file adds what its pages need (each exposes
``seed(hive, site)``). Every page a test opens is checked for JavaScript errors, console
errors and 5xx answers; ``look(page, name)`` runs axe-core and writes a screenshot to
``build/screenshots/``.
"""

from __future__ import annotations

import importlib
import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import text

from mlhive.server.app import create_app
from mlhive.server.config import Settings
from mlhive.server.db.engine import make_engine, transaction
from mlhive.server.demo.datasets import load_demo
from mlhive.server.services import accounts
from mlhive.server.wiring import Hive
from tests.conftest import PG_URL, UserKey, _worker_db_url
from tests.served import free_port

playwright_api = pytest.importorskip("playwright.sync_api")

HERE = Path(__file__).parent
ROOT = HERE.parents[2]
SCREENSHOTS = ROOT / "build" / "screenshots"
AXE = (HERE.parent / "assets" / "axe.min.js").read_text()
CHROMIUM = os.environ.get("MLHIVE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
DEMO_DATASETS = ["iris", "diabetes"]


@dataclass
class Site:
    """The running site: its URL, its people (with keys) and what the seeds made."""

    url: str
    people: dict[str, UserKey]
    made: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.made[name]


def _settings(root: Path, worker_id: str) -> Settings:
    data_dir = root / "site"
    url = ""
    if PG_URL:
        url = _worker_db_url(PG_URL, f"{worker_id}_web")
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    return Settings(data_dir=data_dir, database_url=url, worker="inline", worker_poll_seconds=0.05)


def _people(hive: Hive, admin_key: str) -> dict[str, UserKey]:
    people = {}
    with transaction(hive.sessions) as session:
        admin = accounts.get_user(session, "admin")
        people["admin"] = UserKey(admin.id, admin.name, admin_key)
        for name in ("alice", "bob"):
            user = accounts.create_user(session, name)
            _, secret = accounts.issue_key(session, user, "browser tests")
            people[name] = UserKey(user.id, user.name, secret)
    return people


def _seed(hive: Hive, site: Site) -> None:
    for path in sorted(HERE.glob("seed_*.py")):
        module = importlib.import_module(f"tests.web.browser.{path.stem}")
        module.seed(hive, site)
    hive.worker.drain()


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[Site]:
    """The seeded site, served by uvicorn on 127.0.0.1 for the whole session."""
    settings = _settings(tmp_path_factory.mktemp("web"), worker_id)
    admin_key = load_demo(settings, DEMO_DATASETS)
    app = create_app(settings)
    hive: Hive = app.state.hive
    port = free_port()
    current = Site(url=f"http://127.0.0.1:{port}", people=_people(hive, admin_key))
    _seed(hive, current)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield current
    server.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, with no network beyond loopback."""
    with playwright_api.sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@dataclass
class Watch:
    """What went wrong on the pages of one test."""

    errors: list[str] = field(default_factory=list)

    def check(self) -> None:
        assert not self.errors, "the pages reported errors:\n" + "\n".join(self.errors)


def _watch(page: Any, watch: Watch) -> None:
    def on_console(message: Any) -> None:
        # A page we opened on purpose may answer 401/403/404 (Chromium logs that as a console
        # error); every such answer is checked by the test itself, and static assets below.
        if message.type == "error" and "status of 40" not in message.text:
            watch.errors.append(f"console: {message.text} ({page.url})")

    def on_response(response: Any) -> None:
        if response.status >= 500:
            watch.errors.append(f"{response.status} from {response.url}")
        elif response.status >= 400 and "/static/" in response.url:
            watch.errors.append(f"missing asset {response.url} ({response.status})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: watch.errors.append(f"javascript: {error} ({page.url})"))
    page.on("response", on_response)


@pytest.fixture
def page(browser: Any, site: Site) -> Iterator[Any]:
    """A fresh browser tab (no cookies) at 1400 x 1000; fails the test on any page error."""
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000}, base_url=site.url, accept_downloads=True
    )
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    watch = Watch()
    _watch(tab, watch)
    yield tab
    context.close()
    watch.check()


def sign_in(page: Any, user: UserKey) -> None:
    """Sign ``page`` in through the sign-in form."""
    page.goto("/sign-in")
    page.get_by_label("API key").fill(user.key)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/sign-in" not in url)


SERIOUS = {"serious", "critical"}


def look(page: Any, name: str) -> None:
    """Check the page with axe-core (no serious or critical violation) and screenshot it."""
    page.wait_for_load_state("networkidle")
    page.evaluate(AXE + "\n;0")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [v for v in result["violations"] if v.get("impact") in SERIOUS]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
    summary = [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"][:3]]}
        for v in bad
    ]
    assert not bad, f"accessibility violations on {name}: {json.dumps(summary, indent=1)}"
