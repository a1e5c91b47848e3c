"""Finding collaborators: people whose work overlaps with a person's, and people who could
help with a task or a dataset, each with the evidence in words.

Candidates come from a few bounded SQL reads, one per signal (``domain/social/suggestions.py``
scores them):

- ``tasks``: the tasks of the person's latest runs (at most :data:`MY_RUNS` runs, the
  :data:`MY_TASKS` they ran most), and who else ran on each (its latest :data:`PER_TASK` runs);
- ``datasets``: the person's latest datasets (at most :data:`MY_DATASETS`) and the owners of
  their nearest neighbours in the qualities index;
- ``models``: forks of the person's repositories and theirs of others', and merge requests
  either way;
- ``interests``: accounts sharing the person's profile tags.

Everything is read as the *viewer* (who asks) may see it: a run counts only on a task the
viewer sees, a dataset or a model only when the viewer sees it (both sides of a pair), so a
suggestion never rests on, or names, anything private to the viewer. Teammates (members of a
team the person is in, and those teams) and accepted collaborators (a grant, through an open
call, between the two on an object the viewer sees) already work together: they are left out.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import ColumnElement, func, or_, select, text
from sqlalchemy.orm import Session, aliased

from mlhive.server.db.queries.access import visible
from mlhive.server.db.queries.datasets import visible_to as visible_datasets
from mlhive.server.db.tables.accounts import ObjectCollaborator, TeamMember, User, UserInterest
from mlhive.server.db.tables.datasets import Dataset
from mlhive.server.db.tables.experiments import Evaluation, Run, Task
from mlhive.server.db.tables.forge import MergeRequest, ModelRepo
from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import NotFound
from mlhive.server.domain.experiments.measure_names import main_measure
from mlhive.server.domain.social.suggestions import (
    Evidence,
    Ranked,
    listed,
    plural,
    popularity_weight,
    rank,
    rank_helpers,
)
from mlhive.server.services import accounts, subjects
from mlhive.server.services.datasets import catalog
from mlhive.server.services.experiments import leaderboards
from mlhive.server.services.experiments import tasks as task_service
from mlhive.server.services.experiments.runs import visible_runs
from mlhive.server.services.experiments.tasks import visible_tasks
from mlhive.server.services.forge.repos import visible_repos
from mlhive.wire.suggestions import Reason, Suggestion

MAX_LIMIT = 50
MY_RUNS = 5_000
"""The person's latest runs whose tasks count as theirs."""
MY_TASKS = 20
CONSIDERED = 100
"""The person's most-run tasks among which the rarest are searched."""
"""The tasks the person ran on most that are searched for others' runs."""
PER_TASK = 200
"""A task's latest runs read to find who else works on it."""
MY_DATASETS = 20
MAX_TAG_PEOPLE = 500
CANDIDATES = 200
"""The most overlapping people kept from the tasks signal."""
NEIGHBOURS = 10
"""Nearest datasets per dataset of the person."""
HELPER_BEST = 200
"""A task's best evaluations read to rank its people."""
SIMILAR_FOR_HELP = 5
TASKS_PER_DATASET = 3

Neighbours = Callable[[list[int], int, tuple[int, ...]], dict[int, list[int]]]
"""Given dataset ids, ``k`` and owners to skip: each dataset's nearest visible datasets (the
qualities index lives with AutoML; the adapter passes its lookup in)."""


@dataclass(frozen=True)
class _Voice:
    """How a reason addresses the person: ``your`` to themselves, ``alice's`` to others."""

    you: str
    your: str


def _voice(viewer: Actor | None, person: User) -> _Voice:
    if viewer is not None and viewer.id == person.id:
        return _Voice("you", "your")
    return _Voice(person.name, f"{person.name}'s")


def suggested(
    session: Session,
    viewer: Actor | None,
    name: str,
    neighbours: Neighbours,
    limit: int = 10,
) -> list[Suggestion]:
    """The ``limit`` accounts whose work overlaps most with ``name``'s, as ``viewer`` sees it,
    strongest first, each with its reasons.

    Raises:
        NotFound: no account of that name.
    """
    person = accounts.get_user(session, name)
    voice = _voice(viewer, person)
    population = int(session.scalar(select(func.count()).select_from(User)) or 0)
    signals = {
        "tasks": _shared_tasks(session, viewer, person.id, voice, population),
        "datasets": _similar_datasets(session, viewer, person.id, voice, neighbours),
        "models": _forge(session, viewer, person.id, voice),
        "interests": _interests(session, person.id, population),
    }
    known = {person.id, *_known(session, viewer, person.id)}
    return _named(session, rank(signals, known, limit))


def _named(session: Session, ranked: list[Ranked]) -> list[Suggestion]:
    ids = [r.candidate for r in ranked]
    rows = session.execute(select(User.id, User.name, User.kind).where(User.id.in_(ids))).all()
    who = {row[0]: (row[1], row[2]) for row in rows}
    return [
        Suggestion(
            name=who[r.candidate][0],
            kind="team" if who[r.candidate][1] == "team" else "user",
            score=round(r.score, 4),
            reasons=[
                Reason(signal=s, score=round(score, 4), text=text) for s, score, text in r.reasons
            ],
        )
        for r in ranked
        if r.candidate in who
    ]


def _known(session: Session, viewer: Actor | None, person_id: int) -> set[int]:
    """Accounts already working with the person: teammates and their teams (memberships are
    public), and the other side of collaborator grants on objects the viewer sees."""
    teams = set(session.scalars(select(TeamMember.team_id).where(TeamMember.user_id == person_id)))
    members = set(
        session.scalars(
            select(TeamMember.user_id).where(
                or_(TeamMember.team_id.in_(teams), TeamMember.team_id == person_id)
            )
        )
    )
    grants = session.execute(
        select(
            ObjectCollaborator.subject_kind,
            ObjectCollaborator.subject_id,
            ObjectCollaborator.user_id,
            ObjectCollaborator.granted_by,
        ).where(
            or_(ObjectCollaborator.user_id == person_id, ObjectCollaborator.granted_by == person_id)
        )
    ).all()
    collaborators: set[int] = set()
    for kind, subject_id, user_id, granted_by in grants:
        if kind not in subjects.KINDS:
            continue
        try:
            subjects.find(session, viewer, kind, subject_id)
        except NotFound:
            continue
        collaborators.add(granted_by if user_id == person_id else user_id)
    return (teams | members | collaborators) - {person_id}


def _shared_tasks(
    session: Session, viewer: Actor | None, person_id: int, voice: _Voice, population: int
) -> dict[int, Evidence]:
    """Others' runs on the person's rarest tasks (tasks the viewer sees): of the
    :data:`CONSIDERED` they ran on most, the :data:`MY_TASKS` with the fewest runs (counted up
    to :data:`PER_TASK`), since a task few people run on says the most about who else does."""
    latest = (
        select(Run.task_id)
        .where(Run.uploader_id == person_id)
        .order_by(Run.id.desc())
        .limit(MY_RUNS)
        .subquery()
    )
    counted = func.count()
    mine = session.execute(
        select(latest.c.task_id, counted)
        .where(visible_runs(viewer, latest.c.task_id))
        .group_by(latest.c.task_id)
        .order_by(counted.desc(), latest.c.task_id)
        .limit(CONSIDERED)
    ).all()
    task_ids = _rarest([int(task_id) for task_id, _ in mine], session)
    if not task_ids:
        return {}
    windows, params = _windows(task_ids)
    read = session.execute(text(windows), params).all()
    flat = itertools.chain.from_iterable(read)
    runs = np.fromiter(flat, dtype=np.int64, count=3 * len(read)).reshape(-1, 3)
    runs = runs[runs[:, 1] != person_id]
    if len(runs) == 0:
        return {}
    # Grouped in numpy: a few thousand rows, faster than the database's temporary b-trees.
    pairs = np.unique(runs[:, :2], axis=0)  # (task, uploader), each once
    task_of_pair, people_on = np.unique(pairs[:, 0], return_inverse=True, return_counts=True)[1:]
    worth = np.array([popularity_weight(int(n), population) for n in people_on])
    uploaders, pair_owner = np.unique(pairs[:, 1], return_inverse=True)
    strength = np.bincount(pair_owner, weights=worth[task_of_pair])
    shared = np.bincount(pair_owner)
    run_counts = np.bincount(np.searchsorted(uploaders, runs[:, 1]), minlength=len(uploaders))
    flow_pairs = np.unique(runs[:, 1:], axis=0)
    flow_counts = np.bincount(
        np.searchsorted(uploaders, flow_pairs[:, 0]), minlength=len(uploaders)
    )
    order = np.lexsort((uploaders, -strength))[:CANDIDATES]
    found = {}
    for i in order:
        sentence = (
            f"ran {plural(int(flow_counts[i]), 'flow')} ({plural(int(run_counts[i]), 'run')}) "
            f"on {int(shared[i])} of {voice.your} tasks"
        )
        found[int(uploaders[i])] = Evidence(float(strength[i]), sentence)
    return found


def _rarest(task_ids: list[int], session: Session) -> list[int]:
    """The :data:`MY_TASKS` of ``task_ids`` with the fewest runs (counted up to
    :data:`PER_TASK` + 1 from the covering index; ties keep the given order)."""
    if len(task_ids) <= MY_TASKS:
        return task_ids
    counts = " UNION ALL ".join(
        f"SELECT {i} AS k, count(*) AS n FROM (SELECT 1 FROM runs WHERE task_id = :t{i} "
        f"ORDER BY id DESC LIMIT {PER_TASK + 1}) AS c{i}"
        for i in range(len(task_ids))
    )
    params = {f"t{i}": t for i, t in enumerate(task_ids)}
    rows = session.execute(text(counts), params).all()
    sizes = {int(row[0]): int(row[1]) for row in rows}
    order = sorted(range(len(task_ids)), key=lambda i: (sizes.get(i, 0), i))
    return [task_ids[i] for i in order[:MY_TASKS]]


def _windows(task_ids: list[int]) -> tuple[str, dict[str, int]]:
    """The SQL of the latest :data:`PER_TASK` runs of each task (one index range scan per
    task: a few thousand rows at most, whatever the tasks' sizes), and its parameters."""
    windows = " UNION ALL ".join(
        f"SELECT task_id, uploader_id, flow_id FROM (SELECT task_id, uploader_id, flow_id "
        f"FROM runs WHERE task_id = :t{i} ORDER BY id DESC LIMIT {PER_TASK}) AS w{i}"
        for i in range(len(task_ids))
    )
    return windows, {f"t{i}": t for i, t in enumerate(task_ids)}


def _similar_datasets(
    session: Session,
    viewer: Actor | None,
    person_id: int,
    voice: _Voice,
    neighbours: Neighbours,
) -> dict[int, Evidence]:
    """Owners of the datasets nearest (by qualities) to the person's, both seen by the viewer."""
    mine = list(
        session.scalars(
            select(Dataset.id)
            .where(Dataset.uploader_id == person_id, visible_datasets(viewer))
            .order_by(Dataset.id.desc())
            .limit(MY_DATASETS)
        )
    )
    if not mine:
        return {}
    near = neighbours(mine, NEIGHBOURS, (person_id,))
    closeness: dict[int, float] = defaultdict(float)
    for found in near.values():
        for position, dataset_id in enumerate(found):
            closeness[dataset_id] = max(closeness[dataset_id], 1.0 - position / NEIGHBOURS)
    if not closeness:
        return {}
    rows = session.execute(
        select(Dataset.id, Dataset.name, Dataset.uploader_id)
        .where(Dataset.id.in_(list(closeness)), visible_datasets(viewer))
        .order_by(Dataset.id)
    ).all()
    owned: dict[int, list[tuple[float, str]]] = defaultdict(list)
    for dataset_id, dataset_name, owner in rows:
        if owner != person_id:
            owned[owner].append((closeness[dataset_id], dataset_name))
    result = {}
    for owner, items in owned.items():
        items.sort(key=lambda item: (-item[0], item[1]))
        names = list(dict.fromkeys(n for _, n in items))
        yours = "yours" if voice.you == "you" else f"{voice.your} own"
        text = f"owns {plural(len(items), 'dataset')} similar to {yours}: {listed(names)}"
        result[owner] = Evidence(sum(c for c, _ in items), text)
    return result


def _forge(
    session: Session, viewer: Actor | None, person_id: int, voice: _Voice
) -> dict[int, Evidence]:
    """Forks and merge requests between the person's repositories and others' (both seen)."""
    parent = aliased(ModelRepo)
    pairs = session.execute(
        select(ModelRepo.owner_id, ModelRepo.name, parent.owner_id, parent.name)
        .join(parent, parent.id == ModelRepo.forked_from_id)
        .where(
            or_(ModelRepo.owner_id == person_id, parent.owner_id == person_id),
            visible_repos(viewer),
            _repo_visible(viewer, parent),
        )
    ).all()
    target = aliased(ModelRepo)
    requests = session.execute(
        select(MergeRequest.author_id, MergeRequest.state, target.owner_id, target.name)
        .join(target, target.id == MergeRequest.repo_id)
        .where(
            or_(MergeRequest.author_id == person_id, target.owner_id == person_id),
            _repo_visible(viewer, target),
        )
    ).all()
    owners = _names(session, {p[2] for p in pairs} | {r[2] for r in requests})
    events: dict[int, list[tuple[float, str]]] = defaultdict(list)
    for child_owner, _, parent_owner, parent_name in pairs:
        if child_owner == parent_owner:
            continue
        if parent_owner == person_id:
            events[child_owner].append((1.0, f"forked {voice.your} model {parent_name}"))
        else:
            full = f"{owners[parent_owner]}/{parent_name}"
            events[parent_owner].append((1.0, f"{voice.you} forked their model {full}"))
    grouped: dict[tuple[int, bool, str], list[str]] = defaultdict(list)
    for author, state, owner, repo_name in requests:
        if author == owner:
            continue
        sent = author == person_id
        grouped[(owner if sent else author, sent, repo_name)].append(state)
    for (theirs, sent, repo_name), states in grouped.items():
        merged = states.count("merged")
        count = plural(len(states), "merge request")
        done = f" ({merged} merged)" if merged else ""
        if sent:
            text = f"{voice.you} opened {count} on their model {owners[theirs]}/{repo_name}{done}"
        else:
            text = f"opened {count} on {voice.your} model {repo_name}{done}"
        events[theirs].append((float(len(states) + merged), text))  # merged ones count twice
    return {
        who: Evidence(sum(s for s, _ in items), "; ".join(t for _, t in items[:3]))
        for who, items in events.items()
    }


def _repo_visible(viewer: Actor | None, repo: type[ModelRepo]) -> ColumnElement[bool]:
    """:func:`visible_repos` on an alias of the repositories table."""
    return visible(viewer, repo.owner_id, repo.visibility, ("model", repo.id))


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.name).where(User.id.in_(ids))).all()
    return {row[0]: row[1] for row in rows}


def _interests(session: Session, person_id: int, population: int) -> dict[int, Evidence]:
    """Accounts sharing the person's interests (public on every profile), rarer tags first;
    a tag more than :data:`MAX_TAG_PEOPLE` accounts list is left out (it tells little about
    a pair, and reading its thousands of rows would cost the most)."""
    mine = select(UserInterest.tag).where(UserInterest.user_id == person_id)
    popularity = dict(
        session.execute(
            select(UserInterest.tag, func.count())
            .where(UserInterest.tag.in_(mine))
            .group_by(UserInterest.tag)
        ).all()
    )
    telling = [t for t, n in popularity.items() if n <= MAX_TAG_PEOPLE]
    rows = session.execute(
        select(UserInterest.user_id, UserInterest.tag).where(
            UserInterest.tag.in_(telling), UserInterest.user_id != person_id
        )
    ).all()
    shared: dict[int, list[str]] = defaultdict(list)
    for user_id, tag in rows:
        shared[user_id].append(tag)
    result = {}
    for user_id, tags in shared.items():
        tags.sort(key=lambda t: (popularity[t], t))
        strength = sum(popularity_weight(popularity[t] - 1, population) for t in tags)
        text = f"shares {plural(len(tags), 'interest')}: {listed(tags)}"
        result[user_id] = Evidence(strength, text)
    return result


def helpers_for_task(
    session: Session, viewer: Actor | None, task_id: int, neighbours: Neighbours, limit: int = 10
) -> list[Suggestion]:
    """People with the best results on this task and on tasks of similar datasets (not the
    viewer), strongest first.

    Raises:
        NotFound: no such task, or one the viewer may not see.
    """
    task = task_service.get(session, viewer, task_id)
    boards = [_Board(task, 1.0, "this task")]
    boards += _similar_boards(session, viewer, task.dataset_id, task.task_type, neighbours)
    return _helpers(session, viewer, boards, limit)


def helpers_for_dataset(
    session: Session,
    viewer: Actor | None,
    dataset_id: int,
    neighbours: Neighbours,
    limit: int = 10,
) -> list[Suggestion]:
    """People with the best results on this dataset's tasks and on tasks of similar datasets
    (not the viewer), strongest first.

    Raises:
        NotFound: no such dataset, or one the viewer may not see.
    """
    dataset = catalog.get(session, viewer, dataset_id)
    own = session.scalars(
        select(Task)
        .join(Dataset, Dataset.id == Task.dataset_id)
        .where(Task.dataset_id == dataset.id, visible_tasks(viewer))
        .order_by(Task.id)
        .limit(TASKS_PER_DATASET * 3)
    )
    boards = [_Board(t, 1.0, f"task {t.id} on this dataset") for t in own]
    boards += _similar_boards(session, viewer, dataset.id, None, neighbours)
    return _helpers(session, viewer, boards, limit)


@dataclass(frozen=True)
class _Board:
    """A task whose best people count, how much, and how a reason names it."""

    task: Task
    weight: float
    label: str


def _similar_boards(
    session: Session,
    viewer: Actor | None,
    dataset_id: int,
    task_type: str | None,
    neighbours: Neighbours,
) -> list[_Board]:
    """Tasks (of ``task_type``, when given) on the datasets nearest to ``dataset_id``, worth
    half as much as the dataset's own, less the farther the dataset."""
    near = neighbours([dataset_id], SIMILAR_FOR_HELP, ()).get(dataset_id, [])
    boards = []
    for position, other in enumerate(near):
        stmt = (
            select(Task, Dataset.name)
            .join(Dataset, Dataset.id == Task.dataset_id)
            .where(Task.dataset_id == other, visible_tasks(viewer))
            .order_by(Task.id)
            .limit(TASKS_PER_DATASET)
        )
        if task_type is not None:
            stmt = stmt.where(Task.task_type == task_type)
        weight = 0.5 * (1.0 - position / SIMILAR_FOR_HELP)
        for similar_task, dataset_name in session.execute(stmt).all():
            label = f"task {similar_task.id} on {dataset_name}, a similar dataset"
            boards.append(_Board(similar_task, weight, label))
    return boards


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _helpers(
    session: Session, viewer: Actor | None, boards: Sequence[_Board], limit: int
) -> list[Suggestion]:
    """Rank people by their best result on each board (read best first through the
    evaluations' (task, measure, value) index, at most :data:`HELPER_BEST` rows a board)."""
    found: dict[int, list[tuple[float, str]]] = defaultdict(list)
    for board in boards:
        measure = main_measure(board.task.task_type, board.task.evaluation_measures)
        value = Evaluation.value
        order = value.desc() if leaderboards.higher_is_better(measure) else value.asc()
        rows = session.execute(
            select(Evaluation.uploader_id, Evaluation.value)
            .where(
                Evaluation.task_id == board.task.id,
                Evaluation.measure == measure,
                Evaluation.value.is_not(None),
            )
            .order_by(order, Evaluation.run_id)
            .limit(HELPER_BEST)
        ).all()
        best: dict[int, float] = {}
        for uploader, score in rows:
            best.setdefault(uploader, float(score or 0.0))
        people = len(best)
        many = f"at least {people}" if len(rows) == HELPER_BEST else str(people)
        for place, (uploader, score) in enumerate(best.items()):
            text = (
                f"best {measure} {score:.4g} on {board.label} "
                f"({_ordinal(place + 1)} of {many} {'person' if people == 1 else 'people'})"
            )
            found[uploader].append((board.weight / (1 + place), text))
    if viewer is not None:
        found.pop(viewer.id, None)
    ranked = rank_helpers(found, limit)
    return _named(session, ranked)
