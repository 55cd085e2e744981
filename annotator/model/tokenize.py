"""Cutting text into tokens: snapping, token-level agreement and token-based exports share it."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from annotator.model.config import TokenizerConfig

# A word: letters/digits/marks, with inner apostrophes, hyphens or dots (U.S., don't, al-Assad);
# a flag; otherwise one non-space character with its joiners and modifiers (an emoji sequence).
WORD_PATTERN = (
    r"[^\W_](?:[\w\u0300-\u036f\u200c]+|['’\-.·](?=[^\W_]))*"
    r"|[\U0001F1E6-\U0001F1FF]{2}"
    r"|\S(?:\u200d\S|[\ufe0e\ufe0f\u20e3\u0300-\u036f\U0001F3FB-\U0001F3FF])*"
)
_WORDS = re.compile(WORD_PATTERN)
_WHITESPACE = re.compile(r"\S+")


def token_regex(config: TokenizerConfig | None = None) -> re.Pattern[str]:
    if config is None or config.kind == "words":
        return _WORDS
    if config.kind == "whitespace":
        return _WHITESPACE
    assert config.pattern is not None
    return re.compile(config.pattern)


def tokenize(text: str, config: TokenizerConfig | None = None) -> list[tuple[int, int]]:
    """Token extents ``(start, end)`` in code points, in order, never overlapping."""
    return [match.span() for match in token_regex(config).finditer(text)]


class TokenIndex:
    """Token extents of one text with fast lookup from offsets to tokens."""

    def __init__(self, tokens: Sequence[tuple[int, int]]) -> None:
        self.tokens = list(tokens)
        self.starts = [start for start, _ in self.tokens]
        self.ends = [end for _, end in self.tokens]

    @classmethod
    def of(cls, text: str, config: TokenizerConfig | None = None) -> TokenIndex:
        return cls(tokenize(text, config))

    def __len__(self) -> int:
        return len(self.tokens)

    def covering(self, start: int, end: int) -> tuple[int, int]:
        """Index range ``[first, last)`` of the tokens that overlap ``[start, end)``."""
        first = bisect_right(self.ends, start)
        last = bisect_left(self.starts, end)
        return first, max(first, last)

    def expand(self, start: int, end: int) -> tuple[int, int]:
        """Widen ``[start, end)`` to the boundaries of the tokens it touches."""
        first, last = self.covering(start, end)
        if first >= last:
            return start, end
        return min(start, self.starts[first]), max(end, self.ends[last - 1])

    def is_aligned(self, start: int, end: int) -> bool:
        first, last = self.covering(start, end)
        return first < last and self.starts[first] == start and self.ends[last - 1] == end
