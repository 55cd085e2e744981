"""The adjudication of one document, without a terminal: candidates, decisions, the gold record.

Every distinct span any annotator marked is a *candidate*, with the annotators who marked it.
A candidate everyone marked is *agreed*; the others are *disagreements*, which the adjudicator
walks through and accepts (into gold, provenance ``accepted``) or rejects (out of gold, and into
the record's ``rejected`` list so that ``adjudicate --auto`` leaves it out). Accepting one version
of a stretch rejects the competing versions (same label, overlapping).

Relations are candidates too: every distinct ``(label, head span, tail span)`` any annotator
drew, with its voters. A relation is *agreed* when every annotator who has both its end spans
drew it. Two relations *compete* when they have the same label and the same head but different
tails, and no annotator drew both: each of those annotators gave the head one tail of that type,
and they gave different ones (for ``attributed_to``, a claim attributed to two different
speakers). The head of a relation type is read as the span it describes (a claim has one speaker;
a speaker makes many claims, so the same tail with different heads never competes); an annotator
who drew both tails says the head has both, so those two are judged separately, which keeps the
rule right for a type where a head may have several tails. A relation that is contested or not
agreed is a *disagreement*: a row after the spans, decided like one. Competing relations never
go into gold automatically. Accepting a relation puts it into gold, with its end spans accepted
first when they are not there yet (as ``a`` on each would: the reviewer asked for this link, and
it cannot be without its ends), and takes its competitors out; rejecting one takes it out. An
uncontested relation goes into gold by itself when both its ends are there and more than half
the annotators drew it, or half or more drew it and nobody who has both its ends left it out
(:func:`~annotator.agreement.adjudicate.links_automatically`: with two annotators, a link one
drew and the other did not is open until decided), unless the reviewer rejected it.
(``adjudicate --auto`` asks every annotator by default, so it never writes two competing links
either; with a ``--min-votes`` of half or less it would.)

A rejected relation goes into the record's ``rejected_relations`` (by its label and its ends'
extents and labels: an end may not be a gold span), so it shows as rejected when the document
is reopened, and neither a later decision here nor ``adjudicate --auto`` adds it back. It also
shows as rejected when a competitor is in gold or one of its ends was rejected. (A relation
deleted on the annotate screen, and not rejected here, comes back at the next decision when
the rule above puts it in.)

A book has 100,000 gold spans, so a decision costs what it touches, not the document: the gold
state (spans by key, ids in use, rejected keys, the key-sorted span list, relations by their
ends) is read from the record once, kept up to date by each decision, and read again only when
the record was replaced from outside (:meth:`ReviewDocument.reload`, or an assignment to
``record``). Each decision also records what it changed, so that the save writes a small patch
(:meth:`ReviewDocument.delta`). The records are the ones the full recompute made, with one
difference nobody reads: the provenance dict keeps its entries in the order they were set
(``del`` and ``d[key] = entry``, which a patch folds to), where the recompute rebuilt it in
span order at each decision (the same entries). As before, the first decision after the record
was read also drops provenance entries and relations whose spans are not in gold, and adds
the voted relations whose ends are in gold but which are missing (deleted on the annotate
screen); later decisions add only the voted relations of the spans they put in.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from annotator.agreement.adjudicate import (
    VotedRelation,
    fresh_id,
    links_automatically,
    new_provenance,
    new_relation,
    new_span,
    relation_votes,
    span_votes,
)
from annotator.agreement.light import LightRecord
from annotator.agreement.spans import SpanKey
from annotator.model.delta import RecordDelta
from annotator.model.errors import AnnotatorError
from annotator.model.records import (
    AnnotationRecord,
    LinkEnd,
    RejectedRelation,
    Relation,
    Span,
    SpanProvenance,
    Status,
    utc_now_iso,
)
from annotator.model.text import text_sha256

UNDO_DEPTH = 50
"""Decisions ``u`` can take back, last first."""
Item = TypeVar("Item", Span, Relation, SpanProvenance)
Link = tuple[str, str, str]
"""A relation as ``(label, head id, tail id)``."""


@dataclass(frozen=True, slots=True)
class RelationCandidate:
    vote: VotedRelation
    """``(label, head span key, tail span key)``."""
    voters: tuple[str, ...]
    agreed: bool
    """Every annotator who has both end spans drew it."""
    competitors: tuple[int, ...]
    """Indices (in :attr:`ReviewDocument.relations`) of the relations it competes with."""

    @property
    def label(self) -> str:
        return self.vote[0]

    @property
    def head(self) -> SpanKey:
        return self.vote[1]

    @property
    def tail(self) -> SpanKey:
        return self.vote[2]

    @property
    def disagreement(self) -> bool:
        return bool(self.competitors) or not self.agreed


def relation_candidates(
    votes: Mapping[VotedRelation, Sequence[str]], span_voters: Mapping[SpanKey, Sequence[str]]
) -> list[RelationCandidate]:
    """The relation candidates of ``votes`` in head order (then tail, then label)."""
    ordered = sorted(votes, key=lambda vote: (vote[1], vote[2], vote[0]))
    position = {vote: index for index, vote in enumerate(ordered)}
    groups: dict[tuple[str, SpanKey], list[VotedRelation]] = {}
    for vote in ordered:
        groups.setdefault((vote[0], vote[1]), []).append(vote)
    found = []
    for vote in ordered:
        names = votes[vote]
        both = set(span_voters.get(vote[1], ())) & set(span_voters.get(vote[2], ()))
        drew = set(names)
        competitors = tuple(
            position[other]
            for other in groups[(vote[0], vote[1])]
            if other != vote and not drew & set(votes[other])
        )
        found.append(RelationCandidate(vote, tuple(names), both <= drew, competitors))
    return found


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


def read_only_reason(
    doc_id: str, text: str, gold: AnnotationRecord | None, gold_name: str
) -> str | None:
    """Why the gold record ``gold`` of ``doc_id`` must not be shown nor changed by the review
    (None: it may): made on an older text, its offsets are of that text (``reanchor`` first).
    (A ``gold_annotator`` naming someone's own file is refused before any document opens:
    :func:`annotator.store.project.personal_gold`.)"""
    if gold is None:
        return None
    if gold.text_sha256 != text_sha256(text):
        return (
            f"the gold record of {doc_id} was made on an older text: "
            f"run `annotator reanchor --annotator {gold_name}`"
        )
    return None


def _fresh(prefix: str, used: Mapping[str, int]) -> str:
    """:func:`fresh_id` over the ids counted in ``used`` (not added: the caller counts it)."""
    number = len(used) + 1
    while f"{prefix}{number}" in used:
        number += 1
    return f"{prefix}{number}"


def _end_key(end: LinkEnd) -> SpanKey:
    return (end.start, end.end, end.label)


def _key(span: Span) -> SpanKey:
    return (span.start, span.end, span.label)


def _take_out(items: list[Span], keys: list[SpanKey], in_order: bool, key: SpanKey) -> list[Span]:
    """Remove the items of ``key`` from ``items`` (and ``keys``, its parallel key list)."""
    if in_order:
        low = bisect_left(keys, key)
        high = bisect_right(keys, key, low)
        taken = items[low:high]
        del items[low:high], keys[low:high]
        return taken
    taken = []
    index = 0
    while True:  # a list not in key order (as the annotate screen saved it): one C search
        try:
            index = keys.index(key, index)
        except ValueError:
            return taken
        taken.append(items.pop(index))
        del keys[index]


def _sort_by_key(items: list[Span], keys: list[SpanKey]) -> None:
    """Sort ``items`` (and ``keys``) stably by key, as ``list.sort`` by key would."""
    order = sorted(range(len(keys)), key=keys.__getitem__)
    items[:] = list(map(items.__getitem__, order))
    keys[:] = list(map(keys.__getitem__, order))


def _count(ids: Iterable[str]) -> dict[str, int]:
    return dict(Counter(ids))


class _Changes(Generic[Item]):
    """Items set and ids removed since the last save, in one list (or dict) of the record."""

    __slots__ = ("new", "ordered", "removed", "set")

    def __init__(self, ordered: bool = False) -> None:
        self.set: dict[str, Item] = {}
        self.removed: dict[str, None] = {}
        self.new: set[str] = set()
        """Ids of the set items the saved record did not have."""
        self.ordered = ordered
        """A dict (provenance): an id removed and set again stays removed, so that the fold
        puts its entry last, where ``del`` then ``d[key] = entry`` put it."""

    def put(self, item_id: str, item: Item, present: bool) -> None:
        """``item`` now under ``item_id``; ``present``: an item had that id just before."""
        if not present and item_id not in self.removed:
            self.new.add(item_id)
        if not self.ordered:
            self.removed.pop(item_id, None)
        self.set[item_id] = item

    def drop(self, item_id: str) -> None:
        self.set.pop(item_id, None)
        if item_id in self.new:
            self.new.discard(item_id)
        else:
            self.removed[item_id] = None


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
        # What the candidate list gives once (rebuilt when the list is replaced, see reload).
        self._candidates_of: list[Candidate] | None = None
        self._disagreements: list[int] = []
        self._index: dict[SpanKey, int] = {}
        self._by_label: dict[str, tuple[list[int], list[SpanKey], int]] = {}
        """Per label: the candidates' starts and keys in key order, and the longest length."""
        self._relation_votes = relation_votes(records)
        self.relations: list[RelationCandidate] = []
        """The relation candidates, in head order: rows after the span candidates."""
        self._contested: set[VotedRelation] = set()
        if self._relation_votes:
            span_voters = {candidate.key: candidate.voters for candidate in self._votes}
            self.relations = relation_candidates(self._relation_votes, span_voters)
            self._contested = {rel.vote for rel in self.relations if rel.competitors}
        self._relation_rows = [
            index for index, relation in enumerate(self.relations) if relation.disagreement
        ]
        """Indices of the relation disagreements."""
        self._rejected_links: set[VotedRelation] = set()
        """The rejected relations: the record's ``rejected_relations`` (read by _sync), kept
        up to date by each decision."""
        self._links_changed = False
        """:attr:`_rejected_links` changed since the record was read or last made."""
        self._relation_rows_by_end: dict[SpanKey, list[int]] = {}
        """The relation disagreements by each of their end keys."""
        for index in self._relation_rows:
            relation = self.relations[index]
            for end in dict.fromkeys((relation.head, relation.tail)):
                self._relation_rows_by_end.setdefault(end, []).append(index)
        self._relations_touched: list[int] = []
        """Relations the decision under way decided (their states and their competitors'
        change)."""
        self._relation_open: list[int] = []
        self._relation_open_of: AnnotationRecord | None = None
        """The record :attr:`_relation_open` is of (kept up to date by each decision)."""
        self.notes: dict[str, tuple[Status, str]] = {}
        """Annotators whose record of the document is flagged or skipped: status and note."""
        self._automatic = {
            relation.vote
            for relation in self.relations
            if not relation.competitors
            and links_automatically(len(relation.voters), relation.agreed, everyone)
        }
        """The relations that go into gold by themselves when both their ends are there."""
        self._voted: dict[SpanKey, list[VotedRelation]] = {}
        """The uncontested relations enough annotators drew, by each of their end keys."""
        for vote in self._relation_votes:
            if vote in self._automatic:
                self._voted.setdefault(vote[1], []).append(vote)
                if vote[2] != vote[1]:
                    self._voted.setdefault(vote[2], []).append(vote)
        self._added_keys: list[SpanKey] = []
        """Gold keys the decision under way added (their voted relations may go in)."""
        self._synced: AnnotationRecord | None = None
        """The record the gold state below was read from or kept for (see _sync)."""
        self._open: list[int] = []
        self._open_stale = True
        self.read_only = read_only_reason(doc_id, text, gold, gold_name)
        """Why the gold record must not be shown nor changed here (None: it may): it was made
        on an older text. The document is then shown with no gold span and every decision is
        refused with this line."""
        self._undo: list[AnnotationRecord] = []
        """The records before the last decisions, for :meth:`undo` (at most UNDO_DEPTH)."""
        self._reset_delta(whole=True)
        if self.read_only is not None:
            self.record = AnnotationRecord(
                doc_id=doc_id, annotator=gold_name, text_sha256=text_sha256(text)
            )
        else:
            self.record = gold if gold is not None else self._initial_record()
        self.changed = gold is None and self.read_only is None
        """True while the gold record has changes not yet saved."""
        self._add_gold_only()
        if gold is not None:
            self._reset_delta(whole=False)  # the record is the saved one

    def _refuse_if_read_only(self) -> None:
        if self.read_only is not None:
            raise AnnotatorError(self.read_only)

    def _add_gold_only(self) -> None:
        """Spans only gold has (the adjudicator drew them) are candidates nobody marked."""
        known = {candidate.key for candidate in self._votes}
        extra = [Candidate(key, (), False) for key in sorted(self.gold_keys()) if key not in known]
        self.candidates = sorted(self._votes + extra, key=lambda candidate: candidate.key)

    # -- the gold state -----------------------------------------------------------------------

    def _sync(self) -> None:
        """Read the gold state from ``record`` when it is not the record it was kept for (the
        first use, :meth:`reload`, or a record assigned from outside): one pass over it."""
        record = self.record
        if self._synced is record:
            return
        spans = list(record.spans)
        keys = [(span.start, span.end, span.label) for span in spans]
        self._spans = spans
        self._keys = keys
        self._in_order = keys == sorted(keys)
        self._gold: dict[SpanKey, Span] = dict(zip(keys, spans, strict=True))
        rejected = list(record.rejected or [])
        self._rejected_spans = rejected
        self._rejected_keys = [(span.start, span.end, span.label) for span in rejected]
        self._rejected_in_order = self._rejected_keys == sorted(self._rejected_keys)
        self._rejected: set[SpanKey] = set(self._rejected_keys)
        self._rejected_ids = _count(span.id for span in rejected)
        self._rejected_links = {
            (link.label, _end_key(link.head), _end_key(link.tail))
            for link in record.rejected_relations or ()
        }
        self._links_changed = False
        self._decisions_read = False
        self._synced = record
        self._open_stale = True
        self._reset_delta(whole=True)  # replaced from outside: the next save is whole

    def _read_for_decisions(self) -> None:
        """The rest of the gold state, which only decisions use (read at the first one, so
        that opening a book and walking it does not pay for it)."""
        self._sync()
        if self._decisions_read:
            return
        record = self.record
        spans = self._spans
        self._span_ids = _count(span.id for span in spans)
        self._provenance: dict[str, SpanProvenance] = dict(record.provenance or {})
        relations = list(record.relations)
        self._relations = relations
        self._relation_ids = [relation.id for relation in relations]
        self._relation_count = _count(self._relation_ids)
        self._links: Counter[Link] = Counter(
            (relation.label, relation.head, relation.tail) for relation in relations
        )
        self._by_end: dict[str, list[Relation]] = {}
        for relation in relations:
            self._by_end.setdefault(relation.head, []).append(relation)
            if relation.tail != relation.head:
                self._by_end.setdefault(relation.tail, []).append(relation)
        # What the next decision does beyond what it touches, as every decision used to redo
        # it over the whole record: drop the provenance entries and relations without their
        # spans, and add the voted relations whose ends are in gold but which are missing.
        self._stale_provenance = [key for key in self._provenance if key not in self._span_ids]
        # (A span with the key of a later one, which only a hand-made file has, is not looked
        # at: its relations went at the first decision.)
        present: Mapping[str, object] = self._span_ids
        if len(self._gold) != len(spans):
            present = {span.id: span for span in self._gold.values()}
        self._stale_relations = [
            relation
            for relation in relations
            if relation.head not in present or relation.tail not in present
        ]
        self._missing_votes: list[VotedRelation] = []
        for vote in self._relation_votes:
            head, tail = self._gold.get(vote[1]), self._gold.get(vote[2])
            if (
                vote in self._automatic
                and head is not None
                and tail is not None
                and (vote[0], head.id, tail.id) not in self._links
            ):
                self._missing_votes.append(vote)
        self._decisions_read = True

    def _reset_delta(self, whole: bool) -> None:
        self._whole = whole
        """True when the changes since the last save are not described (a whole save)."""
        self._rejected_whole = False
        self._provenance_whole = False
        self._span_changes: _Changes[Span] = _Changes()
        self._relation_changes: _Changes[Relation] = _Changes()
        self._rejected_changes: _Changes[Span] = _Changes()
        self._provenance_changes: _Changes[SpanProvenance] = _Changes(ordered=True)
        record = getattr(self, "record", None)
        self._saved_rejected_none = record is None or record.rejected is None
        self._saved_provenance_none = record is None or record.provenance is None

    def delta(self) -> RecordDelta | None:
        """What changed in :attr:`record` since it was last saved (see :meth:`saved`); None when
        that is not known (the record was replaced from outside): save it whole."""
        if self._whole or self._synced is not self.record:
            return None
        record = self.record
        rejected = self._rejected_changes
        provenance = self._provenance_changes
        rejected_described = not (
            self._rejected_whole or self._saved_rejected_none or record.rejected is None
        )
        provenance_described = not (
            self._provenance_whole or self._saved_provenance_none or record.provenance is None
        )
        return RecordDelta(
            spans_set=tuple(self._span_changes.set.values()),
            spans_removed=tuple(self._span_changes.removed),
            relations_set=tuple(self._relation_changes.set.values()),
            relations_removed=tuple(self._relation_changes.removed),
            rejected_set=tuple(rejected.set.values()) if rejected_described else None,
            rejected_removed=tuple(rejected.removed) if rejected_described else (),
            provenance_set=tuple(provenance.set.items()) if provenance_described else None,
            provenance_removed=tuple(provenance.removed) if provenance_described else (),
        )

    def saved(self) -> None:
        """The current record was saved: the next delta starts from it."""
        self._reset_delta(whole=self._synced is not self.record)
        self.changed = False

    @property
    def rejected(self) -> set[SpanKey]:
        """The keys of the gold record's rejected spans (kept: do not change it)."""
        self._sync()
        return self._rejected

    def _candidate_index(self) -> dict[SpanKey, int]:
        candidates = self.candidates
        if self._candidates_of is not candidates:
            self._index = {candidate.key: index for index, candidate in enumerate(candidates)}
            self._span_disagreements = [
                index for index, candidate in enumerate(candidates) if not candidate.agreed
            ]
            first = len(candidates)  # the relation rows come after the spans
            self._disagreements = self._span_disagreements + [
                first + index for index in self._relation_rows
            ]
            by_label: dict[str, tuple[list[int], list[SpanKey], int]] = {}
            for candidate in candidates:  # in key order, so each label's list is too
                start, end, label = candidate.key
                starts, keys, longest = by_label.get(label) or ([], [], 0)
                starts.append(start)
                keys.append(candidate.key)
                by_label[label] = (starts, keys, max(longest, end - start))
            self._by_label = by_label
            self._candidates_of = candidates
            self._open_stale = True
        return self._index

    def _open_list(self) -> list[int]:
        """The disagreements still open, in text order (kept up to date by each decision)."""
        self._sync()
        self._candidate_index()
        if self._open_stale:
            candidates = self.candidates
            gold, rejected = self._gold, self._rejected
            self._open = [
                index
                for index in self._span_disagreements
                if candidates[index].key not in gold and candidates[index].key not in rejected
            ]
            self._open_stale = False
        return self._open

    def reload(self, gold: AnnotationRecord) -> bool:
        """Take the gold record as edited elsewhere (the annotate screen); True if it needs saving.

        Spans the adjudicator added or changed there come back with decision ``edited`` and no
        annotators; this fills in who among the annotators had exactly that span. A span an
        annotator proposed that was in gold and was deleted (or changed) there is a rejection,
        as ``x`` here would make it: it goes into the record's ``rejected`` list, so that
        ``adjudicate --auto`` never brings it back.
        """
        self._refuse_if_read_only()
        self._undo.clear()  # the edits there are not review decisions to take back
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
        update: dict[str, object] = {"provenance": provenance} if changed else {}
        after = {(span.start, span.end, span.label) for span in gold.spans}
        rejected = list(gold.rejected or [])
        known = {(span.start, span.end, span.label) for span in rejected}
        ids = _count(span.id for span in rejected)
        for key in sorted(self.gold_keys().keys() - after - known):
            if voters.get(key):  # proposed by an annotator, deleted by the adjudicator
                span_id = _fresh("x", ids)
                ids[span_id] = 1
                rejected.append(self._span(key, span_id))
                known.add(key)
        if len(rejected) != len(gold.rejected or []):
            rejected.sort(key=_key)
            update["rejected"] = rejected
            changed = True
        self.record = gold.model_copy(update=update) if changed else gold
        self.changed = changed
        self._add_gold_only()
        if not changed:
            self._reset_delta(whole=False)  # the record is the saved one
        return changed

    def index_of(self, key: SpanKey) -> int | None:
        return self._candidate_index().get(key)

    def relation_index(self, vote: VotedRelation) -> int | None:
        """The row of relation ``vote`` (after the span candidates), None: not a candidate."""
        for index, relation in enumerate(self.relations):
            if relation.vote == vote:
                return len(self.candidates) + index
        return None

    @property
    def rows(self) -> int:
        """Span candidates, then relation candidates: the rows ``index`` arguments count."""
        return len(self.candidates) + len(self.relations)

    def relation_at(self, index: int) -> RelationCandidate | None:
        """The relation candidate of row ``index`` (None: a span candidate's row)."""
        first = len(self.candidates)
        return self.relations[index - first] if index >= first else None

    def decision(self, index: int) -> str | None:
        """The provenance decision of candidate ``index`` in gold (None: not in gold, or a
        relation's row)."""
        if index >= len(self.candidates):
            return None
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

    def _with_relations(self, record: AnnotationRecord) -> AnnotationRecord:
        """``record`` with the voted relations whose ends are in it (for the first record)."""
        ids = {(span.start, span.end, span.label): span.id for span in record.spans}
        present = set(ids.values())
        relations = [r for r in record.relations if r.head in present and r.tail in present]
        linked = {(r.label, r.head, r.tail) for r in relations}
        used = {r.id for r in relations}
        for label, head, tail in self._relation_votes:
            if (label, head, tail) not in self._automatic or head not in ids or tail not in ids:
                continue  # the reviewer decides
            link = (label, ids[head], ids[tail])
            if link not in linked:
                linked.add(link)
                relations.append(new_relation(fresh_id("gr", used), label, link[1], link[2]))
        return record.model_copy(update={"relations": relations})

    def _rejected_relation(self, vote: VotedRelation) -> RejectedRelation:
        label, head, tail = vote
        return RejectedRelation(label=label, head=self._end(head), tail=self._end(tail))

    def _end(self, key: SpanKey) -> LinkEnd:
        start, end, label = key
        return LinkEnd(start=start, end=end, label=label, text=self.text[start:end])

    def _span(self, key: SpanKey, span_id: str) -> Span:
        return new_span(span_id, key, self.text)  # checked field by field, no validator run

    # -- queries ------------------------------------------------------------------------------

    @property
    def disagreements(self) -> Sequence[int]:
        """Rows of the candidates not everyone marked, in text order, then of the relation
        disagreements (contested or not agreed), in head order."""
        self._candidate_index()
        return self._disagreements

    @property
    def decided(self) -> int:
        """How many disagreements are decided (in gold or rejected)."""
        return len(self.disagreements) - len(self._open_list()) - len(self._open_relations())

    def gold_keys(self) -> Mapping[SpanKey, Span]:
        """The gold record's spans by key (kept: do not change it)."""
        self._sync()
        return self._gold

    def state(self, index: int) -> str:
        """``gold`` (in the gold record), ``rejected``, or ``open``."""
        if index >= len(self.candidates):
            return self._relation_state(index - len(self.candidates))
        key = self.candidates[index].key
        if key in self.gold_keys():
            return "gold"
        if key in self.rejected:
            return "rejected"
        return "open"

    def next_disagreement(self, index: int | None, step: int = 1) -> int | None:
        """The next (``step=1``) or previous (``-1``) disagreement after ``index``, wrapping."""
        return self._next(self.disagreements, index, step)

    def next_open(self, index: int | None) -> int | None:
        """The first open disagreement after ``index``, wrapping (None: none is open)."""
        spans, relations = self._open_list(), self._open_relations()
        if not relations:
            return self._next(spans, index, 1)
        first = len(self.candidates)  # the relation rows come after the spans
        wrapped = spans[0] if spans else first + relations[0]
        if index is None:
            return wrapped
        if index < first:
            after = bisect_right(spans, index)
            return spans[after] if after < len(spans) else first + relations[0]
        after = bisect_right(relations, index - first)
        return first + relations[after] if after < len(relations) else wrapped

    def _link(self, vote: VotedRelation) -> Link | None:
        """The gold link of ``vote`` (by the ids of its ends in gold), None: an end is not."""
        self._sync()
        head, tail = self._gold.get(vote[1]), self._gold.get(vote[2])
        if head is None or tail is None:
            return None
        return (vote[0], head.id, tail.id)

    def _in_gold(self, vote: VotedRelation) -> bool:
        link = self._link(vote)
        if link is None:
            return False
        self._read_for_decisions()
        return link in self._links

    def _relation_state(self, index: int) -> str:
        relation = self.relations[index]
        if self._in_gold(relation.vote):
            return "gold"
        if (
            relation.vote in self._rejected_links
            or relation.head in self.rejected
            or relation.tail in self.rejected
            or any(self._in_gold(self.relations[other].vote) for other in relation.competitors)
        ):
            return "rejected"
        return "open"

    def _open_relations(self) -> list[int]:
        """The relation disagreements still open (indices in :attr:`relations`): worked out
        when the record was read, then kept up to date by each decision (see
        :meth:`_update_open_relations`)."""
        if not self._relation_rows:
            return []
        if self._relation_open_of is not self.record:
            self._relation_open = [
                index for index in self._relation_rows if self._relation_state(index) == "open"
            ]
            self._relation_open_of = self.record
        return self._relation_open

    @staticmethod
    def _next(found: Sequence[int], index: int | None, step: int) -> int | None:
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

    def undo(self) -> bool:
        """Take back the last decision (:meth:`accept` or :meth:`reject`) not taken back yet:
        the gold record as it was before it (its status as it is now). False: there is none.
        The record is then one replaced from outside: read again, and saved whole."""
        self._refuse_if_read_only()
        if not self._undo:
            return False
        before = self._undo.pop()
        self.record = before.model_copy(
            update={"status": self.record.status, "updated_at": utc_now_iso()}
        )
        self.changed = True
        return True

    @property
    def undo_depth(self) -> int:
        """How many decisions :meth:`undo` can take back."""
        return len(self._undo)

    def _remember(self) -> None:
        """Keep the record before a decision for :meth:`undo` (the records are never changed
        in place: a decision makes a new one, sharing the spans)."""
        self._undo.append(self.record)
        del self._undo[:-UNDO_DEPTH]

    def accept(self, index: int) -> list[SpanKey]:
        """Put candidate ``index`` into gold, replacing competing versions of the same stretch;
        for a relation's row see :meth:`accept_relation` (what it returns, else [])."""
        self._refuse_if_read_only()
        self._remember()
        if index >= len(self.candidates):
            return self.accept_relation(index - len(self.candidates))
        self._accept_span(index)
        return []

    def accept_relation(self, index: int) -> list[SpanKey]:
        """Put relation ``index`` (of :attr:`relations`) into gold and take its competitors
        out; its end spans not in gold are accepted first (returned, in that order)."""
        self._refuse_if_read_only()
        relation = self.relations[index]
        brought = []
        for key in dict.fromkeys((relation.head, relation.tail)):
            if key not in self.gold_keys():
                found = self.index_of(key)
                assert found is not None  # an end of a candidate is a candidate
                self._accept_span(found)
                brought.append(key)
        link = self._link(relation.vote)
        if link is None:  # its ends are versions of one stretch: accepting one rejected the other
            raise AnnotatorError(
                "this link's two ends overlap with the same label: only one can be in gold"
            )
        self._open_list()
        self._read_for_decisions()
        self._begin_decision()
        self._rejected_links.discard(relation.vote)
        self._relations_touched = [index, *relation.competitors]
        for other in relation.competitors:
            vote = self.relations[other].vote
            self._drop_link(vote)
            self._rejected_links.add(vote)
        self._links_changed = True
        if link not in self._links:
            relation_id = _fresh("gr", self._relation_count)
            self._add_relation(new_relation(relation_id, *link))
        self._end_decision([])
        return brought

    def reject_relation(self, index: int) -> None:
        """Take relation ``index`` (of :attr:`relations`) out of gold; it is not added back
        automatically while the document is open."""
        self._refuse_if_read_only()
        vote = self.relations[index].vote
        self._open_list()
        self._read_for_decisions()
        self._begin_decision()
        self._relations_touched = [index]
        self._rejected_links.add(vote)
        self._links_changed = True
        self._drop_link(vote)
        self._end_decision([])

    def _drop_link(self, vote: VotedRelation) -> None:
        link = self._link(vote)
        if link is None or link not in self._links:
            return
        for relation in list(self._by_end.get(link[1], ())):
            if (relation.label, relation.head, relation.tail) == link:
                self._remove_relation(relation)

    def _accept_span(self, index: int) -> None:
        self._open_list()
        self._read_for_decisions()
        candidate = self.candidates[index]
        key = candidate.key
        competing = self._competing(key)
        existing = self._gold.get(key)
        new_id = _fresh("g", self._span_ids) if existing is None else None
        self._begin_decision()
        for other in competing:
            self._remove_gold(other)
        if existing is None:
            assert new_id is not None
            existing = self._span(key, new_id)
            self._add_gold(key, existing)
        before = self._provenance.get(existing.id)
        if before is None or before.decision != "edited":  # the adjudicator's own span stays so
            self._set_provenance(
                existing.id, new_provenance(list(candidate.voters), "accepted", True)
            )
        if not self._in_order:  # read in another order: sorted once, saved whole
            _sort_by_key(self._spans, self._keys)
            self._in_order = True
            self._whole = True
        # The competing versions count as rejected: decided, and never brought back by --auto.
        self._unreject(key)
        fresh = sorted(set(competing) - self._rejected)
        for other in fresh:
            self._reject_key(other)
        if not self._rejected_in_order:
            _sort_by_key(self._rejected_spans, self._rejected_keys)
            self._rejected_in_order = True
            self._rejected_whole = True
        self._end_decision([key, *competing])

    def reject(self, index: int) -> None:
        """Leave candidate ``index`` out of gold, and remember that it was rejected (a
        relation's row: :meth:`reject_relation`)."""
        self._refuse_if_read_only()
        self._remember()
        if index >= len(self.candidates):
            self.reject_relation(index - len(self.candidates))
            return
        self._open_list()
        self._read_for_decisions()
        key = self.candidates[index].key
        self._begin_decision()
        if key not in self._rejected:
            self._reject_key(key)
            if not self._rejected_in_order:
                _sort_by_key(self._rejected_spans, self._rejected_keys)
                self._rejected_in_order = True
                self._rejected_whole = True
        self._remove_gold(key)
        self._end_decision([key])

    def set_done(self, done: bool) -> None:
        self._refuse_if_read_only()
        status = Status.done if done else Status.in_progress
        if self.record.status is not status:
            synced = self._synced is self.record
            self.record = self.record.model_copy(update={"status": status})
            if synced:
                self._synced = self.record
            if self._relation_open_of is not None:
                self._relation_open_of = self.record  # the status does not open a relation
            self.changed = True

    def _competing(self, key: SpanKey) -> list[SpanKey]:
        """The other candidates of ``key``'s label that overlap it, in key order: those that
        start less than the label's longest candidate before it, found by bisection."""
        self._candidate_index()
        start, end, label = key
        starts, keys, longest = self._by_label.get(label) or ([], [], 0)
        low = bisect_left(starts, start - longest + 1)
        high = bisect_left(starts, end, low)
        return [other for other in keys[low:high] if other[1] > start and other != key]

    def _begin_decision(self) -> None:
        """What the next decision does to the whole record after it was read (see _sync)."""
        if self._stale_provenance:
            for span_id in self._stale_provenance:
                if span_id in self._provenance and span_id not in self._span_ids:
                    self._set_provenance(span_id, None)
            self._stale_provenance = []
        if self._stale_relations:
            for relation in self._stale_relations:
                self._remove_relation(relation)
            self._stale_relations = []
            self._relation_open_of = None  # worked out again in full

    def _end_decision(self, touched: list[SpanKey]) -> None:
        """Add the voted relations the decision made possible, the new record, the open list."""
        votes = self._missing_votes
        if votes:
            self._relation_open_of = None  # worked out again in full
        self._missing_votes = []
        added = self._added_keys
        for key in self._added_keys:
            votes.extend(self._voted.get(key, ()))
        self._added_keys = []
        for vote in sorted(set(votes)):
            label, head_key, tail_key = vote
            head, tail = self._gold.get(head_key), self._gold.get(tail_key)
            if head is None or tail is None or (label, head.id, tail.id) in self._links:
                continue
            if vote in self._rejected_links:
                continue
            relation_id = _fresh("gr", self._relation_count)
            self._add_relation(new_relation(relation_id, label, head.id, tail.id))
        before = self.record
        update: dict[str, object] = {
            "spans": list(self._spans),
            "provenance": self._provenance.copy(),  # dict() is 5 times slower with holes
            "rejected": list(self._rejected_spans) or None,
            "relations": list(self._relations),
            "updated_at": utc_now_iso(),
        }
        if self._links_changed:  # a short list (the links rejected): made again whole
            update["rejected_relations"] = [
                self._rejected_relation(vote) for vote in sorted(self._rejected_links)
            ] or None
            self._links_changed = False
        self.record = self.record.model_copy(update=update)
        self._synced = self.record
        self.changed = True
        if self._relation_rows:
            self._update_open_relations(before, [*touched, *added])
        index = self._index
        candidates = self.candidates
        opened = self._open
        for key in touched:
            found = index.get(key)
            if found is None or candidates[found].agreed:
                continue
            place = bisect_left(opened, found)
            there = place < len(opened) and opened[place] == found
            if key in self._gold or key in self._rejected:
                if there:
                    del opened[place]
            elif not there:
                opened.insert(place, found)

    def _update_open_relations(self, before: AnnotationRecord, keys: list[SpanKey]) -> None:
        """The open relation disagreements after a decision: only those with an end among
        ``keys`` (the spans it put in, took out, rejected or brought back), those it decided,
        and their competitors can have changed."""
        touched = self._relations_touched
        self._relations_touched = []
        if self._relation_open_of is not before:  # not worked out yet, or to do in full
            self._relation_open_of = None
            return
        affected = set(touched)
        by_end = self._relation_rows_by_end
        for key in keys:
            affected.update(by_end.get(key, ()))
        for index in list(affected):
            affected.update(self.relations[index].competitors)
        opened = self._relation_open
        relations = self.relations
        for index in affected:
            if not relations[index].disagreement:
                continue  # an agreed relation's row, decided all the same
            place = bisect_left(opened, index)
            there = place < len(opened) and opened[place] == index
            if self._relation_state(index) == "open":
                if not there:
                    opened.insert(place, index)
            elif there:
                del opened[place]
        self._relation_open_of = self.record

    def _add_gold(self, key: SpanKey, span: Span) -> None:
        place = bisect_right(self._keys, key) if self._in_order else len(self._keys)
        self._spans.insert(place, span)
        self._keys.insert(place, key)
        self._gold[key] = span
        present = span.id in self._span_ids
        self._span_ids[span.id] = self._span_ids.get(span.id, 0) + 1
        self._span_changes.put(span.id, span, present)
        self._added_keys.append(key)

    def _remove_gold(self, key: SpanKey) -> None:
        if key not in self._gold:
            return
        del self._gold[key]
        for span in _take_out(self._spans, self._keys, self._in_order, key):
            left = self._span_ids[span.id] - 1
            if left:
                self._span_ids[span.id] = left
                continue
            del self._span_ids[span.id]
            self._span_changes.drop(span.id)
            if span.id in self._provenance:
                self._set_provenance(span.id, None)
            for relation in self._by_end.pop(span.id, ()):
                self._remove_relation(relation)

    def _set_provenance(self, span_id: str, entry: SpanProvenance | None) -> None:
        present = span_id in self._provenance
        if entry is None:
            del self._provenance[span_id]
            self._provenance_changes.drop(span_id)
        else:
            self._provenance[span_id] = entry
            self._provenance_changes.put(span_id, entry, present)

    def _reject_key(self, key: SpanKey) -> None:
        span = self._span(key, _fresh("x", self._rejected_ids))
        keys = self._rejected_keys
        place = bisect_right(keys, key) if self._rejected_in_order else len(keys)
        self._rejected_spans.insert(place, span)
        keys.insert(place, key)
        self._rejected.add(key)
        present = span.id in self._rejected_ids
        self._rejected_ids[span.id] = self._rejected_ids.get(span.id, 0) + 1
        self._rejected_changes.put(span.id, span, present)

    def _unreject(self, key: SpanKey) -> None:
        if key not in self._rejected:
            return
        self._rejected.discard(key)
        taken = _take_out(self._rejected_spans, self._rejected_keys, self._rejected_in_order, key)
        for span in taken:
            left = self._rejected_ids[span.id] - 1
            if left:
                self._rejected_ids[span.id] = left
            else:
                del self._rejected_ids[span.id]
                self._rejected_changes.drop(span.id)

    def _add_relation(self, relation: Relation) -> None:
        self._relations.append(relation)
        self._relation_ids.append(relation.id)
        present = relation.id in self._relation_count
        self._relation_count[relation.id] = self._relation_count.get(relation.id, 0) + 1
        self._links[(relation.label, relation.head, relation.tail)] += 1
        self._by_end.setdefault(relation.head, []).append(relation)
        if relation.tail != relation.head:
            self._by_end.setdefault(relation.tail, []).append(relation)
        self._relation_changes.put(relation.id, relation, present)

    def _remove_relation(self, relation: Relation) -> None:
        """Take ``relation`` (this object) out, if it is still in."""
        ids = self._relation_ids
        place = 0
        while True:  # one C search among the ids; the same id twice only in a hand-made file
            try:
                place = ids.index(relation.id, place)
            except ValueError:
                return
            if self._relations[place] is relation:
                break
            place += 1
        del self._relations[place], ids[place]
        left = self._relation_count[relation.id] - 1
        if left:
            self._relation_count[relation.id] = left
        else:
            del self._relation_count[relation.id]
            self._relation_changes.drop(relation.id)
        link = (relation.label, relation.head, relation.tail)
        self._links[link] -= 1
        if not self._links[link]:
            del self._links[link]
        for end in {relation.head, relation.tail}:
            linked = self._by_end.get(end)
            if linked is not None:
                self._by_end[end] = [other for other in linked if other is not relation]
