"""Document-list search: real matches (prefix, substring, every word) before scattered letters,
and weak scattered matches hidden when there is anything better."""

from __future__ import annotations

from annotator.model.fuzzy import PREFIX, SCATTERED, SUBSTRING, WORDS, fuzzy_match, rank

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
