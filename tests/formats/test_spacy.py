"""The .spacy file loads with spaCy and every span matches the source text."""

from __future__ import annotations

import builtins
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.cli import main
from annotator.formats.spacy import overlapping_spans
from annotator.store.project import Project

from .helpers import DOCS, make_project, records_of, span_set, token_aligned

spacy = pytest.importorskip("spacy")
from spacy.tokens import DocBin  # noqa: E402


def load(path: Path) -> list[object]:
    nlp = spacy.blank("xx")
    return list(DocBin().from_disk(path).get_docs(nlp.vocab))


def test_docbin_loads_and_every_span_matches_the_text(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    out = tmp_path / "corpus.spacy"
    assert main(["export", str(root), "--format", "spacy", "--out", str(out)]) == 0
    docs = load(out)
    project = Project(root)
    records = records_of(root, "alice")
    assert len(docs) == len(DOCS)
    for doc in docs:
        doc_id = doc.user_data["doc_id"]
        text = project.corpus.get(doc_id).text
        assert doc.text == text
        record = records[doc_id]
        got = sorted((s.start_char, s.end_char, s.label_) for s in doc.spans["sc"])
        expected = token_aligned(root, span_set(record), text)
        assert got == sorted(expected), doc_id
        for span in doc.spans["sc"]:
            assert span.text == text[span.start_char : span.end_char]
        # doc.ents: exactly the spans that overlap no other span
        ents = {(e.start_char, e.end_char, e.label_) for e in doc.ents}
        for span in expected:
            alone = not any(o != span and o[0] < span[1] and span[0] < o[1] for o in expected)
            assert (span in ents) == alone
        widened = {
            s.id: token_aligned(root, {(s.start, s.end, s.label)}, text).pop() for s in record.spans
        }
        by_id = {key: (value[0], value[1]) for key, value in widened.items()}
        relations = doc.user_data["relations"]
        assert len(relations) == len(record.relations)
        for stored, relation in zip(relations, record.relations, strict=True):
            head = doc.spans["sc"][stored["head"]]
            assert (head.start_char, head.end_char) == by_id[relation.head]
            tail = doc.spans["sc"][stored["tail"]]
            assert (tail.start_char, tail.end_char) == by_id[relation.tail]


def test_spans_cutting_tokens_are_widened_and_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from .helpers import DocSpec

    root = make_project(
        tmp_path / "p", [DocSpec("d", "The Presidents spoke.", (("President", 0, "entity"),))]
    )
    out = tmp_path / "c.spacy"
    assert main(["export", str(root), "--format", "spacy", "--out", str(out)]) == 0
    (doc,) = load(out)
    assert [s.text for s in doc.spans["sc"]] == ["Presidents"]
    assert "1 span(s) moved to token boundaries" in capsys.readouterr().err


def test_missing_spacy_gives_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path / "p")
    real_import = builtins.__import__

    def no_spacy(name: str, *args: object, **kwargs: object) -> object:
        if name == "spacy" or name.startswith("spacy."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.delitem(sys.modules, "spacy", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_spacy)
    code = main(["export", str(root), "--format", "spacy", "--out", str(tmp_path / "x.spacy")])
    assert code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "annotator[spacy]" in err[0]
    assert not (tmp_path / "x.spacy").exists()


def test_a_large_export_becomes_a_folder_of_parts_that_spacy_reads_as_one_corpus(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from spacy.training import Corpus

    root = make_project(tmp_path / "p")
    out = tmp_path / "corpus.spacy"
    out.write_bytes(b"an older single-file export")
    args = ["export", str(root), "--format", "spacy", "--out", str(out), "--shard-size", "4"]
    assert main([*args, "--force"]) == 0
    assert out.is_dir()
    parts = sorted(path.name for path in out.iterdir())
    assert parts == ["part-0001.spacy", "part-0002.spacy", "part-0003.spacy"]
    assert [len(load(out / name)) for name in parts] == [4, 4, len(DOCS) - 8]
    assert "folder of 3 .spacy files" in capsys.readouterr().err
    # what `spacy train --paths.train corpus.spacy` does with a folder
    nlp = spacy.blank("xx")
    examples = list(Corpus(out)(nlp))
    ids = sorted(example.reference.user_data["doc_id"] for example in examples)
    assert ids == sorted(spec.doc_id for spec in DOCS if spec.text)  # spaCy skips empty docs
    for example in examples:
        text = Project(root).corpus.get(example.reference.user_data["doc_id"]).text
        assert example.reference.text == text
    # no temporary folder left beside the output; a second run needs --force
    assert sorted(path.name for path in tmp_path.iterdir()) == ["corpus.spacy", "p"]
    assert main(args) == 1


def test_shard_size_must_be_positive(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    out = tmp_path / "c.spacy"
    with pytest.raises(SystemExit):
        main(["export", str(root), "--format", "spacy", "--out", str(out), "--shard-size", "0"])
    assert not out.exists()


def test_a_shard_ends_at_its_token_budget_so_long_documents_do_not_pile_up(
    tmp_path: Path,
) -> None:
    from annotator.formats.common import Selection
    from annotator.formats.exporting import ExportOptions, run_export

    root = make_project(tmp_path / "p")
    out = tmp_path / "corpus.spacy"
    budget = 40
    summary = run_export(
        Project(root),
        "spacy",
        out,
        Selection(annotators=("alice",)),
        ExportOptions(shard_tokens=budget),  # far fewer documents than --shard-size
    )
    assert out.is_dir()
    shards = [load(path) for path in sorted(out.iterdir())]
    assert len(shards) > 1
    for docs in shards:
        # a shard stays within the budget, unless one document alone is longer
        assert len(docs) == 1 or sum(len(doc) for doc in docs) <= budget  # type: ignore[arg-type]
    exported = [doc.user_data["doc_id"] for docs in shards for doc in docs]  # type: ignore[attr-defined]
    assert len(exported) == len(set(exported)) == sum(summary.documents.values())
    assert f"up to 1000 documents and {budget} tokens each" in summary.render()


def test_large_enough_shard_limits_give_one_file(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    out = tmp_path / "corpus.spacy"
    args = ["export", str(root), "--format", "spacy", "--out", str(out)]
    assert main([*args, "--shard-tokens", "5"]) == 0 and out.is_dir()
    limits = ["--shard-size", "1000000", "--shard-tokens", "1000000"]
    assert main([*args, *limits, "--force"]) == 0
    assert out.is_file()
    assert len(load(out)) == len(DOCS)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 30), st.integers(1, 8)).map(lambda p: (p[0], p[0] + p[1])),
        max_size=25,
    )
)
def test_overlapping_spans_are_those_that_share_a_token_with_another(
    bounds: list[tuple[int, int]],
) -> None:
    expected = {
        i
        for i, (first, last) in enumerate(bounds)
        for j, (other_first, other_last) in enumerate(bounds)
        if i != j and first < other_last and other_first < last
    }
    assert overlapping_spans(bounds) == expected


def test_overlaps_of_a_book_are_found_in_one_sweep() -> None:
    """Each pair compared, the 125,000 spans of a 10 MB article took hours; sorted once, the
    sweep looks at each span a bounded number of times (counted through its bounds)."""

    class Counted(list[tuple[int, int]]):
        reads = 0

        def __getitem__(self, index: Any) -> Any:
            Counted.reads += 1
            return super().__getitem__(index)

    bounds = Counted((3 * n, 3 * n + (4 if n % 10 == 0 else 2)) for n in range(20_000))
    found = overlapping_spans(bounds)
    assert found == {n for n in range(20_000) if n % 10 in (0, 1)}
    assert Counted.reads < 30 * len(bounds)  # n log n for the sort, then two reads a span


def test_as_folder_writes_the_folder_of_parts_however_small_the_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """QA B14: a script written against the folder layout keeps working the day the corpus is
    small (a pilot, a dev split), and one written against a pilot's file is not broken the day
    the corpus outgrows one shard."""
    root = make_project(tmp_path / "p")
    out = tmp_path / "corpus.spacy"
    args = ["export", str(root), "--format", "spacy", "--out", str(out), "--as-folder"]
    assert main([*args, "--split", "train=0.5,dev=0.5"]) == 0
    for split in ("train", "dev"):
        folder = tmp_path / f"corpus.{split}.spacy"
        assert sorted(path.name for path in folder.iterdir()) == ["part-0001.spacy"]
    sizes = [
        len(load(tmp_path / f"corpus.{s}.spacy" / "part-0001.spacy")) for s in ("train", "dev")
    ]
    assert sum(sizes) == len(DOCS)
    assert main(args) == 0
    assert [len(load(out / "part-0001.spacy"))] == [len(DOCS)]
    assert "corpus.spacy is a folder of 1 .spacy files" in capsys.readouterr().err
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "corpus.dev.spacy",
        "corpus.spacy",
        "corpus.train.spacy",
        "p",
    ]
