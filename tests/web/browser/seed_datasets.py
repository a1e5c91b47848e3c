"""Content for the dataset pages: a private dataset of alice's, one she edits, and one whose
description and column name carry script-injection payloads."""

from __future__ import annotations

from mlhive.server.db.engine import transaction
from mlhive.server.domain.access import Actor
from mlhive.server.services.datasets import listing
from mlhive.server.wiring import Hive
from tests.factories import publish
from tests.web.browser.conftest import Site

XSS = "<script>window.__xss=1</script><img src=x onerror=window.__xss=1>"


def seed(hive: Hive, site: Site) -> None:
    alice = site.people["alice"]
    actor = Actor(alice.id, alice.name, False)
    site.made["ds_private"] = publish(hive, actor, name="alice-hidden-data", visibility="private")
    site.made["ds_editable"] = publish(
        hive, actor, name="alice-editable", description="First draft."
    )
    site.made["ds_xss"] = publish(
        hive,
        actor,
        f"a,{XSS}\n1,x\n2,y\n3,x\n",
        name="xss-probe",
        description=f"Payload: {XSS}",
        default_target_attribute=None,
    )
    with transaction(hive.read_sessions) as session:
        search = listing.DatasetSearch(name="iris", status=None, limit=1)
        site.made["ds_iris"] = listing.summaries(session, None, search).items[0].id
