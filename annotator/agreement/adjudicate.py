"""Building gold records: votes per span, the automatic merge, and what it did.

The gold record of a document is saved by the gold annotator (``config.gold_annotator``) with a
provenance entry per span: which annotators had exactly that span, and the decision
(``unanimous``, ``majority``, ``accepted``, ``edited``). The automatic merge only ever replaces
its own earlier output: spans an adjudicator accepted or edited (and spans without provenance,
which a person added) are kept, automatic spans never land on top of them, and a version the
adjudicator rejected (the gold record's ``rejected`` list, and ``rejected_relations`` for
links) is never added back.
"""

from __future__ import annotations

import gc
import os
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

from annotator.agreement.dataset import Selection, bad_input_message
from annotator.agreement.light import LightRecord
from annotator.agreement.report import can_fork, shared_with_workers, worker_pool, worker_selection
from annotator.agreement.spans import SpanKey
from annotator.model.errors import AnnotatorError
from annotator.model.records import (
    AnnotationRecord,
    Relation,
    Span,
    SpanProvenance,
    Status,
    unchecked,
    utc_now_iso,
)
from annotator.model.text import text_sha256
from annotator.store.annotations import AnnotationFile, StoreWriteError
from annotator.store.project import Project, personal_gold

AUTOMATIC = frozenset({"unanimous", "majority"})
"""Decisions the automatic merge makes and may revise; anything else belongs to a person."""

VotedRelation = tuple[str, SpanKey, SpanKey]


def span_votes(records: Mapping[str, LightRecord]) -> dict[SpanKey, list[str]]:
    """Each distinct ``(start, end, label)`` with the annotators who marked it, by position."""
    votes: dict[SpanKey, list[str]] = {}
    for name, record in records.items():
        for key in {(start, end, label) for _id, start, end, label in record.spans}:
            votes.setdefault(key, []).append(name)
    return dict(sorted(votes.items()))


def relation_votes(records: Mapping[str, LightRecord]) -> dict[VotedRelation, list[str]]:
    votes: dict[VotedRelation, list[str]] = {}
    for name, record in records.items():
        keys = {span_id: (start, end, label) for span_id, start, end, label in record.spans}
        found = set()
        for _id, label, head, tail in record.relations:
            if head in keys and tail in keys:
                found.add((label, keys[head], keys[tail]))
        for key in found:
            votes.setdefault(key, []).append(name)
    return dict(sorted(votes.items()))


def links_automatically(votes: int, agreed: bool, annotators: int) -> bool:
    """Whether a relation ``votes`` of the ``annotators`` drew goes into gold without a
    decision (once both its ends are there): half or more drew it and nobody who has both its
    ends left it out (``agreed``), or more than half drew it. With two annotators, a link one
    drew and the other did not (having both ends) is a disagreement for the reviewer; with
    three, two of them carry it. The review and ``adjudicate --auto`` both ask this."""
    if 2 * votes > annotators:
        return True
    return agreed and votes >= max(1, (annotators + 1) // 2)


def is_automatic(record: AnnotationRecord, span_id: str) -> bool:
    provenance = (record.provenance or {}).get(span_id)
    return provenance is not None and provenance.decision in AUTOMATIC


def fresh_id(prefix: str, used: set[str]) -> str:
    number = len(used) + 1
    while f"{prefix}{number}" in used:
        number += 1
    used.add(f"{prefix}{number}")
    return f"{prefix}{number}"


_SPAN_FIELDS = frozenset(Span.model_fields)
_PROVENANCE_FIELDS = frozenset(SpanProvenance.model_fields)
_RELATION_FIELDS = frozenset(Relation.model_fields)


Model = TypeVar("Model", Span, Relation, SpanProvenance, AnnotationRecord)


def _built(model: type[Model], values: dict[str, Any], fields: frozenset[str]) -> Model:
    """``model(**values)`` for values the callers checked field by field first (the automatic
    merge makes one span and one provenance entry per agreed span: validation was most of its
    time)."""
    return unchecked(model, values, set(fields))


def new_span(span_id: str, key: SpanKey, text: str) -> Span:
    """The span ``key`` of ``text``, validated only when it is not plainly valid."""
    start, end, label = key
    if (
        type(span_id) is str
        and span_id
        and type(start) is int
        and type(end) is int
        and 0 <= start < end <= len(text)
        and type(label) is str
        and label
    ):
        values = {"id": span_id, "start": start, "end": end, "label": label}
        values["text"] = text[start:end]
        span: Span = _built(Span, values, _SPAN_FIELDS)
        return span
    # Not plainly valid (a span past the end of the text): the model reports it.
    return Span(id=span_id, start=start, end=end, label=label, text=text[start:end])


def new_provenance(names: list[str], decision: str, checked: bool) -> SpanProvenance:
    """``checked``: every name is a ``str`` (checked once per document)."""
    if checked:
        provenance: SpanProvenance = _built(
            SpanProvenance, {"annotators": list(names), "decision": decision}, _PROVENANCE_FIELDS
        )
        return provenance
    return SpanProvenance(annotators=list(names), decision=decision)


def new_relation(relation_id: str, label: str, head: str, tail: str) -> Relation:
    if all(type(value) is str and value for value in (label, head, tail)):
        relation: Relation = _built(
            Relation,
            {"id": relation_id, "label": label, "head": head, "tail": tail},
            _RELATION_FIELDS,
        )
        return relation
    return Relation(id=relation_id, label=label, head=head, tail=tail)


@dataclass
class Outcome:
    doc_id: str
    action: str
    """``created``, ``updated``, ``unchanged`` or ``skipped``."""
    added: int = 0
    kept: int = 0
    removed: int = 0
    reason: str = ""
    links_added: int = 0
    links_removed: int = 0
    """Relations taken out because an end went (an automatic span no longer agreed on)."""
    too_few: bool = False
    """Skipped: fewer annotators did the document than ``--min-votes`` asks for."""

    def describe(self, *, dry_run: bool = False) -> str:
        """``dry_run``: nothing was written, so say what would be (``would create: ...``)."""
        if self.action == "skipped":
            return f"{'would leave' if dry_run else 'left'} alone: {self.reason}"
        parts = [f"{self.added} span(s) added"]
        if self.kept:
            parts.append(f"{self.kept} kept")
        if self.removed:
            parts.append(f"{self.removed} automatic span(s) no longer agreed on, removed")
        if self.links_added:
            parts.append(f"{self.links_added} link(s) added")
        if self.links_removed:
            parts.append(f"{self.links_removed} link(s) removed")
        action = {"created": "create", "updated": "update"}.get(self.action, self.action)
        return f"{'would ' + action if dry_run else self.action}: " + ", ".join(parts)


@dataclass
class Summary:
    outcomes: list[Outcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """A torn final line of an annotator's file (its record's previous version was used)."""

    @property
    def spans_added(self) -> int:
        return sum(outcome.added for outcome in self.outcomes)

    @property
    def spans_kept(self) -> int:
        return sum(outcome.kept for outcome in self.outcomes)

    @property
    def spans_removed(self) -> int:
        return sum(outcome.removed for outcome in self.outcomes)

    @property
    def links_added(self) -> int:
        return sum(outcome.links_added for outcome in self.outcomes)

    @property
    def links_removed(self) -> int:
        return sum(outcome.links_removed for outcome in self.outcomes)

    @property
    def too_few(self) -> int:
        """Documents left alone because fewer annotators did them than ``--min-votes``."""
        return sum(outcome.too_few for outcome in self.outcomes)


def merge_gold(
    doc_id: str,
    text: str,
    records: Mapping[str, LightRecord],
    existing: AnnotationRecord | None,
    gold: str,
    min_votes: int | None = None,
) -> tuple[AnnotationRecord | None, Outcome]:
    """The gold record after the automatic merge, or None when nothing changes."""
    digest = text_sha256(text)
    if min_votes is not None and len(records) < min_votes:
        # No span could get the votes asked for: leave gold as it is (never strip it).
        return None, Outcome(
            doc_id,
            "skipped",
            reason=f"only {len(records)} annotator(s), --min-votes {min_votes}",
            too_few=True,
        )
    if existing is not None:
        if existing.status is Status.done:
            return None, Outcome(doc_id, "skipped", reason="gold record is marked done")
        if existing.text_sha256 != digest:
            return None, Outcome(
                doc_id, "skipped", reason="gold record is of an older text (run reanchor)"
            )
        if existing.provenance is None:  # not made by adjudication: someone's own work
            return None, Outcome(
                doc_id, "skipped", reason=f"the {gold} record has no provenance (not gold)"
            )
    threshold = len(records) if min_votes is None else min_votes
    voters = len(records)
    all_votes = span_votes(records)
    wanted = {key: names for key, names in all_votes.items() if len(names) >= threshold}
    old_spans = list(existing.spans) if existing is not None else []
    old_provenance = dict(existing.provenance or {}) if existing is not None else {}
    personal = [span for span in old_spans if existing and not is_automatic(existing, span.id)]
    automatic = {
        (span.start, span.end, span.label): span
        for span in old_spans
        if existing and is_automatic(existing, span.id)
    }
    personal_keys = {(span.start, span.end, span.label) for span in personal}
    rejected = {
        (span.start, span.end, span.label)
        for span in (existing.rejected or [] if existing is not None else [])
    }
    used_ids = {span.id for span in old_spans}
    spans: list[Span] = list(personal)
    provenance: dict[str, SpanProvenance] = {
        span.id: old_provenance[span.id] for span in personal if span.id in old_provenance
    }
    added = 0
    names_checked = all(type(name) is str for name in records)
    for key, names in wanted.items():
        start, end, label = key
        if (
            key in rejected
            or key in personal_keys
            or (
                personal
                and any(
                    span.label == label and span.start < end and start < span.end
                    for span in personal
                )
            )
        ):
            continue  # an adjudicator already decided this stretch
        decision = "unanimous" if len(names) == voters else "majority"
        previous = automatic.pop(key, None)
        span = previous or new_span(fresh_id("g", used_ids), key, text)
        if previous is None:
            added += 1
        spans.append(span)
        provenance[span.id] = new_provenance(names, decision, names_checked)
    removed = len(automatic)
    spans.sort(key=lambda span: (span.start, span.end, span.label))
    by_key = {(span.start, span.end, span.label): span.id for span in spans}
    present = set(by_key.values())
    relations = [
        relation
        for relation in (existing.relations if existing is not None else [])
        if relation.head in present and relation.tail in present
    ]
    links_removed = (len(existing.relations) if existing is not None else 0) - len(relations)
    links_before = len(relations)
    linked = {(relation.label, relation.head, relation.tail) for relation in relations}
    used_relation_ids = {relation.id for relation in relations}
    rejected_links = {
        (
            link.label,
            (link.head.start, link.head.end, link.head.label),
            (link.tail.start, link.tail.end, link.tail.label),
        )
        for link in (existing.rejected_relations or [] if existing is not None else [])
    }
    for (label, head, tail), names in relation_votes(records).items():
        if len(names) < threshold or head not in by_key or tail not in by_key:
            continue
        if rejected_links and (label, head, tail) in rejected_links:
            continue  # the reviewer rejected it
        both = set(all_votes.get(head, ())) & set(all_votes.get(tail, ()))
        if not links_automatically(len(names), both <= set(names), voters):
            continue  # someone with both ends left it out: the reviewer decides (as review)
        link = (label, by_key[head], by_key[tail])
        if link in linked:
            continue
        linked.add(link)
        relations.append(new_relation(fresh_id("gr", used_relation_ids), label, link[1], link[2]))
    kept = len(spans) - added
    links_added = len(relations) - links_before
    if existing is not None:
        unchanged = (
            spans == sorted(existing.spans, key=lambda s: (s.start, s.end, s.label))
            and relations == list(existing.relations)
            and provenance == old_provenance
        )
        if unchanged:
            return None, Outcome(doc_id, "unchanged", kept=kept)
        record = existing.model_copy(
            update={
                "spans": spans,
                "relations": relations,
                "provenance": provenance,
                "updated_at": utc_now_iso(),
            }
        )
        return record, Outcome(
            doc_id,
            "updated",
            added,
            kept,
            removed,
            links_added=links_added,
            links_removed=links_removed,
        )
    record = AnnotationRecord(
        doc_id=doc_id,
        annotator=gold,
        text_sha256=digest,
        spans=spans,
        relations=relations,
        provenance=provenance,
        note=f"pre-filled by `annotator adjudicate --auto` from {', '.join(records)}",
    )
    return record, Outcome(doc_id, "created", added, 0, 0, links_added=links_added)


PROGRESS_EVERY = 50
"""``auto_adjudicate`` reports progress at least once per this many documents."""
COLLECT_EVERY = 2000
"""The merge makes some hundred short-lived objects per document (decoded records, votes,
spans), freed by reference counting as it goes; the cyclic garbage collector, left on, walked
the ones alive again and again (a fifth of the run at 10,000 documents). It is paused for the
run, and collects the young generations once per this many documents."""


PARALLEL_MIN_DOCUMENTS = 2000
"""From this many documents, ``auto_adjudicate`` merges in worker processes by default."""
CHUNK = 100
"""Documents per task of a worker process."""
IN_FLIGHT = 4
"""Tasks per worker given out ahead of the ones whose records were saved: bounds the results
waiting in memory when saving is slower than merging."""

_worker_gold: list[AnnotationFile] = []
"""The gold file of the run, left for the worker processes forked after it was opened: their
copy reads the gold records as they were when the run began (each document's own, which no
other document's merge changes), and is never written to or closed by them."""

Merged = tuple[Outcome, AnnotationRecord | None, int]
"""A document's outcome, its new gold record (None: nothing to write), and how many documents of
the run were done with it."""


_since_collected = [0]
"""Documents merged by this process since the collector last ran (see :data:`COLLECT_EVERY`)."""


def _merge_each(
    selection: Selection,
    gold_file: AnnotationFile,
    gold: str,
    min_votes: int | None,
    doc_ids: Sequence[str],
    before: int = 0,
) -> Iterator[Merged]:
    """Merge the documents of ``doc_ids`` in order (``before`` were done earlier in the run)."""
    excluded = len(selection.excluded)
    for counted, document in enumerate(selection.documents(doc_ids), start=1):
        record, outcome = merge_gold(
            document.doc_id,
            document.text,
            document.records,
            gold_file.get(document.doc_id),
            gold,
            min_votes,
        )
        _since_collected[0] += 1
        if _since_collected[0] >= COLLECT_EVERY:  # in a worker too, over its slices
            gc.collect(1)  # the young objects only: what a cycle may have left
            _since_collected[0] = 0
        yield outcome, record, before + counted + len(selection.excluded) - excluded


PlainRecord = tuple[dict[str, Any], set[str]]
"""A record as plain values (its fields, its spans' and relations' fields), to cross between
processes: unpickling the models themselves cost more than merging them."""


def _plain(record: AnnotationRecord) -> PlainRecord:
    values = dict(record.__dict__)
    values["spans"] = [span.__dict__ for span in record.spans]
    values["relations"] = [relation.__dict__ for relation in record.relations]
    if record.provenance is not None:
        values["provenance"] = {
            span_id: provenance.__dict__
            if provenance.model_fields_set == _PROVENANCE_FIELDS
            else (provenance.__dict__, set(provenance.model_fields_set))
            for span_id, provenance in record.provenance.items()
        }
    if record.rejected is not None:
        values["rejected"] = [span.__dict__ for span in record.rejected]
    return values, set(record.model_fields_set)


def _rebuilt(plain: PlainRecord) -> AnnotationRecord:
    """The record :func:`_plain` took apart, field for field (every value came from a model;
    spans and relations have every field set, as their fields have no default)."""
    values, fields_set = plain
    values["spans"] = [_built(Span, fields, _SPAN_FIELDS) for fields in values["spans"]]
    values["relations"] = [
        _built(Relation, fields, _RELATION_FIELDS) for fields in values["relations"]
    ]
    if values["provenance"] is not None:
        values["provenance"] = {
            span_id: _built(SpanProvenance, fields, _PROVENANCE_FIELDS)
            if type(fields) is dict
            else _built(SpanProvenance, fields[0], frozenset(fields[1]))
            for span_id, fields in values["provenance"].items()
        }
    if values["rejected"] is not None:
        values["rejected"] = [_built(Span, fields, _SPAN_FIELDS) for fields in values["rejected"]]
    record: AnnotationRecord = _built(AnnotationRecord, values, frozenset(fields_set))
    return record


def _merge_slice(arguments: tuple[Any, ...]) -> list[tuple[Outcome, PlainRecord | None]]:
    """A worker process's task: merge one slice of the documents."""
    root, annotators, labels, gold, min_votes, doc_ids = arguments
    selection = worker_selection(root, annotators, labels)
    return [
        (outcome, None if record is None else _plain(record))
        for outcome, record, _done in _merge_each(
            selection, _worker_gold[0], gold, min_votes, doc_ids
        )
    ]


def _merge_in_workers(
    selection: Selection,
    gold_file: AnnotationFile,
    gold: str,
    min_votes: int | None,
    workers: int,
) -> Iterator[Merged]:
    """:func:`_merge_each` over every document, slices merged by forked worker processes and
    handed back in document order. A slice whose worker failed, and every one after it, is
    merged in this process instead: the same error is raised there, after the records before
    it were handed on."""
    doc_ids = selection.doc_ids
    chunks = [doc_ids[index : index + CHUNK] for index in range(0, len(doc_ids), CHUNK)]
    common = (selection.project.root, selection.annotators, selection.labels, gold, min_votes)
    pending: deque[Future[list[tuple[Outcome, PlainRecord | None]]]] = deque()
    submitted = 0
    done = 0
    _worker_gold[:] = [gold_file]
    pool = worker_pool(workers)
    try:
        with shared_with_workers(selection):  # the workers are forked at the first submit
            for index, chunk in enumerate(chunks):
                while submitted < len(chunks) and len(pending) < workers * IN_FLIGHT:
                    pending.append(pool.submit(_merge_slice, (*common, chunks[submitted])))
                    submitted += 1
                try:
                    results = pending.popleft().result()
                except Exception:
                    rest = [doc_id for later in chunks[index:] for doc_id in later]
                    yield from _merge_each(selection, gold_file, gold, min_votes, rest, done)
                    return
                for counted, (outcome, plain) in enumerate(results, start=1):
                    yield outcome, None if plain is None else _rebuilt(plain), done + counted
                done += len(chunk)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _worker_gold.clear()


def refuse_bad_input(
    selection: Selection,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = 1,
) -> None:
    """Raise on the first line or record of the selection that cannot be read or does not
    validate (with how many there are): gold is never built from part of the votes, nor from
    records ``annotator validate`` rejects. Checks every record first, so nothing is written
    from bad input. With ``workers`` above 1 (``None``: the CPU count from
    :data:`PARALLEL_MIN_DOCUMENTS` documents), slices are checked by forked worker processes."""
    problems = selection.file_problems
    doc_ids = selection.doc_ids
    if workers is None:
        workers = (os.cpu_count() or 1) if len(doc_ids) >= PARALLEL_MIN_DOCUMENTS else 1
    if not problems and (workers <= 1 or not can_fork()):
        problems = selection.check_records(progress)
    elif not problems:
        chunks = [
            doc_ids[index : index + CHECK_CHUNK] for index in range(0, len(doc_ids), CHECK_CHUNK)
        ]
        common = (selection.project.root, selection.annotators, selection.labels)
        done = 0
        with shared_with_workers(selection), worker_pool(workers) as pool:
            for chunk, found in zip(
                chunks, pool.map(_check_slice, [(*common, chunk) for chunk in chunks]), strict=True
            ):
                problems = [*problems, *found]
                done += len(chunk)
                if progress is not None:
                    progress(done, len(doc_ids))
    if problems:
        raise AnnotatorError(bad_input_message(problems))


CHECK_CHUNK = 500
"""Documents per task of a worker process checking records."""


def _check_slice(arguments: tuple[Any, ...]) -> list[str]:
    """A worker process's task: the problems of the records of one slice of the documents."""
    root, annotators, labels, doc_ids = arguments
    selection = worker_selection(root, annotators, labels)
    return selection.check_records(doc_ids=doc_ids)


def auto_adjudicate(
    project: Project,
    *,
    annotators: Sequence[str] | None = None,
    min_votes: int | None = None,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    checking: Callable[[int, int], None] | None = None,
) -> Summary:
    """Pre-fill (or refresh) the gold record of every document two or more annotators did.

    The gold records are saved in batches (:meth:`AnnotationFile.save_many`: one fsync per few
    megabytes, not one per record); every one is durable when this returns. ``progress``, when
    given, is called with (documents done, documents in total) as the run goes, and at the end.
    With ``workers`` above 1 (``None``: the CPU count from :data:`PARALLEL_MIN_DOCUMENTS`
    documents), the documents are merged by forked worker processes (where ``fork`` exists);
    this process alone writes, in document order, so the records are the same.

    Before any merge (a dry run too), every record the run would use is read and checked
    (``checking`` is told the progress of that): a line that cannot be read or a record that
    does not validate raises :class:`AnnotatorError` naming it, and nothing is written. So
    does a ``min_votes`` above the number of annotators compared (no span could be kept).
    """
    gold = project.config.gold_annotator
    if annotators is not None and gold in annotators:
        raise AnnotatorError(f"the gold annotator {gold!r} cannot vote on its own records")
    selection = Selection(project, annotators=annotators)
    compared = len(selection.annotators)
    if min_votes is not None and min_votes > compared:
        raise AnnotatorError(
            f"--min-votes {min_votes} is more than the {compared} annotator(s) compared "
            f"({', '.join(selection.annotators) or 'none'})"
        )
    summary = Summary()
    total = len(selection.doc_ids)
    if workers is None:
        workers = (os.cpu_count() or 1) if total >= PARALLEL_MIN_DOCUMENTS else 1
    if not can_fork():
        workers = 1
    refuse_bad_input(selection, checking, workers)
    summary.warnings.extend(selection.warnings)
    gold_file = project.annotations(gold, writable=not dry_run)
    refused = personal_gold(project, gold_file)
    if refused is not None:
        gold_file.close()
        raise refused

    def merged() -> Iterator[AnnotationRecord]:
        reported = 0
        results = (
            _merge_each(selection, gold_file, gold, min_votes, selection.doc_ids)
            if workers <= 1
            else _merge_in_workers(selection, gold_file, gold, min_votes, workers)
        )
        for outcome, record, done in results:
            summary.outcomes.append(outcome)
            if progress is not None and done - reported >= PROGRESS_EVERY:
                progress(done, total)
                reported = done
            if record is not None:
                yield record

    collecting = gc.isenabled()
    gc.disable()  # see COLLECT_EVERY
    try:
        if dry_run:
            for _record in merged():
                pass
        else:
            try:
                gold_file.save_many(merged())
            except StoreWriteError as error:
                raise StoreWriteError(
                    f"{error.message} ({error.saved} gold record(s) of this run were saved "
                    "before it; run again to finish)",
                    file=error.file,
                    error_number=error.errno,
                ) from error
    finally:
        if collecting:
            gc.enable()
        gold_file.close()
    if progress is not None:
        progress(total, total)
    return summary
