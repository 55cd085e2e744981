"""A review decision keeps the gold state up to date instead of recomputing it: the records it
makes are the ones the full recompute made, its deltas describe exactly what changed since the
last save, and a decision on a book does not walk every candidate."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from line_count import lines_run

from annotator.agreement.adjudicate import (
    VotedRelation,
    fresh_id,
    links_automatically,
    new_provenance,
    new_relation,
    new_span,
)
from annotator.agreement.light import LightRecord
from annotator.agreement.review import Candidate, ReviewDocument
from annotator.agreement.review_project import ReviewProject
from annotator.agreement.spans import SpanKey
from annotator.model.delta import RecordDelta
from annotator.model.errors import AnnotatorError
from annotator.model.records import (
    AnnotationRecord,
    Span,
    SpanProvenance,
    Status,
)
from annotator.model.text import text_sha256
from annotator.store.annotations import AnnotationFile
from annotator.store.project import Project

from .helpers import build_project, record

TEXT = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
NAMES = ("ann", "bob", "cyd", "dee")


def key_of(span: Span) -> SpanKey:
    return (span.start, span.end, span.label)


class Reference:
    """The decisions as they were first written: every one recomputes the whole record."""

    def __init__(self, document: ReviewDocument, record: AnnotationRecord) -> None:
        self.document = document
        self.record = record
        self.rejected_links: set[VotedRelation] = set()

    @property
    def candidates(self) -> list[Candidate]:
        return self.document.candidates  # only reload changes them, the same way for both

    def accept(self, index: int) -> None:
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
        old = self.record.provenance or {}
        spans = [span for span in self.record.spans if key_of(span) not in competing]
        provenance = {span.id: old[span.id] for span in spans if span.id in old}
        existing = {key_of(span): span for span in self.record.spans}.get(candidate.key)
        if existing is None:
            used = {span.id for span in self.record.spans}
            existing = new_span(fresh_id("g", used), candidate.key, self.document.text)
            spans.append(existing)
        before = provenance.get(existing.id)
        if before is None or before.decision != "edited":
            provenance[existing.id] = new_provenance(list(candidate.voters), "accepted", True)
        spans.sort(key=key_of)
        rejected = [s for s in self.record.rejected or [] if key_of(s) != candidate.key]
        already = {key_of(span) for span in rejected}
        used = {span.id for span in rejected}
        for key in sorted(competing - already):
            rejected.append(new_span(fresh_id("x", used), key, self.document.text))
        rejected.sort(key=key_of)
        self.update(spans, provenance, rejected)

    def link(self, vote: VotedRelation) -> tuple[str, str, str] | None:
        ids = {key_of(span): span.id for span in self.record.spans}
        if vote[1] not in ids or vote[2] not in ids:
            return None
        return (vote[0], ids[vote[1]], ids[vote[2]])

    def without(self, vote: VotedRelation) -> None:
        link = self.link(vote)
        self.record = self.record.model_copy(
            update={
                "relations": [r for r in self.record.relations if (r.label, r.head, r.tail) != link]
            }
        )

    def accept_relation(self, index: int) -> bool:
        """False: its ends overlap with one label, so they cannot both be in gold."""
        relation = self.document.relations[index]
        for key in dict.fromkeys((relation.head, relation.tail)):
            if key not in {key_of(span) for span in self.record.spans}:
                found = self.document.index_of(key)
                assert found is not None
                self.accept(found)
        link = self.link(relation.vote)
        if link is None:
            return False
        self.rejected_links.discard(relation.vote)
        for other in relation.competitors:
            vote = self.document.relations[other].vote
            self.without(vote)
            self.rejected_links.add(vote)
        present = set({key_of(span): span.id for span in self.record.spans}.values())
        relations = [r for r in self.record.relations if r.head in present and r.tail in present]
        if link not in {(r.label, r.head, r.tail) for r in relations}:
            used = {r.id for r in relations}
            relations.append(new_relation(fresh_id("gr", used), *link))
        self.record = self.record.model_copy(update={"relations": relations})
        self.refresh()
        return True

    def refresh(self) -> None:
        spans = list(self.record.spans)
        old = self.record.provenance or {}
        self.update(spans, {span.id: old[span.id] for span in spans if span.id in old}, None)

    def reject_relation(self, index: int) -> None:
        vote = self.document.relations[index].vote
        self.rejected_links.add(vote)
        self.without(vote)
        self.refresh()

    def reject(self, index: int) -> None:
        key = self.candidates[index].key
        rejected = list(self.record.rejected or [])
        if key not in {key_of(span) for span in rejected}:
            used = {span.id for span in rejected}
            rejected.append(new_span(fresh_id("x", used), key, self.document.text))
            rejected.sort(key=key_of)
        spans = [span for span in self.record.spans if key_of(span) != key]
        old = self.record.provenance or {}
        provenance = {span.id: old[span.id] for span in spans if span.id in old}
        self.update(spans, provenance, rejected)

    def set_done(self, done: bool) -> None:
        status = Status.done if done else Status.in_progress
        self.record = self.record.model_copy(update={"status": status})

    def update(
        self,
        spans: list[Span],
        provenance: dict[str, SpanProvenance],
        rejected: list[Span] | None,
    ) -> None:
        """The record with these spans (``rejected``: None keeps the list), the relations
        whose ends are there, and the voted relations nobody contests and the reviewer did not
        reject whose ends are there."""
        if rejected is None:
            rejected = list(self.record.rejected or [])
        ids = {key_of(span): span.id for span in spans}
        present = set(ids.values())
        relations = [r for r in self.record.relations if r.head in present and r.tail in present]
        linked = {(r.label, r.head, r.tail) for r in relations}
        used = {r.id for r in relations}
        everyone = len(self.document.annotators)
        automatic = {
            r.vote
            for r in self.document.relations
            if not r.competitors and links_automatically(len(r.voters), r.agreed, everyone)
        }
        for vote in self.document._relation_votes:
            label, head, tail = vote
            if head not in ids or tail not in ids:
                continue
            if vote not in automatic or vote in self.rejected_links:
                continue
            link = (label, ids[head], ids[tail])
            if link not in linked:
                linked.add(link)
                relations.append(new_relation(fresh_id("gr", used), label, link[1], link[2]))
        self.record = self.record.model_copy(
            update={
                "spans": spans,
                "provenance": provenance,
                "rejected": rejected or None,
                "relations": relations,
            }
        )


def as_data(record: AnnotationRecord) -> dict[str, Any]:
    """What a user sees of a gold record (``updated_at`` aside)."""
    return {
        "spans": [(s.id, s.start, s.end, s.label, s.text) for s in record.spans],
        "provenance": record.provenance,
        "rejected": None
        if record.rejected is None
        else [(s.id, s.start, s.end, s.label) for s in record.rejected],
        "relations": [(r.id, r.label, r.head, r.tail) for r in record.relations],
        "status": record.status,
    }


def fold_items(
    base: Sequence[Any], new: Sequence[Any], set_items: Sequence[Any], removed: Sequence[str]
) -> None:
    """``new`` is ``base`` with ``removed`` taken out and ``set_items`` put in, the others
    kept (the same objects, in the same order), and each set item the very object of ``new``."""
    named = {item.id for item in set_items}
    base_ids = {item.id for item in base}
    assert len(named) == len(set_items)
    assert set(removed) <= base_ids and not set(removed) & named
    kept = [item for item in base if item.id not in named and item.id not in removed]
    unnamed = [item for item in new if item.id not in named]
    assert [id(item) for item in kept] == [id(item) for item in unnamed]
    by_id = {item.id: item for item in new}
    assert all(by_id.get(item.id) is item for item in set_items)
    assert len(new) == len(kept) + len(set_items)


def check_delta(base: AnnotationRecord, new: AnnotationRecord, delta: RecordDelta) -> None:
    fold_items(base.spans, new.spans, delta.spans_set, delta.spans_removed)
    fold_items(base.relations, new.relations, delta.relations_set, delta.relations_removed)
    if delta.rejected_set is not None:
        assert base.rejected is not None and new.rejected is not None
        fold_items(base.rejected, new.rejected, delta.rejected_set, delta.rejected_removed)
    if delta.provenance_set is not None:
        assert base.provenance is not None and new.provenance is not None
        folded = dict(base.provenance)  # a dict update: removed, then set in place or last
        for span_id in delta.provenance_removed:
            del folded[span_id]
        for span_id, entry in delta.provenance_set:
            assert new.provenance[span_id] is entry
            folded[span_id] = entry
        assert list(folded.items()) == list(new.provenance.items())


@st.composite
def documents(draw: st.DrawFn) -> tuple[dict[str, LightRecord], AnnotationRecord | None, int]:
    count = draw(st.integers(2, 4))
    digest = text_sha256(TEXT)
    key = st.tuples(st.integers(0, 20), st.integers(1, 5), st.sampled_from("AB")).map(
        lambda k: (k[0], k[0] + k[1], k[2])
    )
    shared = draw(st.lists(key, min_size=1, max_size=10, unique=True))
    records = {}
    for name in NAMES[:count]:
        keys = sorted(
            set(draw(st.lists(st.sampled_from(shared), max_size=10)))
            | set(draw(st.lists(key, max_size=2)))
        )
        spans = [(f"s{n}", *k) for n, k in enumerate(keys)]
        relations = []
        if spans:
            pairs = draw(
                st.lists(
                    st.tuples(
                        st.integers(0, len(spans) - 1),
                        st.integers(0, len(spans) - 1),
                        st.sampled_from("RS"),
                    ),
                    max_size=6,
                )
            )
            relations = [(f"r{n}", lab, f"s{h}", f"s{t}") for n, (h, t, lab) in enumerate(pairs)]
        records[name] = LightRecord("d", name, digest, spans, relations)
    gold = None
    if draw(st.booleans()):
        gold = draw(hand_made_gold(shared, key))
    return records, gold, draw(st.integers(0, 2**16))


@st.composite
def hand_made_gold(draw: st.DrawFn, shared: list[SpanKey], key: Any) -> AnnotationRecord:
    """A gold record as a file may hold it: any order, ids with holes, stale entries."""
    keys = sorted(set(draw(st.lists(st.sampled_from(shared), max_size=8)) + draw(st.lists(key))))
    numbers = draw(
        st.lists(st.integers(1, len(keys) + 2), min_size=len(keys), max_size=len(keys), unique=True)
    )
    spans = [new_span(f"g{n}", k, TEXT) for n, k in zip(numbers, keys, strict=True)]
    twice: bool = draw(st.booleans())
    if spans and twice:  # the same span twice (a hand-made file)
        spans.append(new_span("g77", key_of(draw(st.sampled_from(spans))), TEXT))
    if draw(st.booleans()):
        spans = draw(st.permutations(spans))  # as the annotate screen saved them
    provenance: dict[str, SpanProvenance] = {}
    for span in spans:
        decision = draw(st.sampled_from(["accepted", "edited", "unanimous", None]))
        if decision is not None:
            provenance[span.id] = new_provenance(["ann"], decision, True)
    if draw(st.booleans()):
        provenance["g99"] = new_provenance([], "accepted", True)  # an entry without its span
    rejected_keys = sorted(set(draw(st.lists(st.sampled_from(shared), max_size=4))) - set(keys))
    rejected = [new_span(f"x{n * 2 + 1}", k, TEXT) for n, k in enumerate(rejected_keys)]
    relations = []
    if spans:
        for n, (h, t) in enumerate(
            draw(st.lists(st.tuples(st.sampled_from(spans), st.sampled_from(spans)), max_size=4))
        ):
            relations.append(new_relation(f"gr{n + 2}", "R", h.id, t.id))
    if draw(st.booleans()):
        relations.append(new_relation("gr40", "S", "g99", spans[0].id if spans else "g98"))
    return AnnotationRecord(
        doc_id="d",
        annotator="gold",
        text_sha256=text_sha256(TEXT),
        spans=spans,
        provenance=draw(st.sampled_from([provenance, None])),
        rejected=draw(st.permutations(rejected)) or None,
        relations=relations,
        status=Status.in_progress,
    )


def edited(record: AnnotationRecord, rng: random.Random) -> AnnotationRecord:
    """The record as the annotate screen saves it after an edit: spans by start, longer
    first; a span or a relation deleted (with its provenance), or a span drawn (``edited``)."""
    spans = sorted(record.spans, key=lambda s: (s.start, -s.end, s.label, s.id))
    relations = list(record.relations)
    provenance = dict(record.provenance or {})
    what = rng.choice(["span", "relation", "draw"])
    if what == "span" and spans:
        gone = spans.pop(rng.randrange(len(spans)))
        provenance.pop(gone.id, None)
        relations = [r for r in relations if gone.id not in (r.head, r.tail)]
    elif what == "relation" and relations:
        relations.pop(rng.randrange(len(relations)))
    else:
        start = rng.randrange(30)
        k = (start, start + rng.randrange(1, 8), rng.choice("AB"))
        if k not in {key_of(s) for s in spans}:
            span = new_span(f"e{rng.randrange(1000)}", k, TEXT)
            if span.id not in {s.id for s in spans}:
                spans.append(span)
                provenance[span.id] = new_provenance([], "edited", True)
    return record.model_copy(
        update={"spans": spans, "relations": relations, "provenance": provenance}
    )


STEP = st.one_of(
    st.tuples(st.sampled_from(["accept", "reject"]), st.integers(0, 1000)),
    st.tuples(st.sampled_from(["accept_relation", "reject_relation"]), st.integers(0, 1000)),
    st.tuples(st.just("done"), st.booleans()),
    st.tuples(st.sampled_from(["save", "edit"]), st.just(0)),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.lists(STEP, max_size=25))
def test_every_decision_makes_the_record_the_full_recompute_made(
    case: tuple[dict[str, LightRecord], AnnotationRecord | None, int],
    steps: list[tuple[str, Any]],
) -> None:
    records, gold, seed = case
    rng = random.Random(seed)
    document = ReviewDocument("d", TEXT, records, gold, "gold")
    reference = Reference(document, document.record)
    saved = document.record
    if gold is None:
        assert document.delta() is None  # a new record: saved whole
        document.saved()

    def save() -> None:
        nonlocal saved
        delta = document.delta()
        if delta is not None:
            check_delta(saved, document.record, delta)
        saved = document.record
        document.saved()

    for what, value in steps:
        if what in ("accept", "reject") and document.candidates:
            index = value % len(document.candidates)
            getattr(document, what)(index)
            getattr(reference, what)(index)
        elif what == "accept_relation" and document.relations:
            index = value % len(document.relations)
            if reference.accept_relation(index):
                assert document.accept(len(document.candidates) + index) is not None
            else:
                with pytest.raises(AnnotatorError, match="overlap"):
                    document.accept(len(document.candidates) + index)
        elif what == "reject_relation" and document.relations:
            index = value % len(document.relations)
            document.reject(len(document.candidates) + index)
            reference.reject_relation(index)
        elif what == "done":
            document.set_done(value)
            reference.set_done(value)
        elif what == "save":
            save()
        elif what == "edit":  # saved first, edited on the annotate screen, read back
            save()
            saved = edited(document.record, rng)
            if document.reload(saved):
                assert document.delta() is None
                saved = document.record
                document.saved()
            reference.record = document.record
        assert as_data(document.record) == as_data(reference.record)
        open_ones = [i for i in document.disagreements if document.state(i) == "open"]
        assert document.decided == len(document.disagreements) - len(open_ones)
        current = rng.randrange(len(document.candidates)) if document.candidates else None
        after = [i for i in open_ones if current is not None and i > current]
        expected = (after or open_ones)[0] if open_ones else None
        assert document.next_open(current) == expected
    save()


def test_voted_relations_missing_from_a_read_record_go_in_at_the_next_decision() -> None:
    """As before: a relation enough annotators drew, with both ends in gold but missing from
    the record read (deleted on the annotate screen), is added back by the next decision, and
    a relation whose end is gone is dropped then."""
    digest = text_sha256(TEXT)
    spans = [("s0", 0, 3, "A"), ("s1", 5, 9, "A"), ("s2", 20, 24, "B")]
    records = {
        name: LightRecord(
            "d", name, digest, spans[: 3 if name == "ann" else 2], [("r0", "R", "s0", "s1")]
        )
        for name in ("ann", "bob")
    }
    gold = AnnotationRecord(
        doc_id="d",
        annotator="gold",
        text_sha256=digest,
        spans=[new_span("g1", (0, 3, "A"), TEXT), new_span("g2", (5, 9, "A"), TEXT)],
        relations=[new_relation("gr1", "S", "g1", "g7")],  # g7 is not in gold
    )
    document = ReviewDocument("d", TEXT, records, gold, "gold")
    assert document.delta() is not None and document.delta() == RecordDelta(
        rejected_set=None, provenance_set=None
    )
    document.reject(document.index_of((20, 24, "B")) or 0)
    assert [(r.id, r.label, r.head, r.tail) for r in document.record.relations] == [
        ("gr1", "R", "g1", "g2")
    ]
    delta = document.delta()
    assert delta is not None
    assert [r.id for r in delta.relations_set] == ["gr1"]  # the same id, a new relation
    assert delta.relations_removed == ()


def test_a_decision_on_a_book_does_not_walk_every_candidate() -> None:
    """20,000 candidates and gold spans: a decision runs a few hundred lines of Python (the
    full recompute ran several for each candidate and gold span)."""
    words = 20_000
    text = " ".join(f"w{n:05d}" for n in range(words))
    spans = [(n * 7, n * 7 + 6, "A") for n in range(words)]
    digest = text_sha256(text)
    records = {
        "ann": LightRecord("d", "ann", digest, [(f"s{n}", *k) for n, k in enumerate(spans)], []),
        "bob": LightRecord(
            "d",
            "bob",
            digest,
            [(f"s{n}", s, e + (n % 3 == 0), lab) for n, (s, e, lab) in enumerate(spans)],
            [],
        ),
    }
    document = ReviewDocument("d", text, records, None, "gold")
    assert len(document.candidates) > 25_000 and len(document.record.spans) > 13_000
    document.saved()
    first = document.next_open(None)
    assert first is not None
    document.accept(first)  # the first decision may read what it keeps (the open list)

    index = document.next_open(first)
    assert index is not None
    before = len(document.record.spans)
    decided: int | None = None
    following: int | None = None

    def decide() -> None:
        nonlocal decided, following
        document.accept(index)
        document.reject(document.next_open(index) or 0)
        decided = document.decided
        following = document.next_open(index)

    lines = lines_run(decide)
    assert lines < 2_000, lines
    assert len(document.record.spans) == before + 1  # one version in, one left out
    assert decided == 5 and following is not None
    delta = document.delta()
    assert delta is not None and delta.size() <= 12


def test_a_version_ending_one_character_into_the_accepted_one_competes() -> None:
    """The competing versions are found by bisection on the label's starts, as far back as
    the label's longest candidate reaches: the one reaching exactly one character in counts."""
    digest = text_sha256(TEXT)
    records = {
        "ann": LightRecord("d", "ann", digest, [("s0", 0, 5, "A"), ("s1", 9, 12, "B")], []),
        "bob": LightRecord("d", "bob", digest, [("s0", 4, 6, "A"), ("s1", 5, 7, "B")], []),
    }
    document = ReviewDocument("d", TEXT, records, None, "gold")
    reference = Reference(document, document.record)
    for index in (document.index_of((4, 6, "A")), document.index_of((0, 5, "A"))):
        assert index is not None
        document.accept(index)
        reference.accept(index)
        assert as_data(document.record) == as_data(reference.record)
    assert [key_of(span) for span in document.record.spans] == [(0, 5, "A")]
    assert [key_of(span) for span in document.record.rejected or []] == [(4, 6, "A")]


def test_a_span_id_taken_again_puts_its_provenance_last_in_record_and_delta() -> None:
    """g3 rejected, then g3 again for a new span: its provenance entry goes last in the record,
    and the delta says so (removed, then set), so the store's fold has the record's order."""
    digest = text_sha256(TEXT)
    keys = [(0, 3, "A"), (5, 8, "A"), (10, 12, "A"), (20, 24, "A")]
    records = {
        "ann": LightRecord("d", "ann", digest, [(f"s{n}", *k) for n, k in enumerate(keys)], []),
        "bob": LightRecord("d", "bob", digest, [("s0", *keys[0]), ("s2", *keys[2])], []),
    }
    spans = [
        new_span(span_id, k, TEXT) for span_id, k in zip(("g1", "g3", "g2"), keys[:3], strict=True)
    ]
    gold = AnnotationRecord(
        doc_id="d",
        annotator="gold",
        text_sha256=digest,
        spans=spans,
        provenance={span.id: new_provenance(["ann"], "accepted", True) for span in spans},
    )
    document = ReviewDocument("d", TEXT, records, gold, "gold")
    reference = Reference(document, gold)
    for what, k in (("reject", keys[1]), ("accept", keys[3])):
        index = document.index_of(k)
        assert index is not None
        getattr(document, what)(index)
        getattr(reference, what)(index)
    assert as_data(document.record) == as_data(reference.record)
    assert list(document.record.provenance or {}) == ["g1", "g2", "g3"]
    assert [(s.id, key_of(s)) for s in document.record.spans][-1] == ("g3", keys[3])
    delta = document.delta()
    assert delta is not None and delta.provenance_removed == ("g3",)
    check_delta(gold, document.record, delta)


def test_decisions_saved_as_patches_read_back_as_the_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the store (patch lines for any size here): each decision's save is a small
    patch, and the gold file read again has the record, in its order."""
    monkeypatch.setattr(AnnotationFile, "PATCH_MIN_BYTES", 0)
    monkeypatch.setattr(AnnotationFile, "PATCH_MAX_CHAIN", 1000)
    monkeypatch.setattr(AnnotationFile, "PATCH_MAX_SHARE", 1000)
    words = [f"w{n}" for n in range(60)]
    text = " ".join(words)
    starts = [text.index(f"w{n} ") if n < 59 else text.rindex("w59") for n in range(60)]
    spans = [(s, s + len(f"w{n}"), "A" if n % 5 else "B") for n, s in enumerate(starts)]
    longer = [(s, e + 3, lab) if n % 3 == 0 else (s, e, lab) for n, (s, e, lab) in enumerate(spans)]
    links = [("R", n, n + 1) for n in range(0, 58, 4)]
    build_project(
        tmp_path / "p",
        {"doc": text},
        {
            "ann": {"doc": record("ann", "doc", text, spans, links)},
            "bob": {"doc": record("bob", "doc", text, longer, links)},
            "cyd": {"doc": record("cyd", "doc", text, spans[::2], [])},
        },
    )
    # labels A and B and relation R configured: records with other labels are refused
    (tmp_path / "p" / "annotator.toml").write_text(
        '[[labels]]\nname = "A"\nkey = "1"\n\n[[labels]]\nname = "B"\nkey = "2"\n\n'
        '[[relations]]\nname = "R"\nkey = "a"\n',
        encoding="utf-8",
    )
    project = Project(tmp_path / "p")
    review = ReviewProject(project)
    document = review.open_document("doc")
    assert document is not None
    rng = random.Random(7)
    path = review.gold_file.path
    whole = path.stat().st_size
    assert whole > 2000
    for step in range(30):
        index = rng.randrange(len(document.candidates))
        document.accept(index) if step % 3 else document.reject(index)
        if step == 20:
            document.set_done(True)
        delta = document.delta()
        assert delta is not None and delta.size() <= 8
        size = path.stat().st_size
        review.save(document)
        assert path.stat().st_size - size < whole / 3, (step, delta)  # a patch, not whole
    review.close()
    with Project(project.root).annotations("gold") as gold_file:
        saved = gold_file.get("doc")
    assert saved is not None
    assert as_data(saved) == as_data(document.record)
    assert list(saved.provenance or {}) == list(document.record.provenance or {})
