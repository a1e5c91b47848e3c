"""The real client against the real app: publish, read back, split, list, edit, download."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

import mlhive
from mlhive import Client
from mlhive.formats.tables import read_table
from tests.client.conftest import MakeClient, mixed_frame
from tests.conftest import UserKey


def small_frame(rows: int, seed: int = 0) -> pd.DataFrame:
    return pd.DataFrame(
        {"x": [float(i + seed) for i in range(rows)],
         "y": pd.Categorical(["a" if i % 2 else "b" for i in range(rows)])}
    )  # fmt: skip


def test_dataframe_round_trip_keeps_types_categories_and_missing_values(
    client: Client, run_jobs: Callable[[], int]
) -> None:
    original = mixed_frame()
    published = client.datasets.publish(original, name="mixed", target="label", tags=["demo"])
    assert published.processing == "pending"
    run_jobs()

    dataset = client.datasets.get(published.id)
    data = dataset.to_pandas()

    pd.testing.assert_frame_equal(data, original)
    assert list(data["colour"].cat.categories) == ["rot", "grün", "blau"]
    assert data["colour"].isna().sum() == original["colour"].isna().sum() > 0
    assert data.loc[3, "comment"] == "naïve café №3 日本"
    assert (dataset.processing, dataset.status, dataset.tags) == ("done", "active", ["demo"])


def test_get_data_splits_target_and_drops_row_id_and_ignored(
    client: Client, run_jobs: Callable[[], int]
) -> None:
    frame = mixed_frame().assign(row=range(40))
    published = client.datasets.publish(
        frame, name="split", target="label", row_id_attribute="row", ignore_attributes=["comment"]
    )
    run_jobs()
    dataset = client.datasets.get(published.id)

    X, y = dataset.get_data()
    assert list(X.columns) == ["height", "count", "colour", "flag", "seen"]
    assert isinstance(y, pd.Series)
    assert y.name == "label"
    assert y.tolist() == frame["label"].tolist()

    X2, y2 = dataset.get_data(target="flag")
    assert "flag" not in X2.columns and "label" in X2.columns
    assert isinstance(y2, pd.Series) and y2.tolist() == frame["flag"].tolist()


def test_get_data_without_target_returns_no_y(client: Client, run_jobs: Callable[[], int]) -> None:
    published = client.datasets.publish(small_frame(5), name="untargeted")
    X, y = client.datasets.get(published.id).get_data()
    assert y is None
    assert list(X.columns) == ["x", "y"]


def test_features_and_qualities_after_processing(
    client: Client, run_jobs: Callable[[], int]
) -> None:
    frame = mixed_frame()
    published = client.datasets.publish(frame, name="meta", target="label")
    assert published.features.empty  # not processed yet
    run_jobs()
    dataset = client.datasets.wait_processed(published.id, timeout=5)

    features = dataset.features.set_index("name")
    assert features.loc["colour", "data_type"] == "nominal"
    assert features.loc["colour", "nominal_values"] == ["rot", "grün", "blau"]
    assert features.loc["colour", "number_of_missing_values"] == frame["colour"].isna().sum()
    assert features.loc["comment", "data_type"] == "string"
    assert features.loc["seen", "data_type"] == "date"
    assert bool(features.loc["label", "is_target"]) is True
    assert dataset.qualities["NumberOfInstances"] == 40
    assert dataset.qualities["NumberOfClasses"] == 2


def test_publish_a_csv_file_from_disk(
    client: Client, run_jobs: Callable[[], int], tmp_path: Path
) -> None:
    path = tmp_path / "penguins.csv"
    path.write_text(
        "bill,species\n39.1,Adélie\n46.5,Gentoo\n,Adélie\n50.0,Chinstrap\n", encoding="utf-8"
    )
    dataset = client.datasets.publish(path, name="penguins", target="species")
    run_jobs()
    data = client.datasets.get(dataset.id).to_pandas()
    assert data["bill"].isna().tolist() == [False, False, True, False]
    assert data["species"].astype(str).tolist() == ["Adélie", "Gentoo", "Adélie", "Chinstrap"]
    assert dataset.upload_format == "csv"


def test_list_filters_return_exactly_the_matching_ids(
    client: Client, run_jobs: Callable[[], int]
) -> None:
    small = client.datasets.publish(small_frame(10), name="small", tags=["keep"]).id
    large = client.datasets.publish(small_frame(200), name="large", tags=["keep"]).id
    other = client.datasets.publish(small_frame(50), name="other").id
    run_jobs()

    def ids(**filters: object) -> list[int]:
        return client.datasets.list(**filters)["id"].tolist()  # type: ignore[arg-type]

    assert ids() == [small, large, other]
    assert ids(tag="keep") == [small, large]
    assert ids(name="other") == [other]
    assert ids(qualities={"NumberOfInstances": (40, None)}) == [large, other]
    assert ids(qualities={"NumberOfInstances": (40, 100)}, tag=None) == [other]
    assert ids(tag="keep", qualities={"NumberOfInstances": (100, 1000)}) == [large]
    table = client.datasets.list(tag="keep")
    assert table.set_index("id").loc[large, "NumberOfInstances"] == 200
    assert ids(tag="nothing-has-this") == []


def test_list_follows_cursors_up_to_the_limit(
    make_client: MakeClient, alice: UserKey, run_jobs: Callable[[], int], http: TestClient
) -> None:
    pages: list[str] = []
    client = make_client(alice)
    published = [client.datasets.publish(small_frame(3, i), name=f"p{i}").id for i in range(5)]
    run_jobs()
    http.event_hooks["request"].append(
        lambda request: (
            pages.append(request.url.params.get("cursor", ""))
            if request.url.path == "/api/datasets"
            else None
        )
    )

    assert client.datasets.list(page_size=2)["id"].tolist() == published
    assert len(pages) == 3  # 2 + 2 + 1
    pages.clear()
    assert client.datasets.list(page_size=2, limit=3)["id"].tolist() == published[:3]
    assert len(pages) == 2


def test_anonymous_publish_is_an_authentication_error(make_client: MakeClient) -> None:
    with pytest.raises(mlhive.AuthenticationError, match="API key") as info:
        make_client().datasets.publish(small_frame(3), name="anon")
    assert info.value.status == 401


def test_another_users_private_dataset_is_not_found(
    client: Client, make_client: MakeClient, bob: UserKey
) -> None:
    private = client.datasets.publish(small_frame(3), name="secret", visibility="private")
    assert client.datasets.get(private.id).visibility == "private"
    with pytest.raises(mlhive.NotFoundError, match=str(private.id)):
        make_client(bob).datasets.get(private.id)
    with pytest.raises(mlhive.NotFoundError):
        make_client().datasets.get(private.id)


def test_unknown_target_is_invalid_input_naming_the_column(client: Client) -> None:
    with pytest.raises(mlhive.InvalidInputError, match="no_such_column") as info:
        client.datasets.publish(small_frame(3), name="bad", target="no_such_column")
    assert info.value.code == "unknown_column"
    assert isinstance(info.value, ValueError)


def test_invalid_metadata_is_rejected_before_uploading(
    client: Client, tmp_path: Path, http: TestClient
) -> None:
    sent: list[str] = []
    http.event_hooks["request"].append(lambda r: sent.append(r.url.path))
    with pytest.raises(mlhive.InvalidInputError, match=r"metadata\.name"):
        client.datasets.publish(small_frame(3), name="no spaces allowed")
    with pytest.raises(mlhive.InvalidInputError, match=r"metadata\.tags"):
        client.datasets.publish(small_frame(3), name="ok", tags=["bad tag"])
    assert sent == []


def test_missing_file_is_file_not_found(client: Client, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"nope\.csv"):
        client.datasets.publish(tmp_path / "nope.csv", name="nope")


def test_edit_tag_fork_history_and_delete(
    client: Client, make_client: MakeClient, bob: UserKey, run_jobs: Callable[[], int]
) -> None:
    dataset = client.datasets.publish(small_frame(4), name="life", tags=["a"])
    run_jobs()

    edited = client.datasets.edit(dataset.id, description="now described", licence="CC0")
    assert (edited.description, edited.licence) == ("now described", "CC0")
    with pytest.raises(mlhive.PermissionDeniedError):
        make_client(bob).datasets.edit(dataset.id, description="vandalism")
    with pytest.raises(mlhive.InvalidInputError, match="not_a_field"):
        client.datasets.edit(dataset.id, not_a_field=1)

    assert client.datasets.tag(dataset.id, "b") == ["a", "b"]
    assert client.datasets.untag(dataset.id, "a") == ["b"]
    assert client.datasets.set_status(dataset.id, "deactivated").status == "deactivated"

    history = client.datasets.history(dataset.id)
    edits = [entry for entry in history if entry.kind == "edit"]
    assert [entry.after for entry in edits] == [{"description": "now described", "licence": "CC0"}]
    assert history[0].status == "in_preparation"
    assert history[-1].status == "deactivated"

    fork = make_client(bob).datasets.fork(dataset.id, name="life-fork")
    assert (fork.uploader, fork.forked_from_id, fork.data_sha256) == (
        "bob",
        dataset.id,
        dataset.data_sha256,
    )
    with pytest.raises(mlhive.ConflictError, match="forks"):
        client.datasets.delete(dataset.id)
    make_client(bob).datasets.delete(fork.id)
    client.datasets.delete(dataset.id)
    with pytest.raises(mlhive.NotFoundError):
        client.datasets.get(dataset.id)


def test_download_in_each_format(
    client: Client, run_jobs: Callable[[], int], tmp_path: Path
) -> None:
    original = small_frame(6)
    dataset = client.datasets.publish(original, name="files", target="y")
    with pytest.raises(mlhive.ConflictError, match="processed"):
        client.datasets.download(dataset.id, tmp_path / "early.arff", format="arff")
    run_jobs()

    parquet = client.datasets.download(dataset.id, tmp_path / "out.parquet")
    csv = client.datasets.download(dataset.id, tmp_path, format="csv")
    arff = client.datasets.download(dataset.id, tmp_path, format="arff")

    assert csv == tmp_path / "files-v1.csv"
    assert arff == tmp_path / "files-v1.arff"
    for path, fmt in ((parquet, "parquet"), (csv, "csv"), (arff, "arff")):
        table = read_table(path, fmt)  # type: ignore[arg-type]
        assert table.column("x").to_pylist() == original["x"].tolist(), fmt
        assert [str(v) for v in table.column("y").to_pylist()] == original["y"].tolist(), fmt
    umask = os.umask(0)
    os.umask(umask)
    assert csv.stat().st_mode & 0o777 == 0o666 & ~umask  # an ordinary file, not a temp file
    assert arff.read_text(encoding="utf-8").lower().lstrip().startswith(("@relation", "%"))


def test_download_refuses_a_missing_folder_unless_parents_is_set(
    client: Client, run_jobs: Callable[[], int], tmp_path: Path
) -> None:
    dataset = client.datasets.publish(small_frame(6), name="files", target="y")
    run_jobs()
    target = tmp_path / "no" / "such" / "out.parquet"
    with pytest.raises(FileNotFoundError, match=r"folder .*such' does not exist.*parents=True"):
        client.datasets.download(dataset.id, target)
    assert not (tmp_path / "no").exists()
    assert client.datasets.download(dataset.id, target, parents=True) == target
    assert read_table(target, "parquet").num_rows == 6


def test_health_and_whoami(client: Client, make_client: MakeClient) -> None:
    assert client.health().version == mlhive.__version__
    assert client.whoami().name == "alice"
    with pytest.raises(mlhive.AuthenticationError):
        make_client().whoami()


def test_jobs_wait_reports_the_processing_job(client: Client, run_jobs: Callable[[], int]) -> None:
    dataset = client.datasets.publish(small_frame(4), name="job")
    assert dataset.job_id is not None
    assert client.jobs.get(dataset.job_id).state == "queued"
    with pytest.raises(mlhive.WaitTimeoutError):
        client.jobs.wait(dataset.job_id, timeout=0)
    run_jobs()
    assert client.jobs.wait(dataset.job_id, timeout=1).state == "done"
    with pytest.raises(mlhive.NotFoundError):
        client.jobs.get(999_999)


def test_the_owner_waits_for_a_private_datasets_job_others_cannot_see_it(
    client: Client, make_client: MakeClient, run_jobs: Callable[[], int]
) -> None:
    dataset = client.datasets.publish(small_frame(4), name="hidden", visibility="private")
    assert dataset.job_id is not None
    run_jobs()
    assert client.jobs.wait(dataset.job_id, timeout=1).state == "done"
    with pytest.raises(mlhive.NotFoundError):
        make_client().jobs.get(dataset.job_id)


def test_similar_datasets_as_a_table_with_the_duplicate_first(
    client: Client, run_jobs: Callable[[], int]
) -> None:
    frame = small_frame(30)
    original = client.datasets.publish(frame, name="numbers", target="y")
    copy = client.datasets.publish(frame, name="numbers-copy", target="y")
    other = client.datasets.publish(small_frame(300, seed=5), name="more-numbers", target="y")
    run_jobs()

    found = client.datasets.similar(original.id, k=5)
    assert list(found["id"]) == [copy.id, other.id]
    assert list(found["near_duplicate"]) == [True, False]
    assert found.loc[0, "distance"] == 0.0
    name, (mine, theirs) = next(iter(found.loc[0, "closest"].items()))
    assert mine == theirs and isinstance(name, str)
    with pytest.raises(mlhive.errors.InvalidInputError, match=r"^k"):
        client.datasets.similar(original.id, k=0)
