"""The adjudication of one document, without a terminal: candidates, decisions, the gold record.

Every distinct span any annotator marked is a *candidate*, with the annotators who marked it.
A candidate everyone marked is *agreed*; the others are *disagreements*, which the adjudicator
walks through and accepts (into gold, provenance ``accepted``) or rejects (out of gold, and into
the record's ``rejected`` list so that ``adjudicate --auto`` leaves it out). Accepting one version
of a stretch rejects the competing versions (same label, overlapping).
Relations follow their ends: a relation that half or more of the annotators drew goes into gold
when both its ends are there.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from annotator.agreement.adjudicate import (
    fresh_id,
    new_provenance,
    new_relation,
    new_span,
    relation_votes,
    span_votes,
)
from annotator.agreement.light import LightRecord
from annotator.agreement.spans import SpanKey
from annotator.model.records import (
    AnnotationRecord,
    Span,
    SpanProvenance,
    Status,
    utc_now_iso,
)
from annotator.model.text import text_sha256


@dataclass(frozen=True, slots=True)
class Candidate:
    key: SpanKey
    voters: tuple[str, ...]
    agreed: bool

    @property
    def start(self) -> int:
        return self.key[0]

    @property
    def end(self) -> int:
        return self.key[1]

    @property
    def label(self) -> str:
        return self.key[2]


class ReviewDocument:
    """Candidates of one document and the gold record being built from them."""

    def __init__(
        self,
        doc_id: str,
        text: str,
        records: Mapping[str, LightRecord],
        gold: AnnotationRecord | None,
        gold_name: str,
    ) -> None:
        self.doc_id = doc_id
        self.text = text
        self.annotators = list(records)
        self.records = dict(records)
        self.gold_name = gold_name
        everyone = len(self.annotators)
        self._votes = [
            Candidate(key, tuple(names), len(names) == everyone)
            for key, names in span_votes(records).items()
        ]
        self.candidates = list(self._votes)
        # What each key takes a pass over every span or candidate to find, kept while the
        # gold record (or the candidate list) is the same object: a book has 100,000 spans and
        # a key looks several up (every record change makes a new record, see _update).
        self._gold_of: AnnotationRecord | None = None
        self._gold: dict[SpanKey, Span] = {}
        self._rejected: set[SpanKey] = set()
        self._candidates_of: list[Candidate] | None = None
        self._disagreements: list[int] = []
        self._index: dict[SpanKey, int] = {}
        self._relation_votes = relation_votes(records)
        self.record = gold if gold is not None else self._initial_record()
        self.changed = gold is None
        """True while the gold record has changes not yet saved."""
        self._add_gold_only()

    def _add_gold_only(self) -> None:
        """Spans only gold has (the adjudicator drew them) are candidates nobody marked."""
        known = {candidate.key for candidate in self._votes}
        extra = [Candidate(key, (), False) for key in sorted(self.gold_keys()) if key not in known]
        self.candidates = sorted(self._votes + extra, key=lambda candidate: candidate.key)

    @property
    def rejected(self) -> set[SpanKey]:
        """The keys of the gold record's rejected spans (kept: do not change it)."""
        self._gold_keys()
        return self._rejected

    def _gold_keys(self) -> dict[SpanKey, Span]:
        record = self.record
        if self._gold_of is not record:
            self._gold = {(span.start, span.end, span.label): span for span in record.spans}
            self._rejected = {(span.start, span.end, span.label) for span in record.rejected or []}
            self._gold_of = record
        return self._gold

    def _candidate_index(self) -> dict[SpanKey, int]:
        candidates = self.candidates
        if self._candidates_of is not candidates:
            self._index = {candidate.key: index for index, candidate in enumerate(candidates)}
            self._disagreements = [
                index for index, candidate in enumerate(candidates) if not candidate.agreed
            ]
            self._candidates_of = candidates
        return self._index

    def reload(self, gold: AnnotationRecord) -> bool:
        """Take the gold record as edited elsewhere (the annotate screen); True if it needs saving.

        Spans the adjudicator added or changed there come back with decision ``edited`` and no
        annotators; this fills in who among the annotators had exactly that span.
        """
        voters = {candidate.key: list(candidate.voters) for candidate in self.candidates}
        provenance = dict(gold.provenance or {})
        changed = False
        for span in gold.spans:
            entry = provenance.get(span.id)
            if entry is None or entry.decision != "edited":
                continue
            names = voters.get((span.start, span.end, span.label), [])
            if entry.annotators != names:
                provenance[span.id] = entry.model_copy(update={"annotators": names})
                changed = True
        self.record = gold.model_copy(update={"provenance": provenance}) if changed else gold
        self.changed = changed
        self._add_gold_only()
        return changed

    def index_of(self, key: SpanKey) -> int | None:
        return self._candidate_index().get(key)

    def decision(self, index: int) -> str | None:
        """The provenance decision of candidate ``index`` in gold (None: not in gold)."""
        span = self.gold_keys().get(self.candidates[index].key)
        if span is None:
            return None
        entry = (self.record.provenance or {}).get(span.id)
        return entry.decision if entry is not None else "edited"

    def _initial_record(self) -> AnnotationRecord:
        """A new gold record with the agreed spans (decision ``unanimous``)."""
        spans = []
        provenance = {}
        used: set[str] = set()
        for candidate in self._votes:
            if candidate.agreed:
                span = self._span(candidate.key, fresh_id("g", used))
                spans.append(span)
                provenance[span.id] = new_provenance(list(candidate.voters), "unanimous", True)
        record = AnnotationRecord(
            doc_id=self.doc_id,
            annotator=self.gold_name,
            text_sha256=text_sha256(self.text),
            spans=spans,
            provenance=provenance,
        )
        return self._with_relations(record)

    def _span(self, key: SpanKey, span_id: str) -> Span:
        return new_span(span_id, key, self.text)  # checked field by field, no validator run

    # -- queries ------------------------------------------------------------------------------

    @property
    def disagreements(self) -> Sequence[int]:
        """Indices of the candidates not everyone marked, in text order."""
        self._candidate_index()
        return self._disagreements

    def gold_keys(self) -> Mapping[SpanKey, Span]:
        """The gold record's spans by key."""
        return self._gold_keys()

    def state(self, index: int) -> str:
        """``gold`` (in the gold record), ``rejected``, or ``open``."""
        key = self.candidates[index].key
        if key in self.gold_keys():
            return "gold"
        if key in self.rejected:
            return "rejected"
        return "open"

    def next_disagreement(self, index: int | None, step: int = 1) -> int | None:
        """The next (``step=1``) or previous (``-1``) disagreement after ``index``, wrapping."""
        found = self.disagreements
        if not found:
            return None
        if index is None:
            return found[0] if step > 0 else found[-1]
        if step > 0:
            after = bisect_right(found, index)
            return found[after] if after < len(found) else found[0]
        before = bisect_left(found, index)
        return found[before - 1] if before else found[-1]

    def spans_for_view(self) -> list[Span]:
        """Every candidate as a span, for drawing (ids are positional)."""
        return [
            self._span(candidate.key, f"c{index}")
            for index, candidate in enumerate(self.candidates)
        ]

    def span_for_view(self, index: int) -> Span:
        """Candidate ``index`` as :meth:`spans_for_view` gives it."""
        return self._span(self.candidates[index].key, f"c{index}")

    # -- decisions ----------------------------------------------------------------------------

    def accept(self, index: int) -> None:
        """Put candidate ``index`` into gold, replacing competing versions of the same stretch."""
        candidate = self.candidates[index]
        start, end, label = candidate.key
        competing = {
            other.key
            for other in self.candidates
            if other.key != candidate.key
            and other.label == label
            and other.start < end
            and start < other.end
        }
        spans = [
            span
            for span in self.record.spans
            if (span.start, span.end, span.label) not in competing
        ]
        provenance = {
            span.id: (self.record.provenance or {})[span.id]
            for span in spans
            if span.id in (self.record.provenance or {})
        }
        existing = self.gold_keys().get(candidate.key)
        if existing is None:
            used = {span.id for span in self.record.spans}
            existing = self._span(candidate.key, fresh_id("g", used))
            spans.append(existing)
        before = provenance.get(existing.id)
        if before is None or before.decision != "edited":  # the adjudicator's own span stays so
            provenance[existing.id] = new_provenance(list(candidate.voters), "accepted", True)
        spans.sort(key=lambda span: (span.start, span.end, span.label))
        # The competing versions count as rejected: decided, and never brought back by --auto.
        rejected = [
            span
            for span in self.record.rejected or []
            if (span.start, span.end, span.label) != candidate.key
        ]
        already = {(span.start, span.end, span.label) for span in rejected}
        used = {span.id for span in rejected}
        for key in sorted(competing - already):
            rejected.append(self._span(key, fresh_id("x", used)))
        rejected.sort(key=lambda span: (span.start, span.end, span.label))
        self._update(spans, provenance, rejected)

    def reject(self, index: int) -> None:
        """Leave candidate ``index`` out of gold, and remember that it was rejected."""
        key = self.candidates[index].key
        rejected = list(self.record.rejected or [])
        if key not in self.rejected:
            used = {span.id for span in rejected}
            rejected.append(self._span(key, fresh_id("x", used)))
            rejected.sort(key=lambda span: (span.start, span.end, span.label))
        spans = [span for span in self.record.spans if (span.start, span.end, span.label) != key]
        provenance = {
            span.id: (self.record.provenance or {})[span.id]
            for span in spans
            if span.id in (self.record.provenance or {})
        }
        self._update(spans, provenance, rejected)

    def set_done(self, done: bool) -> None:
        status = Status.done if done else Status.in_progress
        if self.record.status is not status:
            self.record = self.record.model_copy(update={"status": status})
            self.changed = True

    def _update(
        self,
        spans: Sequence[Span],
        provenance: dict[str, SpanProvenance],
        rejected: list[Span],
    ) -> None:
        record = self.record.model_copy(
            update={
                "spans": list(spans),
                "provenance": provenance,
                "rejected": rejected or None,
                "updated_at": utc_now_iso(),
            }
        )
        self.record = self._with_relations(record)
        self.changed = True

    def _with_relations(self, record: AnnotationRecord) -> AnnotationRecord:
        ids = {(span.start, span.end, span.label): span.id for span in record.spans}
        present = set(ids.values())
        relations = [r for r in record.relations if r.head in present and r.tail in present]
        linked = {(r.label, r.head, r.tail) for r in relations}
        used = {r.id for r in relations}
        needed = max(1, (len(self.annotators) + 1) // 2)
        for (label, head, tail), names in self._relation_votes.items():
            if len(names) < needed or head not in ids or tail not in ids:
                continue
            link = (label, ids[head], ids[tail])
            if link not in linked:
                linked.add(link)
                relations.append(new_relation(fresh_id("gr", used), label, link[1], link[2]))
        return record.model_copy(update={"relations": relations})
