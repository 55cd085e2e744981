"""Fuzzy matching for pickers: the query's characters in order, tighter matches first."""

from __future__ import annotations


def fuzzy_score(query: str, candidate: str) -> int | None:
    """A score (higher is better) if every character of ``query`` occurs in order, else None.

    Case-insensitive. Consecutive characters and a match at a word start score more, so ``gen``
    ranks ``geneva-talks`` above ``agent-announcement``.
    """
    query = query.lower().strip()
    if not query:
        return 0
    text = candidate.lower()
    if query in text:
        index = text.index(query)
        at_word = index == 0 or not text[index - 1].isalnum()
        return 1000 + 100 * at_word - index
    score = 0
    position = 0
    previous = -2
    for char in query:
        if char == " ":
            continue
        found = text.find(char, position)
        if found < 0:
            return None
        score += 10 if found == previous + 1 else 1
        if found == 0 or not text[found - 1].isalnum():
            score += 5
        previous = found
        position = found + 1
    return score
