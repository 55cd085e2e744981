"""Cutting text into tokens: snapping, token-level agreement and token-based exports share it."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from annotator.model.config import TokenizerConfig
from annotator.model.unicode_marks import BMP_MARKS

# Scripts written without spaces between words (Chinese, Japanese): each ideograph or kana is a
# token of its own (a name is a few of them inside a longer run); the combining voiced marks
# (U+3099, U+309A) and variation selectors stay with the character before them.
_CJK = (
    r"\u3040-\u3098\u309b-\u309f\u30a0-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    r"\uf900-\ufaff\U00020000-\U0003134f"
)
# Inside a word: letters, digits, underscores, the combining marks of every script (vowel signs,
# viramas, points: Python's \w has none of them), and the joiners and soft hyphen that sit
# between letters. Marks outside the Basic Multilingual Plane (historic scripts) are left out:
# a class with them is matched by a slower path (~2x on every text).
_INSIDE = rf"\w{BMP_MARKS}\u00ad\u200c\u200d"

# A word: letters/digits/marks, with inner apostrophes, hyphens or dots (U.S., don't, al-Assad);
# an ideograph or kana; a flag; otherwise one non-space character with its joiners and
# modifiers (an emoji sequence).
WORD_PATTERN = (
    rf"[{_CJK}][\u3099\u309a\ufe00-\ufe0f\U000e0100-\U000e01ef]*"
    rf"|[^\W_](?:[{_INSIDE}]+|['’\-.·](?=[^\W_]))*"
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


_SPACE = re.compile(r"\s")


class LazyTokenIndex:
    """The tokens of a long text, found a chunk at a time when a lookup first needs them.

    Opening a 10 MB document must not wait for its 1.7 million tokens. The built-in patterns
    never match whitespace, so cutting the text just after a whitespace character gives exactly
    the tokens of the whole text; a custom pattern is tokenized in one piece. Lookups are by
    offset: the first token after an offset, the last before it, the tokens over a range.
    """

    CHUNK = 1 << 15

    def __init__(self, text: str, config: TokenizerConfig | None = None) -> None:
        self.text = text
        self._regex = token_regex(config)
        splittable = config is None or config.kind in ("words", "whitespace")
        self._chunk = self.CHUNK if splittable else max(len(text), 1)
        self._count = max(1, -(-len(text) // self._chunk))
        self._bounds: dict[int, int] = {0: 0, self._count: len(text)}
        self._found: dict[int, tuple[list[int], list[int]]] = {}

    def _bound(self, chunk: int) -> int:
        """Where ``chunk`` starts: just after the first whitespace at or after its nominal start."""
        bound = self._bounds.get(chunk)
        if bound is None:
            match = _SPACE.search(self.text, chunk * self._chunk)
            bound = match.end() if match is not None else len(self.text)
            self._bounds[chunk] = bound
        return bound

    def _chunk_of(self, offset: int) -> int:
        chunk = max(0, min(offset // self._chunk, self._count - 1))
        while chunk > 0 and self._bound(chunk) > offset:
            chunk -= 1
        return chunk

    def _tokens(self, chunk: int) -> tuple[list[int], list[int]]:
        found = self._found.get(chunk)
        if found is None:
            matches = self._regex.finditer(self.text, self._bound(chunk), self._bound(chunk + 1))
            extents = [match.span() for match in matches]
            found = ([start for start, _ in extents], [end for _, end in extents])
            self._found[chunk] = found
        return found

    def _first(self, offset: int, which: int) -> tuple[int, int] | None:
        """The first token whose start (``which`` 0) or end (1) is greater than ``offset``."""
        chunk = self._chunk_of(max(offset, 0))
        while chunk < self._count:
            starts, ends = self._tokens(chunk)
            index = bisect_right(ends if which else starts, offset)
            if index < len(starts):
                return starts[index], ends[index]
            chunk += 1
        return None

    def _last(self, offset: int, which: int) -> tuple[int, int] | None:
        """The last token whose start (``which`` 0) or end (1) is less than ``offset``."""
        if offset <= 0:
            return None
        chunk = self._chunk_of(min(offset, len(self.text)))
        while chunk >= 0:
            starts, ends = self._tokens(chunk)
            index = bisect_left(ends if which else starts, offset) - 1
            if index >= 0:
                return starts[index], ends[index]
            chunk -= 1
        return None

    def next_start(self, offset: int) -> int | None:
        """The first token start after ``offset``."""
        token = self._first(offset, 0)
        return None if token is None else token[0]

    def prev_start(self, offset: int) -> int | None:
        """The last token start before ``offset``."""
        token = self._last(offset, 0)
        return None if token is None else token[0]

    def next_end(self, offset: int) -> int | None:
        """The first token end after ``offset``."""
        token = self._first(offset, 1)
        return None if token is None else token[1]

    def prev_end(self, offset: int) -> int | None:
        """The last token end before ``offset``."""
        token = self._last(offset, 1)
        return None if token is None else token[1]

    def extent(self, start: int, end: int) -> tuple[int, int] | None:
        """From the first to the last token that overlaps ``[start, end)``; None if none does."""
        first = self._first(start, 1)
        if first is None or first[0] >= end:
            return None
        last = self._last(end, 0)
        assert last is not None
        return first[0], last[1]

    @property
    def starts(self) -> list[int]:
        """Every token start (tokenizes the whole text: for tests and small texts)."""
        return [start for chunk in range(self._count) for start in self._tokens(chunk)[0]]
