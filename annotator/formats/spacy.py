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

A ``DocBin`` is one serialized object held in memory until written (and copied about three
times over while spaCy writes it), so a large export is cut into shards: a shard holds up to
``--shard-size`` documents (default :data:`annotator.formats.SHARD_SIZE`) and up to
:data:`annotator.formats.SHARD_TOKENS` tokens, whichever comes first. An export that fits one
shard is one ``.spacy`` file (unless ``--as-folder``); beyond that the output path becomes a
folder of ``part-0001.spacy``, ``part-0002.spacy``..., which ``spacy train`` reads as one corpus
(``--paths.train corpus.spacy/``). ``--as-folder`` always writes the folder, so a script reads
one layout whatever the size of the export. Memory stays that of one shard, whatever the corpus
size and however long its documents.

spaCy is an optional extra: ``pip install 'annotator[spacy]'``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from annotator.formats.common import (
    AtomicOutput,
    ExportItem,
    align_spans,
    current_umask,
    token_index,
)
from annotator.formats.exporting import ExportContext, ExportFormat, Writer
from annotator.model.errors import AnnotatorError
from annotator.store.jsonl import fsync_directory

MISSING = (
    "spaCy is not installed: export --format spacy needs the optional extra "
    "(pip install 'annotator[spacy]')"
)


def _spacy() -> Any:
    try:
        from spacy.tokens import DocBin
        from spacy.vocab import Vocab
    except ImportError:
        raise AnnotatorError(MISSING) from None
    return Vocab, DocBin


def overlapping_spans(bounds: Sequence[tuple[int, int]]) -> set[int]:
    """Indices of the token ranges ``[first, last)`` (never empty) that overlap another one.

    One sweep in order of ``first``: a range overlaps an earlier one when it starts before the
    furthest end so far, and a later one when the next range starts before its own end. (Each
    pair compared, a book's 100,000 spans took hours.)"""
    order = sorted(range(len(bounds)), key=bounds.__getitem__)
    found: set[int] = set()
    reach = -1
    for position, index in enumerate(order):
        first, last = bounds[index]
        if first < reach or (position + 1 < len(order) and bounds[order[position + 1]][0] < last):
            found.add(index)
        reach = max(reach, last)
    return found


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


ATTRIBUTES = ("ORTH", "SPACY", "ENT_IOB", "ENT_TYPE")
"""The token attributes the Docs carry (no tags, parses or lemmas: the default thirteen would
take three times the memory and disk for zeros)."""


def part_name(number: int) -> str:
    return f"part-{number:04d}.spacy"


class SpacyWriter(Writer):
    def __init__(self, path: Path, context: ExportContext) -> None:
        super().__init__(path, context)
        self.vocab_class, self.doc_bin_class = _spacy()
        self.shard_size = max(1, context.options.shard_size)
        self.shard_tokens_limit = max(1, context.options.shard_tokens)
        self.parts: Path | None = None
        """The temporary folder of the parts, once there is more than one shard."""
        self.created: list[Path] = []
        """Folders made for the output, innermost first (removed if the export fails)."""
        self.written = 0
        self._new_shard()

    def _new_shard(self) -> None:
        # A fresh vocabulary per shard too: its string store grows with every new word. A bare
        # Vocab is all a Doc needs (the DocBin keeps strings and hashes, not lexeme flags), and
        # costs microseconds where a blank pipeline costs tens of milliseconds.
        self.vocab = self.vocab_class()
        self.doc_bin = self.doc_bin_class(attrs=list(ATTRIBUTES), store_user_data=True)
        self.shard_tokens = 0

    def _flush_shard(self) -> None:
        """Write the documents held so far as the next part and start a new shard."""
        if self.parts is None:
            folder = self.path.parent
            while not folder.exists() and folder != folder.parent:
                self.created.append(folder)
                folder = folder.parent
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.parts = Path(
                tempfile.mkdtemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
            )
            self.parts.chmod(0o777 & ~current_umask())  # mkdtemp's folder is owner-only
        self.written += 1
        output = AtomicOutput(self.parts / part_name(self.written), binary=True)
        try:
            output.data.write(self.doc_bin.to_bytes())
            output.commit()
        except BaseException:
            output.abort()
            raise
        self._new_shard()

    def write(self, item: ExportItem) -> None:
        from spacy.tokens import Doc

        document = item.document
        (record,) = item.records
        summary = self.context.summary
        text = document.text
        index = token_index(text, self.context.config.tokenizer)
        words, spaces = words_and_spaces(text, index.tokens)
        if len(self.doc_bin) and (
            len(self.doc_bin) >= self.shard_size
            or self.shard_tokens + len(words) > self.shard_tokens_limit
        ):
            self._flush_shard()
        self.shard_tokens += len(words)
        doc = Doc(self.vocab, words=words, spaces=spaces)
        if doc.text != text:  # pragma: no cover - guarded by tests
            raise AnnotatorError(f"document {document.id!r}: spaCy tokens do not rebuild the text")
        placed = align_spans(record.spans, index, summary, document.id)
        spans = []
        for token_span in placed:
            span = doc.char_span(token_span.start, token_span.end, label=token_span.span.label)
            assert span is not None, "token-aligned spans always map to spaCy tokens"
            spans.append(span)
        doc.spans["sc"] = spans
        overlapping = overlapping_spans([(one.first, one.last) for one in placed])
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
        if self.parts is None and self.context.options.as_folder:
            self._flush_shard()  # a folder of one part, as a larger export would be
        if self.parts is None:  # one shard: one file, as always
            output = AtomicOutput(self.path, binary=True)
            try:
                output.data.write(self.doc_bin.to_bytes())
                if self.path.is_dir() and not self.path.is_symlink():
                    # a sharded export of before, replaced (refused earlier unless --force)
                    shutil.rmtree(self.path)
                self.context.files.append(output.commit())
            except BaseException:
                output.abort()
                raise
            return
        if len(self.doc_bin):
            self._flush_shard()
        assert self.parts is not None
        if self.path.is_dir() and not self.path.is_symlink():
            shutil.rmtree(self.path)  # refused earlier unless empty or --force
        elif self.path.exists() or self.path.is_symlink():
            self.path.unlink()
        os.replace(self.parts, self.path)
        fsync_directory(self.path.parent)
        self.parts = None
        self.context.files.append(self.path)
        self.context.summary.notes.append(
            f"{self.path} is a folder of {self.written} .spacy files of up to "
            f"{self.shard_size} documents and {self.shard_tokens_limit:,} tokens each "
            "(spacy train reads the folder as one corpus)"
        )

    def abort(self) -> None:
        if self.parts is not None:
            shutil.rmtree(self.parts, ignore_errors=True)
            self.parts = None
        for folder in self.created:
            with contextlib.suppress(OSError):
                folder.rmdir()


EXPORT = ExportFormat("spacy", SpacyWriter, suffix=".spacy")
