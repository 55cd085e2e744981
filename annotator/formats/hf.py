"""``hf``: JSONL with ``id``, ``tokens`` and ``ner_tags`` (integers), plus ``labels.json``.

The shape token-classification scripts expect: ``labels.json`` beside the output lists the tag
names, the position of a name is its integer (``O`` is 0). One label layer per token:
overlapping spans keep the outermost (the others are counted as dropped). Spans that cut a token
are widened to whole tokens (counted).
"""

from __future__ import annotations

import json
from pathlib import Path

import orjson

from annotator.formats.common import (
    ExportItem,
    align_spans,
    outermost,
    tag_names,
    token_tags,
    write_file_atomic,
)
from annotator.formats.exporting import ExportContext, ExportFormat, FileWriter
from annotator.model.tokenize import TokenIndex

LABELS_FILE = "labels.json"


class HfWriter(FileWriter):
    def write(self, item: ExportItem) -> None:
        document = item.document
        (record,) = item.records
        summary = self.context.summary
        scheme = self.context.options.scheme
        ids = {name: number for number, name in enumerate(tag_names(self.context.labels, scheme))}
        text = document.text
        index = TokenIndex.of(text, self.context.config.tokenizer)
        placed = align_spans(record.spans, index, summary, document.id)
        kept, dropped = outermost(placed)
        for span in dropped:
            summary.drop(
                f"{span.span.label} span(s) inside or across a longer span (outermost wins)",
                document.id,
            )
        if record.relations:
            summary.drop(
                "relation(s) (token tags have no links)", document.id, len(record.relations)
            )
        summary.spans.update(span.span.label for span in kept)
        tags = token_tags(len(index), kept, scheme)
        line = {
            "id": document.id,
            "tokens": [text[start:end] for start, end in index.tokens],
            "ner_tags": [ids[tag] for tag in tags],
        }
        self.output.text.write(orjson.dumps(line).decode() + "\n")


def write_labels(out: Path, context: ExportContext) -> None:
    names = tag_names(context.labels, context.options.scheme)
    path = out.parent / LABELS_FILE
    context.files.append(
        write_file_atomic(path, json.dumps(names, indent=2, ensure_ascii=False) + "\n")
    )


EXPORT = ExportFormat("hf", HfWriter, suffix=".jsonl", sidecars=write_labels)
