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

import re
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


def _scattered_key(letters: Sequence[str], text: str) -> tuple[bool, int] | None:
    """The letters in order in ``text``, placed as compactly as they can be, as
    ``(strong, score)``; None when they are not all there in order.

    Strong when compact (spread over at most about twice their number of characters) or when
    every letter starts a word (an acronym, ``gsp`` for "general strike port"); weak otherwise.
    """
    head = letters[0]
    rest = letters[1:]
    count = len(letters)
    best: tuple[bool, int] | None = None
    find = text.find
    first = find(head)
    while first >= 0:
        positions = [first]
        last = first
        for char in rest:
            last = find(char, last + 1)
            if last < 0:
                break
            positions.append(last)
        else:
            spread = last - first + 1
            starts = sum(_at_word_start(text, index) for index in positions)
            runs = sum(b == a + 1 for a, b in pairwise(positions))
            found = (
                spread <= 2 * count + 1 or starts >= count,
                10 * runs + 5 * starts - spread,
            )
            if best is None or found > best:
                best = found
        first = find(head, first + 1)
        if first >= 0 and len(positions) < count:
            break  # a later start cannot find the letters the earlier one missed
    return best


Key = tuple[int, bool, int]
"""``(tier, strong, score)``: a match, best last in order (:class:`FuzzyMatch` as a tuple)."""


def _as_typed(query: str, text: str) -> Key | None:
    """The prefix or substring tier: ``text`` starts with or holds ``query`` as typed."""
    if text.startswith(query):
        return (PREFIX, True, 1000 - len(text))
    index = text.find(query)
    if index < 0:
        return None
    return (SUBSTRING, True, 1000 + 100 * _at_word_start(text, index) - index)


def _loose(words: Sequence[str], letters: Sequence[str], text: str) -> Key | None:
    """The words tier (every word of a query of several), else the scattered one."""
    if len(words) > 1 and all(word in text for word in words):
        starts = sum(_at_word_start(text, text.find(word)) for word in words)
        return (WORDS, True, 100 * starts - len(text))
    found = _scattered_key(letters, text)
    return None if found is None else (SCATTERED, *found)


def match_field(query: str, text: str) -> FuzzyMatch | None:
    """How ``query`` (lower case, stripped) matches one field (lower case)."""
    if not query:
        return FuzzyMatch(PREFIX, 0)
    key = _as_typed(query, text) or _loose(query.split(), query.replace(" ", ""), text)
    return None if key is None else FuzzyMatch(key[0], key[2], not key[1])


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


def rank(query: str, items: Sequence[Sequence[str | None]], *, lowered: bool = False) -> list[int]:
    """Indices of the ``items`` (each a tuple of fields) that match, best first: the order
    :func:`fuzzy_match` gives, each item by its best field.

    Weak scattered matches are left out when anything matched better; ties keep input order.
    ``lowered``: the fields are lower case already (a caller that ranks the same items at
    every key press keeps them so). A field that starts with or holds the query is found with
    two C calls; the word and scattered tiers, which cannot beat that, are only tried for an
    item none of whose fields does (100,000 documents ranked at each key of a search).
    """
    query = " ".join(query.lower().split())
    if not query:
        return list(range(len(items)))  # everything matches alike: the input order
    words = query.split()
    letters = query.replace(" ", "")
    in_order = re.compile(".*?".join(map(re.escape, letters)), re.DOTALL).search
    scored: list[tuple[int, bool, int, int]] = []
    """(tier, strong, score, index) of each matching item."""
    add = scored.append
    for index, fields in enumerate(items):
        best: Key | None = None
        for field in fields:
            if field:
                found = _as_typed(query, field if lowered else field.lower())
                if found is not None and (best is None or found > best):
                    best = found
        if best is None:  # no field holds the query as typed: words, then scattered letters
            for field in fields:
                if not field:
                    continue
                text = field if lowered else field.lower()
                # most texts do not hold the letters in order: one C search says so
                if len(words) == 1 and not in_order(text):
                    continue
                found = _loose(words, letters, text)
                if found is not None and (best is None or found > best):
                    best = found
            if best is None:
                continue
        add((*best, index))
    if any(tier > SCATTERED or strong for tier, strong, _, _ in scored):
        scored = [item for item in scored if item[1]]
    scored.sort(key=lambda item: (-item[0], -item[2], item[3]))
    return [item[3] for item in scored]
