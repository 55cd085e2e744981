"""``spacy``: a spaCy ``DocBin`` (``.spacy``) for ``spacy train`` with spancat or ner.

Each Doc is built from the project's tokens (``words`` + ``spaces``; whitespace other than one
space between tokens becomes whitespace tokens, as spaCy does), so ``doc.text`` is the document
text and character offsets are ours. Every span is in ``doc.spans["sc"]`` (overlaps kept), widened
to whole tokens where it cuts one (counted). ``doc.ents`` holds the spans that overlap no other
span; tokens under overlapping spans are marked missing (neither entity nor ``O``) so ner
training does not learn them as outside, and the spans left out of ``doc.ents`` are counted.
``doc.user_data`` holds ``doc_id``, ``annotator``, ``status`` and ``relations``: a list of
``{"label", "head", "tail"}`` where head and tail index ``doc.spans["sc"]``, plus their
character offsets as ``head_span``/``tail_span``.

spaCy is an optional extra: ``pip install 'annotator[spacy]'``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from annotator.formats.common import AtomicOutput, ExportItem, align_spans
from annotator.formats.exporting import ExportContext, ExportFormat, Writer
from annotator.model.errors import AnnotatorError
from annotator.model.tokenize import TokenIndex

MISSING = (
    "spaCy is not installed: export --format spacy needs the optional extra "
    "(pip install 'annotator[spacy]')"
)


def _spacy() -> Any:
    try:
        import spacy
        from spacy.tokens import DocBin
    except ImportError:
        raise AnnotatorError(MISSING) from None
    return spacy, DocBin


def words_and_spaces(text: str, tokens: list[tuple[int, int]]) -> tuple[list[str], list[bool]]:
    """spaCy words and trailing-space flags whose concatenation is ``text``: our tokens, with the
    whitespace between them as one trailing space or as whitespace words."""
    words: list[str] = []
    spaces: list[bool] = []

    def gap(value: str) -> None:
        if words and value.startswith(" "):
            spaces[-1] = True
            value = value[1:]
        if value:
            words.append(value)
            spaces.append(False)

    previous = 0
    for start, end in tokens:
        gap(text[previous:start])
        words.append(text[start:end])
        spaces.append(False)
        previous = end
    gap(text[previous:])
    return words, spaces


class SpacyWriter(Writer):
    def __init__(self, path: Path, context: ExportContext) -> None:
        super().__init__(path, context)
        spacy, doc_bin = _spacy()
        self.nlp = spacy.blank("xx")
        self.doc_bin = doc_bin(store_user_data=True)

    def write(self, item: ExportItem) -> None:
        from spacy.tokens import Doc

        document = item.document
        (record,) = item.records
        summary = self.context.summary
        text = document.text
        index = TokenIndex.of(text, self.context.config.tokenizer)
        words, spaces = words_and_spaces(text, index.tokens)
        doc = Doc(self.nlp.vocab, words=words, spaces=spaces)
        if doc.text != text:  # pragma: no cover - guarded by tests
            raise AnnotatorError(f"document {document.id!r}: spaCy tokens do not rebuild the text")
        placed = align_spans(record.spans, index, summary, document.id)
        spans = []
        for token_span in placed:
            span = doc.char_span(token_span.start, token_span.end, label=token_span.span.label)
            assert span is not None, "token-aligned spans always map to spaCy tokens"
            spans.append(span)
        doc.spans["sc"] = spans
        overlapping: set[int] = set()
        for i, one in enumerate(placed):
            for j in range(i + 1, len(placed)):
                other = placed[j]
                if one.first < other.last and other.first < one.last:
                    overlapping.update((i, j))
        entities = [spans[i] for i in range(len(spans)) if i not in overlapping]
        if overlapping:
            summary.drop(
                "span(s) left out of doc.ents (they overlap; kept in doc.spans['sc'])",
                document.id,
                len(overlapping),
            )
        missing_tokens = sorted(
            {position for i in overlapping for position in range(spans[i].start, spans[i].end)}
        )
        missing = [doc[position : position + 1] for position in missing_tokens]
        doc.set_ents(entities, missing=missing, default="outside")
        ids = {token_span.span.id: number for number, token_span in enumerate(placed)}
        relations = []
        for relation in record.relations:
            head, tail = ids.get(relation.head), ids.get(relation.tail)
            if head is None or tail is None:
                summary.drop("relation(s) whose span covers no token", document.id)
                continue
            relations.append(
                {
                    "label": relation.label,
                    "head": head,
                    "tail": tail,
                    "head_span": [placed[head].start, placed[head].end],
                    "tail_span": [placed[tail].start, placed[tail].end],
                }
            )
            summary.relations[relation.label] += 1
        doc.user_data["doc_id"] = document.id
        doc.user_data["annotator"] = record.annotator
        doc.user_data["status"] = record.status.value
        doc.user_data["relations"] = relations
        summary.spans.update(span.span.label for span in placed)
        self.doc_bin.add(doc)

    def close(self) -> None:
        output = AtomicOutput(self.path, binary=True)
        try:
            output.handle.write(self.doc_bin.to_bytes())
            self.context.files.append(output.commit())
        except BaseException:
            output.abort()
            raise


EXPORT = ExportFormat("spacy", SpacyWriter, suffix=".spacy")
