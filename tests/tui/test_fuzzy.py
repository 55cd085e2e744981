"""Document-list search: real matches (prefix, substring, every word) before scattered letters,
and weak scattered matches hidden when there is anything better."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.model import fuzzy
from annotator.model.fuzzy import (
    PREFIX,
    SCATTERED,
    SUBSTRING,
    WORDS,
    Narrowing,
    fuzzy_match,
    rank,
)

ROWS = [
    ("agent-announcement", "Agency announces new enforcement unit"),
    ("world/summit-geneva", "Leaders meet in Geneva for ceasefire talks"),
    ("general-strike", "Unions call a general strike at the port"),
    ("harbour-reopens", "Eastern quay reopens after repairs"),
    ("gallery-novel-art", "A gallery shows a new video art prize"),
]


def ids(query: str) -> list[str]:
    return [ROWS[index][0] for index in rank(query, ROWS)]


def test_prefix_then_substring_then_words_then_scattered() -> None:
    assert fuzzy_match("gen", "general-strike").tier == PREFIX  # type: ignore[union-attr]
    assert fuzzy_match("geneva", "world/summit-geneva").tier == SUBSTRING  # type: ignore[union-attr]
    assert fuzzy_match("strike port", *ROWS[2]).tier == WORDS  # type: ignore[union-attr]
    assert fuzzy_match("gnva", "world/summit-geneva").tier == SCATTERED  # type: ignore[union-attr]
    assert fuzzy_match("xyz", *ROWS[0]) is None
    # id prefix first, then the words found as typed, in input order among equals
    assert ids("gen") == ["general-strike", "world/summit-geneva", "agent-announcement"]


def test_weak_scattered_matches_are_hidden_when_there_are_real_ones() -> None:
    # The letters of "geneva" and "gen" are also in order in the gallery row's title, spread
    # over many words: noise under the real hits, so it is hidden.
    assert ids("geneva") == ["world/summit-geneva"]
    assert "gallery-novel-art" not in ids("gen")


def test_a_match_never_jumps_from_the_id_into_the_title() -> None:
    # "reopens quay": every word is in the title -> found; but "harbourquay" as letters would
    # need the end of the id and the title together -> not found.
    assert ids("reopens quay") == ["harbour-reopens"]
    assert fuzzy_match("hrbrqy", *ROWS[3]) is None


def test_scattered_matches_rank_by_compactness_and_weak_ones_stay_when_alone() -> None:
    assert ids("gnva")[0] == "world/summit-geneva"  # g-n-v-a within "geneva"
    assert ids("gsp")[0] == "general-strike"  # an acronym of the title's words
    weak = fuzzy_match("gyvp", *ROWS[4])
    assert weak is not None and weak.weak
    assert ids("gyvp") == ["gallery-novel-art"]  # nothing better: still offered


def test_empty_query_keeps_the_order() -> None:
    assert ids("") == [row[0] for row in ROWS]
    assert ids("   ") == [row[0] for row in ROWS]


def reference_field(query: str, text: str) -> tuple[int, bool, int] | None:
    """``(tier, strong, score)`` of one field, written out plainly: each tier tried in turn,
    every start of the first letter tried for the scattered one."""
    if text.startswith(query):
        return (PREFIX, True, 1000 - len(text))
    if query in text:
        index = text.find(query)
        return (SUBSTRING, True, 1000 + 100 * (index == 0 or not text[index - 1].isalnum()) - index)
    words = query.split()
    if len(words) > 1 and all(word in text for word in words):
        starts = sum(
            text.find(word) == 0 or not text[text.find(word) - 1].isalnum() for word in words
        )
        return (WORDS, True, 100 * starts - len(text))
    letters = query.replace(" ", "")
    best = None
    for first in [i for i, char in enumerate(text) if char == letters[0]]:
        positions = [first]
        for char in letters[1:]:
            found = text.find(char, positions[-1] + 1)
            if found < 0:
                break
            positions.append(found)
        if len(positions) < len(letters):
            break  # no later start can place what this one could not
        spread = positions[-1] - positions[0] + 1
        starts = sum(i == 0 or not text[i - 1].isalnum() for i in positions)
        runs = sum(b == a + 1 for a, b in pairwise(positions))
        strong = spread <= 2 * len(letters) + 1 or starts >= len(letters)
        key = (SCATTERED, strong, 10 * runs + 5 * starts - spread)
        best = key if best is None or key > best else best
    return best


def reference_rank(query: str, items: list[tuple[str, str | None]]) -> list[int]:
    """Every field of every item matched on its own, each item by its best field."""
    query = " ".join(query.lower().split())
    if not query:
        return list(range(len(items)))
    scored = []
    for index, fields in enumerate(items):
        keys = [reference_field(query, field.lower()) for field in fields if field]
        found = [key for key in keys if key is not None]
        if found:
            scored.append((*max(found), index))
    if any(tier > SCATTERED or strong for tier, strong, _, _ in scored):
        scored = [item for item in scored if item[1]]
    scored.sort(key=lambda item: (-item[0], -item[2], item[3]))
    return [item[3] for item in scored]


WORDS_OF = [
    "gen",
    "strike",
    "Port",
    "a",
    "ge-neva",
    "x",
    "new",
    "art",
    "",
    "reo pens",
    "a.(b*",
    "t\ne",
]


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet="agenrt -ovpsxAG.(*\n", max_size=8),
    st.lists(
        st.tuples(
            st.lists(st.sampled_from(WORDS_OF), max_size=4).map("-".join),
            st.one_of(st.none(), st.lists(st.sampled_from(WORDS_OF), max_size=5).map(" ".join)),
        ),
        max_size=12,
    ),
)
def test_rank_orders_as_each_item_matched_on_its_own(
    query: str, items: list[tuple[str, str | None]]
) -> None:
    """The quick ranking (a field holding the query found by C calls, the other tiers tried
    only when none does) orders exactly as matching every field of every item did."""
    assert rank(query, items) == reference_rank(query, items)
    lowered = [(doc_id.lower(), title.lower() if title else title) for doc_id, title in items]
    assert rank(query, lowered, lowered=True) == reference_rank(query, items)
    # Python 3.10 has no possessive quantifier: the letters-in-order test is plain there
    plain_regex = fuzzy._POSSESSIVE
    try:
        fuzzy._POSSESSIVE = ""
        assert rank(query, items) == reference_rank(query, items)
    finally:
        fuzzy._POSSESSIVE = plain_regex
    assert ids("gen") == ["general-strike", "world/summit-geneva", "agent-announcement"]


UNICODE_WORDS = ["café", "ΑΣ", "ασα", "İstanbul", "straße", "STRASSE", "ﬁle", "a b", "x*y"]
KEYS = "agenrtvpsxoAGΣσİß .(*[\\\n\t"
"""What the sequences type: letters of the items, capitals, spaces, regex characters, letters
whose lower case is longer or depends on the next letter."""

Edit = tuple[str, int, str]
"""``(what, where, text)``: "type" appends ``text``, "back" removes the last character, "edit"
puts ``text`` at ``where`` (a change in the middle), "paste" replaces the whole query."""

EDITS = st.one_of(
    st.tuples(st.just("type"), st.just(0), st.sampled_from(KEYS)),
    st.tuples(st.just("type"), st.just(0), st.sampled_from(KEYS)),
    st.tuples(st.just("type"), st.just(0), st.sampled_from(KEYS)),
    st.tuples(st.just("back"), st.just(0), st.just("")),
    st.tuples(st.just("edit"), st.integers(0, 8), st.sampled_from(KEYS)),
    st.tuples(st.just("paste"), st.just(0), st.text(alphabet=KEYS, max_size=6)),
)


def apply(query: str, edit: Edit) -> str:
    what, where, text = edit
    if what == "type":
        return query + text
    if what == "back":
        return query[:-1]
    if what == "edit":
        return query[:where] + text + query[where:]
    return text


ITEMS = st.lists(
    st.tuples(
        st.lists(st.sampled_from(WORDS_OF + UNICODE_WORDS), max_size=4).map("-".join),
        st.one_of(
            st.none(),
            st.lists(st.sampled_from(WORDS_OF + UNICODE_WORDS), max_size=5).map(" ".join),
        ),
    ),
    max_size=14,
)


@settings(max_examples=400, deadline=None)
@given(ITEMS, st.lists(EDITS, max_size=16), st.data())
def test_narrowing_orders_as_ranking_every_item_at_each_key(
    items: list[tuple[str, str | None]], edits: list[Edit], data: st.DataObject
) -> None:
    """A search typed key by key (extensions, backspaces, edits in the middle, pastes) shows at
    every step exactly what ranking all the items would: an item shown for a longer query
    is never lost because it was left out (as weak, or not matching) for a shorter one."""
    among = sorted(
        data.draw(st.sets(st.integers(0, max(len(items) - 1, 0)))) & set(range(len(items)))
    )
    lowered = [(doc_id.lower(), title.lower() if title else title) for doc_id, title in items]
    everything = Narrowing(lowered, lowered=True)
    some = Narrowing(items, among=among)
    # a status filter's search, starting from what the search of every item has seen (that
    # one ranks at some steps only, as a filter changed while a query is typed)
    filtered = Narrowing(lowered, lowered=True, among=among, wider=everything)
    query = ""
    for step, edit in enumerate(edits):
        query = apply(query, edit)
        if step % 3:
            assert everything.rank(query) == reference_rank(query, items)
        subset = [items[index] for index in among]
        expected = [among[index] for index in reference_rank(query, subset)]
        assert some.rank(query) == expected
        assert filtered.rank(query) == expected


def test_a_typed_extension_examines_only_the_previous_matches() -> None:
    rows = [(f"doc-{number:04d}", ROWS[number % 5][1]) for number in range(400)]
    search = Narrowing(rows)
    assert search.rank("G") == rank("G", rows)
    assert search.examined == len(rows)  # a first key: every item
    search.rank("ge")
    # every item holding a "g" (weak ones too: 320 of them), not the 400 rows
    assert search.examined == len([row for row in rows if "g" in row[1].lower()]) == 320
    ge = search.examined
    assert search.rank("gen") == rank("gen", rows)
    assert search.examined <= ge
    gen = search.examined
    assert search.rank("gen ") == rank("gen", rows)  # a trailing space: the same query
    assert search.examined == 0
    assert search.rank("gene") == rank("gene", rows)
    assert 0 < search.examined <= gen
    assert search.rank("gen") == rank("gen", rows)  # a backspace: "gen" is remembered
    assert search.examined == 0
    assert search.rank("gen s") == rank("gen s", rows)  # another extension of it
    assert search.examined == gen
    assert search.rank("xgen") == rank("xgen", rows)  # a change at the start: every row
    assert search.examined == len(rows)


def test_a_match_hidden_as_weak_comes_back_when_the_query_grows() -> None:
    items = [("axxxxbc", None), ("zab", "")]
    search = Narrowing(items)
    # "ab": a substring in "zab"; a and b 6 apart in "axxxxbc": weak, hidden
    assert search.rank("ab") == rank("ab", items) == [1]
    # "abc": 7 apart for 3 letters is compact: shown, though it was hidden a key ago
    assert search.rank("abc") == rank("abc", items) == [0]
    assert search.examined == 2
