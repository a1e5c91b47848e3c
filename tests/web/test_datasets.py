"""The dataset list and a dataset's page, over the real app: content, access, facets."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from mlhive.server.app import create_app
from mlhive.server.config import Settings
from mlhive.server.db.engine import transaction
from mlhive.server.domain.access import Actor
from mlhive.server.services import accounts
from mlhive.server.web.pages import datasets as dataset_pages
from mlhive.server.wiring import Hive
from tests.conftest import UserKey
from tests.factories import CLASSIFICATION_CSV, actor_of, publish
from tests.web.conftest import sign_in

HEADER = '"age","colour","height","label"'
XSS = "<script>window.__xss=1</script><img src=x onerror=window.__xss=1>"


def _rows(text: str) -> list[str]:
    """The dataset names the list's table shows, in order."""
    return re.findall(r'<td><a href="/datasets/\d+">([^<]+)</a>', text)


def test_the_list_shows_public_datasets_with_their_size(
    http: TestClient, hive: Hive, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    publish(hive, actor_of(hive, alice), name="people-a")
    run_jobs()
    answer = http.get("/datasets")
    assert answer.status_code == 200
    assert _rows(answer.text) == ["people-a"]
    assert '<td class="num">6</td>' in answer.text  # NumberOfInstances
    assert '<a href="/datasets?status=active&amp;sort=name">Name</a>' in answer.text


def test_facets_filter_by_tag_text_uploader_and_quality_range(
    http: TestClient,
    hive: Hive,
    alice: UserKey,
    bob: UserKey,
    run_jobs: Callable[[], int],
) -> None:
    publish(hive, actor_of(hive, alice), name="small", tags=["demo"], description="tiny table")
    publish(hive, actor_of(hive, bob), CLASSIFICATION_CSV, name="larger")
    run_jobs()
    assert _rows(http.get("/datasets?tag=demo").text) == ["small"]
    assert _rows(http.get("/datasets?q=tiny").text) == ["small"]
    assert _rows(http.get("/datasets?uploader=bob").text) == ["larger"]
    assert _rows(http.get("/datasets?instances_min=10&instances_max=").text) == ["larger"]
    assert _rows(http.get("/datasets?instances_max=10").text) == ["small"]
    assert _rows(http.get("/datasets?features_min=4").text) == ["small"]
    assert _rows(http.get("/datasets?classes_min=2&classes_max=2").text) == ["larger", "small"]
    assert _rows(http.get("/datasets?missing_min=1").text) == ["small"]
    # empty fields of the GET form are no filter at all
    empty = "q=&tag=&uploader=&status=active&instances_min=&missing_max=&sort=name"
    assert _rows(http.get(f"/datasets?{empty}").text) == ["larger", "small"]


def test_column_headers_sort_and_the_next_page_link_pages_on(
    http: TestClient,
    hive: Hive,
    alice: UserKey,
    run_jobs: Callable[[], int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    actor = actor_of(hive, alice)
    for name in ("b-set", "a-set", "c-set"):
        publish(hive, actor, name=name)
    run_jobs()
    by_name = http.get("/datasets?sort=name")
    assert _rows(by_name.text) == ["a-set", "b-set", "c-set"]
    assert 'href="/datasets?status=active&amp;sort=-name"' in by_name.text
    assert _rows(http.get("/datasets?sort=-name").text) == ["c-set", "b-set", "a-set"]
    monkeypatch.setattr(dataset_pages, "PAGE_SIZE", 2)
    first = http.get("/datasets?sort=name").text
    assert _rows(first) == ["a-set", "b-set"]
    found = re.search(r'href="([^"]+)" rel="next"', first)
    assert found
    second = http.get(html.unescape(found.group(1))).text
    assert _rows(second) == ["c-set"]
    assert 'rel="next"' not in second


def test_bad_list_parameters_are_422_pages_naming_the_field(http: TestClient) -> None:
    answer = http.get("/datasets?instances_min=lots")
    assert answer.status_code == 422
    assert "instances_min" in answer.text and "text/html" in answer.headers["content-type"]
    assert http.get("/datasets?sort=colour").status_code == 422
    assert http.get("/datasets?cursor=garbage&sort=name").status_code == 422
    assert http.get("/datasets?status=lost").status_code == 422


def test_private_datasets_are_listed_and_shown_only_to_their_owner(
    http: TestClient, hive: Hive, alice: UserKey, bob: UserKey, run_jobs: Callable[[], int]
) -> None:
    secret = publish(hive, actor_of(hive, alice), name="alice-secret", visibility="private")
    run_jobs()
    assert "alice-secret" not in http.get("/datasets").text
    assert http.get(f"/datasets/{secret}").status_code == 404
    assert http.get(f"/datasets/{secret}/download/csv").status_code == 404
    sign_in(http, bob)
    assert "alice-secret" not in http.get("/datasets").text
    assert http.get(f"/datasets/{secret}").status_code == 404
    assert http.get(f"/datasets/{secret}/download/csv").status_code == 404
    http.cookies.clear()
    sign_in(http, alice)
    assert "alice-secret" in http.get("/datasets").text
    page = http.get(f"/datasets/{secret}")
    assert page.status_code == 200 and "private" in page.text
    download = http.get(f"/datasets/{secret}/download/csv")
    assert download.status_code == 200
    assert download.text.splitlines()[0] == HEADER


def test_a_dataset_page_shows_features_charts_qualities_and_snippets(
    http: TestClient, hive: Hive, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    dataset_id = publish(
        hive,
        actor_of(hive, alice),
        name="people",
        description="# People\n\nSome **bold** claims.",
        licence="CC0",
        original_url="https://example.org/people",
        tags=["census"],
    )
    run_jobs()
    text = http.get(f"/datasets/{dataset_id}").text
    assert "<h1>People</h1>" in text and "<strong>bold</strong>" in text
    assert 'href="https://example.org/people"' in text
    assert 'href="/people/alice"' in text
    for chart in ("chart-feature-0", "chart-feature-1", "chart-feature-3", "chart-balance"):
        assert f'data-chart="{chart}"' in text
    assert "Class balance of label" in text
    for group in ("Simple", "Statistical", "Information-theoretic", "Landmarkers"):
        assert f"<h3>{group}</h3>" in text
    assert "NumberOfInstances" in text and "ClassEntropy" in text
    assert f"dataset = client.datasets.get({dataset_id})" in text
    assert "openml.config.server = &#34;http://testserver/api/v1/xml&#34;" in text
    assert f"openml.datasets.get_dataset({dataset_id})" in text
    for fmt in ("parquet", "csv", "arff"):
        assert f'href="/datasets/{dataset_id}/download/{fmt}"' in text


def test_the_public_url_setting_goes_into_the_snippets(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"public_url": "https://hive.example.org/"}))
    hive: Hive = app.state.hive
    with transaction(hive.sessions) as session:
        user = accounts.create_user(session, "carol")
        owner = Actor(user.id, user.name, False)
    dataset_id = publish(hive, owner)
    try:
        with TestClient(app) as client:
            text = client.get(f"/datasets/{dataset_id}").text
    finally:
        hive.engine.dispose()
    assert "https://hive.example.org/api/v1/xml" in text
    assert "http://testserver" not in text


def test_an_original_url_that_is_not_http_is_text_not_a_link(
    http: TestClient, hive: Hive, alice: UserKey
) -> None:
    dataset_id = publish(hive, actor_of(hive, alice), original_url="javascript:alert(1)")
    text = http.get(f"/datasets/{dataset_id}").text
    assert "javascript:alert(1)" in text
    assert 'href="javascript:' not in text


def test_an_unprocessed_dataset_says_so_and_still_renders(
    http: TestClient, hive: Hive, alice: UserKey
) -> None:
    dataset_id = publish(hive, actor_of(hive, alice))
    text = http.get(f"/datasets/{dataset_id}").text
    assert "Features appear once the dataset is processed." in text
    assert "ARFF: after processing" in text


def test_downloads_for_a_browser_send_each_format(
    http: TestClient, hive: Hive, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    dataset_id = publish(hive, actor_of(hive, alice), name="people")
    run_jobs()
    csv = http.get(f"/datasets/{dataset_id}/download/csv")
    assert csv.status_code == 200
    assert 'filename="people-v1.csv"' in csv.headers["content-disposition"]
    assert csv.text.splitlines()[0] == HEADER
    parquet = http.get(f"/datasets/{dataset_id}/download/parquet")
    assert parquet.content[:4] == b"PAR1"
    arff = http.get(f"/datasets/{dataset_id}/download/arff")
    assert arff.text.lstrip().upper().startswith(("@RELATION", "%"))
    assert http.get(f"/datasets/{dataset_id}/download/xlsx").status_code == 422
    assert http.get("/datasets/999999/download/csv").status_code == 404


def test_an_unknown_dataset_is_a_404_page(http: TestClient) -> None:
    answer = http.get("/datasets/424242")
    assert answer.status_code == 404
    assert "dataset 424242 not found" in answer.text
    assert http.get("/datasets/not-a-number").status_code == 422


def test_script_in_a_name_description_or_tag_is_shown_as_text(
    http: TestClient, hive: Hive, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    csv = f"a,{XSS.replace(',', ' ')}\n1,x\n2,y\n"
    dataset_id = publish(
        hive, actor_of(hive, alice), csv, description=XSS, default_target_attribute=None
    )
    run_jobs()
    for path in (f"/datasets/{dataset_id}", "/datasets"):
        text = http.get(path).text
        assert "<script>window" not in text
        assert "<img src=x" not in text
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in http.get(f"/datasets/{dataset_id}").text


def _similar_section(text: str) -> str:
    start = text.index('id="h-similar"')
    return text[start : text.index("</section>", start)]


def test_the_page_lists_similar_datasets_with_duplicates_flagged_and_privacy_kept(
    http: TestClient, hive: Hive, alice: UserKey, bob: UserKey, run_jobs: Callable[[], int]
) -> None:
    original = publish(hive, actor_of(hive, alice), name="people-a")
    copy = publish(hive, actor_of(hive, alice), name="people-copy")
    other = publish(hive, actor_of(hive, alice), CLASSIFICATION_CSV, name="points")
    secret = publish(hive, actor_of(hive, bob), name="people-secret", visibility="private")
    run_jobs()
    section = _similar_section(http.get(f"/datasets/{original}").text)
    links = re.findall(r'<a href="/datasets/(\d+)">', section)
    assert links == [str(copy), str(other)]  # the duplicate first; bob's private one hidden
    assert "near-duplicate" in section and "identical data" in section
    assert "NumberOfInstances 6 · 6" in section
    sign_in(http, bob)
    bobs = _similar_section(http.get(f"/datasets/{original}").text)
    assert f'<a href="/datasets/{secret}">' in bobs


def test_a_sparse_arff_dataset_says_it_was_uploaded_as_sparse_arff(
    http: TestClient, hive: Hive, alice: UserKey
) -> None:
    sparse = "@RELATION s\n@ATTRIBUTE a REAL\n@ATTRIBUTE label {no,yes}\n@DATA\n{0 1}\n{1 yes}\n"
    dense = "@RELATION s\n@ATTRIBUTE a REAL\n@ATTRIBUTE label {no,yes}\n@DATA\n1,no\n0,yes\n"
    ids = [
        publish(hive, actor_of(hive, alice), text, filename="s.arff", name=name)
        for name, text in (("sparse", sparse), ("dense", dense))
    ]
    pages = [http.get(f"/datasets/{dataset_id}").text for dataset_id in ids]
    assert "<dt>Uploaded as</dt><dd>SPARSE ARFF</dd>" in pages[0]
    assert "<dt>Uploaded as</dt><dd>ARFF</dd>" in pages[1]
