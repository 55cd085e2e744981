"""``annotator annotate`` and the no-command default: errors are one line, the sample is copied."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.cli import main
from annotator.tui.app import AnnotateApp


def test_bad_project_or_document_is_one_line_and_exit_1(
    tmp_path: Path, sample_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["annotate", str(tmp_path / "missing")]) == 1
    assert main(["annotate", str(sample_project), "--doc", "no-such-doc"]) == 1
    assert main(["annotate", str(sample_project), "--annotator", "bad name"]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 3
    assert all(line.startswith("annotator: error: ") for line in lines)
    assert "no-such-doc" in lines[1]


def test_default_copies_the_sample_and_opens_it_for_the_user(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    opened: list[tuple[str, str, str]] = []

    def fake_run(self: AnnotateApp, *args: object, **kwargs: object) -> None:
        opened.append((str(self.project.root), self.annotations.annotator, self.start_doc))

    monkeypatch.setattr(AnnotateApp, "run", fake_run)
    assert main([]) == 0
    [(root, annotator, doc_id)] = opened
    assert annotator == "tester"  # $ANNOTATOR, set by the test fixtures
    assert (Path(root) / "documents").is_dir()
    assert doc_id == "merovia-runoff"
    # On the way out it says where the copy and the user's annotations are.
    said = capsys.readouterr().err
    assert f"the sample project is in {root}" in said
    assert str(Path(root) / "annotations" / "tester.jsonl") in said


def test_opens_first_document_not_done(
    sample_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from annotator.model.records import AnnotationRecord, Status
    from annotator.model.text import text_sha256
    from annotator.store.project import Project

    project = Project(sample_project)
    first = project.corpus.ids()[0]
    text = project.corpus.get(first).text
    with project.annotations("tester", writable=True) as annotations:
        annotations.save(
            AnnotationRecord(
                doc_id=first, annotator="tester", text_sha256=text_sha256(text), status=Status.done
            )
        )
    opened: list[str] = []
    monkeypatch.setattr(AnnotateApp, "run", lambda self, *a, **k: opened.append(self.start_doc))
    assert main(["annotate", str(sample_project)]) == 0
    assert opened == [project.corpus.ids()[1]]


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ({0: "skipped"}, 1),  # a skipped document does not come back first
        ({0: "skipped", 1: "done", 3: "in_progress"}, 3),  # where the work was left
        ({0: "flagged", 1: "in_progress", 2: "in_progress"}, 1),
        ({index: "done" for index in range(12)} | {5: "skipped"}, 12),  # the last new one
        ({index: "done" for index in range(13)} | {5: "skipped"}, 5),  # only set-aside left
    ],
)
def test_opens_where_the_annotator_left_off(
    sample_project: Path,
    monkeypatch: pytest.MonkeyPatch,
    statuses: dict[int, str],
    expected: int,
) -> None:
    from annotator.model.records import AnnotationRecord, Status
    from annotator.model.text import text_sha256
    from annotator.store.project import Project

    project = Project(sample_project)
    ids = project.corpus.ids()
    with project.annotations("tester", writable=True) as annotations:
        for index, status in statuses.items():
            text = project.corpus.get(ids[index]).text
            annotations.save(
                AnnotationRecord(
                    doc_id=ids[index],
                    annotator="tester",
                    text_sha256=text_sha256(text),
                    status=Status(status),
                )
            )
    opened: list[str] = []
    monkeypatch.setattr(AnnotateApp, "run", lambda self, *a, **k: opened.append(self.start_doc))
    assert main(["annotate", str(sample_project)]) == 0
    assert opened == [ids[expected]]


def test_a_session_that_saved_nothing_leaves_no_annotator_file(
    sample_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening the app and quitting without an edit must not make a new annotator appear
    (`stats`, `agreement` and the review count every file in annotations/)."""
    saved: list[bool] = []

    def quit_at_once(self: AnnotateApp, *args: object, **kwargs: object) -> None:
        saved.append(False)

    def save_one(self: AnnotateApp, *args: object, **kwargs: object) -> None:
        from annotator.model.records import AnnotationRecord
        from annotator.model.text import text_sha256

        text = self.project.corpus.get(self.start_doc).text
        self.annotations.save(
            AnnotationRecord(
                doc_id=self.start_doc, annotator="newbie", text_sha256=text_sha256(text)
            )
        )
        saved.append(True)

    path = sample_project / "annotations" / "newbie.jsonl"
    monkeypatch.setattr(AnnotateApp, "run", quit_at_once)
    assert main(["annotate", str(sample_project), "--annotator", "newbie"]) == 0
    assert not path.exists()
    monkeypatch.setattr(AnnotateApp, "run", save_one)
    assert main(["annotate", str(sample_project), "--annotator", "newbie"]) == 0
    assert path.stat().st_size > 0  # a file with a record stays, of course
    monkeypatch.setattr(AnnotateApp, "run", quit_at_once)
    assert main(["annotate", str(sample_project), "--annotator", "newbie"]) == 0
    assert path.stat().st_size > 0
    assert saved == [False, True, False]
