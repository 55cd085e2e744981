"""``conll``: the CoNLL-2003 layout, one token per line (``token tag``, one space between
columns), ``-DOCSTART- -X- O O`` and a blank line before each document.

Tokens come from the project's tokenizer. A blank line ends a sentence at each line break of the
text that no span crosses. Tags are IOB2 (``--scheme iob2``, the default) or BILOU. Spans that cut
a token are widened to whole tokens (counted). Overlapping spans: ``--overlap outermost`` keeps
the longest span of each overlap and drops the others (counted per label in the summary);
``--overlap columns`` writes one tag column per label, in config order (overlaps within one
label still keep the outermost, counted).

The document line is the one spaCy's ``spacy convert --converter ner`` splits documents on, and
readers that skip lines starting with ``-DOCSTART-`` skip it. Columns are split on whitespace
by every reader (some on one space only), so a token never holds whitespace: the built-in
tokenizers never make such a token, and a custom pattern's whitespace becomes ``_``.
"""

from __future__ import annotations

import re

from annotator.formats.common import (
    ExportItem,
    align_spans,
    outermost,
    sentence_breaks,
    token_index,
    token_tags,
)
from annotator.formats.exporting import ExportFormat, FileWriter

DOCSTART = "-DOCSTART- -X- O O"
"""The CoNLL-2003 document line, exactly as spaCy's converter looks for it."""
_WHITESPACE = re.compile(r"\s")


def clean_token(token: str) -> str:
    """A token as one column: whitespace (which every reader splits columns on, ``str.split``
    Unicode whitespace included) becomes ``_``, and an empty token (a custom pattern may match
    nothing) is ``_``."""
    return _WHITESPACE.sub("_", token) or "_"


class ConllWriter(FileWriter):
    def write(self, item: ExportItem) -> None:
        document = item.document
        (record,) = item.records
        summary = self.context.summary
        options = self.context.options
        text = document.text
        index = token_index(text, self.context.config.tokenizer)
        placed = align_spans(record.spans, index, summary, document.id)
        labels = self.context.labels
        columns: list[list[str]]
        if options.overlap == "columns":
            columns = []
            for label in labels:
                kept, dropped = outermost([s for s in placed if s.span.label == label])
                for span in dropped:
                    summary.drop(
                        f"{span.span.label} span(s) nested in a span of the same "
                        "label (one column per label holds one layer)",
                        document.id,
                    )
                summary.spans.update(s.span.label for s in kept)
                columns.append(token_tags(len(index), kept, options.scheme))
            kept_all = placed
        else:
            kept_all, dropped = outermost(placed)
            for span in dropped:
                summary.drop(
                    f"{span.span.label} span(s) inside or across a longer span (outermost wins)",
                    document.id,
                )
            summary.spans.update(s.span.label for s in kept_all)
            columns = [token_tags(len(index), kept_all, options.scheme)]
        dropped_relations = len(record.relations)
        if dropped_relations:
            summary.drop("relation(s) (CoNLL has no links)", document.id, dropped_relations)
        breaks = sentence_breaks(text, index, kept_all)
        tokens = [text[start:end] for start, end in index.tokens]
        if _WHITESPACE.search("".join(tokens)) is not None or not all(tokens):
            tokens = [clean_token(token) for token in tokens]
        if len(columns) == 1:
            lines = [f"{token} {tag}\n" for token, tag in zip(tokens, columns[0], strict=True)]
        else:
            lines = [" ".join(fields) + "\n" for fields in zip(tokens, *columns, strict=True)]
        for position in breaks:
            lines[position] += "\n"
        self.output.text.write(DOCSTART + "\n\n" + "".join(lines) + ("\n" if lines else ""))


EXPORT = ExportFormat("conll", ConllWriter, suffix=".conll")
