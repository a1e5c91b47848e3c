"""``OpenMLDataset(url=...).publish()`` through the real openml-python client: the server
fetches the ARFF file from the URL (a loopback server the test's mlhive allows)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import openml
import pytest
from openml.exceptions import OpenMLServerException

from conftest import wait_until

ARFF = (
    "@RELATION remote\n\n@ATTRIBUTE width NUMERIC\n@ATTRIBUTE label {no,yes}\n\n@DATA\n"
    "1.5,yes\n2.5,no\n3.5,yes\n4.5,no\n"
)


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = ARFF.encode()
            self.send_response(200 if self.path == "/remote.arff" else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _dataset(url: str) -> openml.datasets.OpenMLDataset:
    return openml.datasets.OpenMLDataset(
        name="compat-remote",
        description="fetched by the server from a URL",
        data_format="arff",
        url=url,
        default_target_attribute="label",
        creator="mlhive tests",
        licence="CC0",
    )


def test_a_dataset_given_by_url_is_fetched_and_reads_back(base_url: str) -> None:
    dataset = _dataset(f"{base_url}/remote.arff")
    dataset.publish()
    dataset_id = int(dataset.id)
    wait_until(
        lambda: len(
            openml.datasets.list_datasets(
                data_id=[dataset_id], status="active", output_format="dataframe"
            )
        )
    )
    fetched = openml.datasets.get_dataset(dataset_id, download_data=True)
    frame, *_ = fetched.get_data()
    assert list(frame.columns) == ["width", "label"]
    assert frame["width"].tolist() == [1.5, 2.5, 3.5, 4.5]
    assert fetched.default_target_attribute == "label"


def test_a_url_the_server_must_not_fetch_is_refused_with_the_reason() -> None:
    with pytest.raises(OpenMLServerException) as raised:
        _dataset("http://169.254.169.254/latest/meta-data.arff").publish()
    assert raised.value.code == 131
    assert "link-local" in str(raised.value)
