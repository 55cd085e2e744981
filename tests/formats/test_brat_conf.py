"""brat's ``annotation.conf`` allows the overlaps our projects have (QA B18): without an
``<OVERLAP>`` rule brat allows none, and reports every nested or crossing pair of spans."""

from __future__ import annotations

import re
from pathlib import Path

from annotator.cli import main

from .helpers import DocSpec, make_project

NESTED = DocSpec(
    "nested",
    "Foreign Minister Ana Ribeiro said the summit failed.",
    (
        ("Foreign Minister Ana Ribeiro", 0, "speaker"),
        ("Ana Ribeiro", 0, "entity"),
        ("Minister Ana", 0, "event"),  # crosses the entity
        ("the summit failed", 0, "claim"),
    ),
    ((3, 0),),
)


def sections(conf: str) -> dict[str, list[str]]:
    """The lines of each section, comments and blank lines left out (as brat reads them)."""
    found: dict[str, list[str]] = {}
    current = ""
    for line in conf.splitlines():
        if not line.strip() or re.match(r"^\s*#", line):
            continue
        header = re.match(r"^\s*\[(.*)\]\s*$", line)
        if header:
            current = header.group(1)
            found[current] = []
        else:
            found[current].append(line)
    return found


def overlap_types(relations: list[str]) -> dict[tuple[str, str], str]:
    """(Arg1 types, Arg2 types) to the allowed overlap kinds of every ``<OVERLAP>`` rule, parsed
    with brat's syntax: the type, a TAB, then ``KEY:VALUE`` arguments separated by commas."""
    rules = {}
    for line in relations:
        name, tab, rest = line.partition("\t")
        if name != "<OVERLAP>":
            continue
        assert tab, "brat separates the type from its arguments with a TAB"
        arguments = dict(
            re.fullmatch(r"(\S*?):(\S*)", part.strip()).groups()  # type: ignore[union-attr]
            for part in rest.split(",")
        )
        rules[(arguments["Arg1"], arguments["Arg2"])] = arguments["<OVL-TYPE>"]
    return rules


def test_annotation_conf_allows_every_overlap(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", (NESTED,))
    out = tmp_path / "brat"
    assert main(["export", str(root), "--format", "brat", "--out", str(out)]) == 0
    found = sections((out / "annotation.conf").read_text(encoding="utf-8"))
    assert found["entities"] == ["speaker", "claim", "entity", "event"]
    assert overlap_types(found["relations"]) == {("<ENTITY>", "<ENTITY>"): "<ANY>"}
    assert "attributed_to\tArg1:claim, Arg2:speaker" in found["relations"]
    ann = (out / "nested.ann").read_text(encoding="utf-8")
    assert "speaker 0 28" in ann and "entity 17 28" in ann and "event 8 20" in ann
