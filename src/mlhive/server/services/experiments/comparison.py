"""Runs side by side for the API: each parameter's value per run, under a readable name, and
the per-fold scores of one measure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlhive.server.db.tables.experiments import Flow
from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import InvalidInput
from mlhive.server.domain.experiments.measure_names import known_measure
from mlhive.server.services.experiments import evaluations, runs, scoring
from mlhive.wire.flows import PATH_SEPARATOR, short_flow_name
from mlhive.wire.runs import RunComparison

MAX_RUNS = 50


def _component(flow_name: str) -> str:
    # "Pipeline(scale=StandardScaler,model=SVC)" -> "Pipeline": the parameter says the rest.
    return short_flow_name(flow_name).split("(", 1)[0]


def parameter_labels(session: Session, keys: Iterable[tuple[int, str]]) -> dict[str, str]:
    """Readable names ``Component.parameter`` for ``(flow id, parameter)`` pairs, keyed like
    :attr:`RunComparison.parameters` (``"<flow id>:<parameter>"``).

    A component's parameter is keyed by its path, which is already readable and unique:
    ``preprocess__num__strategy`` is its own label. Plain names (the run's flow's own, and
    older setups') become ``Pipeline.memory``; two components of the same class keep their flow
    id apart: ``StandardScaler#12.with_mean``.
    """
    pairs = sorted(set(keys))
    flow_ids = {flow_id for flow_id, _ in pairs}
    stmt = select(Flow.id, Flow.name).where(Flow.id.in_(flow_ids))
    names: dict[int, str] = dict(session.execute(stmt).all())
    short = {flow_id: _component(names.get(flow_id, f"flow{flow_id}")) for flow_id in flow_ids}
    shared = {s for s in short.values() if list(short.values()).count(s) > 1}
    labels = {
        flow_id: f"{name}#{flow_id}" if name in shared else name for flow_id, name in short.items()
    }
    return {
        f"{flow_id}:{name}": name if PATH_SEPARATOR in name else f"{labels[flow_id]}.{name}"
        for flow_id, name in pairs
    }


def compare(
    session: Session, actor: Actor | None, run_ids: Sequence[int], measure: str
) -> RunComparison:
    """Between 1 and :data:`MAX_RUNS` runs the actor may see, side by side.

    Raises:
        InvalidInput: no runs or too many, or a measure the server does not compute (the
            valid ones are named).
    """
    if not 1 <= len(run_ids) <= MAX_RUNS:
        raise InvalidInput(f"run: give between 1 and {MAX_RUNS} run ids", field="run")
    known_measure(measure)
    described = [scoring.describe(session, runs.get(session, actor, r)) for r in run_ids]
    parameters: dict[str, dict[int, str | None]] = {}
    for item in described:
        for setting in item.parameter_settings:
            parameters.setdefault(f"{setting.flow_id}:{setting.name}", {})[item.id] = setting.value
    keys = ((s.flow_id, s.name) for item in described for s in item.parameter_settings)
    return RunComparison(
        measure=measure,
        runs=described,
        parameters=parameters,
        parameter_names=parameter_labels(session, keys),
        per_fold=evaluations.per_fold_of(session, run_ids, measure),
    )
