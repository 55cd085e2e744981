"""A project folder: ``annotator.toml``, ``documents/`` and ``annotations/``."""

from __future__ import annotations

import contextlib
import errno
import os
import re
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

_TEMPORARY = re.compile(r"\.(?P<name>.+)\.[A-Za-z0-9_]+\.tmp")
"""The name of a file being written atomically (``.NAME.random.tmp``, see tempfile.mkstemp)."""


def user_path(filename: str | os.PathLike[str] | bytes | None, default: Path) -> Path:
    """The path a user knows for a file an OS error names: a temporary file being written
    atomically is named by the file it was to become; ``default`` when the error names none."""
    if filename is None or isinstance(filename, bytes):
        return default
    parts = []
    for part in Path(filename).parts:
        match = _TEMPORARY.fullmatch(part)
        parts.append(match["name"] if match else part)
    return Path(*parts)


def os_problem(error: OSError, path: Path, what: str = "cannot write") -> AnnotatorError:
    """One line for an OS error met on a user's path: ``path: cannot write: Read-only file
    system`` (a temporary file's name never shown: see :func:`user_path`)."""
    named = user_path(error.filename, path)
    with contextlib.suppress(ValueError, OSError):
        named = path / named.absolute().relative_to(path.absolute())  # as the user wrote it
    if error.errno in (errno.EEXIST, errno.ENOTDIR):
        # a file where a folder must be: name it rather than say "File exists"
        for folder in reversed(path.parents):
            if folder.exists() and not folder.is_dir():
                return AnnotatorError(f"{what}: {folder} is a file, not a folder", file=path)
        if named.exists() and not named.is_dir():
            return AnnotatorError(f"{what}: is a file, not a folder", file=named)
    reason = error.strerror or str(error)
    return AnnotatorError(f"{what}: {reason}", file=named)


class Project:
    """Opened project: its config, its corpus index and its annotation files.

    ``index_corpus=False``: the corpus is indexed on first use of :attr:`corpus` only (an
    export reads it file by file with :meth:`corpus_stream` instead)."""

    def __init__(self, root: Path, *, index_corpus: bool = True) -> None:
        root = Path(root)
        if not root.is_dir():
            if root.exists():
                raise AnnotatorError("is a file, not a project folder", file=root)
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
        """Names of every annotator with a file, sorted (gold included). A ``.jsonl`` file whose
        name is not an annotator name (``bob copy.jsonl``) is left out, as ``bob.jsonl.bak`` is
        (see :meth:`ignored_annotation_files`)."""
        return sorted(
            path.stem for path in self._annotation_files() if _is_annotator_name(path.stem)
        )

    def ignored_annotation_files(self) -> list[Path]:
        """The ``.jsonl`` files of ``annotations/`` that are no annotator's file: their name is
        not a valid annotator name (a copy a file manager made, ``bob copy.jsonl``)."""
        return sorted(
            path for path in self._annotation_files() if not _is_annotator_name(path.stem)
        )

    def _annotation_files(self) -> list[Path]:
        if not self.annotations_dir.is_dir():
            return []
        return [
            path for path in self.annotations_dir.glob("*.jsonl") if not path.name.startswith(".")
        ]

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


def _is_annotator_name(name: str) -> bool:
    try:
        check_annotator_name(name)
    except AnnotatorError:
        return False
    return True


class DocumentFilesRefused(AnnotatorError):
    """``init`` refused its document files: ``problems`` lists every one; nothing was copied."""

    def __init__(self, problems: list[AnnotatorError]) -> None:
        self.problems = problems
        if len(problems) == 1:
            super().__init__(f"{problems[0]} (nothing copied)")
        else:
            super().__init__(f"{len(problems)} problems in the document files; nothing copied")


def check_document_files(files: list[Path], documents: Path) -> list[AnnotatorError]:
    """Every problem the project would find in ``files`` once copied into ``documents``
    (unreadable files, bad UTF-8 or JSON, documents without id or text, ids defined twice,
    among the files or in the documents already there), named by the files' own paths."""
    problems: list[AnnotatorError] = []
    defined: dict[str, str] = {}
    if documents.is_dir():
        existing = Corpus(documents)
        for entry in existing.entries:
            defined[entry.id] = f"{entry.path}:{entry.line}" if entry.line else str(entry.path)
    for source in files:
        # the file read as the project will read it: ids of a .txt file from its name
        corpus = Corpus.of_file(source.parent, source)
        problems.extend(corpus.problems)
        for entry in corpus.entries:
            where = f"{source}:{entry.line}" if entry.line else str(source)
            if entry.id in defined:
                problems.append(
                    AnnotatorError(
                        f"duplicate document id {entry.id!r} (first defined at "
                        f"{defined[entry.id]})",
                        file=source,
                        line=entry.line,
                    )
                )
                continue
            defined[entry.id] = where
            try:
                corpus.load(entry)  # the text itself: UTF-8 of a .txt file, checked fields
            except AnnotatorError as error:
                problems.append(error)
    return problems


def init_project(root: Path, files: list[Path]) -> list[Path]:
    """Create a project folder (or complete one) and copy the given document files into it.

    Returns the copied paths. Every file is checked first as the project will read it; any
    problem refuses them all (:class:`DocumentFilesRefused`) and nothing is created or copied.
    Refuses to overwrite an existing document file.
    """
    root = Path(root)
    names: dict[str, Path] = {}
    for source in files:
        if not source.is_file():
            raise AnnotatorError("no such file", file=source)
        if not source.name.endswith(DOCUMENT_SUFFIXES):
            raise AnnotatorError("documents must be .txt or .jsonl files", file=source)
        if source.name in names:
            raise AnnotatorError(
                f"same file name as {names[source.name]}: both would be {DOCUMENTS}/{source.name}",
                file=source,
            )
        names[source.name] = source
    if root.exists() and not root.is_dir():
        raise AnnotatorError("is a file, not a folder", file=root)
    documents = root / DOCUMENTS
    for source in files:
        target = documents / source.name
        if target.exists():
            raise AnnotatorError("already in the project; not overwritten", file=target)
    problems = check_document_files(files, documents)
    if problems:
        raise DocumentFilesRefused(problems)
    copied: list[Path] = []
    try:
        documents.mkdir(parents=True, exist_ok=True)
        (root / ANNOTATIONS).mkdir(exist_ok=True)
        config = root / CONFIG_NAME
        if not config.exists():
            config.write_text(DEFAULT_CONFIG_TEXT, encoding="utf-8")
        for source in files:
            target = documents / source.name
            shutil.copyfile(source, target)
            copied.append(target)
    except OSError as error:
        for target in copied:  # all the files or none
            with contextlib.suppress(OSError):
                target.unlink()
        raise os_problem(error, root, "cannot create the project") from None
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
head_labels = ["claim"]
tail_labels = ["speaker"]
description = "The claim (head) was made by the speaker (tail)."

[tokenizer]
kind = "words"      # "words", "whitespace" or "regex" (then set pattern = "...")
snap = "word"       # "word" or "char": default selection precision

# [keys]
# next_word = "w,e"   # remap any action; `annotator annotate` shows the names with ?
"""


PERSONAL_SAMPLE = 8
"""Records of the gold annotator's file :func:`personal_gold` looks at (spread over the file)."""


def personal_gold(
    project: Project, gold_file: AnnotationFile | None = None
) -> AnnotatorError | None:
    """The error when ``gold_annotator`` (annotator.toml) names an annotator whose file holds
    records not made by adjudication or review (no ``provenance`` field at all): someone's own
    work, which gold would be written into. None: no such file, or its records have provenance.

    Cheap at every start: at most :data:`PERSONAL_SAMPLE` records are looked at (the first,
    the last and evenly spaced ones between, as raw lines searched for the field's key; the
    file's index is in memory already), not every record of a 100,000-document file. A file
    of someone's own records has provenance in none of them, so a sample finds it; a record
    the sample misses is caught where it would be written (the automatic merge leaves it
    alone, the review opens it read-only)."""
    name = project.config.gold_annotator
    if gold_file is None:
        if not project.annotation_path(name).exists():
            return None
        with project.annotations(name) as opened:
            return personal_gold(project, opened)
    entries = gold_file.entries
    total = len(entries)
    if not total:
        return None
    last = max(1, PERSONAL_SAMPLE - 1)
    wanted = sorted({round(place * (total - 1) / last) for place in range(PERSONAL_SAMPLE)})
    found: list[str] = []
    for position, doc_id in enumerate(entries):
        if position == wanted[len(found)]:
            found.append(doc_id)
            if len(found) == len(wanted):
                break
    without = [
        doc_id for doc_id in found if b'"provenance":' not in gold_file.read_line(entries[doc_id])
    ]
    if not without:
        return None
    return AnnotatorError(
        f"gold_annotator {name!r} names an annotator whose records were not made by "
        f"adjudication or review ({len(without)} of the {len(found)} record(s) looked at have "
        f"no provenance, e.g. {without[0]}): set gold_annotator to another name",
        file=project.root / CONFIG_NAME,
    )
