"""The one error type a user can cause, carrying where it happened."""

from __future__ import annotations

from pathlib import Path


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
        return f"{where}{field}{self.message}"


class Problem(AnnotatorError):
    """One validation finding; several are collected rather than raised one by one."""
