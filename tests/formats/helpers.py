"""Generated projects with the documents that break exporters: nested spans, emoji, CJK,
combining marks, CRLF sources, empty documents, and relations."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import orjson

from annotator.model.records import AnnotationRecord, Relation, Span, Status
from annotator.model.text import text_sha256
from annotator.model.tokenize import TokenIndex
from annotator.store.project import Project, init_project

# (doc id, raw text, [(covered text, occurrence, label)], [(head index, tail index)])
SpanSpec = tuple[str, int, str]


@dataclass(frozen=True)
class DocSpec:
    doc_id: str
    text: str
    spans: tuple[SpanSpec, ...] = ()
    links: tuple[tuple[int, int], ...] = ()
    status: Status = Status.done


DOCS = (
    DocSpec(
        "wire/001",
        "Minister Ana Silva said the summit in Lisbon would go ahead.\n"
        "Opposition leader Rui Costa called it a mistake.",
        (
            ("Ana Silva", 0, "speaker"),
            ("the summit in Lisbon would go ahead", 0, "claim"),
            ("summit", 0, "event"),
            ("Lisbon", 0, "entity"),
            ("Rui Costa", 0, "speaker"),
            ("it a mistake", 0, "claim"),
        ),
        ((1, 0), (5, 4)),
    ),
    DocSpec(
        "emoji",
        "Fans 😀👍🏽 cheered as 👨‍👩‍👧 Maria Gómez 🎉 said the final was fair.",
        (("Maria Gómez", 0, "speaker"), ("the final was fair", 0, "claim"), ("final", 0, "event")),
        ((1, 0),),
    ),
    DocSpec(
        "cjk",
        "東京都の小池知事は 会見で 五輪 について 話した。𠮷野家 also said 𠮷 prices rise.",
        (
            ("小池知事は", 0, "speaker"),
            ("五輪", 0, "event"),
            ("𠮷野家", 0, "speaker"),
            ("𠮷 prices rise", 0, "claim"),
        ),
        ((3, 2),),
    ),
    DocSpec(
        "combining",
        "Spokesperson Zoe\u0301 Nguye\u0302\u0303n said the cafe\u0301 would reopen.",
        (
            ("Zoe\u0301 Nguye\u0302\u0303n", 0, "speaker"),
            ("the cafe\u0301 would reopen", 0, "claim"),
        ),
        ((1, 0),),
    ),
    DocSpec(
        "crlf",
        "Mayor Jo Park said:\r\n\r\nthe bridge will open in May.\r\nCritics disagree.",
        (
            ("Jo Park", 0, "speaker"),
            ("the bridge will open in May", 0, "claim"),
            ("bridge", 0, "entity"),
        ),
        ((1, 0),),
    ),
    DocSpec("empty", "", (), (), Status.skipped),
    DocSpec(
        "../../etc/passwd",
        "CON and con are names Windows reserves; Lee said so.",
        (("Lee", 0, "speaker"), ("CON", 0, "entity")),
    ),
    DocSpec("A", "Ana met Bo.", (("Ana", 0, "entity"), ("Bo", 0, "entity"))),
    DocSpec("a", "Bo met Ana.", (("Bo", 0, "entity"),)),
)


def _find(text: str, covered: str, occurrence: int) -> int:
    position = -1
    for _ in range(occurrence + 1):
        position = text.index(covered, position + 1)
    return position


def normalized(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def record_for(spec: DocSpec, annotator: str) -> AnnotationRecord:
    text = normalized(spec.text)
    spans = []
    for number, (covered, occurrence, label) in enumerate(spec.spans):
        start = _find(text, covered, occurrence)
        spans.append(
            Span(id=f"s{number}", start=start, end=start + len(covered), label=label, text=covered)
        )
    relations = [
        Relation(id=f"r{n}", label="attributed_to", head=f"s{head}", tail=f"s{tail}")
        for n, (head, tail) in enumerate(spec.links)
    ]
    return AnnotationRecord(
        doc_id=spec.doc_id,
        annotator=annotator,
        text_sha256=text_sha256(text),
        spans=spans,
        relations=relations,
        status=spec.status,
    )


def make_project(
    root: Path, docs: Iterable[DocSpec] = DOCS, annotators: Iterable[str] = ("alice",)
) -> Path:
    """A project whose CRLF document is a .txt file (normalized on reading), the rest JSONL."""
    docs = list(docs)
    init_project(root, [])
    lines = []
    for spec in docs:
        if "\r" in spec.text:
            (root / "documents" / f"{spec.doc_id}.txt").write_bytes(spec.text.encode())
        else:
            lines.append(orjson.dumps({"id": spec.doc_id, "text": spec.text}))
    (root / "documents" / "generated.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    project = Project(root)
    assert not project.corpus.problems
    for annotator in annotators:
        with project.annotations(annotator, writable=True) as annotation_file:
            for spec in docs:
                annotation_file.save(record_for(spec, annotator))
    return root


def span_set(record: AnnotationRecord) -> set[tuple[int, int, str]]:
    return {(span.start, span.end, span.label) for span in record.spans}


def link_set(
    record: AnnotationRecord,
) -> set[tuple[tuple[int, int, str], tuple[int, int, str], str]]:
    spans = {span.id: (span.start, span.end, span.label) for span in record.spans}
    return {(spans[r.head], spans[r.tail], r.label) for r in record.relations}


def records_of(root: Path, annotator: str) -> dict[str, AnnotationRecord]:
    project = Project(root)
    return {record.doc_id: record for _, record in project.annotations(annotator).iter_records()}


def folder_digest(root: Path) -> dict[str, str]:
    """Every file under ``root`` (hidden ones too) with the sha256 of its bytes."""
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def token_aligned(
    root: Path, spans: set[tuple[int, int, str]], text: str
) -> set[tuple[int, int, str]]:
    """The spans widened to whole tokens of the project's tokenizer, as token formats do."""
    index = TokenIndex.of(text, Project(root).config.tokenizer)
    aligned = set()
    for start, end, label in spans:
        first, last = index.covering(start, end)
        aligned.add((index.starts[first], index.ends[last - 1], label))
    return aligned
