"""Mentions and references in post text: found outside code, linked only where asked."""

from __future__ import annotations

from mlhive.server.domain.social.text import link, mentions, references

TEXT = (
    "Hi @bob and @alice. See dataset:12, task:3 and model:alice/net.\n"
    "Mail bob@example.org, not x/run:4 or https://h/dataset:5; `dataset:9` is code.\n"
    "```\n@carol flow:2\n```\n"
    "Again @bob, run:7 and dataset:012."
)


def test_mentions_are_found_once_each_outside_code_and_addresses() -> None:
    assert mentions(TEXT) == ["bob", "alice"]
    assert mentions("end of sentence @dora.") == ["dora"]


def test_references_are_found_once_each_outside_code_and_paths() -> None:
    assert [r.ref for r in references(TEXT)] == [
        "dataset:12",
        "task:3",
        "model:alice/net",
        "run:7",
    ]
    assert references("dataset:12x and suite:1 study:2")[0].ref == "suite:1"
    assert [r.ref for r in references("study:2")] == ["study:2"]


def test_only_the_given_references_and_people_become_links() -> None:
    linked = link(
        "dataset:12 and dataset:13 by @bob and @eve `dataset:12`",
        {"dataset:12": "/datasets/12"},
        {"bob": "/people/bob"},
    )
    assert linked == (
        "[dataset:12](/datasets/12) and dataset:13 by [@bob](/people/bob) and @eve `dataset:12`"
    )
