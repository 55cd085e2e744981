"""Which documents and records agreement is computed over, read one document at a time.

A record takes part only when its ``text_sha256`` equals the hash of the current document text;
a document takes part when at least two selected annotators have such a record. Every other
document with a record, and every document nobody annotated, is listed with the reason.

Bad input is never used silently: a line of an annotation file that cannot be read (not JSON,
not a record) and a record that ``annotator validate`` rejects (unknown label, span text that
does not match the document, relation to a missing span...) are collected in
:attr:`Selection.problems`, and a document with such a record (when the bad line still names
its document) is excluded as a whole, with the problem as the reason. The commands decide what
to do with them: ``adjudicate`` and ``review`` refuse, ``agreement`` refuses unless told to
skip them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from annotator.agreement.light import LightRecord, RecordChecker
from annotator.model.config import TokenizerConfig
from annotator.model.errors import AnnotatorError
from annotator.model.text import text_sha256
from annotator.model.tokenize import TokenIndex
from annotator.store.annotations import AnnotationFile, RecordEntry
from annotator.store.project import Project

TEXT_CHANGED = "document text changed since annotated (text_sha256 differs)"
"""Why a record is set aside (``annotator reanchor`` moves it onto the new text)."""


@dataclass(frozen=True, slots=True)
class Excluded:
    doc_id: str
    reason: str


@dataclass(slots=True)
class DocumentRecords:
    """One counted document: its text, tokens and the usable record of each annotator."""

    doc_id: str
    text: str
    tokenizer: TokenizerConfig | None
    records: dict[str, LightRecord]
    """Annotator to record, in the order of the selected annotators."""
    set_aside: dict[str, str] = field(default_factory=dict)
    """Annotators whose record of this document was not used, with the reason."""
    _tokens: TokenIndex | None = None

    @property
    def tokens(self) -> TokenIndex:
        """The text's tokens, cut on first use (the automatic merge never needs them)."""
        if self._tokens is None:
            self._tokens = TokenIndex.of(self.text, self.tokenizer)
        return self._tokens


class _RecordReader:
    """Reads one annotator's current records by byte position, one at a time: memory stays
    flat however big the files are (reading them whole kept 640 MB at 100,000 documents)."""

    def __init__(self, annotations: AnnotationFile, checker: RecordChecker) -> None:
        self.annotations = annotations
        self.checker = checker

    def get(self, doc_id: str, text: str, digest: str) -> LightRecord | AnnotatorError | None:
        """The record of ``doc_id`` checked against its document (``text``, hash ``digest``);
        the first problem when it cannot be read or does not validate; None: no record."""
        entry: RecordEntry | None = self.annotations.entries.get(doc_id)
        if entry is None:
            return None
        try:
            # the very file that was indexed; a record with patch lines comes folded
            chunk = self.annotations.read_line(entry)
        except AnnotatorError as error:
            return error
        found = self.checker.read(
            chunk, text, digest, file=self.annotations.path, line=entry.last_line
        )
        if isinstance(found, LightRecord):
            return found
        # each problem on the line its field comes from (a patched record spans several)
        return self.annotations.relocate(doc_id, found)[0]


_DOC_ID = re.compile(rb'"doc_id"\s*:\s*"((?:[^"\\]|\\.)*)"')


def _doc_id_of_line(path: Path, number: int) -> str | None:
    """The document a bad line names, when it still does (a line cut short, say)."""
    try:
        with path.open("rb") as handle:
            for index, data in enumerate(handle, start=1):
                if index == number:
                    match = _DOC_ID.search(data)
                    if match is None:
                        return None
                    return match.group(1).decode("utf-8", "replace")
    except OSError:
        return None
    return None


def in_file_order(problems: Sequence[str]) -> list[str]:
    """``file:line: ...`` problems by file, then line (they are found document by document)."""

    def key(problem: str) -> tuple[str, int]:
        match = re.match(r"(.*?):(\d+): ", problem)
        return (match.group(1), int(match.group(2))) if match else (problem, 0)

    return sorted(problems, key=key)


def bad_input_message(problems: Sequence[str], hint: str = "") -> str:
    """One line: the first problem in file order, and how many more (``annotator validate``
    lists them all)."""
    more = len(problems) - 1
    others = f"{more} more problem(s); " if more else ""
    first = in_file_order(problems)[0]
    return f"{first} ({others}run `annotator validate`{' ' + hint if hint else ''})"


def read_doc_ids(path: Path) -> list[str]:
    """Document ids from a file, one per line (blank lines and ``#`` comments ignored)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise AnnotatorError(f"cannot read the document list: {error}", file=path) from None
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


class Selection:
    """The annotators, labels and documents of one agreement run."""

    def __init__(
        self,
        project: Project,
        *,
        annotators: Sequence[str] | None = None,
        labels: Sequence[str] | None = None,
        doc_ids: Sequence[str] | None = None,
        include_gold: bool = False,
        docs_file: Path | None = None,
    ) -> None:
        self.project = project
        config = project.config
        available = project.annotators()
        if annotators is None:
            chosen = [name for name in available if include_gold or name != config.gold_annotator]
        else:
            chosen = list(dict.fromkeys(annotators))
            missing = [name for name in chosen if name not in available]
            if missing:
                raise AnnotatorError(
                    f"no annotation file for {', '.join(missing)} (have: "
                    f"{', '.join(available) or 'none'})",
                    file=project.annotations_dir,
                )
        self.annotators = chosen
        if labels is None:
            self.labels = config.label_names
        else:
            unknown = [label for label in labels if config.label(label) is None]
            if unknown:
                raise AnnotatorError(
                    f"unknown label(s) {', '.join(unknown)} (known: "
                    f"{', '.join(config.label_names)})"
                )
            self.labels = list(dict.fromkeys(labels))
        self.restricted = set(self.labels) != set(config.label_names)
        """Only some of the configured labels are compared (``--labels``)."""
        self.labels_given = labels is not None
        """The labels were chosen (``--labels``): spans of a label the config no longer has
        are then ignored, not refused (see :class:`RecordChecker`)."""
        if doc_ids is None:
            self.doc_ids = project.corpus.ids()
        else:
            unknown_docs = [doc_id for doc_id in doc_ids if doc_id not in project.corpus]
            if unknown_docs:
                raise AnnotatorError(
                    f"{len(unknown_docs)} unknown document id(s), first {unknown_docs[0]!r}",
                    file=docs_file,
                )
            self.doc_ids = list(dict.fromkeys(doc_ids))
        self.files = {name: project.annotations(name) for name in self.annotators}
        if annotators is None:
            # An annotator who opened the app and saved nothing has an empty file: not an
            # annotator to compare (a file of unreadable lines stays, to be reported).
            for name, file in list(self.files.items()):
                if not len(file.entries) and not file.problems and not file.warnings:
                    file.close()
                    del self.files[name]
            self.annotators = list(self.files)
        self.warnings: list[str] = []
        """Not problems: a torn final line (a crash, or a write under way), set aside."""
        self.file_problems: list[str] = []
        """Lines of the selected annotators' files that could not be read at all."""
        self.record_problems: list[str] = []
        """Records found not to validate by :meth:`documents`, as it went."""
        self._bad_documents: dict[str, str] = {}
        """Document id to the problem of a bad line that names it."""
        for annotation_file in self.files.values():
            for problem in annotation_file.problems:
                self.file_problems.append(str(problem))
                if problem.line is not None:
                    doc_id = _doc_id_of_line(annotation_file.path, problem.line)
                    if doc_id is not None:
                        self._bad_documents.setdefault(doc_id, str(problem))
            self.warnings.extend(str(warning) for warning in annotation_file.warnings)
        self.excluded: list[Excluded] = []
        self.set_aside: list[tuple[str, str]] = []
        """``(doc_id, annotator)`` of each record made on an older text (``reanchor`` moves
        it), found by :meth:`documents` as it went; counted documents and excluded ones."""
        checker = RecordChecker(config, ignore_unconfigured_labels=self.labels_given)
        self._readers = {name: _RecordReader(file, checker) for name, file in self.files.items()}

    @property
    def problems(self) -> list[str]:
        """Every bad line and bad record found so far (``file:line: field: problem``)."""
        return [*self.file_problems, *self.record_problems]

    def check_records(
        self,
        progress: Callable[[int, int], None] | None = None,
        doc_ids: Sequence[str] | None = None,
    ) -> list[str]:
        """Read and check every record the run would use (of ``doc_ids``, default all), before
        anything is written; the problems found (none: every record is good). Leaves the
        selection as it was."""
        excluded, found = len(self.excluded), len(self.record_problems)
        set_aside = len(self.set_aside)
        total = len(self.doc_ids if doc_ids is None else doc_ids)
        for done, _document in enumerate(self.documents(doc_ids), start=1):
            if progress is not None and done % 200 == 0:
                progress(done + len(self.excluded) - excluded, total)
        problems = [*self.file_problems, *self.record_problems[found:]]
        del self.excluded[excluded:]
        del self.record_problems[found:]
        del self.set_aside[set_aside:]
        if progress is not None:
            progress(total, total)
        return problems

    def orphan_records(self) -> list[Excluded]:
        """Records of documents that are not in the corpus."""
        corpus = self.project.corpus
        found: dict[str, list[str]] = {}
        for name, annotation_file in self.files.items():
            for doc_id in annotation_file.entries:
                if doc_id not in corpus:
                    found.setdefault(doc_id, []).append(name)
        return [
            Excluded(doc_id, f"not in the corpus (records by {', '.join(names)})")
            for doc_id, names in found.items()
        ]

    def documents(self, doc_ids: Sequence[str] | None = None) -> Iterator[DocumentRecords]:
        """Each counted document in order; exclusions accumulate in :attr:`excluded`."""
        corpus = self.project.corpus
        tokenizer = self.project.config.tokenizer
        for doc_id in self.doc_ids if doc_ids is None else doc_ids:
            bad_line = self._bad_documents.get(doc_id)
            if bad_line is not None:
                self.excluded.append(Excluded(doc_id, f"unreadable record ({bad_line})"))
                continue
            present = [name for name in self.annotators if doc_id in self.files[name].entries]
            if len(present) < 2:
                self.excluded.append(Excluded(doc_id, _too_few(present, {})))
                continue
            text = corpus.get(doc_id).text
            digest = text_sha256(text)
            records: dict[str, LightRecord] = {}
            set_aside: dict[str, str] = {}
            bad: list[str] = []
            for name in present:
                record = self._readers[name].get(doc_id, text, digest)
                if isinstance(record, AnnotatorError):
                    bad.append(str(record))
                elif record is not None and record.text_sha256 != digest:
                    set_aside[name] = TEXT_CHANGED
                elif record is not None:
                    records[name] = record
            self.set_aside.extend((doc_id, name) for name in set_aside)
            if bad:  # never figures or gold from part of a document's votes
                self.record_problems.extend(bad)
                self.excluded.append(Excluded(doc_id, f"invalid record ({'; '.join(bad)})"))
                continue
            if len(records) < 2:
                self.excluded.append(Excluded(doc_id, _too_few(list(records), set_aside)))
                continue
            yield DocumentRecords(doc_id, text, tokenizer, records, set_aside)


def _too_few(usable: list[str], set_aside: dict[str, str]) -> str:
    if not usable and not set_aside:
        reason = "no records by the selected annotators"
    elif len(usable) == 1:
        reason = f"only {usable[0]} has a usable record"
    else:
        reason = "no usable record"
    for name, why in set_aside.items():
        reason += f"; {name}: {why}"
    return reason
