"""The warning that another program replaced, emptied or removed the annotation file.

It stays up until the session ends (unlike the save warning, which goes once a save succeeds):
it says what was written to the new file again, which the annotator may want to check.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from annotator.model.text import display_safe


class FileNotice(Static):
    """A yellow bar at the top of the annotate screen listing what happened to the file."""

    DEFAULT_CSS = """
    FileNotice {
        split: top;
        height: auto;
        max-height: 8;
        padding: 0 1;
        background: $warning;
        color: $text;
    }
    """

    def show(self, notices: list[str]) -> None:
        """The newest notices, oldest first (three at most: it happens rarely)."""
        text = Text()
        text.append("ANNOTATION FILE CHANGED BY ANOTHER PROGRAM. ", style="bold")
        if len(notices) > 3:
            text.append(f"({len(notices)} times in this session; the last three:) ")
        for index, notice in enumerate(notices[-3:]):
            if index:
                text.append("  ·  ")
            text.append(display_safe(notice))
        self.update(text)
