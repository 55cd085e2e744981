"""The one error type a user can cause, carrying where it happened."""

from __future__ import annotations

import re
from pathlib import Path

# Characters that must not reach a terminal from a file name or a message: C0 and C1 controls
# (ESC starts screen-clearing and clipboard-writing sequences), DEL, bidi overrides and isolates,
# and the lone surrogates that stand for undecodable bytes in file names. Newlines too: an error
# is one line.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with every control, bidi or undecodable character shown as an escape."""
    return _UNSAFE.sub(_escape, text)


class AnnotatorError(Exception):
    """A problem in user input: a file, a line (1-based) or byte offset, and what is wrong.

    `str(error)` is the single line the CLI prints: ``file:line: message``.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.field = field
        super().__init__(self.format())

    def format(self) -> str:
        where = ""
        if self.file is not None:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        field = f"{self.field}: " if self.field else ""
        return visible(f"{where}{field}{self.message}")


class Problem(AnnotatorError):
    """One validation finding; several are collected rather than raised one by one."""
