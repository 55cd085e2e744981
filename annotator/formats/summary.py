"""What an export or an import did: counts a user reads at the end, never silent drops."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

SAMPLE_IDS = 5
"""How many document ids are named per skip reason or adjustment."""
TRAINING_FORMATS = frozenset({"spacy", "conll", "hf"})
"""Formats that are training data only: a record that is not done is a doubtful example."""


@dataclass
class Summary:
    """Counts collected while streaming; :meth:`lines` renders them for stderr."""

    action: str = "exported"
    documents: Counter[str] = field(default_factory=Counter)
    """Documents written, per split (``""`` when there is no split)."""
    records: int = 0
    spans: Counter[str] = field(default_factory=Counter)
    """Spans written, per label."""
    relations: Counter[str] = field(default_factory=Counter)
    adjustments: Counter[str] = field(default_factory=Counter)
    """Spans changed to fit the format, per kind (e.g. expanded to token boundaries)."""
    merged: Counter[str] = field(default_factory=Counter)
    """Spans or relations written once for several identical ones, per reason."""
    dropped: Counter[str] = field(default_factory=Counter)
    """Spans or relations the format could not carry, per reason."""
    skipped: Counter[str] = field(default_factory=Counter)
    """Documents or records left out, per reason."""
    examples: dict[str, list[str]] = field(default_factory=dict)
    """A few document ids for each reason in ``adjustments``, ``merged``, ``dropped``,
    ``skipped`` and ``warned``."""
    warnings: list[str] = field(default_factory=list)
    """Things that may trip the consumer (an empty split), shown right after the head line."""
    warned: Counter[str] = field(default_factory=Counter)
    """Counted things that may trip the consumer (rows too long for a model), per reason."""
    rows: int = 0
    """Rows written when a document may be several rows (``hf --rows paragraph``)."""
    notes: list[str] = field(default_factory=list)
    """Things the user should know (repairs, files written)."""
    not_done: Counter[str] = field(default_factory=Counter)
    """Records written whose status is not ``done``, per status (skipped, in progress...)."""
    statuses_chosen: bool = False
    """The export kept records of the statuses the user chose (``--status``)."""

    def _example(self, reason: str, doc_id: str) -> None:
        ids = self.examples.setdefault(reason, [])
        if len(ids) < SAMPLE_IDS and doc_id not in ids:
            ids.append(doc_id)

    def skip(self, reason: str, doc_id: str) -> None:
        self.skipped[reason] += 1
        self._example(reason, doc_id)

    def adjust(self, reason: str, doc_id: str, count: int = 1) -> None:
        if count:
            self.adjustments[reason] += count
            self._example(reason, doc_id)

    def warn(self, reason: str, doc_id: str, count: int = 1) -> None:
        if count:
            self.warned[reason] += count
            self._example(reason, doc_id)

    def merge(self, reason: str, doc_id: str, count: int = 1) -> None:
        if count:
            self.merged[reason] += count
            self._example(reason, doc_id)

    def drop(self, reason: str, doc_id: str, count: int = 1) -> None:
        if count:
            self.dropped[reason] += count
            self._example(reason, doc_id)

    def _with_examples(self, reason: str, count: int) -> str:
        ids = self.examples.get(reason, [])
        shown = f" (e.g. in {', '.join(repr(i) for i in ids)})" if ids else ""
        return f"  {count} {reason}{shown}"

    def lines(self, export_format: str = "") -> list[str]:
        """The summary's lines; ``export_format`` (the format exported) lets records that are
        not done be pointed out for training data."""
        total = sum(self.documents.values())
        head = f"{self.action} {total} document(s)"
        if len(self.documents) > 1 or (self.documents and "" not in self.documents):
            head += " (" + ", ".join(f"{name}: {n}" for name, n in self.documents.items()) + ")"
        if self.records:
            head += f", {self.records} record(s)"
        out = [head]
        out.extend(f"warning: {warning}" for warning in self.warnings)
        out.extend(
            "warning:" + self._with_examples(reason, n)[1:]
            for reason, n in sorted(self.warned.items())
        )
        if self.rows:
            out.append(f"rows: {self.rows} (one per paragraph: ids DOC#1, DOC#2...)")
        if self.not_done:
            out.append(
                f"records not done: {sum(self.not_done.values())} ("
                + ", ".join(
                    f"{status.replace('_', ' ')} {n}" for status, n in sorted(self.not_done.items())
                )
                + ")"
            )
            if export_format in TRAINING_FORMATS and not self.statuses_chosen:
                out.append(
                    "  training data: pass --status done to leave them out "
                    "(their unmarked text reads as 'no span here')"
                )
        if self.spans:
            out.append(
                f"spans: {sum(self.spans.values())} ("
                + ", ".join(f"{label} {n}" for label, n in sorted(self.spans.items()))
                + ")"
            )
        if self.relations:
            out.append(
                f"relations: {sum(self.relations.values())} ("
                + ", ".join(f"{label} {n}" for label, n in sorted(self.relations.items()))
                + ")"
            )
        for title, counter in (
            ("adjusted", self.adjustments),
            ("merged", self.merged),
            ("dropped", self.dropped),
            ("skipped", self.skipped),
        ):
            if counter:
                out.append(f"{title}:")
                out.extend(self._with_examples(reason, n) for reason, n in sorted(counter.items()))
        out.extend(self.notes)
        return out

    def nothing_exported(self) -> str:
        """Why no document was exported, in one line (the skip reasons and their counts)."""
        if not self.skipped:
            return "nothing to export: the corpus has no documents"
        reasons = sorted(self.skipped.items(), key=lambda item: (-item[1], item[0]))
        return "nothing to export: " + "; ".join(f"{n} {reason}" for reason, n in reasons)

    def render(self, export_format: str = "") -> str:
        return "\n".join(self.lines(export_format))
