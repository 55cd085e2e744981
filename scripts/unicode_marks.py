"""Regenerate ``annotator/model/unicode_marks.py``: the combining marks of the Basic
Multilingual Plane (Unicode categories Mn, Mc, Me) as a regular-expression class body.

Python's ``re`` has no ``\\p{M}``, and ``\\w`` leaves out the vowel signs, viramas and points of
most scripts (Devanagari, Bengali, Arabic harakat, Hebrew niqqud, Thai tone marks...), so the
word tokenizer lists them. Working them out at import would cost ~15 ms of every start; the
table is written once from the running Python's Unicode database.

    python scripts/unicode_marks.py
"""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "annotator" / "model" / "unicode_marks.py"


def mark_ranges() -> list[tuple[int, int]]:
    """``(first, last)`` of each run of combining marks below U+10000."""
    ranges: list[tuple[int, int]] = []
    for code in range(0x10000):
        if unicodedata.category(chr(code)).startswith("M"):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    return ranges


def class_parts(ranges: list[tuple[int, int]]) -> list[str]:
    """Each range as it is written in a regular-expression class."""
    return [
        f"\\u{first:04x}" if first == last else f"\\u{first:04x}-\\u{last:04x}"
        for first, last in ranges
    ]


def main() -> None:
    rows: list[str] = [""]
    for part in class_parts(mark_ranges()):
        if len(rows[-1]) + len(part) > 88:
            rows.append("")
        rows[-1] += part
    version = unicodedata.unidata_version
    source = (
        '"""The combining marks (Mn, Mc, Me) of the Basic Multilingual Plane, as the body of a\n'
        "regular-expression class. Written by ``scripts/unicode_marks.py`` from Unicode "
        f"{version}\n"
        '(do not edit by hand)."""\n\n'
        f'UNICODE_VERSION = "{version}"\n\n'
        "BMP_MARKS = (\n" + "".join(f'    r"{row}"\n' for row in rows) + ")\n"
    )
    TARGET.write_text(source, encoding="utf-8")
    print(f"wrote {TARGET} (Unicode {version})", file=sys.stderr)


if __name__ == "__main__":
    main()
