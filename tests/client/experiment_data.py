"""Small datasets for the client's experiment tests, published through the client."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from mlhive import Client, Dataset

ROWS = 60


def classification_frame(rows: int = ROWS) -> pd.DataFrame:
    """Two informative features, a row id, an ignored column and a nominal label."""
    rng = np.random.default_rng(3)
    x1 = rng.normal(size=rows)
    return pd.DataFrame(
        {
            "rid": np.arange(1000, 1000 + rows),
            "x1": x1.round(3),
            "x2": rng.normal(size=rows).round(3),
            "noise": rng.normal(size=rows).round(3),
            "label": pd.Categorical(np.where(x1 > 0, "up", "down")),
        }
    )


def publish_classification(
    client: Client, run_jobs: Callable[[], int], name: str = "updown"
) -> Dataset:
    """The classification frame with ``rid`` as row id and ``noise`` ignored, processed."""
    dataset = client.datasets.publish(
        classification_frame(),
        name=name,
        target="label",
        row_id_attribute="rid",
        ignore_attributes=["noise"],
    )
    run_jobs()
    return dataset


def publish_regression(client: Client, run_jobs: Callable[[], int]) -> Dataset:
    rng = np.random.default_rng(5)
    x = rng.normal(size=ROWS)
    frame = pd.DataFrame(
        {"x": x.round(3), "y": (2 * x + rng.normal(scale=0.1, size=ROWS)).round(3)}
    )
    dataset = client.datasets.publish(frame, name="line", target="y")
    run_jobs()
    return dataset
