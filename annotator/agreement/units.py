"""The unit table behind the token-level figures, so anyone can recompute them.

One CSV row per token of every counted document: ``doc_id, token, start, end, text``, then one
column ``LABEL:ANNOTATOR`` per label and annotator holding ``1`` (the token is inside a span of
that label), ``0`` (it is not) or an empty cell (that annotator's record is not used for the
document).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from typing import TextIO

from annotator.agreement.dataset import DocumentRecords
from annotator.agreement.spans import PreparedRecord


class UnitsWriter:
    def __init__(self, out: TextIO, annotators: Sequence[str], labels: Sequence[str]) -> None:
        self.annotators = list(annotators)
        self.labels = list(labels)
        self.writer = csv.writer(out, lineterminator="\n")
        self.writer.writerow(
            ["doc_id", "token", "start", "end", "text"]
            + [f"{label}:{name}" for label in self.labels for name in self.annotators]
        )

    def __call__(self, document: DocumentRecords, prepared: dict[str, PreparedRecord]) -> None:
        columns: list[tuple[int, bool]] = []
        for label in self.labels:
            for name in self.annotators:
                record = prepared.get(name)
                columns.append((record.masks.get(label, 0) if record else 0, record is not None))
        text = document.text
        rows = []
        for index, (start, end) in enumerate(document.tokens.tokens):
            cells = [
                ("1" if (mask >> index) & 1 else "0") if present else ""
                for mask, present in columns
            ]
            rows.append([document.doc_id, index, start, end, text[start:end], *cells])
        self.writer.writerows(rows)
