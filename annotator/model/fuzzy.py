"""Fuzzy matching for pickers: real matches (prefix, substring, every word) before scattered ones.

A document is found by its id or its title. Each field is matched on its own (a match never
jumps from the end of the id into the title), and the match falls into a tier:

- ``PREFIX``: the query starts the id or the title;
- ``SUBSTRING``: the query occurs in it as typed;
- ``WORDS``: every word of the query occurs in it, in any order;
- ``SCATTERED``: the query's letters occur in order with gaps (``gnva`` in ``geneva``).

Tiers rank first, then tightness. :func:`rank` also drops *weak* scattered matches (letters
spread over the text, few of them at word starts or next to each other) whenever there is a
better match, so typing a real word does not leave a tail of noise under the hits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

PREFIX, SUBSTRING, WORDS, SCATTERED = 4, 3, 2, 1


@dataclass(frozen=True, slots=True, order=True)
class FuzzyMatch:
    tier: int
    score: int
    """Higher is better within a tier."""
    weak: bool = False
    """A scattered match whose letters are mostly far apart and not at word starts."""


def _at_word_start(text: str, index: int) -> bool:
    return index == 0 or not text[index - 1].isalnum()


def _scattered(query: str, text: str) -> FuzzyMatch | None:
    """Letters of ``query`` in order in ``text``, placed as compactly as they can be.

    Strong when compact (spread over at most about twice their number of characters) or when
    every letter starts a word (an acronym, ``gsp`` for "general strike port"); weak otherwise.
    """
    letters = [char for char in query if not char.isspace()]
    if not letters:
        return FuzzyMatch(PREFIX, 0)
    best: FuzzyMatch | None = None
    first = text.find(letters[0])
    while first >= 0:
        positions = [first]
        for char in letters[1:]:
            found = text.find(char, positions[-1] + 1)
            if found < 0:
                break
            positions.append(found)
        else:
            spread = positions[-1] - positions[0] + 1
            starts = sum(_at_word_start(text, index) for index in positions)
            runs = sum(b == a + 1 for a, b in pairwise(positions))
            weak = spread > 2 * len(letters) + 1 and starts < len(letters)
            match = FuzzyMatch(SCATTERED, 10 * runs + 5 * starts - spread, weak)
            if best is None or (not match.weak, match.score) > (not best.weak, best.score):
                best = match
        first = text.find(letters[0], first + 1)
        if first >= 0 and len(positions) < len(letters):
            break  # a later start cannot find the letters the earlier one missed
    return best


def match_field(query: str, text: str) -> FuzzyMatch | None:
    """How ``query`` (lower case, stripped) matches one field (lower case)."""
    if not query:
        return FuzzyMatch(PREFIX, 0)
    if text.startswith(query):
        return FuzzyMatch(PREFIX, 1000 - len(text))
    index = text.find(query)
    if index >= 0:
        return FuzzyMatch(SUBSTRING, 1000 + 100 * _at_word_start(text, index) - index)
    words = query.split()
    if len(words) > 1 and all(word in text for word in words):
        starts = sum(_at_word_start(text, text.find(word)) for word in words)
        return FuzzyMatch(WORDS, 100 * starts - len(text))
    return _scattered(query, text)


def fuzzy_match(query: str, *fields: str) -> FuzzyMatch | None:
    """The best match of ``query`` over ``fields`` (e.g. id and title); None if none matches.

    Case-insensitive.
    """
    query = " ".join(query.lower().split())
    found = [match_field(query, field.lower()) for field in fields if field or not query]
    matches = [match for match in found if match is not None]
    return max(matches, key=lambda match: (match.tier, not match.weak, match.score), default=None)


def fuzzy_score(query: str, candidate: str) -> int | None:
    """One number (higher is better) for ``candidate``; None if it does not match."""
    match = fuzzy_match(query, candidate)
    return None if match is None else match.tier * 100_000 + match.score


def rank(query: str, items: Sequence[Sequence[str]]) -> list[int]:
    """Indices of the ``items`` (each a tuple of fields) that match, best first.

    Weak scattered matches are left out when anything matched better; ties keep input order.
    """
    if not query.split():
        return list(range(len(items)))  # everything matches alike: the input order
    scored: list[tuple[FuzzyMatch, int]] = []
    for index, fields in enumerate(items):
        match = fuzzy_match(query, *fields)
        if match is not None:
            scored.append((match, index))
    if any(match.tier > SCATTERED or not match.weak for match, _ in scored):
        scored = [(match, index) for match, index in scored if not match.weak]
    scored.sort(key=lambda item: (-item[0].tier, -item[0].score, item[1]))
    return [index for _, index in scored]
