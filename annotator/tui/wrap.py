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
    """Row boundaries of a text wrapped at one width (made once per width)."""

    def __init__(self, text: str, width: int) -> None:
        self.text = text
        self.width = max(width, 4)
        self.starts: list[int] = []
        self.ends: list[int] = []
        self._wrap()

    def __len__(self) -> int:
        return len(self.starts)

    def _add(self, start: int, end: int) -> None:
        self.starts.append(start)
        self.ends.append(end)

    def _wrap(self) -> None:
        text = self.text
        line_start = 0
        length = len(text)
        while line_start <= length:
            line_end = text.find("\n", line_start)
            if line_end < 0:
                line_end = length
            piece = text[line_start:line_end]
            if piece.isascii() and "\t" not in piece:
                self._wrap_ascii(line_start, line_end)
            else:
                self._wrap_cells(line_start, line_end)
            if line_end == length:
                break
            line_start = line_end + 1

    def _wrap_ascii(self, start: int, end: int) -> None:
        text, width = self.text, self.width
        while end - start > width:
            space = text.rfind(" ", start, start + width)
            cut = space + 1 if space >= start and space + 1 > start else start + width
            self._add(start, cut)
            start = cut
        self._add(start, end)

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
        return max(0, bisect_right(self.starts, offset) - 1)
