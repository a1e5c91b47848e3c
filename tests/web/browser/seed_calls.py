"""Content for the open-call pages: alice's dataset ``needs-boosting`` with an open call
(skills wanted, write offered), and alice's profile (bio, affiliation, interests)."""

from __future__ import annotations

from mlhive.server.db.engine import transaction
from mlhive.server.services import accounts
from mlhive.server.services.social import calls, profiles
from mlhive.server.wiring import Hive
from mlhive.wire.calls import CallCreate
from mlhive.wire.profiles import ProfileUpdate
from tests.factories import publish
from tests.web.browser.conftest import Site


def seed(hive: Hive, site: Site) -> None:
    with transaction(hive.sessions) as session:
        alice = accounts.actor_of(session, accounts.get_user(session, "alice"))
    dataset = publish(hive, alice, name="needs-boosting")
    with transaction(hive.sessions) as session:
        call = calls.open_call(
            session,
            alice,
            CallCreate(
                subject=f"dataset:{dataset}",
                title="Someone to try gradient boosting on this",
                body="The baseline is a **logistic regression**; can boosting beat it?",
                skills=["gradient boosting", "feature engineering"],
                access="write",
            ),
        )
        profiles.update(
            session,
            alice,
            "alice",
            ProfileUpdate(
                bio="I curate *tabular* benchmarks.",
                affiliation="Hive Lab",
                interests=["tabular data", "gradient boosting"],
            ),
        )
        site.made["call_dataset"] = dataset
        site.made["call"] = call.id
