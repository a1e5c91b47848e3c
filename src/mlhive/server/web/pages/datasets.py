"""Datasets: the faceted list, a dataset's page and its downloads (actions: ``dataset_actions``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import Query, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from mlhive.server.domain.errors import Conflict, InvalidInput
from mlhive.server.domain.experiments.procedures import PROCEDURES
from mlhive.server.http.deps import HiveDep, read, write
from mlhive.server.http.files import send_download
from mlhive.server.http.params import ObjectId
from mlhive.server.services.automl import auto, similar
from mlhive.server.services.datasets import files, listing, overview
from mlhive.server.services.experiments import tasks
from mlhive.server.web import charts
from mlhive.server.web.pages import calls
from mlhive.server.web.pages.activity import section as activity_section
from mlhive.server.web.pages.discussions import section
from mlhive.server.web.render import page
from mlhive.server.web.routing import pages
from mlhive.server.web.session import ViewerDep
from mlhive.server.wiring import Hive
from mlhive.wire.automl import SimilarDataset
from mlhive.wire.tasks import TASK_TYPE_IDS

router = pages(tags=["pages"])
PAGE_SIZE = 50
TASKS_SHOWN = 50
SIMILAR_SHOWN = 10
# The range facets: (query prefix, quality, label).
RANGES = (
    ("instances", "NumberOfInstances", "Instances"),
    ("features", "NumberOfFeatures", "Features"),
    ("classes", "NumberOfClasses", "Classes"),
    ("missing", "NumberOfMissingValues", "Missing values"),
)
SORTS = ("id", "name", "version", "upload_date")
Status = Literal["active", "in_preparation", "deactivated", "all"]
Text = Annotated[str, Query(max_length=200)]
Bound = Annotated[str, Query(max_length=40)]


def _bound(field: str, text: str) -> float | None:
    if not text.strip():
        return None
    try:
        return float(text)
    except ValueError:
        raise InvalidInput(f"{field}: {text!r} is not a number", field=field) from None


def _ranges(bounds: dict[str, str]) -> list[listing.QualityRange]:
    found = []
    for prefix, quality, _ in RANGES:
        low = _bound(f"{prefix}_min", bounds[f"{prefix}_min"])
        high = _bound(f"{prefix}_max", bounds[f"{prefix}_max"])
        if low is not None or high is not None:
            found.append((quality, low, high))
    return found


def _href(params: dict[str, str], **changes: str) -> str:
    merged = {k: v for k, v in {**params, **changes}.items() if v}
    return "/datasets?" + urlencode(merged) if merged else "/datasets"


@router.get("/datasets", response_class=HTMLResponse)
def dataset_list(
    request: Request,
    hive: HiveDep,
    who: ViewerDep,
    q: Text = "",
    tag: Text = "",
    uploader: Text = "",
    status: Status = "active",
    sort: Annotated[str, Query(max_length=20)] = "-upload_date",
    cursor: Annotated[str, Query(max_length=500)] = "",
    instances_min: Bound = "",
    instances_max: Bound = "",
    features_min: Bound = "",
    features_max: Bound = "",
    classes_min: Bound = "",
    classes_max: Bound = "",
    missing_min: Bound = "",
    missing_max: Bound = "",
) -> HTMLResponse:
    """One page of the datasets the viewer may see, filtered by the form's facets."""
    bounds = {
        "instances_min": instances_min,
        "instances_max": instances_max,
        "features_min": features_min,
        "features_max": features_max,
        "classes_min": classes_min,
        "classes_max": classes_max,
        "missing_min": missing_min,
        "missing_max": missing_max,
    }
    search = listing.DatasetSearch(
        text=q.strip() or None,
        tag=tag.strip() or None,
        uploader=uploader.strip() or None,
        status=None if status == "all" else status,
        qualities=_ranges(bounds),
        sort=sort,
        limit=PAGE_SIZE,
        cursor=cursor or None,
    )
    with read(hive) as session:
        found = listing.summaries(session, who.actor, search)
    params = {"q": q, "tag": tag, "uploader": uploader, "status": status, **bounds}
    params["sort"] = sort
    context = {
        "title": "Datasets",
        "items": found.items,
        "form": params,
        "ranges": RANGES,
        "sorts": {key: _sort_link(params, key) for key in SORTS},
        "sort": sort,
        "next_href": _href(params, cursor=found.next_cursor) if found.next_cursor else None,
        "first_href": _href(params) if cursor else None,
    }
    return page(request, "datasets/list.html", context)


def _sort_link(params: dict[str, str], key: str) -> str:
    """A column header's link: ascending first, descending when already ascending."""
    return _href(params, sort=f"-{key}" if params["sort"] == key else key)


def base_url(request: Request, hive: Hive) -> str:
    """The server's public address: the configured one, else the request's."""
    return (hive.settings.public_url or str(request.base_url)).rstrip("/")


def _view(hive: Hive, who: ViewerDep, dataset_id: int) -> overview.DatasetOverview:
    with read(hive) as session:
        view = overview.overview(session, who.actor, dataset_id)
    if not view.needs_distributions:
        return view
    with write(hive) as session:  # processed before distributions existed: once, then kept
        overview.fill_distributions(session, hive.store, who.actor, dataset_id)
    with read(hive) as session:
        return overview.overview(session, who.actor, dataset_id)


@router.get("/datasets/{dataset_id}", response_class=HTMLResponse)
def dataset_page(
    dataset_id: ObjectId, request: Request, hive: HiveDep, who: ViewerDep
) -> HTMLResponse:
    """A dataset: description, features with charts, qualities, tasks, downloads, actions."""
    view = _view(hive, who, dataset_id)
    with read(hive) as session:
        query = tasks.TaskQuery(dataset_id=dataset_id, status=None, limit=TASKS_SHOWN)
        rows, _ = tasks.list_page(session, query, who.actor)
        found = [tasks.describe(task, []) for task in rows]
        neighbours = _neighbours(session, hive, who, view)
        automation = auto.status(session, hive.settings, who.actor, dataset_id)
    base = base_url(request, hive)
    context = {
        "title": view.dataset.name,
        "view": view,
        "d": view.dataset,
        "tasks": found,
        "similar": neighbours,
        "automation": automation,
        "feature_charts": {f.index: _feature_chart(f) for f in view.features},
        "balance": _balance_chart(view.target),
        "link_url": view.dataset.original_url.startswith(("http://", "https://")),
        "snippets": _snippets(base, dataset_id),
        "task_types": list(TASK_TYPE_IDS),
        "procedures": PROCEDURES,
        "discussions": section(hive, who, "dataset", dataset_id),
        "open_calls": calls.section(hive, who, "dataset", dataset_id),
        "activity": activity_section(hive, who, "dataset", dataset_id),
    }
    return page(request, "datasets/detail.html", context)


def _neighbours(
    session: Session, hive: Hive, who: ViewerDep, view: overview.DatasetOverview
) -> list[SimilarDataset] | None:
    """The "Similar datasets" section; None until the dataset has qualities."""
    if not view.qualities:
        return None
    try:
        return similar.similar(session, hive.meta_index, who.actor, view.dataset.id, SIMILAR_SHOWN)
    except Conflict:  # qualities stored but none with a value: nothing to compare
        return None


def _snippets(base: str, dataset_id: int) -> dict[str, str]:
    return {
        "mlhive": (
            "import mlhive\n\n"
            f'client = mlhive.Client("{base}")\n'
            f"dataset = client.datasets.get({dataset_id})\n"
            "frame = dataset.to_pandas()"
        ),
        "openml": (
            "import openml\n\n"
            f'openml.config.server = "{base}/api/v1/xml"\n'
            f"dataset = openml.datasets.get_dataset({dataset_id})\n"
            "X, y, _, _ = dataset.get_data(target=dataset.default_target_attribute)"
        ),
    }


def _feature_chart(feature: overview.FeatureView) -> dict[str, Any] | None:
    shape = feature.distribution
    if not shape:
        return None
    if shape["kind"] == "histogram":
        if not shape["bins"]:
            return None
        return _compact(
            charts.histogram(
                feature.name, shape["bins"], value_title="Value", temporal=shape["temporal"]
            )
        )
    rows = [{"value": t["value"], "count": t["count"]} for t in shape["top"]]
    if shape["other"]:
        rows.append({"value": "(other values)", "count": shape["other"]})
    if not rows:
        return None
    return _compact(
        charts.bars(
            feature.name,
            rows,
            category="value",
            value="count",
            category_title="Value",
            value_title="Rows",
            height=max(40, 16 * len(rows)),
        )
    )


def _compact(spec: dict[str, Any]) -> dict[str, Any]:
    """A chart for a table cell: long names and labels are cut short (the tooltip has them)."""
    spec["title"] = {"text": spec["title"], "limit": 240, "fontSize": 11}
    spec["config"] = {**spec["config"], "axis": {"labelLimit": 90, "titleFontSize": 10}}
    return spec


def _balance_chart(target: overview.FeatureView | None) -> dict[str, Any] | None:
    if target is None or not target.distribution:
        return None
    shape = target.distribution
    if shape["kind"] != "categories":
        return charts.histogram(
            f"Distribution of the target {target.name}",
            shape["bins"],
            value_title=target.name,
            height=160,
        )
    return charts.bars(
        f"Class balance of {target.name}",
        shape["top"],
        category="value",
        value="count",
        category_title="Class",
        value_title="Rows",
        height=max(80, 24 * len(shape["top"])),
    )


@router.get("/datasets/{dataset_id}/download/{fmt}", response_model=None)
def download(
    dataset_id: ObjectId,
    fmt: Literal["parquet", "csv", "arff"],
    request: Request,
    hive: HiveDep,
    who: ViewerDep,
) -> Response:
    """The data for a browser: the API's download, with the viewer's session instead of a key."""
    with read(hive) as session:
        item = files.download(session, who.actor, dataset_id, fmt)
    return send_download(request, hive.store, item, hive.settings.data_dir / "tmp")
