"""A saved record that ``annotator validate`` rejects opens read-only in the annotate screen,
its first problem (file, line, field) in the banner, and is never saved again (QA s7 A3)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from annotator.model.validate import check_record
from annotator.store.project import Project
from annotator.tui import record_check
from annotator.tui.app import AnnotateApp
from annotator.tui.record_check import record_problems

from .test_annotate_keys import run, status_text

DOC = "world/ceasefire-kell"
Damage = Callable[[dict[str, Any]], None]


def shift_span(record: dict[str, Any]) -> None:
    record["spans"][1]["start"] += 1  # its text kept: no longer the document's there
    record["spans"][1]["end"] += 1


def duplicate_id(record: dict[str, Any]) -> None:
    record["spans"][2]["id"] = record["spans"][1]["id"]


def unknown_label(record: dict[str, Any]) -> None:
    record["spans"][1]["label"] = "unklabel"


def missing_end(record: dict[str, Any]) -> None:
    record["relations"][0]["tail"] = "nowhere"


DAMAGES: dict[str, tuple[Damage, str]] = {
    "shifted": (shift_span, "spans[1].text: text '72-hour ceasefire' does not match"),
    "duplicate id": (duplicate_id, "spans[2].id: duplicate span id 's2'"),
    "unknown label": (unknown_label, "spans[1].label: unknown label 'unklabel'"),
    "missing span": (missing_end, "relations[0].tail: points to missing span 'nowhere'"),
}


def carol_record(doc_id: str = DOC) -> dict[str, Any]:
    sample = Path(__file__).resolve().parents[2] / "sample_corpus" / "annotations" / "carol.jsonl"
    for line in sample.read_text(encoding="utf-8").splitlines():
        record: dict[str, Any] = json.loads(line)
        if record["doc_id"] == doc_id:
            return record
    raise LookupError(doc_id)


def write_damaged(root: Path, damage: Damage | None) -> Path:
    """The tester's file: a clean record of another document, then the damaged one (line 2)."""
    other = carol_record("flood-riverton")
    record = carol_record()
    if damage is not None:
        damage(record)
    path = root / "annotations" / "tester.jsonl"
    path.write_text(
        "".join(json.dumps({**item, "annotator": "tester"}) + "\n" for item in (other, record)),
        encoding="utf-8",
    )
    return path


def banner_text(app: AnnotateApp) -> str:
    found = app.screen.query("#banner")
    if not found or not found.first().has_class("-visible"):
        return ""
    return " ".join(str(found.first().render()).split())


@pytest.mark.parametrize("kind", list(DAMAGES))
def test_a_record_validate_rejects_opens_read_only_and_is_never_saved(
    project_root: Path, kind: str
) -> None:
    damage, problem = DAMAGES[kind]
    path = write_damaged(project_root, damage)
    before = path.read_bytes()

    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        text = banner_text(app)
        assert text.startswith("READ-ONLY:")
        assert f"tester.jsonl:2: {problem}" in text
        assert "annotator validate" in text
        assert "read-only" in status_text(app)
        await pilot.press("w", "3", "x", "u", "ctrl+d")  # tag, delete, undo, done: refused
        await pilot.pause()
        assert "read-only" in status_text(app)
        await pilot.press("right_square_bracket", "left_square_bracket")  # away and back
        await pilot.pause()
        assert f"tester.jsonl:2: {problem}" in banner_text(app)
        await pilot.press("q")
        await pilot.pause()

    run(project_root, scenario, doc_id=DOC)
    assert path.read_bytes() == before


def test_a_valid_record_opens_for_editing_as_before(project_root: Path) -> None:
    path = write_damaged(project_root, None)

    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        assert banner_text(app) == ""
        await pilot.press("w", "w", "4")
        await pilot.pause()
        assert "read-only" not in status_text(app)
        assert "saved" in status_text(app)

    run(project_root, scenario, doc_id=DOC)
    saved = [json.loads(line) for line in path.read_bytes().splitlines()]
    assert [len(record["spans"]) for record in saved if record["doc_id"] == DOC] == [28]


# -- the C passes used for big records agree with check_record ---------------------------------


def with_many_spans(record: dict[str, Any], text: str, count: int) -> dict[str, Any]:
    """``record`` plus ``count`` one-character entity spans spread over the text."""
    extra = []
    for index in range(count):
        start = (index * 7) % (len(text) - 1)
        extra.append(
            {
                "id": f"x{index}",
                "start": start,
                "end": start + 1,
                "label": "entity",
                "text": text[start],
            }
        )
    return {**record, "spans": record["spans"] + extra}


@pytest.mark.parametrize("kind", [*DAMAGES, "past the end", "relation label", "end label"])
@pytest.mark.parametrize("big", [False, True])
def test_the_check_of_a_big_record_finds_what_check_record_finds(
    project_root: Path, kind: str, big: bool
) -> None:
    project = Project(project_root)
    text = project.corpus.get(DOC).text
    record = carol_record()
    if big:
        record = with_many_spans(record, text, record_check.FULL_CHECK_ITEMS)
    if kind in DAMAGES:
        DAMAGES[kind][0](record)
    elif kind == "past the end":
        record["spans"][-1]["end"] = len(text) + 5
        record["spans"][-1]["text"] = "x" * (len(text) + 5 - record["spans"][-1]["start"])
    elif kind == "relation label":
        record["relations"][-1]["label"] = "quotes"
    else:  # attributed_to's tail must be a speaker
        relation = record["relations"][0]
        relation["tail"] = next(s["id"] for s in record["spans"] if s["label"] == "event")
    from annotator.model.records import AnnotationRecord

    model = AnnotationRecord.model_validate(record)
    expected = [str(p) for p in check_record(model, text, project.config, file="f", line=2)]
    found = [str(p) for p in record_problems(model, text, project.config, file="f", line=2)]
    assert expected and found == expected


@pytest.mark.parametrize("big", [False, True])
def test_a_clean_record_passes_either_way(project_root: Path, big: bool) -> None:
    project = Project(project_root)
    text = project.corpus.get(DOC).text
    record = carol_record()
    if big:
        record = with_many_spans(record, text, record_check.FULL_CHECK_ITEMS)
    from annotator.model.records import AnnotationRecord

    model = AnnotationRecord.model_validate(record)
    assert check_record(model, text, project.config) == []
    assert record_problems(model, text, project.config, file="f", line=2) == []


def test_a_big_clean_record_costs_no_python_line_per_span(
    project_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """check_record is not called for a big clean record (the C passes vouch for it)."""
    project = Project(project_root)
    text = project.corpus.get(DOC).text
    from annotator.model.records import AnnotationRecord

    model = AnnotationRecord.model_validate(
        with_many_spans(carol_record(), text, record_check.FULL_CHECK_ITEMS)
    )
    calls: list[int] = []
    real = record_check.check_record

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(record_check, "check_record", counted)
    assert record_problems(model, text, project.config, file="f", line=1) == []
    assert calls == []
    small = AnnotationRecord.model_validate(carol_record())
    assert record_problems(small, text, project.config, file="f", line=1) == []
    assert calls == [1]
