"""``python -m benchmarks [--quick] [--only NAME[,NAME]]``."""

from __future__ import annotations

import argparse
import compileall
import importlib
import sys
import time
import traceback
from pathlib import Path

from benchmarks.framework import Settings, Suite
from benchmarks.report import MARKDOWN, print_table, save_results, write_markdown

# Name -> module, in the order of the list (1..7).
BENCHMARKS = {
    "keystroke": "benchmarks.bench_keystroke",
    "open": "benchmarks.bench_open",
    "coldstart": "benchmarks.bench_coldstart",
    "scale": "benchmarks.bench_scale",
    "saving": "benchmarks.bench_saving",
    "agreement": "benchmarks.bench_agreement",
    "export": "benchmarks.bench_export",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small sizes and few repetitions (under a minute in total); the "
        "table goes to benchmarks/_data/BENCHMARKS.quick.md, not BENCHMARKS.md",
    )
    parser.add_argument(
        "--only", metavar="NAME", help=f"comma-separated subset of: {', '.join(BENCHMARKS)}"
    )
    parser.add_argument("--reps", type=int, help="repetitions per figure (default 5, quick 2)")
    parser.add_argument(
        "--rewrite",
        action="store_true",
        help="only rewrite BENCHMARKS.md from the stored figures "
        "(benchmarks/results.json), e.g. after editing benchmarks/NOTES.md",
    )
    args = parser.parse_args(argv)
    if args.rewrite:
        write_markdown(list(BENCHMARKS))
        print(f"table written to {MARKDOWN}")
        return 0
    names = list(BENCHMARKS)
    if args.only:
        names = [name.strip() for name in args.only.split(",") if name.strip()]
        unknown = [name for name in names if name not in BENCHMARKS]
        if unknown:
            parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    settings = Settings(quick=args.quick, reps=args.reps or (2 if args.quick else 5))
    # Our bytecode compiled first, as pip does on install: where the environment sets
    # PYTHONDONTWRITEBYTECODE, every measuring child would otherwise compile the modules
    # changed since their bytecode was last written (~20 ms a run), the peers' never.
    compileall.compile_dir(Path(__file__).resolve().parent.parent / "annotator", quiet=1)
    suites: list[Suite] = []
    for name in names:
        started = time.perf_counter()
        print(f"== {name} ...", file=sys.stderr, flush=True)
        try:
            module = importlib.import_module(BENCHMARKS[name])
            suite: Suite = module.run(settings)
        except Exception as error:  # one broken benchmark must not lose the others' figures
            traceback.print_exc()
            suite = Suite(name, skipped=f"failed: {type(error).__name__}: {error}")
        suite.name = name
        suites.append(suite)
        print(
            f"== {name} done in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True
        )
    print()
    print_table(suites)
    if settings.quick:
        from benchmarks.generate import DATA

        DATA.mkdir(parents=True, exist_ok=True)
        write_markdown(names, DATA / "BENCHMARKS.quick.md", suites)
        print(f"\n(quick run: table written to {DATA / 'BENCHMARKS.quick.md'})")
    else:
        save_results(suites)
        write_markdown(list(BENCHMARKS))
        print(f"\ntable written to {MARKDOWN}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
