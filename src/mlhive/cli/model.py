"""``mlhive model``: the model forge from the command line (examples: ``mlhive model --help``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mlhive.cli import alias, checks, retraining
from mlhive.cli._common import (
    JsonOption,
    ParentsOption,
    check_output_folder,
    print_json,
    print_models,
    print_table,
    show_progress,
    waiting,
    with_client,
)

if TYPE_CHECKING:
    from mlhive.client import Client

EXAMPLES = """Examples:

  mlhive model ls --search iris
  mlhive model create iris-clf --task 1 \\
      --rule '{"measure": "predictive_accuracy", "max_drop": 0.005}'
  mlhive model push alice/iris-clf model.skops -m "first" --card card.json
  mlhive model log alice/iris-clf
  mlhive model diff alice/iris-clf v1 main
  mlhive model pull alice/iris-clf --ref v1 -o model.skops
  mlhive model merge alice/llm average main bob/llm:main \\
      --weight 0.5 --weight 0.5
  mlhive model mr open alice/iris-clf bob/tuned --title "tuned C"
  mlhive model mr show alice/iris-clf 1
  mlhive model tag alice/iris-clf v1 main
  mlhive model card alice/iris-clf --ref v1
  mlhive model checks alice/iris-clf --set checks.json
  mlhive model checks alice/iris-clf main --wait
  mlhive model promote alice/iris-clf main production
  mlhive model aliases alice/iris-clf --history production
  mlhive model retrain-policy alice/iris-clf --dataset iris --every 24
  mlhive model retrain alice/iris-clf --wait
"""

app = typer.Typer(
    help="Push, pull, diff and merge models.",
    epilog=EXAMPLES,
    no_args_is_help=True,
    add_completion=False,
)
mr_app = typer.Typer(
    help="Merge requests gated by evaluation.", no_args_is_help=True, add_completion=False
)
app.add_typer(mr_app, name="mr")
app.command("promote")(alias.promote)
app.command("rollback")(alias.rollback)
app.command("aliases")(alias.aliases)
app.command("checks")(checks.checks)
app.command("retrain-policy")(retraining.retrain_policy)
app.command("retrain")(retraining.retrain)

Repo = Annotated[str, typer.Argument(metavar="OWNER/NAME", help="The model repository.")]
RefOption = Annotated[str, typer.Option("--ref", help="Branch, tag or commit id.")]


def _json_file(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


@app.command("ls")
@with_client
def ls(
    client: Client,
    owner: Annotated[str | None, typer.Option(help="Only this user's repositories.")] = None,
    search: Annotated[
        str | None,
        typer.Option("--search", "-s", help="Text in the name or the description (any case)."),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Show at most this many.")] = 100,
    as_json: JsonOption = False,
) -> None:
    """List the model repositories you may see, oldest first."""
    repos = client.models.list(owner, search=search, limit=limit)
    print_models(
        repos,
        ["full_name", "visibility", "default_branch", "tasks", "forked_from", "description"],
        as_json=as_json,
        row=lambda r: {"tasks": r.task_ids, "description": _first_line(r.description)},
    )


def _first_line(text: str, width: int = 60) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= width else line[: width - 1] + "…"


@app.command("show")
@with_client
def show(client: Client, repo: Repo, as_json: JsonOption = False) -> None:
    """A repository: description, linked tasks, merge rules, branches and tags."""
    found = client.models.get(repo)
    if as_json:
        print_json(found.model_dump(mode="json"))
        return
    typer.echo(
        f"{found.full_name} ({found.visibility})"
        + (f", forked from {found.forked_from}" if found.forked_from else "")
    )
    if found.description:
        typer.echo(found.description)
    typer.echo(f"tasks: {', '.join(map(str, found.task_ids)) or 'none'}")
    for rule in found.rules:
        typer.echo(f"merge rule: {rule.model_dump_json(exclude_none=True)}")
    print_table(
        [{"ref": r.name, "kind": r.kind, "commit": r.commit[:12]} for r in found.refs],
        ["ref", "kind", "commit"],
    )


@app.command("branch")
@with_client
def branch(
    client: Client,
    repo: Repo,
    name: Annotated[str, typer.Argument(help="The new branch.")],
    ref: Annotated[str, typer.Argument(help="Branch, tag or commit it starts at.")] = "main",
) -> None:
    """Create a branch; prints the commit it points at."""
    typer.echo(client.models.branch(repo, name, ref).commit)


@app.command("tag")
@with_client
def tag(
    client: Client,
    repo: Repo,
    name: Annotated[str, typer.Argument(help="The tag (tags never move).")],
    ref: Annotated[str, typer.Argument(help="Branch, tag or commit to tag.")] = "main",
) -> None:
    """Tag a commit; prints the commit it points at."""
    typer.echo(client.models.tag(repo, name, ref).commit)


@app.command("fork")
@with_client
def fork(
    client: Client,
    repo: Repo,
    name: Annotated[str | None, typer.Option(help="Name of the fork (else the same).")] = None,
    private: Annotated[
        bool, typer.Option("--private", metavar="", help="Only you can see the fork.")
    ] = False,
) -> None:
    """Fork a repository into your namespace (its lineage is kept); prints OWNER/NAME."""
    forked = client.models.fork(repo, name, "private" if private else None)
    typer.echo(forked.full_name)


@app.command("card")
@with_client
def card(client: Client, repo: Repo, ref: RefOption = "main", as_json: JsonOption = False) -> None:
    """A commit's model card: Markdown with YAML front matter, or JSON with --json."""
    found = client.models.card(repo, ref, markdown=not as_json)
    if isinstance(found, str):
        typer.echo(found.rstrip("\n"))
    else:
        print_json(found.model_dump(mode="json"))


@app.command("create")
@with_client
def create(
    client: Client,
    name: Annotated[str, typer.Argument(help="Repository name (becomes YOU/NAME).")],
    description: Annotated[str, typer.Option(help="Free text.")] = "",
    task: Annotated[
        list[int] | None, typer.Option("--task", help="Linked task id (repeat).")
    ] = None,
    rule: Annotated[
        list[str] | None, typer.Option("--rule", help="Merge rule as JSON (repeat).")
    ] = None,
    private: Annotated[
        bool, typer.Option("--private", help="Only you (or the owning team) can see it.")
    ] = False,
    owner: Annotated[
        str | None, typer.Option(help="A team you write to that will own it (default: you).")
    ] = None,
) -> None:
    """Create a model repository; prints OWNER/NAME."""
    repo = client.models.create(
        name,
        description=description,
        visibility="private" if private else "public",
        task_ids=task or [],
        rules=[json.loads(r) for r in rule or []],
        owner=owner,
    )
    typer.echo(repo.full_name)


@app.command("push")
@with_client
def push(
    client: Client,
    repo: Repo,
    file: Annotated[Path, typer.Argument(help=".safetensors, .skops or .onnx file.")],
    message: Annotated[str, typer.Option("--message", "-m", help="Commit message.")] = "",
    branch: Annotated[str, typer.Option(help="Branch to commit on.")] = "main",
    card: Annotated[Path | None, typer.Option(help="Model card as a JSON file.")] = None,
    allow_format_change: Annotated[
        bool,
        typer.Option(
            "--allow-format-change", metavar="", help="Commit another format than the parent's."
        ),
    ] = False,
) -> None:
    """Commit a model file; prints the new commit id."""
    commit = client.models.push(
        repo,
        file,
        message=message,
        branch=branch,
        card=_json_file(card),
        allow_format_change=allow_format_change,
        progress=show_progress(),
    )
    typer.echo(commit.id)


@app.command("pull")
@with_client
def pull(
    client: Client,
    repo: Repo,
    ref: RefOption = "main",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="File or folder (default: OWNER--NAME-COMMIT.FORMAT)."),
    ] = None,
    onnx: Annotated[
        bool, typer.Option("--onnx", help="The ONNX export of a scikit-learn model.")
    ] = False,
    parents: ParentsOption = False,
) -> None:
    """Download a commit's model file; prints the path written.

    A missing output folder is refused unless ``--parents`` is given (then it is created and
    named on stderr). The file appears whole or not at all.
    """
    check_output_folder(output, parents)
    commit = client.models.commit(repo, ref)
    filename = "model.export.onnx" if onnx else f"model.{commit.format}"
    data = client.models.download(repo, commit.id, filename)
    default = f"{repo.replace('/', '--')}-{commit.id[:12]}.{filename.split('.')[-1]}"
    target = output / default if output is not None and output.is_dir() else output or Path(default)
    partial = target.with_name(f".{target.name}.partial")
    partial.write_bytes(data)
    partial.replace(target)
    typer.echo(str(target))


@app.command("log")
@with_client
def log(
    client: Client,
    repo: Repo,
    ref: RefOption = "main",
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """The history reachable from a ref, newest first."""
    commits = client.models.log(repo, ref, limit)
    print_models(
        commits,
        ["commit", "author", "date", "format", "message"],
        as_json=as_json,
        row=lambda c: {
            "commit": c.id[:12],
            "date": c.created_at.isoformat(timespec="seconds"),
            "message": c.message.splitlines()[0] if c.message else "",
        },
    )


@app.command("diff")
@with_client
def diff(
    client: Client,
    repo: Repo,
    a: Annotated[str, typer.Argument(help="From this ref.")],
    b: Annotated[str, typer.Argument(help="To this ref.")],
    as_json: JsonOption = False,
) -> None:
    """What changed between two refs: tensors, or hyper-parameters and fitted attributes."""
    result = client.models.diff(repo, a, b)
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    rows: list[dict[str, Any]] = [{"change": "added", "name": n} for n in result.added]
    rows += [{"change": "removed", "name": n} for n in result.removed]
    rows += [
        {"change": "changed", "name": c.name, "shape": f"{c.shape_before} → {c.shape_after}",
         "norm": c.norm_of_difference, "fraction": c.fraction_changed}
        for c in result.changed
    ]  # fmt: skip
    rows += [
        {"change": "parameter", "name": k, "shape": f"{v[0]} → {v[1]}"}
        for k, v in result.changed_parameters.items()
    ]
    rows += [{"change": "attribute", "name": n} for n in result.changed_attributes]
    print_table(
        rows,
        ["change", "name", "shape", "norm", "fraction"],
        title=f"{result.unchanged} unchanged",
    )


@app.command("merge")
@with_client
def merge(
    client: Client,
    repo: Repo,
    method: Annotated[
        str, typer.Argument(help="average, task_arithmetic, ties, voting, stacking.")
    ],
    sources: Annotated[list[str], typer.Argument(help="Refs, or OWNER/NAME:REF.")],
    weight: Annotated[list[float] | None, typer.Option("--weight", help="One per source.")] = None,
    base: Annotated[str | None, typer.Option(help="Base model (task_arithmetic, ties).")] = None,
    density: Annotated[float, typer.Option(help="TIES: fraction kept.")] = 0.2,
    task: Annotated[int | None, typer.Option("--task", help="Ensembles: task to fit on.")] = None,
    branch: Annotated[str, typer.Option(help="Branch of the merge commit.")] = "main",
    message: Annotated[str, typer.Option("--message", "-m")] = "",
    timeout: Annotated[float, typer.Option(help="Seconds to wait at most.")] = 600,
) -> None:
    """Merge models on the server; prints the merge commit id."""
    result = client.models.merge(
        repo, method, sources,  # type: ignore[arg-type]
        weights=weight or None, base=base, density=density, task_id=task,
        branch=branch, message=message, timeout=timeout,
    )  # fmt: skip
    typer.echo(result.commit)


def _verdict(request: Any) -> str:
    """What a person needs to know first: merged, closed, or whether it may be merged."""
    if request.state != "open":
        return str(request.state)
    return "mergeable" if request.mergeable else "blocked"


def _show_request(request: Any, as_json: bool) -> None:
    if as_json:
        print_json(request.model_dump(mode="json"))
        return
    verdict = _verdict(request)
    typer.echo(
        f"#{request.number} {request.title} [{request.state}, "
        f"evaluation {request.evaluation_state}, {verdict}] "
        f"{request.source}:{request.source_branch} → {request.target_branch}"
    )
    rows = [c.model_dump() for c in request.comparison]
    if rows:
        print_table(rows, ["task_id", "measure", "target", "candidate"])
    for violation in request.violations:
        typer.echo(f"rule broken: {violation}")
    for c in request.comments:
        typer.echo(f"  [{c.id}{'↩' + str(c.reply_to) if c.reply_to else ''}] {c.author}: {c.body}")


@mr_app.command("open")
@with_client
def mr_open(
    client: Client,
    repo: Repo,
    source_branch: Annotated[str, typer.Argument(help="The branch to merge.")],
    title: Annotated[str, typer.Option(help="Title of the request.")],
    source_repo: Annotated[str | None, typer.Option("--from", help="A fork: OWNER/NAME.")] = None,
    target_branch: Annotated[str, typer.Option("--into", help="Target branch.")] = "main",
    description: Annotated[str, typer.Option(help="Free text.")] = "",
) -> None:
    """Open a merge request; prints its number (the server evaluates it in the background)."""
    request = client.models.open_merge_request(
        repo, source_branch, title=title, source_repo=source_repo,
        target_branch=target_branch, description=description,
    )  # fmt: skip
    typer.echo(request.number)


@mr_app.command("show")
@with_client
def mr_show(
    client: Client,
    repo: Repo,
    number: Annotated[int, typer.Argument(help="Request number.")],
    wait: Annotated[bool, typer.Option("--wait", help="Wait for the evaluation.")] = False,
    as_json: JsonOption = False,
) -> None:
    """A request with its evaluation, the rules it breaks and its comments."""
    if wait:
        with waiting(f"the evaluation of merge request {number}"):
            request = client.models.wait_evaluated(repo, number)
    else:
        request = client.models.merge_request(repo, number)
    _show_request(request, as_json)


@mr_app.command("ls")
@with_client
def mr_ls(
    client: Client,
    repo: Repo,
    state: Annotated[str | None, typer.Option(help="open, merged or closed.")] = None,
) -> None:
    """A repository's merge requests."""
    rows = [
        {**r.model_dump(), "verdict": _verdict(r)}
        for r in client.models.merge_requests(repo, state)
    ]
    print_table(rows, ["number", "title", "author", "state", "evaluation_state", "verdict"])


@mr_app.command("merge")
@with_client
def mr_merge(
    client: Client,
    repo: Repo,
    number: Annotated[int, typer.Argument(help="Request number.")],
) -> None:
    """Merge a request the rules allow (owners only); prints the merge commit id."""
    typer.echo(client.models.accept_merge_request(repo, number).merged_commit)


@mr_app.command("close")
@with_client
def mr_close(
    client: Client,
    repo: Repo,
    number: Annotated[int, typer.Argument(help="Request number.")],
) -> None:
    """Close a request without merging it (its author or the repository's owner)."""
    closed = client.models.close_merge_request(repo, number)
    typer.echo(f"#{closed.number} {closed.title}: {closed.state}")


@mr_app.command("comment")
@with_client
def mr_comment(
    client: Client,
    repo: Repo,
    number: Annotated[int, typer.Argument(help="Request number.")],
    body: Annotated[str, typer.Argument(help="The comment.")],
    reply_to: Annotated[
        int | None, typer.Option("--reply-to", help="Comment id to answer.")
    ] = None,
) -> None:
    """Comment on a request; prints the comment id."""
    typer.echo(client.models.comment(repo, number, body, reply_to=reply_to).id)
