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
        count = len(document.tokens)
        # Each mask as one "0"/"1" character per token, in token order (shifting a book's mask
        # for every token would cost the square of its length).
        columns: list[str | None] = []
        for label in self.labels:
            for name in self.annotators:
                record = prepared.get(name)
                columns.append(
                    format(record.masks.get(label, 0), f"0{count}b")[::-1] if record else None
                )
        text = document.text
        rows = []
        for index, (start, end) in enumerate(document.tokens.tokens):
            cells = [bits[index] if bits is not None else "" for bits in columns]
            rows.append([document.doc_id, index, start, end, text[start:end], *cells])
        self.writer.writerows(rows)
