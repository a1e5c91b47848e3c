"""Files come back as they went in (#14 item 5): the predictions and trace ARFF files of a run
uploaded through the OpenML face are served back byte for byte (comments, spacing and number
formatting included); a run uploaded as Parquet through mlhive's API gets an ARFF rendition."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from fastapi.testclient import TestClient

from mlhive.formats.arff import read_arff
from tests.api.experiments import (
    CLASSIFICATION_CSV,
    LABELS,
    classification_predictions,
    create_task,
    publish,
    splits,
    submit_run,
    upload_flow,
)
from tests.conftest import UserKey

API = "/api/v1/xml"
NS = {"oml": "http://openml.org/openml"}


def predictions_arff(table: pa.Table) -> bytes:
    """OpenML's predictions layout, written by hand: a comment, spaces after commas and
    numbers with trailing zeros, none of which mlhive's own rendition would write."""
    labels = sorted(set(LABELS))
    lines = [
        "% predictions of a hand-written model",
        "@RELATION openml_task_predictions",
        "@ATTRIBUTE repeat NUMERIC",
        "@ATTRIBUTE fold NUMERIC",
        "@ATTRIBUTE sample NUMERIC",
        "@ATTRIBUTE row_id NUMERIC",
        *[f"@ATTRIBUTE confidence.{label} NUMERIC" for label in labels],
        "@ATTRIBUTE prediction {" + ",".join(labels) + "}",
        "@DATA",
    ]
    for row in table.to_pylist():
        confidences = [f"{row[f'confidence.{label}']:.4f}" for label in labels]
        values = [row["repeat"], row["fold"], row["sample"], row["row_id"]]
        lines.append(", ".join([*map(str, values), *confidences, row["prediction"]]))
    return ("\n".join(lines) + "\n").encode()


def trace_arff() -> bytes:
    lines = [
        "@RELATION Trace",
        "@ATTRIBUTE repeat NUMERIC",
        "@ATTRIBUTE fold NUMERIC",
        "@ATTRIBUTE iteration NUMERIC",
        "@ATTRIBUTE evaluation NUMERIC",
        "@ATTRIBUTE selected {true, false}",
        "@ATTRIBUTE parameter_alpha STRING",
        "@DATA",
    ]
    for fold in range(10):
        lines += [f"0,{fold},0,0.750,true,'0.5'", f"0,{fold},1,0.70,false,'1.0'"]
    return ("\n".join(lines) + "\n").encode()


def test_predictions_and_trace_uploaded_as_arff_come_back_byte_for_byte(
    http: TestClient, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    dataset = publish(http, alice, run_jobs, CLASSIFICATION_CSV, "label")
    task = create_task(http, alice, dataset, "supervised_classification", 1)
    flow = upload_flow(http, alice)
    truth = np.asarray(pacsv.read_csv(io.BytesIO(CLASSIFICATION_CSV.encode()))["label"])
    table = classification_predictions(splits(http, task["id"]), sorted(set(LABELS)), truth)
    predictions, trace = predictions_arff(table), trace_arff()
    description = (
        '<oml:run xmlns:oml="http://openml.org/openml">'
        f"<oml:task_id>{task['id']}</oml:task_id><oml:flow_id>{flow['id']}</oml:flow_id>"
        "</oml:run>"
    )
    response = http.post(
        f"{API}/run",
        data={"api_key": alice.key},
        files={
            "description": ("description.xml", description),
            "predictions": ("predictions.arff", predictions),
            "trace": ("trace.arff", trace),
        },
    )
    assert response.status_code == 200, response.text
    run_id = ET.fromstring(response.text).findtext("oml:run_id", namespaces=NS)
    run_jobs()

    served = http.get(f"/data/v1/runs/{run_id}/predictions.arff")
    assert served.status_code == 200
    assert served.content == predictions
    assert http.get(f"/data/v1/runs/{run_id}/trace.arff").content == trace
    # What the server scored is what the file says.
    evaluated = ET.fromstring(http.get(f"{API}/run/{run_id}").text)
    names = [
        e.findtext("oml:name", namespaces=NS) for e in evaluated.iter(f"{{{NS['oml']}}}evaluation")
    ]
    assert "predictive_accuracy" in names
    # The trace document keeps the parameter values as their uploaded text.
    document = ET.fromstring(http.get(f"{API}/run/trace/{run_id}").text)
    setups = [s.text for s in document.iter(f"{{{NS['oml']}}}setup_string")]
    assert len(setups) == 20 and setups[:2] == [
        '{"parameter_alpha": "0.5"}',
        '{"parameter_alpha": "1.0"}',
    ]


def test_a_run_uploaded_as_parquet_gets_an_arff_rendition(
    http: TestClient, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    dataset = publish(http, alice, run_jobs, CLASSIFICATION_CSV, "label")
    task = create_task(http, alice, dataset, "supervised_classification", 1)
    flow = upload_flow(http, alice)
    truth = np.asarray(pacsv.read_csv(io.BytesIO(CLASSIFICATION_CSV.encode()))["label"])
    table = classification_predictions(splits(http, task["id"]), sorted(set(LABELS)), truth)
    response = submit_run(http, alice, task["id"], flow["id"], table)
    assert response.status_code in (200, 201), response.text
    run_id = response.json()["id"]

    served = http.get(f"/data/v1/runs/{run_id}/predictions.arff")
    assert served.status_code == 200
    back = read_arff(io.BytesIO(served.content))
    assert back.column("row_id").to_pylist() == table.column("row_id").to_pylist()
    assert back.column("prediction").to_pylist() == table.column("prediction").to_pylist()
