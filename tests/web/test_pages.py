"""Pages answer HTML with a strict security policy, and their errors are pages too."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from mlhive.server.web.render import as_json, markdown, short_name
from mlhive.server.web.routing import pages


def test_pages_carry_a_policy_that_forbids_inline_and_foreign_scripts(http: TestClient) -> None:
    answer = http.get("/")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_an_unknown_person_is_a_404_page_not_json(http: TestClient) -> None:
    answer = http.get("/people/nobody")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert "user &#39;nobody&#39; not found" in answer.text


def test_the_api_still_answers_problems_for_unknown_routes(http: TestClient) -> None:
    answer = http.get("/api/nothing-here")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"


def test_markdown_keeps_formatting_and_drops_scripts() -> None:
    html = markdown(
        "# Title\n\n**bold** [ok](https://example.org) [bad](javascript:alert(1))\n\n"
        "<script>alert(1)</script><img src=x onerror=alert(1)>"
    )
    assert "<h1>Title</h1>" in html
    assert "<strong>bold</strong>" in html
    assert 'href="https://example.org"' in html
    assert 'href="javascript:' not in html
    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;script&gt;" in html  # shown as text, not dropped silently


def test_chart_data_cannot_close_its_script_element() -> None:
    text = as_json({"name": "</script><script>alert(1)</script>"})
    assert "</" not in text
    assert "<" not in text


def test_flow_names_lose_their_module_paths_on_pages() -> None:
    name = (
        "sklearn.pipeline.Pipeline(scale=sklearn.preprocessing._data.StandardScaler,"
        "model=sklearn.linear_model._logistic.LogisticRegression)"
    )
    assert short_name(name) == "Pipeline(scale=StandardScaler,model=LogisticRegression)"
    assert short_name("weka.J48") == "J48"


def test_a_page_that_breaks_answers_an_error_page_and_logs_it(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    broken = pages()

    @broken.get("/broken-page")
    def explode() -> None:
        raise RuntimeError("boom")

    app.include_router(broken)
    with TestClient(app) as http, caplog.at_level(logging.ERROR, logger="mlhive.web"):
        answer = http.get("/broken-page")
        assert answer.status_code == 500
        assert answer.headers["content-type"].startswith("text/html")
        assert "The server failed to build this page." in answer.text
        assert "boom" not in answer.text  # internals stay in the log
        assert http.get("/").status_code == 200  # and the server goes on
    assert any("unhandled error on page GET /broken-page" in r.message for r in caplog.records)
