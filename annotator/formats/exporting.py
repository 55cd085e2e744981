"""Running an export: select records, stream them to one writer per split, report."""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from annotator.formats import SHARD_SIZE, SHARD_TOKENS
from annotator.formats.common import (
    AtomicOutput,
    ExportItem,
    Scheme,
    Selection,
    corpus_bytes,
    iter_items,
    merge_snapped,
    refuse_existing,
    split_path,
)
from annotator.formats.summary import Summary
from annotator.model.config import ProjectConfig
from annotator.model.errors import AnnotatorError
from annotator.store.project import Project, os_problem

TOKEN_BASED = frozenset({"spacy", "conll", "hf", "prodigy"})
"""Formats that move spans to token boundaries: spans made identical by that are merged first
(:func:`~annotator.formats.common.merge_snapped`)."""

MODULES = {
    "jsonl": "annotator.formats.jsonl",
    "spacy": "annotator.formats.spacy",
    "conll": "annotator.formats.conll",
    "hf": "annotator.formats.hf",
    "doccano": "annotator.formats.doccano",
    "label-studio": "annotator.formats.label_studio",
    "brat": "annotator.formats.brat",
    "prodigy": "annotator.formats.prodigy",
}


@dataclass(frozen=True)
class ExportOptions:
    scheme: Scheme = "iob2"
    """Tag scheme of ``conll`` and ``hf``."""
    overlap: Literal["outermost", "columns"] = "outermost"
    """``conll`` with overlapping spans: keep the outermost, or one tag column per label."""
    offsets: Literal["codepoints", "utf16"] = "codepoints"
    """``label-studio`` offsets: code points (Label Studio since 1.6) or UTF-16 code units."""
    force: bool = False
    """Overwrite existing output files."""
    tag_ids: bool = False
    """``hf``: tags as integers (positions in ``NAME.labels.json``) instead of tag names."""
    shard_size: int = SHARD_SIZE
    """``spacy``: documents per ``.spacy`` file; a larger export becomes a folder of parts."""
    shard_tokens: int = SHARD_TOKENS
    """``spacy``: tokens per ``.spacy`` file at most (the same folder of parts beyond)."""
    rows: Literal["document", "paragraph"] = "document"
    """``hf``: one row per document, or per paragraph (the text between line breaks that no
    span crosses, as ``conll`` breaks sentences)."""
    as_folder: bool = False
    """``spacy``: write the folder of parts even when the export fits one file."""


@dataclass
class ExportContext:
    config: ProjectConfig
    options: ExportOptions
    summary: Summary
    labels: list[str]
    """Exported span labels in config order."""
    files: list[Path] = field(default_factory=list)
    """Every file written, for the summary."""


class Writer(ABC):
    """Writes the items of one output (one split) of a format."""

    def __init__(self, path: Path, context: ExportContext) -> None:
        self.path = path
        self.context = context

    @abstractmethod
    def write(self, item: ExportItem) -> None: ...

    @abstractmethod
    def close(self) -> None:
        """Finish the output (the file appears under its name only now)."""

    def abort(self) -> None:  # noqa: B027 - most writers have nothing to undo
        """Called instead of :meth:`close` when the export fails."""


class BackgroundSync:
    """Writes a file's data to disk now and then while it is being written, in a thread of its
    own (``fdatasync`` lets other threads run while it waits for the disk), so the ``fsync``
    before the file is renamed into place has little left to wait for: the disk works while
    the export computes, not after it. :meth:`stop` raises the first error a sync met (the
    kernel reports a write-back error once, and the final ``fsync`` could then pass)."""

    INTERVAL = 0.2
    """Seconds between two syncs."""

    def __init__(self, fd: int, *, interval: float | None = None) -> None:
        self._fd = fd
        self._interval = self.INTERVAL if interval is None else interval
        self._stopped = threading.Event()
        self._error: OSError | None = None
        self._thread = threading.Thread(target=self._run, name="export-sync", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        sync = getattr(os, "fdatasync", os.fsync)  # macOS has no fdatasync
        while not self._stopped.wait(self._interval):
            try:
                sync(self._fd)
            except OSError as error:
                self._error = error
                return

    def stop(self) -> None:
        """Stop syncing (before the file is closed); raises the error a sync met, if any."""
        self._stopped.set()
        self._thread.join()
        if self._error is not None:
            raise self._error


class FileWriter(Writer):
    """A writer of one text file, written atomically (synced as it grows, see
    :class:`BackgroundSync`)."""

    binary = False

    def __init__(self, path: Path, context: ExportContext) -> None:
        super().__init__(path, context)
        self.output = AtomicOutput(path, binary=self.binary)
        self._sync = BackgroundSync(self.output.handle.fileno())
        try:
            self.start()
        except BaseException:
            self.abort()  # no thread left running, no temporary file left behind
            raise

    def start(self) -> None:
        """Write a header, if the format has one."""

    def finish(self) -> None:
        """Write a footer, if the format has one."""

    def close(self) -> None:
        self.finish()
        self._sync.stop()
        self.context.files.append(self.output.commit())

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            self._sync.stop()
        self.output.abort()


@dataclass(frozen=True)
class ExportFormat:
    name: str
    writer: Callable[[Path, ExportContext], Writer]
    suffix: str = ""
    """Suggested file suffix (documentation only; the user's path is used as given)."""
    directory: bool = False
    """Output is a folder (brat); splits become subfolders instead of file suffixes."""
    several_annotators: bool = False
    """Carries several annotators' records of one document (jsonl, Label Studio)."""
    stored_json: bool = False
    """Writes each record as stored, building no models (jsonl): records then come as
    :class:`~annotator.formats.fast_records.StoredRecord` objects (see
    :meth:`~annotator.formats.fast_records.RecordRules.stored`), unless a label filter needs
    their JSON objects."""
    sidecars: Callable[[Path, ExportContext], None] | None = None
    """Writes the files that go beside the output (a labels file, a labeling config...)."""
    check_sidecars: Callable[[Path, ExportContext], None] | None = None
    """Refuses, before anything is written, side files that would overwrite another export's
    (called with the path given and the context, as :attr:`sidecars`)."""


def load_format(name: str) -> ExportFormat:
    module_name = MODULES.get(name)
    if module_name is None:
        raise AnnotatorError(f"unknown format {name!r} (known: {', '.join(MODULES)})")
    module = importlib.import_module(module_name)
    export_format: ExportFormat = module.EXPORT
    return export_format


@contextmanager
def _progress(total: int, enabled: bool) -> Iterator[Callable[[int], object]]:
    if not enabled:
        yield lambda count: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("exporting"),
        BarColumn(),
        TaskProgressColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task("export", total=total)
        yield lambda count: progress.advance(task, count)


def run_export(
    project: Project,
    format_name: str,
    out: Path,
    selection: Selection,
    options: ExportOptions,
    *,
    progress: bool | None = None,
) -> Summary:
    """Export the selected records to ``out`` (one output per split); returns the summary.

    An output path that cannot be written (read-only, missing, a file where a folder must be)
    raises an :class:`AnnotatorError` naming it and the reason; nothing is left half-written.
    """
    try:
        return _run_export(project, format_name, out, selection, options, progress=progress)
    except AnnotatorError:
        raise
    except OSError as error:
        raise os_problem(error, out) from None


def _run_export(
    project: Project,
    format_name: str,
    out: Path,
    selection: Selection,
    options: ExportOptions,
    *,
    progress: bool | None,
) -> Summary:
    export_format = load_format(format_name)
    summary = Summary()
    labels = [
        name
        for name in project.config.label_names
        if selection.labels is None or name in selection.labels
    ]
    context = ExportContext(project.config, options, summary, labels)
    split_names = [name for name, _ in selection.splits] if selection.splits else [""]
    paths = {name: split_path(out, name, directory=export_format.directory) for name in split_names}
    if export_format.directory and (out.exists() or out.is_symlink()) and not out.is_dir():
        raise AnnotatorError(f"is a file, not a folder ({format_name} writes a folder)", file=out)
    for path in paths.values():
        refuse_existing(path, force=options.force)
    if export_format.directory and selection.splits:
        refuse_existing(out, force=options.force)
    if export_format.check_sidecars is not None:
        export_format.check_sidecars(out, context)
    writers: dict[str, Writer] = {}
    if progress is None:
        progress = sys.stderr.isatty()
    try:
        for name, path in paths.items():
            writers[name] = export_format.writer(path, context)
            summary.documents[name] += 0
        # in corpus bytes: the number of documents is known only once every file is indexed
        total = corpus_bytes(project) if progress else 0
        tokenizer = project.config.tokenizer if format_name in TOKEN_BASED else None
        with _progress(total, progress) as tick:
            for item in iter_items(
                project, selection, summary, tick, stored_json=export_format.stored_json
            ):
                if tokenizer is not None:
                    item = merge_snapped(item, tokenizer, summary)
                writers[item.split].write(item)
                summary.documents[item.split] += 1
                summary.records += len(item.raw)
        if not sum(summary.documents.values()):
            # an empty training file fails later and puzzlingly (or trains on nothing)
            raise AnnotatorError(summary.nothing_exported())
        for writer in writers.values():
            writer.close()
    except BaseException:
        for writer in reversed(writers.values()):  # the last made may be inside the first's
            writer.abort()
        raise
    total_documents = sum(summary.documents.values())
    for name, ratio in selection.splits or ():
        if not summary.documents[name]:
            summary.warnings.append(
                f"split {name!r} is empty (ratio {ratio:g} of {total_documents} document(s)); "
                "some consumers refuse an empty split"
            )
    if export_format.sidecars is not None:
        export_format.sidecars(out, context)
    summary.notes.append("wrote " + ", ".join(str(path) for path in context.files))
    return summary
