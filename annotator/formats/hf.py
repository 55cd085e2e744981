"""``hf``: JSONL with ``id``, ``tokens`` and ``ner_tags``, the tags named (``"B-speaker"``).

The shape token-classification scripts read as they are (HF transformers' ``run_ner.py`` builds
its label list from string tags; seqeval scores them). ``--tag-ids`` writes the tags as integers
instead, with ``NAME.labels.json`` beside the output (``NAME`` the output's stem; one file for
every ``--split`` part) listing the tag names: the position of a name is its integer (``O`` is
0). An existing labels file with other names is refused unless ``--force``, so an export never
changes the meaning of another export's integers. One label layer per token: overlapping spans
keep the outermost (the others are counted as dropped). Spans that cut a token are widened to
whole tokens (counted).
"""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import orjson

from annotator.formats.common import (
    ExportItem,
    align_spans,
    outermost,
    sentence_breaks,
    tag_names,
    token_index,
    token_tags,
    write_file_atomic,
)
from annotator.formats.exporting import ExportContext, ExportFormat, FileWriter
from annotator.model.errors import AnnotatorError

LABELS_SUFFIX = ".labels.json"


LONG_ROW = 256
"""Tokens above which a row is counted in the summary: at about 1.3 sub-word pieces per word of
English news, a row this long nears the 512 pieces a BERT-style model reads, and a script that
truncates (run_ner.py does) silently loses the labels of the rest."""


LONG_ROWS = (
    f"row(s) longer than {LONG_ROW} tokens: a model reading 512 sub-word pieces may cut them "
    "(run_ner.py truncates, dropping their later tags); --rows paragraph writes shorter rows"
)


class HfWriter(FileWriter):
    def start(self) -> None:
        names = tag_names(self.context.labels, self.context.options.scheme)
        self.ids = (
            {name: number for number, name in enumerate(names)}
            if self.context.options.tag_ids
            else None
        )
        self.paragraphs = self.context.options.rows == "paragraph"

    def write(self, item: ExportItem) -> None:
        document = item.document
        (record,) = item.records
        summary = self.context.summary
        scheme = self.context.options.scheme
        text = document.text
        index = token_index(text, self.context.config.tokenizer)
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
        ids = self.ids
        tokens = [text[start:end] for start, end in index.tokens]
        rows = [(document.id, 0, len(tokens))]
        if self.paragraphs:
            cuts = [0, *sorted(position + 1 for position in sentence_breaks(text, index, kept))]
            cuts.append(len(tokens))
            rows = [
                (f"{document.id}#{number}", start, end)
                for number, (start, end) in enumerate(pairwise(cuts), start=1)
            ]
        lines = []
        for row_id, start, end in rows:
            if end - start > LONG_ROW:
                summary.warn(LONG_ROWS, document.id)
            row_tags = tags[start:end]
            line = {
                "id": row_id,
                "tokens": tokens[start:end],
                "ner_tags": row_tags if ids is None else [ids[tag] for tag in row_tags],
            }
            lines.append(orjson.dumps(line).decode())
        if self.paragraphs:
            summary.rows += len(rows)
        self.output.text.write("\n".join(lines) + "\n")


def labels_path(out: Path) -> Path:
    """``data/corpus.jsonl`` gives ``data/corpus.labels.json`` (for every split of it)."""
    return out.with_name(out.stem + LABELS_SUFFIX)


def _labels_content(context: ExportContext) -> str:
    names = tag_names(context.labels, context.options.scheme)
    return json.dumps(names, indent=2, ensure_ascii=False) + "\n"


def check_labels(out: Path, context: ExportContext) -> None:
    """Before anything is written: an existing labels file with other tag names is refused
    unless ``--force`` (the integers of the export that wrote it would decode wrongly)."""
    if not context.options.tag_ids or context.options.force:
        return
    path = labels_path(out)
    if not (path.exists() or path.is_symlink()):
        return
    if path.is_dir():
        raise AnnotatorError("is a folder, not the labels file of --tag-ids", file=path)
    try:
        same = path.read_text(encoding="utf-8") == _labels_content(context)
    except (OSError, UnicodeDecodeError):
        same = False
    if not same:
        raise AnnotatorError(
            "labels file exists with other tag names (another export's integers); "
            "pass --force to overwrite it",
            file=path,
        )


def write_labels(out: Path, context: ExportContext) -> None:
    if context.options.tag_ids:
        context.files.append(write_file_atomic(labels_path(out), _labels_content(context)))


EXPORT = ExportFormat(
    "hf", HfWriter, suffix=".jsonl", sidecars=write_labels, check_sidecars=check_labels
)
