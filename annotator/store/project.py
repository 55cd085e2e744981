"""A project folder: ``annotator.toml``, ``documents/`` and ``annotations/``."""

from __future__ import annotations

import shutil
from pathlib import Path

from annotator.model.config import ProjectConfig
from annotator.model.errors import AnnotatorError
from annotator.store.annotations import AnnotationFile, check_annotator_name
from annotator.store.config_file import CONFIG_NAME, load_config
from annotator.store.corpus import DOCUMENT_SUFFIXES, Corpus
from annotator.store.corpus_stream import CorpusStream
from annotator.store.index_cache import CACHE_DIR_NAME, IndexCache

DOCUMENTS = "documents"
ANNOTATIONS = "annotations"


class Project:
    """Opened project: its config, its corpus index and its annotation files.

    ``index_corpus=False``: the corpus is indexed on first use of :attr:`corpus` only (an
    export reads it file by file with :meth:`corpus_stream` instead)."""

    def __init__(self, root: Path, *, index_corpus: bool = True) -> None:
        root = Path(root)
        if not root.is_dir():
            raise AnnotatorError("not a project folder (no such directory)", file=root)
        if not (root / DOCUMENTS).is_dir():
            raise AnnotatorError(
                f"not a project folder: no {DOCUMENTS}/ inside (create one with `annotator init`)",
                file=root,
            )
        self.root = root
        self.config: ProjectConfig = load_config(root)
        self.index_cache = IndexCache(root / CACHE_DIR_NAME)
        """Indexes of the large files, so reopening a big project does not parse them again."""
        self._corpus: Corpus | None = None
        if index_corpus:
            self._corpus = Corpus(root / DOCUMENTS, cache=self.index_cache)

    @property
    def corpus(self) -> Corpus:
        """The index of every document (built on first use when the project was opened with
        ``index_corpus=False``)."""
        if self._corpus is None:
            self._corpus = Corpus(self.root / DOCUMENTS, cache=self.index_cache)
        return self._corpus

    @property
    def annotations_dir(self) -> Path:
        return self.root / ANNOTATIONS

    def annotation_path(self, annotator: str) -> Path:
        return self.annotations_dir / f"{check_annotator_name(annotator)}.jsonl"

    def annotators(self) -> list[str]:
        """Names of every annotator with a file, sorted (gold included)."""
        if not self.annotations_dir.is_dir():
            return []
        return sorted(
            path.stem
            for path in self.annotations_dir.glob("*.jsonl")
            if not path.name.startswith(".")
        )

    def annotations(
        self, annotator: str, *, writable: bool = False, hashed: bool = False
    ) -> AnnotationFile:
        """One annotator's file. ``hashed``: read-only, its records found by the hash of the
        document id, no id kept (see :mod:`annotator.store.record_lookup`), for a pass over the
        corpus that looks up each document's record (an export)."""
        return AnnotationFile(
            self.annotation_path(annotator),
            annotator,
            writable=writable,
            cache=self.index_cache,
            shared_id=None if hashed or self._corpus is None else self._corpus.shared_id,
            hashed=hashed,
        )

    def corpus_stream(self) -> CorpusStream:
        """The corpus read file by file (see :class:`CorpusStream`): a pass over every document
        without the index of the whole corpus in memory."""
        return CorpusStream(self.root / DOCUMENTS, cache=self.index_cache)


def init_project(root: Path, files: list[Path]) -> list[Path]:
    """Create a project folder (or complete one) and copy the given document files into it.

    Returns the copied paths. Refuses to overwrite an existing document file.
    """
    for source in files:
        if not source.is_file():
            raise AnnotatorError("no such file", file=source)
        if not source.name.endswith(DOCUMENT_SUFFIXES):
            raise AnnotatorError("documents must be .txt or .jsonl files", file=source)
    documents = root / DOCUMENTS
    documents.mkdir(parents=True, exist_ok=True)
    (root / ANNOTATIONS).mkdir(exist_ok=True)
    config = root / CONFIG_NAME
    if not config.exists():
        config.write_text(DEFAULT_CONFIG_TEXT, encoding="utf-8")
    copied = []
    for source in files:
        target = documents / source.name
        if target.exists():
            raise AnnotatorError("already in the project; not overwritten", file=target)
        shutil.copyfile(source, target)
        copied.append(target)
    return copied


DEFAULT_CONFIG_TEXT = """\
# annotator project configuration. Every setting is optional; these are the defaults.

gold_annotator = "gold"

[[labels]]
name = "speaker"
key = "1"
color = "#e5a50a"
description = "The person or body a quote or claim is attributed to."

[[labels]]
name = "claim"
key = "2"
color = "#3584e4"
description = "A statement attributed to a speaker, quoted or reported."

[[labels]]
name = "entity"
key = "3"
color = "#2ec27e"
description = "A named person, organisation, place or country."

[[labels]]
name = "event"
key = "4"
color = "#e01b24"
description = "A named or described event: summit, ceasefire, election, attack, ruling."

[[relations]]
name = "attributed_to"
key = "a"
head_labels = ["claim"]
tail_labels = ["speaker"]
description = "The claim (head) was made by the speaker (tail)."

[tokenizer]
kind = "words"      # "words", "whitespace" or "regex" (then set pattern = "...")
snap = "word"       # "word" or "char": default selection precision

# [keys]
# next_word = "w,e"   # remap any action; `annotator annotate` shows the names with ?
"""
