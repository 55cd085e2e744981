"""External formats: one module per format, each with export and, where it can, import.

Shared pieces live in :mod:`annotator.formats.common` (record selection, splits, token alignment,
UTF-16 offsets, safe file names) and :mod:`annotator.formats.summary` (what an export or import
did). Nothing here imports Textual; spaCy is imported only by :mod:`annotator.formats.spacy`.
"""

from __future__ import annotations

EXPORT_FORMATS = ("jsonl", "spacy", "conll", "hf", "doccano", "label-studio", "brat", "prodigy")
IMPORT_FORMATS = ("jsonl", "doccano", "label-studio", "brat", "prodigy")
SHARD_SIZE = 1_000
"""``spacy``: documents per ``.spacy`` file by default (see :mod:`annotator.formats.spacy`)."""
SHARD_TOKENS = 100_000
"""``spacy``: tokens per ``.spacy`` file at most, so the memory of an export stays that of
~2.5 MB of token arrays (~10 MB while spaCy serializes them), however long the documents."""
