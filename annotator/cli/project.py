"""``init``, ``validate``, ``stats`` and ``schema``: creating and checking a project."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from annotator.cli.common import add_project_argument, open_project
from annotator.cli.progress import ProgressBar, progress_bar
from annotator.formats.fast_records import RecordRules, StoredRecord, model_record
from annotator.model.errors import AnnotatorError, visible
from annotator.model.records import AnnotationRecord, Status
from annotator.model.schema import json_schemas
from annotator.model.text import text_sha256
from annotator.model.validate import check_record
from annotator.store.project import (
    DocumentFilesRefused,
    Project,
    init_project,
    os_problem,
    personal_gold,
)


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    init = subparsers.add_parser("init", help="create a project and copy documents into it")
    init.add_argument("directory", type=Path, metavar="DIR")
    init.add_argument(
        "files",
        type=Path,
        nargs="*",
        metavar="FILE",
        help=".txt or .jsonl document files to copy into DIR/documents/",
    )
    init.set_defaults(handler=run_init)

    validate = subparsers.add_parser(
        "validate", help="check documents, config and every annotation file; exit 1 on problems"
    )
    add_project_argument(validate)
    validate.set_defaults(handler=run_validate)

    stats = subparsers.add_parser("stats", help="documents by status and spans per label")
    add_project_argument(stats)
    stats.add_argument("--json", action="store_true", help="print JSON instead of a table")
    stats.set_defaults(handler=run_stats)

    schema = subparsers.add_parser("schema", help="write the JSON Schema files")
    schema.add_argument(
        "--out",
        type=Path,
        default=Path("schemas"),
        metavar="DIR",
        help="folder to write into (default: schemas/ in the current folder)",
    )
    schema.set_defaults(handler=run_schema)


def run_init(args: argparse.Namespace) -> int:
    try:
        copied = init_project(args.directory, list(args.files))
    except DocumentFilesRefused as refused:
        if len(refused.problems) > 1:
            for problem in refused.problems[:20]:
                print(problem, file=sys.stderr)
            if len(refused.problems) > 20:
                print(f"... and {len(refused.problems) - 20} more", file=sys.stderr)
        raise
    print(
        f"project ready in {visible(str(args.directory))} ({len(copied)} document file(s) copied)"
    )
    return 0


def run_validate(args: argparse.Namespace) -> int:
    project = Project(args.project)  # a bad config raises with file and line
    with progress_bar() as bar:
        problems, documents, records = _validate(project, bar)
    refused = personal_gold(project)  # one line for the config, not one per record
    if refused is not None:
        problems.insert(0, refused)
    for problem in problems:
        print(problem)
    for ignored in project.ignored_annotation_files():
        print(
            f"{visible(str(ignored))}: ignored: not an annotator file name (names are 1-64 "
            "letters, digits, '.', '_' or '-'); rename it to count it, or move it away",
            file=sys.stderr,
        )
    summary = (
        f"{documents} document(s), {len(project.annotators())} annotation file(s), "
        f"{records} record(s): "
    )
    if problems:
        print(summary + f"{len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(summary + "no problems", file=sys.stderr)
    return 0


def _validate(project: Project, bar: ProgressBar) -> tuple[list[AnnotatorError], int, int]:
    """Every problem of the project, and how many documents and records it has."""
    problems: list[AnnotatorError] = []
    documents = 0
    total = len(project.corpus)
    update = bar.step("documents")
    for _document in project.corpus:
        documents += 1
        if documents % 500 == 0:
            update(documents, total)
    update(total, total)
    problems.extend(project.corpus.problems)

    @lru_cache(maxsize=64)
    def text_of(doc_id: str) -> tuple[str, str] | None:
        """The document's text and its sha256."""
        if doc_id not in project.corpus:
            return None
        try:
            text = project.corpus.text(doc_id)
        except AnnotatorError:
            return None
        return text, text_sha256(text)

    rules = RecordRules(project.config)
    records = 0
    for annotator in project.annotators():
        try:
            annotations = project.annotations(annotator)
        except AnnotatorError as error:
            problems.append(error)
            continue
        update = bar.step(f"{annotator}'s records")
        total = len(annotations.entries)
        for done, (entry, chunk) in enumerate(annotations.iter_lines(), 1):
            if done % 500 == 0:
                update(done, total)
            # A record the export's check vouches for passes the models and check_record
            # (tested on mutated records): 100,000 documents are checked in a third of the
            # time. Anything else goes the careful way, which words each problem.
            document = text_of(entry.doc_id)
            if document is not None and rules.stored(chunk, *document) is not None:
                records += 1
                continue
            record = annotations.validate_line(entry, chunk)
            if record is None:
                continue  # in annotations.problems
            records += 1
            found = check_record(
                record,
                None if document is None else document[0],
                project.config,
                file=annotations.path,
                line=entry.last_line,
            )
            problems.extend(annotations.relocate(record.doc_id, found))
        update(total, total)
        problems.extend(annotations.warnings)
        problems.extend(annotations.problems)
    return problems, documents, records


SET_ASIDE = frozenset({Status.flagged, Status.skipped})
"""Statuses whose note ``stats`` lists (an annotator's reason for setting a document aside)."""


def collect_stats(project: Project, bar: ProgressBar | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {"documents": len(project.corpus), "annotators": {}, "notes": []}
    digests: dict[str, str | None] = {}
    reader = project.corpus.reader()

    def current_digest(doc_id: str) -> str | None:
        """The hash of the document's text now (None: not in the corpus, or unreadable)."""
        if doc_id not in digests:
            try:
                text = reader.load(project.corpus.entry(doc_id)).text
            except AnnotatorError:
                digests[doc_id] = None
            else:
                digests[doc_id] = text_sha256(text)
        return digests[doc_id]

    try:
        for annotator in project.annotators():
            _annotator_stats(project, annotator, result, current_digest, bar)
    finally:
        reader.close()
    return result


def _annotator_stats(
    project: Project,
    annotator: str,
    result: dict[str, Any],
    current_digest: Callable[[str], str | None],
    bar: ProgressBar | None,
) -> None:
    """Add ``annotator``'s counts to ``result``."""
    labels = project.config.label_names
    notes: list[dict[str, str]] = result["notes"]
    annotations = project.annotations(annotator)
    statuses: Counter[str] = Counter()
    spans: Counter[str] = Counter()
    relations = 0
    seconds = 0.0
    text_changed = 0
    update = None if bar is None else bar.step(f"{annotator}'s records")
    total = len(annotations.entries)
    for done, (entry, line) in enumerate(annotations.iter_lines(), 1):
        if update is not None and done % 500 == 0:
            update(done, total)
        # read by msgspec when the models certainly accept the record, else by the models
        record: StoredRecord | AnnotationRecord | None = model_record(line)
        if record is None:
            record = annotations.validate_line(entry, line)
            if record is None:
                continue  # in annotations.problems
        statuses[record.status.value] += 1
        if record.note and record.status in SET_ASIDE:  # why it was set aside: for the lead
            notes.append(
                {
                    "doc_id": record.doc_id,
                    "annotator": annotator,
                    "status": record.status.value,
                    "note": record.note,
                }
            )
        digest = current_digest(record.doc_id)
        if digest is not None and digest != record.text_sha256:
            text_changed += 1  # set aside by agreement and review until re-anchored
        spans.update(span.label for span in record.spans)
        relations += len(record.relations)
        seconds += record.seconds_spent
    if update is not None:
        update(total, total)
    annotated = sum(statuses.values())
    result["annotators"][annotator] = {
        "records": annotated,
        "status": {status.value: statuses[status.value] for status in Status},
        "not_started": max(0, len(project.corpus) - annotated),
        "spans": {label: spans[label] for label in labels}
        | {label: count for label, count in spans.items() if label not in labels},
        "relations": relations,
        "seconds_spent": round(seconds, 1),
        "text_changed": text_changed,
    }
    if annotations.problems:
        raise AnnotatorError(f"{annotations.problems[0]} (run `annotator validate`)")


def run_stats(args: argparse.Namespace) -> int:
    # a corpus with unreadable documents is refused, as agreement and export refuse it: the
    # counts would silently leave those documents out
    project = open_project(args.project)
    with progress_bar() as bar:
        stats = collect_stats(project, bar)
    if args.json:
        print(json.dumps(stats, indent=2))  # ASCII: no raw control or bidi character
        return 0
    labels = project.config.label_names
    rows = stats["annotators"]
    names = list(rows)
    status_columns: list[tuple[str, list[str]]] = [
        (
            status.value.replace("_", " "),
            [str(rows[name]["status"][status.value]) for name in names],
        )
        for status in Status
    ]
    status_columns.append(("not started", [str(rows[name]["not_started"]) for name in names]))
    if any(rows[name]["text_changed"] for name in names):
        # records agreement and review set aside until `annotator reanchor` moves them
        status_columns.append(("text changed", [str(rows[name]["text_changed"]) for name in names]))
    status_columns.append(
        ("hours", [f"{rows[name]['seconds_spent'] / 3600:.1f}" for name in names])
    )
    label_columns = [
        (label, [str(rows[name]["spans"].get(label, 0)) for name in names]) for label in labels
    ]
    label_columns.append(("links", [str(rows[name]["relations"]) for name in names]))
    console = Console()
    # a Text title: a folder named like markup ("[/]") is shown, not parsed
    console.print(Text(f"{visible(str(args.project))}: {stats['documents']} documents"))
    for table in _stats_tables("documents by status", names, status_columns, console.width):
        console.print(table)
    for table in _stats_tables("spans per label", names, label_columns, console.width):
        console.print(table)
    if stats["notes"]:
        console.print(_notes_table(stats["notes"]))
    return 0


def _notes_table(notes: list[dict[str, str]]) -> Table:
    """The notes of flagged and skipped records (what an annotator wrote when setting a
    document aside), by document."""
    table = Table(title="notes of flagged and skipped documents", title_justify="left")
    table.add_column("document", overflow="fold")
    table.add_column("annotator", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("note", ratio=1, overflow="fold")
    for note in sorted(notes, key=lambda item: (item["doc_id"], item["annotator"])):
        table.add_row(
            *(Text(visible(note[key])) for key in ("doc_id", "annotator", "status", "note"))
        )
    return table


def _stats_tables(
    title: str,
    names: list[str],
    columns: list[tuple[str, list[str]]],
    width: int,
) -> list[Table]:
    """``columns`` (header, one value per annotator) as tables of at most ``width`` cells where
    they fit: the annotator column is never cut, a header is wrapped at its spaces, never cut;
    columns beyond the width go to the next table. Each table has ``title`` above it (the
    next ones ``(continued)``)."""
    name_width = max([len("annotator"), *(len(visible(name)) for name in names)])
    used = name_width + 4  # borders and padding
    groups: list[list[tuple[str, list[str], int]]] = [[]]
    for header, values in columns:
        cells = max([*(len(word) for word in header.split()), *(len(value) for value in values)])
        if groups[-1] and used + cells + 3 > width:
            groups.append([])
            used = name_width + 4
        groups[-1].append((header, values, cells))
        used += cells + 3
    tables = []
    for number, group in enumerate(groups):
        table = Table(
            title=Text(title if number == 0 else f"{title} (continued)"), title_justify="left"
        )
        table.add_column("annotator", no_wrap=True, min_width=name_width)
        for header, _values, cells in group:
            table.add_column(header, justify="right", min_width=cells)
        for row, name in enumerate(names):
            table.add_row(Text(name), *(values[row] for _header, values, _cells in group))
        tables.append(table)
    return tables


def run_schema(args: argparse.Namespace) -> int:
    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise AnnotatorError("is a file, not a folder", file=out)
    written = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, schema in json_schemas().items():
            (out / name).write_text(
                json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
            )
            written.append(out / name)
    except OSError as error:
        raise os_problem(error, out) from None
    for path in written:
        print(visible(str(path)))
    # the default folder is relative: say where it is
    print(
        f"wrote {len(written)} JSON Schema file(s) into {visible(str(out.resolve()))}",
        file=sys.stderr,
    )
    return 0
