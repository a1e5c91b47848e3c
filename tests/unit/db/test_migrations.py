"""The migrations produce exactly the schema the code declares."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from mlhive.server.config import Settings
from mlhive.server.db.engine import make_engine, transaction
from mlhive.server.db.migrate import alembic_config, current_revision, upgrade
from mlhive.server.db.schema import metadata
from mlhive.server.services.forge import repos, requests
from mlhive.server.services.social import reviews
from mlhive.server.wiring import Hive
from mlhive.wire.models import CommentCreate, MergeRequestCreate
from tests.conftest import PG_URL, UserKey, _worker_db_url
from tests.factories import actor_of, make_repo, push_tensors


def test_migrated_schema_matches_the_tables(settings: Settings) -> None:
    engine = make_engine(settings.resolved_database_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diff == [], "tables.py changed without a migration: add one under migrations/versions"


def test_upgrade_is_idempotent_and_reports_head(settings: Settings) -> None:
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    upgrade(engine)
    assert current_revision(engine) == "0029"
    engine.dispose()


def test_keys_from_before_scopes_stay_write_keys_and_read_keys_do_not_survive_a_downgrade(
    settings: Settings,
) -> None:
    engine = make_engine(settings.resolved_database_url)
    config = alembic_config(engine)
    command.downgrade(config, "0009")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (id, name, is_admin, created_at) "
                "VALUES (1, 'old', false, CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO api_keys (id, user_id, key_hash, prefix, label, created_at) "
                "VALUES (1, 1, 'h1', 'mlh_old', 'old', CURRENT_TIMESTAMP)"
            )
        )
    upgrade(engine)
    with engine.begin() as conn:
        assert conn.scalar(text("SELECT scope FROM api_keys WHERE id = 1")) == "write"
        conn.execute(
            text(
                "INSERT INTO api_keys (id, user_id, key_hash, prefix, label, scope, created_at) "
                "VALUES (2, 1, 'h2', 'mlh_new', 'new', 'read', CURRENT_TIMESTAMP)"
            )
        )
    command.downgrade(config, "0009")
    with engine.connect() as conn:
        revoked = dict(conn.execute(text("SELECT id, revoked_at FROM api_keys")).all())
    upgrade(engine)
    engine.dispose()
    assert revoked[1] is None  # the write key still works
    assert revoked[2] is not None  # the read key would otherwise have become a write key


def test_merge_request_comments_move_into_review_threads_and_back(
    hive: Hive, alice: UserKey, bob: UserKey
) -> None:
    """0012 turns comments into the posts of one thread per request (same ids, replies and
    tensor anchors kept); its downgrade turns them back."""
    as_alice, as_bob = actor_of(hive, alice), actor_of(hive, bob)
    make_repo(hive, as_alice, "net")
    push_tensors(hive, as_alice, "alice/net", seed=0)
    push_tensors(hive, as_bob, "alice/net", seed=1, branch="bob/tweak")
    with transaction(hive.sessions) as session:
        repo = repos.get_by_full_name(session, as_alice, "alice/net")
        body = MergeRequestCreate(source_branch="bob/tweak", title="tweak")
        request = requests.open_request(session, as_bob, repo, body)
        question = reviews.comment(
            session, as_alice, request, CommentCreate(body="why?", tensor="w")
        )
        reviews.comment(session, as_bob, request, CommentCreate(body="noise", reply_to=question.id))
        before = reviews.describe_request(session, repo, request).comments

    def comments() -> list[tuple[int, str, str, int | None, str | None]]:
        with hive.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT c.id, u.name, c.body, c.reply_to_id, c.tensor FROM model_mr_comments c"
                    " JOIN users u ON u.id = c.author_id ORDER BY c.id"
                )
            )
            return [tuple(row) for row in rows]  # type: ignore[misc]

    command.downgrade(alembic_config(hive.engine), "0012-1")
    assert comments() == [(c.id, c.author, c.body, c.reply_to, c.tensor) for c in before]
    upgrade(hive.engine)
    with transaction(hive.sessions) as session:
        repo = repos.get_by_full_name(session, as_alice, "alice/net")
        request = requests.get_request(session, repo, 1)
        assert reviews.describe_request(session, repo, request).comments == before
        added = reviews.comment(session, as_alice, request, CommentCreate(body="ok"))
    assert added.id > max(c.id for c in before)  # the id sequence follows the copied rows


_UPGRADE = """
import sys
from mlhive.server.db.engine import make_engine
from mlhive.server.db.migrate import upgrade
engine = make_engine(sys.argv[1])
upgrade(engine)
engine.dispose()
"""


def test_servers_starting_together_migrate_an_empty_database_once(
    tmp_path: Path, worker_id: str
) -> None:
    """Three processes migrate one empty database at the same moment (as several servers and
    workers starting together do): all succeed, and the schema is at head exactly once."""
    if PG_URL:
        url = _worker_db_url(PG_URL, f"{worker_id}_race")
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    else:
        url = f"sqlite:///{tmp_path / 'race.sqlite3'}"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _UPGRADE, url], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        for _ in range(3)
    ]
    outputs = [process.communicate(timeout=300)[0].decode() for process in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], "\n".join(outputs)
    engine = make_engine(url)
    with engine.connect() as conn:
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert versions == [ScriptDirectory.from_config(alembic_config(engine)).get_current_head()]
    assert diff == []
