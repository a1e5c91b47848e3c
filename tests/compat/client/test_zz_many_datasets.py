"""Listing more datasets than one page holds: openml-python pages by 10 000 (limit/offset)."""

from __future__ import annotations

import openml
import pandas as pd

from conftest import Server, publish_frame

EXTRA = 10_001


def test_list_datasets_pages_through_more_than_10000(server: Server) -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": pd.Categorical(["a", "b", "a"])})
    template = publish_frame(frame, "compat-template", "y")
    before = openml.datasets.list_datasets(output_format="dataframe")
    server.helper("seed", server.database_url, str(template), str(EXTRA))
    listed = openml.datasets.list_datasets(output_format="dataframe")
    assert len(listed) == len(before) + EXTRA
    assert listed["did"].is_unique
    assert set(before["did"]) <= set(listed["did"])
    assert (listed.set_index("did").loc[listed["did"].max(), "NumberOfInstances"]) == 3
