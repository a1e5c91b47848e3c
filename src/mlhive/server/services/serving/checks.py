"""The gate a commit passes on its way to an alias: the repository's model checks.

A check looks at a repository and a candidate commit and says whether the commit passed and
why not. Promotion runs every check in :data:`REQUIRED` (the repository's model checks:
:mod:`mlhive.server.services.serving.modelci`), refuses the move when one failed, and records
the results in the alias's audit trail.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session

from mlhive.server.db.tables.forge import ModelCommit, ModelRepo
from mlhive.server.domain.errors import Conflict
from mlhive.server.services.serving import modelci
from mlhive.server.storage import BlobStore
from mlhive.wire.serving import CheckResult

Check = Callable[[Session, BlobStore, ModelRepo, ModelCommit], list[CheckResult]]
"""A model check: ``(session, store, repo, candidate) -> [CheckResult, ...]``."""

REQUIRED: tuple[Check, ...] = (modelci.gate,)
"""The checks every promotion runs, in order: the repository's model checks (model CI), each
configured check's stored result for the candidate (none when the repository configures none).
"""


def run(
    session: Session,
    store: BlobStore,
    repo: ModelRepo,
    commit: ModelCommit,
    checks: Sequence[Check] = REQUIRED,
) -> list[CheckResult]:
    """Every check's result for ``commit``, in order."""
    return [result for check in checks for result in check(session, store, repo, commit)]


def require_passed(commit: ModelCommit, results: Sequence[CheckResult]) -> None:
    """Refuse a commit that failed a check, naming each failed check and its reason.

    Raises:
        Conflict: at least one check failed.
    """
    failed = [r for r in results if not r.passed]
    if failed:
        reasons = "; ".join(f"{r.name}: {r.detail or 'failed'}" for r in failed)
        raise Conflict(f"commit {commit.sha[:12]} failed a required model check ({reasons})")
