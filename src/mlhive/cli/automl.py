"""``mlhive automl``: run an AutoML search on the server and print its trials."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from mlhive.cli._common import (
    JsonOption,
    print_json,
    print_pairs,
    print_table,
    waiting,
    with_client,
)
from mlhive.wire.automl import AutoMLOut

if TYPE_CHECKING:
    from mlhive.client import Client

COLUMNS = ("trial", "state", "model", "score", "run", "seconds", "peak MiB", "weight", "note")


def _rows(search: AutoMLOut) -> list[dict[str, object]]:
    weights = {m.trial: m.weight for m in search.ensemble}
    sign = -1.0 if search.higher_is_better else 1.0
    ranked = sorted(
        search.trials,
        key=lambda t: (
            t.state != "complete",
            sign * (t.score if t.score is not None else 0.0),
            t.number,
        ),
    )
    return [
        {
            "trial": t.number,
            "state": t.state + (f" ({t.reason})" if t.reason else ""),
            "model": t.model,
            "score": "" if t.score is None else f"{t.score:.4f}",
            "run": t.run_id or "",
            "seconds": f"{t.seconds:.1f}",
            "peak MiB": "" if t.peak_memory is None else f"{t.peak_memory / 2**20:.0f}",
            "weight": f"{weights[t.number]:.2f}" if t.number in weights else "",
            "note": t.message or ("warm start" if t.warm_start else ""),
        }
        for t in ranked
    ]


@with_client
def automl(
    client: Client,
    task_id: Annotated[int, typer.Argument(metavar="TASK", help="Task id.")],
    time: Annotated[
        float | None, typer.Option("--time", min=1, help="Wall-clock seconds for the whole search.")
    ] = 60.0,
    memory: Annotated[
        str | None, typer.Option("--memory", help="Per-trial memory limit, e.g. 4GB or 512MiB.")
    ] = None,
    metric: Annotated[str | None, typer.Option(help="The measure to optimise.")] = None,
    trials: Annotated[
        int | None, typer.Option("--trials", min=1, help="At most this many trials.")
    ] = None,
    seed: Annotated[
        int, typer.Option(min=0, help="Seed: same seed and --trials, same result.")
    ] = 0,
    as_json: JsonOption = False,
) -> None:
    """Search scikit-learn pipelines for a task on the server, within hard budgets.

    Every complete trial becomes a run on the task; the best are combined into an ensemble,
    which is pushed to the forge. Prints the trials, best first.
    """
    with waiting(f"an AutoML search on task {task_id}"):
        search = client.automl(
            task_id, time_budget=time, memory_limit=memory, metric=metric, n_trials=trials,
            seed=seed,
        )  # fmt: skip
    if as_json:
        print_json(search.model_dump(mode="json"))
        return
    direction = "higher" if search.higher_is_better else "lower"
    title = f"AutoML search {search.id} on task {task_id}: {search.metric}"
    print_table(_rows(search), COLUMNS, title=f"{title} ({direction} is better)", keep=("score",))
    print_pairs(
        {
            "ensemble score": search.final_score,
            "ensemble run": search.ensemble_run_id,
            "study": search.study_id,
            "model": f"{search.model_repo}@{(search.model_commit or '')[:12]}"
            if search.model_repo
            else None,
            "seconds": search.seconds,
            "notes": "; ".join(search.notes) or None,
        }
    )
