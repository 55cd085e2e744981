"""``export`` and ``import``: datasets out to training and peer-tool formats, annotations in."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from annotator.cli.common import add_project_argument, open_project, split_list
from annotator.formats import EXPORT_FORMATS, IMPORT_FORMATS, SHARD_SIZE, SHARD_TOKENS
from annotator.model.errors import AnnotatorError


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    export = subparsers.add_parser(
        "export",
        help="write annotations as a training or interchange dataset",
        description="Write the selected records in a format another tool reads. A summary "
        "(documents, spans per label, adjusted, dropped and skipped items) goes to stderr.",
    )
    add_project_argument(export)
    export.add_argument(
        "--format", choices=EXPORT_FORMATS, default="jsonl", help="output format (default: jsonl)"
    )
    export.add_argument(
        "--out", type=Path, required=True, metavar="PATH", help="output file (a folder for brat)"
    )
    export.add_argument(
        "--annotator",
        metavar="NAME[,NAME]",
        help="whose records: a name, 'gold' (the default when a gold file "
        "exists) or, for jsonl and label-studio, several names or 'all'",
    )
    export.add_argument(
        "--status",
        metavar="STATUS[,STATUS]",
        help="only records with these statuses (in_progress, done, skipped, flagged); default: all",
    )
    export.add_argument(
        "--labels",
        metavar="LABEL[,LABEL]",
        help="only spans with these labels (relations between kept spans stay)",
    )
    export.add_argument(
        "--split",
        metavar="NAME=RATIO,...",
        help="split by document, e.g. train=0.8,dev=0.1,test=0.1: one output "
        "per split (corpus.spacy -> corpus.train.spacy; brat: out/train/)",
    )
    export.add_argument("--seed", type=int, default=0, help="seed of the split (default 0)")
    export.add_argument(
        "--skip-bad",
        action="store_true",
        help="leave out, and count, records `annotator validate` rejects (default: stop at the "
        "first, naming file and line, and write nothing)",
    )
    export.add_argument(
        "--scheme",
        choices=("iob2", "bilou"),
        default="iob2",
        help="tag scheme of conll and hf (default iob2)",
    )
    export.add_argument(
        "--tag-ids",
        action="store_true",
        help="hf: write ner_tags as integers, the positions of the tag names listed in "
        "NAME.labels.json beside the output (default: the tag names, e.g. B-speaker)",
    )
    export.add_argument(
        "--rows",
        choices=("document", "paragraph"),
        default="document",
        help="hf: one row per document (default), or per paragraph (text between line breaks "
        "no span crosses; ids DOC#1, DOC#2...), short enough for a model's 512 sub-word pieces",
    )
    export.add_argument(
        "--overlap",
        choices=("outermost", "columns"),
        default="outermost",
        help="conll with overlapping spans: keep the outermost span (the "
        "dropped ones are counted) or write one tag column per label",
    )
    export.add_argument(
        "--offsets",
        choices=("codepoints", "utf16"),
        default="codepoints",
        help="label-studio offsets: code points (Label Studio >= 1.6, "
        "default) or UTF-16 code units (older versions)",
    )
    export.add_argument(
        "--shard-size",
        type=_positive,
        default=SHARD_SIZE,
        metavar="N",
        help=f"spacy: documents per .spacy file (default {SHARD_SIZE:,}); a larger export "
        "writes PATH as a folder of part-0001.spacy, part-0002.spacy...",
    )
    export.add_argument(
        "--shard-tokens",
        type=_positive,
        default=SHARD_TOKENS,
        metavar="N",
        help=f"spacy: tokens per .spacy file at most (default {SHARD_TOKENS:,}), so memory stays "
        "that of one small file however long the documents",
    )
    export.add_argument(
        "--as-folder",
        action="store_true",
        help="spacy: always write PATH as a folder of part-0001.spacy... files, even when the "
        "export fits one file (without it, PATH is a file or a folder depending on the size)",
    )
    export.add_argument("--force", action="store_true", help="overwrite existing output")
    export.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: when stderr is a terminal)",
    )
    export.set_defaults(handler=run_export)

    importer = subparsers.add_parser(
        "import",
        help="bring in documents and annotations from doccano, Label Studio, brat, Prodigy",
        description="Check the whole input first; if any problem is found, print them all "
        "and change nothing. New documents go to documents/imported-<format>-<n>.jsonl.",
    )
    add_project_argument(importer)
    importer.add_argument(
        "path", type=Path, metavar="PATH", help="file to import (a folder for brat)"
    )
    importer.add_argument("--format", choices=IMPORT_FORMATS, required=True)
    importer.add_argument(
        "--annotator",
        metavar="NAME",
        help="save the records as this annotator; with an input by several "
        "annotators, picks the one with this name",
    )
    importer.add_argument(
        "--annotator-map",
        metavar="KEY=NAME,...",
        help="Label Studio / Prodigy / jsonl input by several annotators: save the "
        "annotations of KEY (e-mail, user id or name) as NAME",
    )
    importer.add_argument(
        "--replace",
        action="store_true",
        help="replace records the annotator already has for these documents (default: refuse)",
    )
    importer.add_argument("--dry-run", action="store_true", help="check only; write nothing")
    importer.set_defaults(handler=run_import)


def run_export(args: argparse.Namespace) -> int:
    from annotator.formats.common import (
        Selection,
        parse_labels,
        parse_split,
        parse_statuses,
        resolve_annotators,
    )
    from annotator.formats.exporting import ExportOptions, load_format
    from annotator.formats.exporting import run_export as export
    from annotator.store.project import Project

    # The corpus is read file by file by the export, which refuses a corpus with unreadable
    # documents as opening it strictly does; its whole index is never held.
    project = Project(args.project, index_corpus=False)
    export_format = load_format(args.format)
    selection = Selection(
        annotators=resolve_annotators(
            project, split_list(args.annotator), several=export_format.several_annotators
        ),
        statuses=parse_statuses(split_list(args.status)),
        labels=parse_labels(split_list(args.labels), project.config),
        splits=parse_split(args.split),
        seed=args.seed,
        skip_bad=args.skip_bad,
    )
    options = ExportOptions(
        scheme=args.scheme,
        overlap=args.overlap,
        offsets=args.offsets,
        force=args.force,
        tag_ids=args.tag_ids,
        rows=args.rows,
        shard_size=args.shard_size,
        shard_tokens=args.shard_tokens,
        as_folder=args.as_folder,
    )
    summary = export(project, args.format, args.out, selection, options, progress=args.progress)
    print(summary.render(args.format), file=sys.stderr)
    return 0


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _parse_map(value: str | None) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for item in split_list(value) or []:
        key, equals, name = item.partition("=")
        if not equals or not key.strip() or not name.strip():
            raise AnnotatorError(f"--annotator-map: expected KEY=NAME, got {item!r}")
        mapping[key.strip()] = name.strip()
    return mapping


def run_import(args: argparse.Namespace) -> int:
    from annotator.formats.importing import AnnotatorChoice, ImportFailed
    from annotator.formats.importing import run_import as do_import

    project = open_project(args.project)
    choice = AnnotatorChoice(args.annotator, _parse_map(args.annotator_map))
    try:
        plan = do_import(
            project, args.format, args.path, choice, replace=args.replace, dry_run=args.dry_run
        )
    except ImportFailed as failure:
        for problem in failure.problems[:20]:
            print(problem, file=sys.stderr)
        if len(failure.problems) > 20:
            print(f"... and {len(failure.problems) - 20} more", file=sys.stderr)
        raise
    print(plan.summary.render(), file=sys.stderr)
    return 0
