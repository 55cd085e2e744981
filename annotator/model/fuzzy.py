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
:class:`Narrowing` gives the same order key by key while looking only at the items the last
query matched.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

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
    compact = 2 * count + 1
    best: tuple[bool, int] | None = None
    find = text.find
    first = find(head)
    while first >= 0:
        # the letters placed from this start, each as early as it can be, counting those at
        # word starts and those right after the one before (one pass, no list of positions)
        starts = 1 if first == 0 or not text[first - 1].isalnum() else 0
        runs = 0
        last = first
        for char in rest:
            at = find(char, last + 1)
            if at < 0:
                return best  # a later start cannot find the letters this one missed
            if at == last + 1:
                runs += 1
            if not text[at - 1].isalnum():  # at > last >= 0: never the text's start
                starts += 1
            last = at
        spread = last - first + 1
        found = (spread <= compact or starts >= count, 10 * runs + 5 * starts - spread)
        if best is None or found > best:
            best = found
        first = find(head, first + 1)
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


_POSSESSIVE = "+" if sys.version_info >= (3, 11) else ""


def normalized(query: str) -> str:
    """The query as ranking reads it: lower case, words separated by one space."""
    return " ".join(query.lower().split())


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
    query = normalized(query)
    found = [match_field(query, field.lower()) for field in fields if field or not query]
    matches = [match for match in found if match is not None]
    return max(matches, key=lambda match: (match.tier, not match.weak, match.score), default=None)


def fuzzy_score(query: str, candidate: str) -> int | None:
    """One number (higher is better) for ``candidate``; None if it does not match."""
    match = fuzzy_match(query, candidate)
    return None if match is None else match.tier * 100_000 + match.score


def rank(
    query: str,
    items: Sequence[Sequence[str | None]],
    *,
    lowered: bool = False,
    among: Iterable[int] | None = None,
) -> list[int]:
    """Indices of the ``items`` (each a tuple of fields) that match, best first: the order
    :func:`fuzzy_match` gives, each item by its best field.

    Weak scattered matches are left out when anything matched better; ties keep input order.
    ``lowered``: the fields are lower case already (a caller that ranks the same items at
    every key press keeps them so). ``among``: only these indices (in increasing order) are
    looked at, as if the other items were not there. Whether a field holds the query as typed
    is one C test; the word and scattered tiers, which cannot beat that, are only tried for an
    item none of whose fields does, and the scattered one only where a regular expression that
    cannot backtrack finds the letters in order (100,000 documents at each key of a search).
    """
    query = normalized(query)
    if not query:  # everything matches alike: the input order
        return list(range(len(items))) if among is None else list(among)
    return _rank(query, items, among, lowered)[0]


def _rank(
    query: str,
    items: Sequence[Sequence[str | None]],
    among: Iterable[int] | None,
    lowered: bool,
) -> tuple[list[int], list[int]]:
    """``(order, matched)`` for a normalized, non-empty ``query``: :func:`rank`'s order, and
    every item that matched at all (weak ones too), in the order of ``among``."""
    words = query.split()
    letters = query.replace(" ", "")
    # each letter after the one before, placed as early as it can be (no backtracking where
    # the possessive ``*+`` exists: Python 3.11; before it, the same matches a little slower)
    in_order = re.compile(
        re.escape(letters[0])
        + "".join(f"[^{re.escape(char)}]*{_POSSESSIVE}{re.escape(char)}" for char in letters[1:])
    ).search
    scored: list[tuple[int, bool, int, int]] = []
    """(tier, strong, score, index) of each matching item."""
    add = scored.append
    single = len(words) == 1
    for index in range(len(items)) if among is None else among:
        fields = items[index]
        if not lowered:
            fields = [field.lower() if field else field for field in fields]
        best: Key | None = None
        for field in fields:
            if field and query in field:  # most fields do not: said without a call
                found = _as_typed(query, field)
                if found is not None and (best is None or found > best):
                    best = found
        if best is None:  # no field holds the query as typed: words, then scattered letters
            for field in fields:
                # most texts do not hold the letters in order: one C search says so
                if not field or (single and not in_order(field)):
                    continue
                found = _loose(words, letters, field)
                if found is not None and (best is None or found > best):
                    best = found
            if best is None:
                continue
        add((*best, index))
    matched = [item[3] for item in scored]
    if any(tier > SCATTERED or strong for tier, strong, _, _ in scored):
        scored = [item for item in scored if item[1]]
    # sorted as plain tuples (no key function called per item: 100,000 of them)
    order = sorted([(-tier, -score, index) for tier, _, score, index in scored])
    return [item[2] for item in order], matched


class Narrowing:
    """:func:`rank` for a search over the same items at each key, looking only at the items
    that matched the last query the new one extends (100,000 documents, a key at a time).

    Sound because a longer query matches less: when ``new`` starts with ``old`` (both
    normalized), a field that starts with or holds ``new`` holds ``old``; a field holding every
    word of ``new`` holds every word of ``old`` (the last of them is the start of one of
    ``new``'s, and a single one is then held as typed); and the letters of ``new`` in order
    include those of ``old`` in order. So what matches ``new`` is among what matched ``old``,
    weak matches included: a weak match can turn strong as letters are added, which is why
    every match is kept, not only the shown ones.
    """

    def __init__(
        self,
        items: Sequence[Sequence[str | None]],
        *,
        lowered: bool = False,
        among: Sequence[int] | None = None,
        wider: Narrowing | None = None,
        depth: int = 16,
    ) -> None:
        self.items = items
        self.lowered = lowered
        self.among = among
        """The items searched (indices in increasing order); None: all of them."""
        self.wider = wider
        """A search of the same items, more of them (e.g. every document where this one has
        those of a status filter): what it remembers narrows this one too."""
        self._among_set: set[int] | None = None
        self.depth = depth
        """How many earlier queries are kept (a backspace goes back to the one before); each
        holds a list of its matches, up to one entry per item."""
        self.examined = 0
        """How many items the last :meth:`rank` looked at (for tests that count work)."""
        self._chain: list[tuple[str, list[int], list[int]]] = []
        """``(query, order, matched)`` of earlier queries, each extending the one before."""

    def rank(self, query: str) -> list[int]:
        """:func:`rank` of ``query`` over the items (those in ``among``)."""
        query = normalized(query)
        chain = self._chain
        while chain and not query.startswith(chain[-1][0]):
            chain.pop()  # a backspace, an edit or a paste: back to a query this one extends
        self.examined = 0
        if not query:
            return list(range(len(self.items))) if self.among is None else list(self.among)
        if chain and chain[-1][0] == query:  # the same words (a space typed): same order
            return list(chain[-1][1])
        among = chain[-1][2] if chain else self.among
        wider = self.wider.remembered(query) if self.wider is not None else None
        if wider is not None and (not chain or len(wider[0]) > len(chain[-1][0])):
            # the wider search has seen a longer start of this query: its matches that are
            # among these items (a status filter changed while a query is typed)
            if self.among is None:
                among = wider[1]
            else:
                if self._among_set is None:
                    self._among_set = set(self.among)
                inside = self._among_set.__contains__
                among = [index for index in wider[1] if inside(index)]
        self.examined = len(self.items) if among is None else len(among)
        order, matched = _rank(query, self.items, among, self.lowered)
        chain.append((query, order, matched))
        if len(chain) > self.depth:
            del chain[0]
        return list(order)

    def remembered(self, query: str) -> tuple[str, list[int]] | None:
        """The longest remembered query that ``query`` (normalized) extends, and every item
        that matched it (weak ones too); None when there is none."""
        for old, _, matched in reversed(self._chain):
            if query.startswith(old):
                return old, matched
        return None
