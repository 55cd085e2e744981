"""Soft wrap of a (display-safe) text into rows of at most ``width`` cells, and each row's cell map.

Offsets stay code points of the text; rows are ``[start, end)`` ranges that never include the
``\\n`` that ends a line. ASCII lines take a fast path (one cell per character), so wrapping a
5 MB article costs a few string searches per row, not a Python step per character.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from rich.cells import cell_len, split_graphemes

TAB_SIZE = 4


@dataclass(frozen=True, slots=True)
class Cell:
    """One grapheme of a row: its code points ``[start, end)``, its column and width in cells."""

    start: int
    end: int
    x: int
    width: int
    text: str
    """What to draw (tabs expanded to spaces, zero-width graphemes given a dotted-circle base)."""


def _graphemes(text: str, start: int, end: int) -> list[tuple[int, int, int]]:
    """``(start, end, width)`` per grapheme of ``text[start:end]``, absolute offsets."""
    piece = text[start:end]
    if piece.isascii() and "\t" not in piece:
        return [(start + i, start + i + 1, 1) for i in range(len(piece))]
    if "\t" in piece:
        # Rich counts a tab as a zero-width mark joined to the grapheme before it; it must be
        # a grapheme of its own, or it reaches the terminal raw and every later column shifts.
        found: list[tuple[int, int, int]] = []
        offset = start
        for part in piece.split("\t"):
            if part:
                found += _graphemes(text, offset, offset + len(part))
            offset += len(part)
            if offset < end:
                found.append((offset, offset + 1, 0))  # the tab; its width depends on the column
                offset += 1
        return found
    spans, _ = split_graphemes(piece)
    return [(start + a, start + b, width) for a, b, width in spans]


def row_cells(text: str, start: int, end: int) -> list[Cell]:
    """The cells of the row ``text[start:end]``, left to right."""
    cells: list[Cell] = []
    x = 0
    for a, b, width in _graphemes(text, start, end):
        chunk = text[a:b]
        if chunk == "\t":
            width = TAB_SIZE - x % TAB_SIZE
            chunk = " " * width
        elif width == 0:
            chunk = "◌" + chunk
            width = cell_len(chunk) or 1
        cells.append(Cell(a, b, x, width, chunk))
        x += width
    return cells


class WrappedText:
    """Row boundaries of a text wrapped at one width, worked out as far as they are asked for.

    Wrapping a 10 MB article takes a sizeable part of a second, and the first screen needs a few
    dozen rows: rows are made line by line from the top, a chunk at a time, when a row or an
    offset past those made so far is asked for (going to the end of the document wraps all of it
    then, once). :attr:`estimated_rows` guesses the total from the rows made so far, for the
    scrollbar; :attr:`starts`, :attr:`ends` and ``len()`` wrap everything first.
    """

    CHUNK = 100_000
    """At least this many code points are wrapped each time more rows are needed."""

    def __init__(self, text: str, width: int) -> None:
        self.text = text
        self.width = max(width, 4)
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._next_line = 0
        """Where the first line not wrapped yet starts (past the end: all wrapped)."""
        self.wrapped_chars = 0
        """Code points wrapped so far (tests check opening wraps a bounded part)."""

    @property
    def complete(self) -> bool:
        return self._next_line > len(self.text)

    @property
    def starts(self) -> list[int]:
        self._wrap_through(len(self.text))
        return self._starts

    @property
    def ends(self) -> list[int]:
        self._wrap_through(len(self.text))
        return self._ends

    def __len__(self) -> int:
        self._wrap_through(len(self.text))
        return len(self._starts)

    @property
    def known_rows(self) -> int:
        """Rows made so far (all of them once :attr:`complete`)."""
        return len(self._starts)

    @property
    def estimated_rows(self) -> int:
        """The number of rows: exact once complete, else the rows so far plus the rest of the
        text at the rate of the part wrapped so far."""
        if not self._starts:
            self._wrap_some(self.CHUNK)  # a sample to guess from
        rows = len(self._starts)
        if self.complete:
            return rows
        rest = len(self.text) - self._next_line
        done = max(self._next_line, 1)
        return rows + max(1, -(-rest * max(rows, 1) // done))

    def has_row(self, row: int) -> bool:
        """Whether ``row`` exists (wrapping on until it is made or the text ends)."""
        while row >= len(self._starts) and not self.complete:
            self._wrap_some(self._next_line + self.CHUNK)
        return 0 <= row < len(self._starts)

    def row(self, row: int) -> tuple[int, int]:
        """``(start, end)`` of ``row``, which must exist (see :meth:`has_row`)."""
        self.has_row(row)
        return self._starts[row], self._ends[row]

    def covers(self, offset: int) -> bool:
        """Whether the rows showing ``offset`` are made (no wrapping)."""
        return offset < self._next_line or self.complete

    def clamp_covered(self, offset: int) -> int:
        """``offset``, or the last offset whose rows are made if it is further on."""
        return offset if self.covers(offset) else self._next_line - 1

    def last_row(self) -> int:
        """The index of the last row (wraps everything)."""
        return len(self) - 1

    def _wrap_through(self, offset: int) -> None:
        """Make the rows of every line that starts at or before ``offset``."""
        if offset >= self._next_line and not self.complete:
            self._wrap_some(max(offset, self._next_line + self.CHUNK))

    def _wrap_some(self, until: int) -> None:
        """Wrap whole lines from :attr:`_next_line` while they start at or before ``until``."""
        text = self.text
        length = len(text)
        line_start = self._next_line
        first = line_start
        while line_start <= length and (line_start <= until or line_start == length):
            line_end = text.find("\n", line_start)
            if line_end < 0:
                line_end = length
            piece = text[line_start:line_end]
            if piece.isascii() and "\t" not in piece:
                self._wrap_ascii(line_start, line_end)
            else:
                self._wrap_cells(line_start, line_end)
            line_start = line_end + 1
        self._next_line = line_start
        self.wrapped_chars += min(line_start, length) - first

    def _add(self, start: int, end: int) -> None:
        self._starts.append(start)
        self._ends.append(end)

    def _wrap_ascii(self, start: int, end: int) -> None:
        text, width = self.text, self.width
        starts, ends = self._starts, self._ends
        rfind = text.rfind
        while end - start > width:
            space = rfind(" ", start, start + width)
            cut = space + 1 if space >= start else start + width
            starts.append(start)
            ends.append(cut)
            start = cut
        starts.append(start)
        ends.append(end)

    def _wrap_cells(self, start: int, end: int) -> None:
        width = self.width
        row_start = start
        x = 0
        last_break = -1
        """Offset just after the last space of the current row."""
        widths: list[tuple[int, int]] = []
        """(offset, width) of the graphemes of the current row."""
        for a, b, w in _graphemes(self.text, start, end):
            char = self.text[a]
            if char == "\t":
                w = TAB_SIZE - x % TAB_SIZE
            w = max(w, 1) if char != "\t" and w == 0 else w
            if x + w > width and x > 0:
                cut = last_break if last_break > row_start else a
                self._add(row_start, cut)
                row_start = cut
                widths = [(o, ww) for o, ww in widths if o >= cut]
                x = sum(ww for _, ww in widths)
                last_break = -1
            widths.append((a, w))
            x += w
            if char == " ":
                last_break = b
        self._add(row_start, end)

    def row_of(self, offset: int) -> int:
        """The row showing ``offset`` (a line's ``\\n`` shows at the end of the line's last row)."""
        self._wrap_through(offset)
        return max(0, bisect_right(self._starts, offset) - 1)
