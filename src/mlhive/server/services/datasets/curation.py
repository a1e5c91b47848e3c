"""Curation of datasets beyond their own metadata: topics and per-column ontologies.

Both follow OpenML. Topics (``data/topicadd``, ``data/topicdelete``) file a dataset under a
subject and are an administrator's job. An ontology is a URL naming the concept a column holds
(``data/feature/ontology/add|remove``); any signed-in user who can see the dataset may attach
one, and only whoever attached it (or an administrator) may remove it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlhive.server.db.tables.datasets import DatasetTopic, FeatureOntology
from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from mlhive.server.services.datasets.catalog import get, topics_of

MAX_TOPIC = 256
MAX_ONTOLOGY = 256  # OpenML's limit for a feature description


def _require_admin(actor: Actor, what: str) -> None:
    if not actor.is_admin:
        raise PermissionDenied(f"only an administrator may {what}")


def _topic_text(topic: str) -> str:
    text = topic.strip()
    if not text or len(text) > MAX_TOPIC:
        raise InvalidInput(f"topic: give 1 to {MAX_TOPIC} characters", field="topic")
    return text


def add_topic(session: Session, actor: Actor, dataset_id: int, topic: str) -> list[str]:
    """File the dataset under ``topic`` (administrators only); returns its topics.

    Raises:
        NotFound: no such dataset visible to the actor.
        PermissionDenied: the actor is not an administrator.
        Conflict: the dataset has this topic already.
    """
    dataset = get(session, actor, dataset_id)
    _require_admin(actor, "add topics to datasets")
    text = _topic_text(topic)
    if session.get(DatasetTopic, (dataset.id, text)) is not None:
        raise Conflict(f"dataset {dataset_id} has the topic {text!r} already")
    session.add(DatasetTopic(dataset_id=dataset.id, topic=text, user_id=actor.id))
    session.flush()
    return topics_of(session, [dataset.id])[dataset.id]


def remove_topic(session: Session, actor: Actor, dataset_id: int, topic: str) -> list[str]:
    """Take ``topic`` off the dataset (administrators only); returns its topics.

    Raises:
        NotFound: no such dataset, or it does not have this topic.
        PermissionDenied: the actor is not an administrator.
    """
    dataset = get(session, actor, dataset_id)
    _require_admin(actor, "remove topics from datasets")
    found = session.get(DatasetTopic, (dataset.id, topic.strip()))
    if found is None:
        raise NotFound(f"dataset {dataset_id} has no topic {topic!r}")
    session.delete(found)
    session.flush()
    return topics_of(session, [dataset.id])[dataset.id]


def check_ontology(ontology: str) -> str:
    """An ontology must be an absolute URL of at most :data:`MAX_ONTOLOGY` characters."""
    if len(ontology) > MAX_ONTOLOGY:
        raise InvalidInput(
            f"ontology: {len(ontology)} characters, at most {MAX_ONTOLOGY}", field="ontology"
        )
    parts = urlsplit(ontology)
    if not (parts.scheme and parts.netloc) or any(c.isspace() for c in ontology):
        raise InvalidInput(
            f"ontology: {ontology!r} is not a URL (give e.g. https://schema.org/Person)",
            field="ontology",
        )
    return ontology


def _column(session: Session, actor: Actor | None, dataset_id: int, index: int) -> int:
    dataset = get(session, actor, dataset_id)
    if not 0 <= index < dataset.number_of_columns:
        raise InvalidInput(
            f"index: dataset {dataset_id} has columns 0 to {dataset.number_of_columns - 1}, "
            f"not {index}",
            field="index",
        )
    return dataset.id


def add_ontology(
    session: Session, actor: Actor, dataset_id: int, index: int, ontology: str
) -> list[str]:
    """Attach an ontology URL to column ``index``; returns the column's ontologies.

    Raises:
        NotFound: no such dataset visible to the actor.
        InvalidInput: no such column, or the ontology is not a URL.
        Conflict: the column has this ontology already.
    """
    url = check_ontology(ontology)
    found = _column(session, actor, dataset_id, index)
    if session.get(FeatureOntology, (found, index, url)) is not None:
        raise Conflict(f"column {index} of dataset {dataset_id} has the ontology {url} already")
    session.add(FeatureOntology(dataset_id=found, index=index, ontology=url, user_id=actor.id))
    session.flush()
    return ontologies_of(session, found).get(index, [])


def remove_ontology(
    session: Session, actor: Actor, dataset_id: int, index: int, ontology: str
) -> list[str]:
    """Detach an ontology from column ``index``; returns the column's remaining ontologies.

    Raises:
        NotFound: no such dataset, or the column does not have this ontology.
        PermissionDenied: someone else attached it and the actor is not an administrator.
    """
    found = _column(session, actor, dataset_id, index)
    row = session.get(FeatureOntology, (found, index, ontology))
    if row is None:
        raise NotFound(f"column {index} of dataset {dataset_id} has no ontology {ontology}")
    if row.user_id != actor.id and not actor.is_admin:
        raise PermissionDenied("only who attached an ontology, or an administrator, may remove it")
    session.delete(row)
    session.flush()
    return ontologies_of(session, found).get(index, [])


def ontologies_of(session: Session, dataset_id: int) -> dict[int, list[str]]:
    """A dataset's ontologies by column index, each list in the order they were attached."""
    stmt = (
        select(FeatureOntology.index, FeatureOntology.ontology)
        .where(FeatureOntology.dataset_id == dataset_id)
        .order_by(FeatureOntology.index, FeatureOntology.created_at, FeatureOntology.ontology)
    )
    found: dict[int, list[str]] = {}
    for index, url in session.execute(stmt):
        found.setdefault(index, []).append(url)
    return found
