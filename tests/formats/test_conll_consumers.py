"""The ``conll`` export in the CoNLL-2003 layout the common readers expect (QA B2): spaCy's
converter splits documents on its ``-DOCSTART- -X- O O`` line (no junk "-DOCSTART-" document),
and a reader splitting columns on one space gets the words and tags."""

from __future__ import annotations

from pathlib import Path

from spacy.training.converters.conll_ner_to_docs import conll_ner_to_docs

from annotator.cli import main

from .helpers import DocSpec, make_project

DOCS = (
    DocSpec(
        "one",
        "Minister Ana Silva said:\nthe summit will go ahead 😀 in Lisbon.",
        (("Ana Silva", 0, "speaker"), ("the summit will go ahead", 0, "claim")),
    ),
    DocSpec("empty", ""),
    DocSpec("two", "Lee met Bo in Lisbon.", (("Lee", 0, "speaker"), ("Lisbon", 0, "entity"))),
)


def export(root: Path, out: Path, *extra: str) -> str:
    assert main(["export", str(root), "--format", "conll", "--out", str(out), *extra]) == 0
    return out.read_text(encoding="utf-8")


def test_spacy_converter_makes_one_doc_per_document_and_no_docstart_doc(tmp_path: Path) -> None:
    content = export(make_project(tmp_path / "p", DOCS), tmp_path / "out.conll")
    docs = list(conll_ner_to_docs(content, no_print=True))
    assert [doc.text for doc in docs] == [
        "Minister Ana Silva said : the summit will go ahead 😀 in Lisbon . ",
        "Lee met Bo in Lisbon . ",
    ]
    assert [[(ent.text, ent.label_) for ent in doc.ents] for doc in docs] == [
        [("Ana Silva", "speaker"), ("the summit will go ahead", "claim")],
        [("Lee", "speaker"), ("Lisbon", "entity")],
    ]


def test_every_document_starts_with_the_conll_2003_line_and_a_blank_line(tmp_path: Path) -> None:
    content = export(make_project(tmp_path / "p", DOCS), tmp_path / "out.conll")
    assert content.startswith("-DOCSTART- -X- O O\n\nMinister O\nAna B-speaker\n")
    assert content.count("-DOCSTART- -X- O O\n\n") == len(DOCS)
    assert "\t" not in content


def test_a_reader_splitting_on_one_space_gets_words_and_tags(tmp_path: Path) -> None:
    """The reader of HF transformers' legacy token-classification example (copied into many NER
    repositories): ``line.split(" ")``, word first, label last (``O`` when there is one field)."""
    content = export(make_project(tmp_path / "p", DOCS), tmp_path / "out.conll")
    words, labels = [], []
    for line in content.splitlines(keepends=True):
        if line.startswith("-DOCSTART-") or line in ("", "\n"):
            continue
        splits = line.split(" ")
        words.append(splits[0])
        labels.append(splits[-1].replace("\n", "") if len(splits) > 1 else "O")
    assert words[:4] == ["Minister", "Ana", "Silva", "said"]
    assert labels[:4] == ["O", "B-speaker", "I-speaker", "O"]
    assert labels.count("B-speaker") == 2 and labels.count("B-entity") == 1


def test_whitespace_in_a_custom_token_becomes_an_underscore(tmp_path: Path) -> None:
    nbsp = DocSpec("nbsp", "Rui\u00a0Costa spoke.", (("Rui\u00a0Costa", 0, "speaker"),))
    root = make_project(tmp_path / "p", (*DOCS, nbsp))
    config = root / "annotator.toml"
    # names of capitalized words are one token; NBSP counts as whitespace for str.split too
    pattern = r"[A-Z][a-z]+(?:[ \u00a0][A-Z][a-z]+)*|\S+"
    lines = config.read_text(encoding="utf-8").splitlines()
    kind = next(n for n, line in enumerate(lines) if line.startswith("kind = "))
    lines[kind] = f"kind = \"regex\"\npattern = '{pattern}'"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    content = export(root, tmp_path / "out.conll", "--overlap", "columns")
    lines = [line for line in content.split("\n") if line and not line.startswith("-DOCSTART-")]
    assert all(len(line.split()) == len(line.split(" ")) == 5 for line in lines)
    fields = {line.split(" ")[0]: line.split(" ")[1:] for line in lines}
    # one column per label in config order (speaker first); the cut token is taken whole
    assert fields["Minister_Ana_Silva"] == ["B-speaker", "O", "O", "O"]
    assert fields["Rui_Costa"] == ["B-speaker", "O", "O", "O"]
