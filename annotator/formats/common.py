"""Pieces every format shares: record selection and splits, token alignment, tag schemes,
UTF-16 offsets, offsets through newline normalization, safe file names, atomic outputs."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

import msgspec
import orjson

from annotator.formats.fast_records import RecordRules, StoredRecord
from annotator.formats.summary import Summary
from annotator.model.config import ProjectConfig, TokenizerConfig
from annotator.model.errors import AnnotatorError
from annotator.model.records import AnnotationRecord, Document, Relation, Span, Status
from annotator.model.text import BOM, text_sha256
from annotator.model.tokenize import TokenIndex
from annotator.model.validate import check_record
from annotator.store.annotations import AnnotationFile, RecordEntry
from annotator.store.jsonl import fsync_directory
from annotator.store.project import Project

Scheme = Literal["iob2", "bilou"]

# -- selection ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """Which records an export takes."""

    annotators: tuple[str, ...]
    statuses: frozenset[Status] | None = None
    """None: every status."""
    labels: frozenset[str] | None = None
    """None: every label. Relations are kept only when both their spans are."""
    splits: tuple[tuple[str, float], ...] | None = None
    seed: int = 0
    skip_bad: bool = False
    """A record ``annotator validate`` rejects (span text not matching the document, unknown
    label, relation to a missing span...) is left out and counted; without it, the export stops
    at the first one, naming file and line (nothing is written)."""


class ExportItem:
    """One document with the selected records of it (one per annotator, label-filtered).

    The records come as the JSON objects of their lines, or as :class:`StoredRecord` objects
    for a format that writes them as stored (:attr:`raw`, already checked), which is all the
    ``jsonl`` export needs; :attr:`records` builds the models on first use.
    """

    __slots__ = ("_records", "document", "raw", "split")

    def __init__(
        self,
        document: Document,
        raw: Sequence[dict[str, Any] | StoredRecord],
        split: str = "",
        records: tuple[AnnotationRecord, ...] | None = None,
    ) -> None:
        self.document = document
        self.raw = tuple(raw)
        """Each record as a JSON object (field names and values as in the record's line) or, for
        a format that writes records as stored, as a :class:`StoredRecord`."""
        self.split = split
        self._records = records

    @property
    def records(self) -> tuple[AnnotationRecord, ...]:
        if self._records is None:
            self._records = tuple(
                AnnotationRecord.model_validate(
                    msgspec.to_builtins(value) if isinstance(value, StoredRecord) else value
                )
                for value in self.raw
            )
        return self._records


def resolve_annotators(
    project: Project, requested: Sequence[str] | None, *, several: bool
) -> tuple[str, ...]:
    """Names from ``--annotator`` (``gold`` means the config's gold annotator, ``all`` everyone).

    Without ``--annotator``: the gold annotator when it has a file, else every annotator for a
    format that carries several (Label Studio, jsonl), else the only annotator there is.
    """
    present = project.annotators()
    gold = project.config.gold_annotator
    if not requested:
        if gold in present:
            return (gold,)
        if several and present:
            return tuple(present)
        if len(present) == 1:
            return (present[0],)
        if not present:
            raise AnnotatorError("no annotation files in the project", file=project.annotations_dir)
        raise AnnotatorError(
            f"several annotators ({', '.join(present)}) and no {gold!r} file: pass --annotator NAME"
        )
    names: list[str] = []
    for name in requested:
        if name == "all":
            names.extend(present)
            continue
        if name == "gold":
            name = gold
        if name not in present:
            raise AnnotatorError(
                f"no annotation file for annotator {name!r} (present: "
                f"{', '.join(present) or 'none'})",
                file=project.annotations_dir,
            )
        names.append(name)
    unique = tuple(dict.fromkeys(names))
    if len(unique) > 1 and not several:
        raise AnnotatorError(
            "this format holds one annotation per document: pass a single --annotator "
            f"(got {', '.join(unique)})"
        )
    return unique


def parse_statuses(value: Sequence[str] | None) -> frozenset[Status] | None:
    if not value:
        return None
    found = set()
    for name in value:
        try:
            found.add(Status(name))
        except ValueError:
            known = ", ".join(status.value for status in Status)
            raise AnnotatorError(f"unknown status {name!r} (known: {known})") from None
    return frozenset(found)


def parse_labels(value: Sequence[str] | None, config: ProjectConfig) -> frozenset[str] | None:
    if not value:
        return None
    unknown = [label for label in value if config.label(label) is None]
    if unknown:
        raise AnnotatorError(
            f"unknown label(s) {', '.join(unknown)} (known: {', '.join(config.label_names)})"
        )
    return frozenset(value)


_SPLIT_NAME = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def parse_split(value: str | None) -> tuple[tuple[str, float], ...] | None:
    """``train=0.8,dev=0.1,test=0.1`` into named ratios that add up to 1."""
    if not value:
        return None
    parts: list[tuple[str, float]] = []
    for item in value.split(","):
        name, equals, ratio_text = item.strip().partition("=")
        if not equals or not _SPLIT_NAME.match(name):
            raise AnnotatorError(
                f"--split: expected NAME=RATIO items like train=0.8,dev=0.1,test=0.1, got {item!r}"
            )
        try:
            ratio = float(ratio_text)
        except ValueError:
            raise AnnotatorError(f"--split: {ratio_text!r} is not a number") from None
        if not 0 <= ratio <= 1:
            raise AnnotatorError(f"--split: ratio of {name!r} must be between 0 and 1")
        if name in (existing for existing, _ in parts):
            raise AnnotatorError(f"--split: {name!r} given twice")
        parts.append((name, ratio))
    total = sum(ratio for _, ratio in parts)
    if abs(total - 1) > 1e-6:
        raise AnnotatorError(f"--split: ratios add up to {total:g}, not 1")
    return tuple(parts)


def split_of(doc_id: str, seed: int, splits: Sequence[tuple[str, float]]) -> str:
    """Deterministic split of a document: sha256 of ``seed:doc_id`` as a number in [0, 1).

    The same seed and id always give the same split, whatever the order or size of the corpus.
    """
    digest = hashlib.sha256(f"{seed}:{doc_id}".encode("utf-8", "surrogatepass")).digest()
    point = int.from_bytes(digest[:8], "big") / 2**64
    cumulative = 0.0
    for name, ratio in splits:
        cumulative += ratio
        if point < cumulative:
            return name
    return splits[-1][0]


def split_path(out: Path, split: str, *, directory: bool) -> Path:
    """``data/corpus.spacy`` and ``train`` give ``data/corpus.train.spacy``; a folder gets a
    subfolder ``out/train``."""
    if not split:
        return out
    if directory:
        return out / split
    return out.with_name(f"{out.stem}.{split}{out.suffix}")


def filter_labels(record: AnnotationRecord, labels: frozenset[str] | None) -> AnnotationRecord:
    if labels is None:
        return record
    spans = [span for span in record.spans if span.label in labels]
    kept = {span.id for span in spans}
    relations = [r for r in record.relations if r.head in kept and r.tail in kept]
    update: dict[str, Any] = {"spans": spans, "relations": relations}
    if record.provenance is not None:  # of the spans kept only (an import checks it)
        update["provenance"] = {k: v for k, v in record.provenance.items() if k in kept}
    if record.rejected is not None:
        update["rejected"] = [span for span in record.rejected if span.label in labels]
    return record.model_copy(update=update)


def filter_raw_labels(value: dict[str, Any], labels: frozenset[str] | None) -> dict[str, Any]:
    """:func:`filter_labels` on a record's JSON object."""
    if labels is None:
        return value
    spans = [span for span in value.get("spans", ()) if span["label"] in labels]
    kept = {span["id"] for span in spans}
    relations = [r for r in value.get("relations", ()) if r["head"] in kept and r["tail"] in kept]
    filtered = {**value, "spans": spans, "relations": relations}
    provenance = value.get("provenance")
    if provenance is not None:
        filtered["provenance"] = {k: v for k, v in provenance.items() if k in kept}
    rejected = value.get("rejected")
    if rejected is not None:
        filtered["rejected"] = [span for span in rejected if span["label"] in labels]
    return filtered


TEXT_CHANGED = "text changed since it was annotated (text_sha256 differs)"
LABEL_LEFT_OUT = "relation(s) left out by --labels (the label of an end is not exported)"
_DONE = Status.done.value
_IN_PROGRESS = Status.in_progress.value


def iter_items(
    project: Project,
    selection: Selection,
    summary: Summary,
    tick: Callable[[int], object] | None = None,
    *,
    stored_json: bool = False,
) -> Iterator[ExportItem]:
    """Documents in corpus order with their selected records; reads one document at a time.

    A document with no usable record is skipped and the reason counted in ``summary``.
    ``tick(n)`` is called now and then with the number of corpus bytes gone through since the
    last call (see :func:`corpus_bytes`).

    Each record line is checked by :class:`RecordRules` against the rules of the models and of
    ``check_record`` at once: parsed with orjson and checked by :meth:`~RecordRules.vouch`, or,
    with ``stored_json`` (a format that writes each record as stored, without building models)
    and no label filter, parsed and checked by :meth:`~RecordRules.stored` into
    :class:`StoredRecord` objects. A record refused goes through the models and
    ``check_record``, which decide and word the reason, as they always did.

    Memory stays flat in the size of the corpus: the corpus is read file by file
    (:meth:`Project.corpus_stream`, which raises on a corpus with a problem, as opening it
    does), the records are found by the hash of their document id (no id kept), and nothing is
    kept from one document to the next but counts.
    """
    files: list[AnnotationFile] = [
        project.annotations(name, hashed=True) for name in selection.annotators
    ]
    for annotation_file in files:
        if annotation_file.problems:
            first = annotation_file.problems[0]
            raise AnnotatorError(
                f"{first} ({len(annotation_file.problems)} bad line(s); run `annotator validate`)"
            )
    wanted = ", ".join(selection.annotators)
    rules = RecordRules(project.config)
    statuses = selection.statuses
    labels = selection.labels
    vouch = rules.vouch
    # records parsed into StoredRecord (checked as they are parsed) when the format writes
    # them as stored; a label filter works on the JSON objects
    as_stored = stored_json and labels is None
    check_stored = rules.stored
    splits = selection.splits
    not_annotated = f"not annotated by {wanted}"
    lookups = [(annotation_file, annotation_file.entries.get) for annotation_file in files]
    loads = orjson.loads
    skip = summary.skip
    drop = summary.drop
    not_done = summary.not_done
    summary.statuses_chosen = statuses is not None
    chosen = ",".join(sorted(status.value for status in statuses or ()))
    pending = 0
    with contextlib.ExitStack() as open_files:
        for annotation_file in files:
            open_files.callback(annotation_file.close)
        for part, start, end in project.corpus_stream().parts():
            done = start  # where in this file the bytes told to tick reach
            with part.reader() as reader:
                load = reader.load
                for document_entry in part.entries:
                    doc_id = document_entry.id
                    pending += 1
                    if pending >= TICK_EVERY and tick is not None:
                        reached = document_entry.offset + document_entry.length
                        tick(reached - done)
                        done, pending = reached, 0
                    found: list[tuple[AnnotationFile, RecordEntry]] = []
                    reason = not_annotated
                    for annotation_file, entry_of in lookups:
                        record_entry = entry_of(doc_id)
                        if record_entry is None:
                            continue
                        if statuses is not None and record_entry.status not in statuses:
                            if reason is not_annotated:
                                reason = (
                                    f"record(s) {record_entry.status.value} not selected "
                                    f"by --status {chosen}"
                                )
                            continue
                        found.append((annotation_file, record_entry))
                    if not found:
                        skip(reason, doc_id)
                        continue
                    document = load(document_entry)
                    text = document.text
                    digest = text_sha256(text)
                    usable: list[Any] = []
                    for annotation_file, record_entry in found:
                        line = annotation_file.read_line(record_entry)
                        if as_stored:
                            stored = check_stored(line, text, digest)
                            if stored is not None:
                                if stored.doc_id != doc_id:  # found by a hash only
                                    skip(not_annotated, doc_id)
                                    continue
                                usable.append(stored)
                                continue
                        else:
                            try:
                                value = loads(line)
                            except orjson.JSONDecodeError:
                                value = None  # the model path below decides (and words it)
                            if vouch(value, text, digest):
                                if value["doc_id"] != doc_id:  # found by a hash only
                                    skip(not_annotated, doc_id)
                                    continue
                                if labels is not None:
                                    relations = len(value.get("relations", ()))
                                    value = filter_raw_labels(value, labels)
                                    relations -= len(value["relations"])
                                    drop(LABEL_LEFT_OUT, doc_id, relations)
                                usable.append(value)
                                continue
                        checked = _checked_record(
                            annotation_file, record_entry, text, digest, project, selection.skip_bad
                        )
                        if isinstance(checked, str):
                            skip(checked, doc_id)
                            continue
                        if checked.doc_id != doc_id:  # found by a hash only
                            skip(not_annotated, doc_id)
                            continue
                        filtered = filter_labels(checked, labels)
                        drop(
                            LABEL_LEFT_OUT,
                            doc_id,
                            len(checked.relations) - len(filtered.relations),
                        )
                        dump = filtered.model_dump(mode="json", exclude_none=True)
                        usable.append(
                            msgspec.convert(dump, StoredRecord, strict=False) if as_stored else dump
                        )
                    if usable:
                        for value in usable:
                            status = (
                                value.status.value
                                if isinstance(value, StoredRecord)
                                else value.get("status", _IN_PROGRESS)
                            )
                            if status != _DONE:
                                not_done[status] += 1
                        split = split_of(doc_id, selection.seed, splits) if splits else ""
                        yield ExportItem(document, usable, split)
            if tick is not None and end > done:
                tick(end - done)
            pending = 0
            del part, reader, load  # let this file's index go before the next one is made


def corpus_bytes(project: Project) -> int:
    """What :func:`iter_items` counts its progress in: the size of the corpus files."""
    return project.corpus_stream().total_bytes()


def _checked_record(
    annotation_file: AnnotationFile,
    record_entry: RecordEntry,
    text: str,
    digest: str,
    project: Project,
    skip_bad: bool,
) -> AnnotationRecord | str:
    """A record the fast check did not vouch for, through the models and ``check_record``:
    the record when it is fine, else the reason to skip it (raises on a line that is not a
    record at all, naming file and line)."""
    record = annotation_file.read_record(record_entry)
    if record.text_sha256 != digest:
        return TEXT_CHANGED
    problems = check_record(
        record, text, project.config, file=annotation_file.path, line=record_entry.line
    )
    if problems and not skip_bad:
        more = f" ({len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise AnnotatorError(
            f"{problems[0]}{more}; run `annotator validate`, or pass --skip-bad to export "
            "without such records"
        )
    if len(problems) == 1:
        return f"invalid record ({problems[0].message}; run `annotator validate`)"
    if problems:
        return "invalid record (run `annotator validate`)"
    return record


TICK_EVERY = 256
"""Documents between two progress updates (a Rich update per document costs more than the
document)."""


# -- tokens -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenSpan:
    """A span placed on tokens: tokens ``[first, last)``, chars ``[start, end)`` after expansion."""

    span: Span
    first: int
    last: int
    start: int
    end: int

    @property
    def adjusted(self) -> bool:
        return (self.start, self.end) != (self.span.start, self.span.end)


_last_index: tuple[str, TokenizerConfig | None, TokenIndex] | None = None


def token_index(text: str, config: TokenizerConfig | None) -> TokenIndex:
    """The tokens of ``text``; the last text's are kept, so the export's pass that merges spans
    made identical by token boundaries and the writer after it tokenize a document once."""
    global _last_index
    last = _last_index
    if last is not None and last[0] is text and last[1] is config:
        return last[2]
    index = TokenIndex.of(text, config)
    _last_index = (text, config, index)
    return index


_last_covers: tuple[Sequence[Span], TokenIndex, list[tuple[int, int]]] | None = None
"""The token range of each span of the last record :func:`merge_snapped` went through, which
:func:`align_spans` takes when it is given the same spans on the same tokens."""


EXPANDED = "span(s) moved to token boundaries (cut tokens taken whole, edge spaces left out)"
NO_TOKEN = "span(s) covering no token (only spaces)"


def align_spans(
    spans: Sequence[Span], index: TokenIndex, summary: Summary, doc_id: str
) -> list[TokenSpan]:
    """Every span on whole tokens: a span that cuts a token is widened to take the whole token
    (the rule of every token-based export). Counts the widened ones and drops, with a count,
    spans that touch no token at all."""
    placed: list[TokenSpan] = []
    known = _last_covers
    if known is not None and known[0] is spans and known[1] is index:
        covers = known[2]  # found by merge_snapped for these very spans
    else:
        covers = [index.covering(span.start, span.end) for span in spans]
    for span, (first, last) in zip(spans, covers, strict=True):
        if first >= last:
            summary.drop(NO_TOKEN, doc_id)
            continue
        # whole tokens only: a cut token is taken whole, spaces at the edges are left out
        start, end = index.starts[first], index.ends[last - 1]
        token_span = TokenSpan(span, first, last, start, end)
        if token_span.adjusted:
            summary.adjust(EXPANDED, doc_id)
        placed.append(token_span)
    return placed


MERGED = "identical span(s) after moving to token boundaries"
MERGED_RELATIONS = "identical relation(s) after their spans merged"
SELF_RELATION = "relation(s) between two spans merged into one"


def merge_snapped(
    item: ExportItem, tokenizer: TokenizerConfig | None, summary: Summary
) -> ExportItem:
    """``item`` with the spans that become identical (start, end, label) once moved to token
    boundaries written once: the one already on token boundaries is kept (else the first), the
    relations of the others point to it, and relations made identical by that are kept once.
    Every token-based format writes the item this returns, so no consumer sees a duplicate
    (spaCy would leave both out of ``doc.ents``; a Prodigy import refuses the pair). Counted as
    merged; an item without such spans comes back as it is."""
    global _last_covers
    records = item.records
    merged: list[AnnotationRecord] = []
    changed = False
    for record in records:
        spans = record.spans
        if len(spans) < 2:
            merged.append(record)
            continue
        index = token_index(item.document.text, tokenizer)
        starts, ends = index.starts, index.ends
        covering = index.covering
        covers = [covering(span.start, span.end) for span in spans]
        _last_covers = (spans, index, covers)
        groups: dict[tuple[int, int, str], list[Span]] = {}
        for span, (first, last) in zip(spans, covers, strict=True):
            if first < last:  # a span on no token is dropped (and counted) by the writer
                groups.setdefault((starts[first], ends[last - 1], span.label), []).append(span)
        if len(groups) == sum(len(group) for group in groups.values()):
            merged.append(record)
            continue
        survivor: dict[str, str] = {}
        for (start, end, _), group in groups.items():
            if len(group) < 2:
                continue
            kept = next((s for s in group if (s.start, s.end) == (start, end)), group[0])
            for span in group:
                if span is not kept:
                    survivor[span.id] = kept.id
        summary.merge(MERGED, item.document.id, len(survivor))
        relations: list[Relation] = []
        seen: set[tuple[str, str, str]] = set()
        for relation in record.relations:
            head = survivor.get(relation.head, relation.head)
            tail = survivor.get(relation.tail, relation.tail)
            if head == tail and relation.head != relation.tail:
                summary.drop(SELF_RELATION, item.document.id)
                continue
            if (relation.label, head, tail) in seen:
                summary.merge(MERGED_RELATIONS, item.document.id)
                continue
            seen.add((relation.label, head, tail))
            if (head, tail) != (relation.head, relation.tail):
                relation = relation.model_copy(update={"head": head, "tail": tail})
            relations.append(relation)
        kept_spans = [span for span in spans if span.id not in survivor]
        merged.append(record.model_copy(update={"spans": kept_spans, "relations": relations}))
        changed = True
    if not changed:
        return item
    return ExportItem(item.document, item.raw, item.split, tuple(merged))


def outermost(spans: Sequence[TokenSpan]) -> tuple[list[TokenSpan], list[TokenSpan]]:
    """``(kept, dropped)``: the longest spans win, then the earliest; a span overlapping a kept
    one is dropped. Kept spans come back in text order."""
    order = sorted(spans, key=lambda s: (-(s.last - s.first), s.first, s.span.label, s.span.id))
    taken = [False] * (max((s.last for s in spans), default=0))
    kept: list[TokenSpan] = []
    dropped: list[TokenSpan] = []
    for span in order:
        if any(taken[span.first : span.last]):
            dropped.append(span)
            continue
        for position in range(span.first, span.last):
            taken[position] = True
        kept.append(span)
    kept.sort(key=lambda s: (s.first, s.last))
    return kept, dropped


def sentence_breaks(text: str, index: TokenIndex, spans: Sequence[TokenSpan]) -> set[int]:
    """Token positions after which a sentence ends: a line break between two tokens that no
    span crosses."""
    crossing = [False] * len(index)
    for span in spans:
        for position in range(span.first, span.last - 1):
            crossing[position] = True
    breaks: set[int] = set()
    for position in range(len(index) - 1):
        gap = text[index.ends[position] : index.starts[position + 1]]
        if "\n" in gap and not crossing[position]:
            breaks.add(position)
    return breaks


def tag_names(labels: Sequence[str], scheme: Scheme) -> list[str]:
    """``O`` first, then the tags of each label in config order."""
    prefixes = ("B", "I") if scheme == "iob2" else ("B", "I", "L", "U")
    return ["O"] + [f"{prefix}-{label}" for label in labels for prefix in prefixes]


def token_tags(length: int, spans: Sequence[TokenSpan], scheme: Scheme) -> list[str]:
    """Tags of ``length`` tokens for non-overlapping ``spans``."""
    tags = ["O"] * length
    for span in spans:
        label = span.span.label
        size = span.last - span.first
        if scheme == "bilou" and size == 1:
            tags[span.first] = f"U-{label}"
            continue
        tags[span.first] = f"B-{label}"
        for position in range(span.first + 1, span.last):
            tags[position] = f"I-{label}"
        if scheme == "bilou":
            tags[span.last - 1] = f"L-{label}"
    return tags


# -- offsets ------------------------------------------------------------------------------------


class Utf16Offsets:
    """Code point offsets to UTF-16 code units and back, for one text.

    Characters above U+FFFF (most emoji, some CJK extensions) take two UTF-16 units and one
    code point; everything else takes one of each.
    """

    def __init__(self, text: str) -> None:
        self.astral = [i for i, char in enumerate(text) if ord(char) > 0xFFFF]
        self.astral_units = [position + k for k, position in enumerate(self.astral)]
        self.length = len(text)

    def to_utf16(self, offset: int) -> int:
        return offset + bisect_left(self.astral, offset)

    def from_utf16(self, units: int) -> int | None:
        """None when ``units`` falls between the two halves of a surrogate pair."""
        before = bisect_left(self.astral_units, units)
        if before and self.astral_units[before - 1] + 1 == units:
            return None
        return units - before


class NormalizedText:
    """A source text as the project stores it (no BOM, ``\\n`` line ends), and offsets of the
    source mapped onto it: an offset counted on ``\\r\\n`` text lands on the same character."""

    def __init__(self, raw: str) -> None:
        removed: list[int] = []
        start = 0
        if raw.startswith(BOM):
            removed.append(0)
            start = 1
        position = raw.find("\r\n", start)
        while position != -1:
            removed.append(position)
            position = raw.find("\r\n", position + 2)
        self.raw = raw
        self.removed = removed
        body = raw[start:]
        self.text = body.replace("\r\n", "\n").replace("\r", "\n")

    def offset(self, raw_offset: int) -> int:
        return raw_offset - bisect_left(self.removed, raw_offset)


def find_nearby(text: str, covered: str, start: int, window: int = 64) -> int | None:
    """The start of ``covered`` near ``start`` when it occurs exactly once in the window."""
    if not covered:
        return None
    low = max(0, start - window)
    high = min(len(text), start + len(covered) + window)
    found: list[int] = []
    position = text.find(covered, low, high)
    while position != -1:
        found.append(position)
        if len(found) > 1:
            return None
        position = text.find(covered, position + 1, high)
    return found[0] if found else None


# -- files --------------------------------------------------------------------------------------

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_RESERVED = frozenset(
    ["con", "prn", "aux", "nul", "annotation", "visual", "tools", "kb_shortcuts"]
    + [f"com{i}" for i in range(10)]
    + [f"lpt{i}" for i in range(10)]
)


def safe_file_name(doc_id: str, used: set[str]) -> str:
    """A file stem for ``doc_id`` that cannot leave its folder or collide with another.

    Letters, digits, ``.``, ``_`` and ``-`` are kept, every other run becomes ``_``; leading and
    trailing dots go (no ``..``, no hidden files); names reserved by Windows or by brat's config
    files get a ``_`` prefix. Whenever the stem differs from the id, 8 hex digits of the id's
    sha1 are appended, so two ids that clean up alike still differ; ``used`` (lower-cased, as
    some file systems ignore case) catches the rest with a counter.
    """
    base = _UNSAFE.sub("_", doc_id).strip("._")[:80].strip("._") or "doc"
    if base.split(".")[0].lower() in _RESERVED:
        base = f"_{base}"
    if base != doc_id:
        digest = hashlib.sha1(doc_id.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        base = f"{base}-{digest}"
    name = base
    counter = 2
    while name.lower() in used:
        name = f"{base}-{counter}"
        counter += 1
    used.add(name.lower())
    return name


def refuse_existing(path: Path, *, force: bool) -> None:
    if force or not path.exists():
        return
    if path.is_dir():
        if any(path.iterdir()):
            raise AnnotatorError("output folder exists and is not empty; pass --force", file=path)
        return
    raise AnnotatorError("output file exists; pass --force to overwrite it", file=path)


WRITE_BUFFER = 1 << 20
"""Bytes gathered before each write to an export file: one system call per record line (a few
KB) costs as much as building the line."""


@dataclass
class AtomicOutput:
    """A file written under a temporary name and renamed into place by :meth:`commit`, so a
    failed export never leaves a half-written file under the real name."""

    path: Path
    binary: bool = False
    handle: IO[str] | IO[bytes] = field(init=False)
    _temporary: str = field(init=False)

    def __post_init__(self) -> None:
        self._created: list[Path] = []
        """Folders made for the file, innermost first (removed by :meth:`abort` if empty)."""
        folder = self.path.parent
        while not folder.exists() and folder != folder.parent:
            self._created.append(folder)
            folder = folder.parent
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, self._temporary = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent
        )
        try:
            # mkstemp makes the file owner-only; an export is handed to others, so it gets
            # the mode open() would give it
            os.fchmod(fd, 0o666 & ~current_umask())
        except BaseException:
            os.close(fd)
            os.unlink(self._temporary)
            raise
        if self.binary:
            self.handle = os.fdopen(fd, "wb", buffering=WRITE_BUFFER)
        else:
            self.handle = os.fdopen(fd, "w", encoding="utf-8", newline="\n", buffering=WRITE_BUFFER)

    @property
    def text(self) -> IO[str]:
        assert not self.binary
        return self.handle  # type: ignore[return-value]

    @property
    def data(self) -> IO[bytes]:
        assert self.binary
        return self.handle  # type: ignore[return-value]

    def commit(self) -> Path:
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()
        os.replace(self._temporary, self.path)
        fsync_directory(self.path.parent)
        return self.path

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            self.handle.close()
        with contextlib.suppress(OSError):
            os.unlink(self._temporary)
        for folder in self._created:
            with contextlib.suppress(OSError):
                folder.rmdir()


def current_umask() -> int:
    """The process's umask (read by setting it and putting it back: no other way on POSIX)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_file_atomic(path: Path, content: str) -> Path:
    output = AtomicOutput(path)
    try:
        output.text.write(content)
        return output.commit()
    except BaseException:
        output.abort()
        raise


def relation_pairs(
    relations: Sequence[Relation], spans: dict[str, int]
) -> list[tuple[Relation, int, int]]:
    """Relations with the positions of their head and tail in a span list (both present)."""
    return [
        (relation, spans[relation.head], spans[relation.tail])
        for relation in relations
        if relation.head in spans and relation.tail in spans
    ]
