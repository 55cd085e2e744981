"""``brat``: a folder of ``DOC.txt`` + ``DOC.ann`` pairs and an ``annotation.conf``.

``annotation.conf`` lists the labels and relation types, and allows any overlap of spans (brat's
``<OVERLAP>`` rule: spans of our projects may nest and cross). ``T`` lines hold spans
(``T3<TAB>speaker 10 19<TAB>Ana Silva``), ``R`` lines relations (``R1<TAB>attributed_to
Arg1:T2 Arg2:T3``, Arg1 the head, Arg2 the tail). Offsets are character
offsets (code points) into ``DOC.txt``, which holds the normalized text. A span that crosses a
line break is written as fragments (``0 5;6 11``) without the newlines, brat's convention, and
its text field joins the fragments with a space.

File names: a document id becomes a safe stem (letters, digits, ``._-``; every other run is
``_``; no leading dots, so no ``..`` or hidden files; names reserved by Windows or brat get a
``_`` prefix); when the stem differs from the id, 8 hex digits of the id's sha1 are appended, and
a counter settles any remaining clash (compared without case). ``doc-ids.tsv`` in each folder
maps stems back to ids (import uses it). With ``--split``, each split is a subfolder and
``annotation.conf`` sits at the top, where brat finds it for every subfolder.

Import reads every ``*.ann`` under the folder (or one ``.ann`` file) with its ``.txt``.
Discontinuous spans are merged to one span from the first to the last fragment (counted);
events, attributes, normalizations, equivalences and notes are counted and not imported.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

from annotator.formats.common import ExportItem, safe_file_name, write_file_atomic
from annotator.formats.exporting import ExportContext, ExportFormat, Writer
from annotator.formats.importing import RawAnnotation, RawDocument, RawRelation, RawSpan, Where
from annotator.model.errors import AnnotatorError
from annotator.model.text import BOM
from annotator.store.jsonl import decode_utf8

CONF = "annotation.conf"
IDS = "doc-ids.tsv"


def fragments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``[start, end)`` cut at line breaks, the newlines left out."""
    pieces: list[tuple[int, int]] = []
    position = start
    while position < end:
        newline = text.find("\n", position, end)
        stop = end if newline == -1 else newline
        if stop > position:
            pieces.append((position, stop))
        position = stop + 1
    return pieces


def _escape_tsv(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _unescape_tsv(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"t": "\t", "n": "\n"}.get(m.group(1), m.group(1)), value)


class BratWriter(Writer):
    def __init__(self, path: Path, context: ExportContext) -> None:
        super().__init__(path, context)
        self.created = [folder for folder in (path, *path.parents) if not folder.exists()]
        """Folders this export made, innermost first (removed again if it fails)."""
        path.mkdir(parents=True, exist_ok=True)
        self.used: set[str] = {IDS.lower(), CONF.lower()}
        self.ids: list[tuple[str, str]] = []
        self.written: list[Path] = []
        """Files written so far (removed again if the export fails or is interrupted)."""

    def write(self, item: ExportItem) -> None:
        document = item.document
        (record,) = item.records
        summary = self.context.summary
        text = document.text
        stem = safe_file_name(document.id, self.used)
        self.ids.append((stem, document.id))
        lines: list[str] = []
        numbers: dict[str, int] = {}
        for span in record.spans:
            pieces = fragments(text, span.start, span.end)
            if not pieces:
                summary.drop("span(s) of line breaks only (brat cannot hold them)", document.id)
                continue
            if (pieces[0][0], pieces[-1][1]) != (span.start, span.end):
                summary.adjust(
                    "span edge(s) on a line break left out (brat fragments)", document.id
                )
            number = len(numbers) + 1
            numbers[span.id] = number
            offsets = ";".join(f"{a} {b}" for a, b in pieces)
            covered = " ".join(text[a:b] for a, b in pieces)
            lines.append(f"T{number}\t{span.label} {offsets}\t{covered}")
            summary.spans[span.label] += 1
        relation_number = 0
        for relation in record.relations:
            head, tail = numbers.get(relation.head), numbers.get(relation.tail)
            if head is None or tail is None:
                summary.drop("relation(s) whose span was dropped", document.id)
                continue
            relation_number += 1
            lines.append(f"R{relation_number}\t{relation.label} Arg1:T{head} Arg2:T{tail}")
            summary.relations[relation.label] += 1
        for name, content in (
            (f"{stem}.txt", text),
            (f"{stem}.ann", "".join(line + "\n" for line in lines)),
        ):
            self.written.append(self.path / name)
            write_file_atomic(self.path / name, content)

    def close(self) -> None:
        content = "".join(f"{stem}\t{_escape_tsv(doc_id)}\n" for stem, doc_id in self.ids)
        write_file_atomic(self.path / IDS, content)
        self.context.files.append(self.path)

    def abort(self) -> None:
        """Leave nothing of this export behind: its files, then the folders it made, if empty
        (files of an earlier export overwritten with ``--force`` are gone either way)."""
        for path in self.written:
            with contextlib.suppress(OSError):
                path.unlink()
        self.written.clear()
        for folder in self.created:
            with contextlib.suppress(OSError):
                folder.rmdir()


OVERLAP_RULE = "<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>"
"""brat's rule letting any span contain, equal or cross any other (without it brat reports every
nested or crossing pair as a configuration violation); spans of our projects may overlap."""


def annotation_conf(context: ExportContext) -> str:
    lines = ["[entities]", *context.labels, "", "[relations]"]
    lines += ["# spans may nest and cross, as in the annotator project", OVERLAP_RULE]
    for relation in context.config.relations:
        head = "|".join(relation.head_labels) or "<ENTITY>"
        tail = "|".join(relation.tail_labels) or "<ENTITY>"
        lines.append(f"{relation.name}\tArg1:{head}, Arg2:{tail}")
    lines += ["", "[events]", "", "[attributes]", ""]
    return "\n".join(lines)


def write_conf(out: Path, context: ExportContext) -> None:
    context.files.append(write_file_atomic(out / CONF, annotation_conf(context)))


EXPORT = ExportFormat("brat", BratWriter, directory=True, sidecars=write_conf)


# -- import ------------------------------------------------------------------------------------

_T_LINE = re.compile(r"^(T\d+)\t(\S+) (\d+ \d+(?:;\d+ \d+)*)(?:\t(.*))?$", re.DOTALL)
"""The text field may be missing or empty (some converters write none): offsets are checked
against the ``.txt`` only."""
_R_LINE = re.compile(r"^(R\d+)\t(\S+) (Arg[12]):(\S+) (Arg[12]):(\S+)\s*$")
"""Arguments are read by role, in either order."""
_IGNORED = {
    "E": "events",
    "A": "attributes",
    "M": "attributes",
    "N": "normalizations",
    "*": "equivalences",
    "#": "notes",
}


def _id_map(folder: Path) -> dict[str, str]:
    path = folder / IDS
    if not path.is_file():
        return {}
    mapping: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        stem, tab, doc_id = line.partition("\t")
        if not tab or not doc_id:
            raise AnnotatorError("expected STEM<TAB>DOCUMENT-ID", file=path, line=number)
        mapping[stem] = _unescape_tsv(doc_id)
    return mapping


def _read_pair(ann: Path, doc_id: str, problems: list[AnnotatorError]) -> RawDocument | None:
    txt = ann.with_suffix(".txt")
    if not txt.is_file():
        problems.append(AnnotatorError(f"no {txt.name} beside it", file=ann))
        return None
    try:
        text = decode_utf8(txt.read_bytes(), file=txt, line=None)
        lines = decode_utf8(ann.read_bytes(), file=ann, line=None).removeprefix(BOM).split("\n")
    except AnnotatorError as error:
        problems.append(error)
        return None
    document = RawDocument(doc_id, text, Where(ann), annotations=[RawAnnotation()])
    annotation = document.annotations[0]
    for number, line in enumerate(lines, start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        where = Where(ann, number)
        kind = line[0]
        if kind == "T":
            match = _T_LINE.match(line)
            if match is None:
                problems.append(where.error("expected 'T<n><TAB>LABEL START END<TAB>TEXT'"))
                continue
            key, label, offsets, covered = match.groups()
            pieces = [tuple(int(x) for x in part.split()) for part in offsets.split(";")]
            start, end = pieces[0][0], pieces[-1][1]
            given: str | None = covered or None
            if len(pieces) > 1 and given is None:
                document.ignored.append("discontinuous span(s) merged into one span: gaps included")
            elif len(pieces) > 1:
                joined = " ".join(text[a:b] for a, b in pieces)
                if joined != covered or any(b > len(text) for _, b in pieces):
                    problems.append(
                        where.error(f"fragments {offsets} cover {joined!r}, not {covered!r}")
                    )
                    continue
                given = None
                document.ignored.append("discontinuous span(s) merged into one span: gaps included")
            annotation.spans.append(RawSpan(key, start, end, label, where, key, given))
        elif kind == "R":
            match = _R_LINE.match(line)
            if match is None:
                problems.append(where.error("expected 'R<n><TAB>TYPE Arg1:T<n> Arg2:T<n>'"))
                continue
            key, label, first_role, first, second_role, second = match.groups()
            if first_role == second_role:
                problems.append(where.error(f"two {first_role} arguments; expected Arg1 and Arg2"))
                continue
            head, tail = (first, second) if first_role == "Arg1" else (second, first)
            annotation.relations.append(RawRelation(key, head, tail, label, where, key))
        elif kind in _IGNORED:
            document.ignored.append(f"brat {_IGNORED[kind]}")
        else:
            problems.append(where.error(f"unknown annotation line kind {kind!r}"))
    return document


def read(path: Path, problems: list[AnnotatorError]) -> Iterator[RawDocument]:
    """Every ``.ann`` file under ``path`` (or ``path`` itself) with its ``.txt``."""
    if path.is_file():
        if path.suffix != ".ann":
            raise AnnotatorError("expected a brat folder or an .ann file", file=path)
        ids = _id_map(path.parent)
        document = _read_pair(path, ids.get(path.stem, path.stem), problems)
        if document is not None:
            yield document
        return
    id_maps: dict[Path, dict[str, str]] = {}
    for ann in sorted(path.rglob("*.ann")):
        if any(part.startswith(".") for part in ann.relative_to(path).parts):
            continue
        folder = ann.parent
        if folder not in id_maps:
            id_maps[folder] = _id_map(folder)
        default = ann.relative_to(path).with_suffix("").as_posix()
        document = _read_pair(ann, id_maps[folder].get(ann.stem, default), problems)
        if document is not None:
            yield document
