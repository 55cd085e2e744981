"""The table: printed to the terminal and written into ``BENCHMARKS.md``."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from benchmarks import machine
from benchmarks.framework import Row, Stats, Suite

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results.json"
NOTES = Path(__file__).resolve().parent / "NOTES.md"
MARKDOWN = ROOT / "BENCHMARKS.md"


def format_value(value: float, unit: str) -> str:
    if unit == "s":
        if value >= 1:
            return f"{value:.2f} s"
        if value >= 1e-3:
            return f"{value * 1e3:.1f} ms"
        return f"{value * 1e6:.0f} µs"
    if unit == "MB":
        return f"{value:.0f} MB"
    if unit == "docs/s":
        return f"{value:,.0f}/s"
    return f"{value:.3g} {unit}"


def format_stats(stats: Stats | None, unit: str, value: float | None = None) -> str:
    if stats is None:
        return "–"
    shown = stats.median if value is None else value
    if len(stats.values) == 1:
        return format_value(shown, unit)
    return (
        f"{format_value(shown, unit)} ({format_value(stats.low, unit)}–"
        f"{format_value(stats.high, unit)})"
    )


def result_word(row: Row) -> str:
    if row.met is None:
        return ""
    return "MET" if row.met else "NOT MET"


HEADER = (
    "Benchmark",
    "Case",
    "Ours: median (min–max)",
    "Peer",
    "Peer: median (min–max)",
    "Ratio",
    "Target",
    "Result",
)


def table_cells(rows: list[Row]) -> list[tuple[str, ...]]:
    cells: list[tuple[str, ...]] = []
    for row in rows:
        ratio = row.ratio
        cells.append(
            (
                row.bench,
                row.case,
                format_stats(row.ours, row.unit, row.ours_value),
                row.peer_name or "–",
                format_stats(row.peer, row.unit, row.peer_value),
                "–" if ratio is None else f"{ratio:.2f}x",
                row.target or "–",
                result_word(row),
            )
        )
    return cells


def print_table(suites: list[Suite]) -> None:
    rows = [row for suite in suites for row in suite.rows]
    cells = [HEADER, *table_cells(rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(HEADER))]
    for index, line in enumerate(cells):
        print("  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)))
        if index == 0:
            print("  ".join("-" * width for width in widths))
    for suite in suites:
        if suite.skipped:
            print(f"[{suite.name}] skipped: {suite.skipped}")
        for note in suite.notes:
            print(f"[{suite.name}] {note}")


def markdown_table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for line in table_cells(rows):
        cells = list(line)
        if cells[-1] == "NOT MET":
            cells[-1] = "**NOT MET**"
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)


def load_results() -> dict[str, dict[str, object]]:
    if RESULTS.exists():
        data: dict[str, dict[str, object]] = json.loads(RESULTS.read_text(encoding="utf-8"))
        return data
    return {}


def save_results(suites: list[Suite]) -> None:
    """Keep each benchmark's latest full-size figures, so ``--only`` updates just its part."""
    data = load_results()
    now = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    for suite in suites:
        if suite.skipped.startswith("failed") and suite.name in data:
            print(f"[{suite.name}] failed; its stored figures are kept")
            continue
        data[suite.name] = {
            "when": now,
            "machine": machine.describe(),
            "rows": [row.to_json() for row in suite.rows],
            "notes": suite.notes,
            "skipped": suite.skipped,
        }
    RESULTS.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def write_markdown(
    order: list[str], path: Path = MARKDOWN, suites: list[Suite] | None = None
) -> None:
    """Write the table of every stored benchmark (or of ``suites``) into ``path``."""
    if suites is None:
        stored = load_results()
        suites = []
        whens = {}
        for name in order:
            if name not in stored:
                continue
            entry = stored[name]
            suite = Suite(
                name,
                [Row.from_json(row) for row in entry["rows"]],  # type: ignore[attr-defined]
                list(entry["notes"]),  # type: ignore[call-overload]
                str(entry["skipped"]),
            )
            suites.append(suite)
            whens[name] = str(entry["when"])
    else:
        whens = {}
    out = [
        "# Benchmarks",
        "",
        "Written by `python -m benchmarks` (do not edit by hand; the closing notes come from",
        "`benchmarks/NOTES.md`). Every figure is the median of several repetitions with the",
        "minimum–maximum in brackets; our code and the peer run in turns in the same process run,",
        "so the *ratio* is the figure that carries over between machines. Targets are from the",
        "benchmarks issue; a target that is not met says **NOT MET**.",
        "",
        "## Machine",
        "",
    ]
    out += [f"- **{key}**: {value}" for key, value in machine.describe()]
    out += ["", "## Results", "", markdown_table([r for s in suites for r in s.rows]), ""]
    extra = []
    for suite in suites:
        when = f" (measured {whens[suite.name]})" if suite.name in whens else ""
        if suite.skipped:
            extra.append(f"- **{suite.name}**{when}: not measured: {suite.skipped}")
        for note in suite.notes:
            extra.append(f"- **{suite.name}**{when}: {note}")
    if whens:
        extra += [
            f"- **{name}** measured {when}"
            for name, when in whens.items()
            if not any(name == s.name and (s.notes or s.skipped) for s in suites)
        ]
    if extra:
        out += ["## Details", "", *extra, ""]
    if NOTES.exists():
        out += [NOTES.read_text(encoding="utf-8").rstrip(), ""]
    path.write_text("\n".join(out), encoding="utf-8")
