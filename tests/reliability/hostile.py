"""The hostile set: documents, corpus lines, annotation lines, configs and file names that try to
break the program. Generated here (small and reviewable) rather than committed as binary files.

Each :class:`HostileCase` lays out files in a fresh project and says what must happen:
``accepted`` (read exactly, offsets round-trip) or ``refused`` (one line naming the file, and the
line when there is one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson

from annotator.model.records import AnnotationRecord, Span
from annotator.model.text import normalize_text, text_sha256

ESC = "\x1b"
TERMINAL_ATTACKS = {
    "clear_screen": f"Before{ESC}[2J{ESC}[Hafter",
    "set_title": f"Title{ESC}]0;you have been pwned\x07 text",
    "hyperlink": f"Click {ESC}]8;;https://example.invalid/\x1b\\here{ESC}]8;;{ESC}\\ now",
    "clipboard_osc52": f"Copy {ESC}]52;c;cm0gLXJmIH4=\x07 done",
    "c1_csi": "C1 \x9b2J and \x9dOSC\x9c end",
    "bell_backspace_del": "ring\x07 back\x08 del\x7f vt\x0b ff\x0c",
    "bidi_override": "The minister said \u202etxet desrever\u202c and \u2066isolate\u2069.",
    "zero_width": "zero\u200bwidth\u200cnon\u200djoiner\ufeffmid-BOM",
}
ODD_TEXTS = {
    "nul_bytes": "NUL\x00in\x00the middle",
    "empty": "",
    "whitespace_only": " \n\t \n  ",
    "cr_endings": "one\rtwo\rthree\r",
    "crlf_endings": "one\r\ntwo\r\n",
    "mixed_endings": "a\r\nb\rc\nd\u2028e\u2029f\x85g",
    "emoji_sequences": "Family 👨‍👩‍👧‍👦, flag 🇯🇵, skin 👍🏽, keycap 1️⃣, rainbow 🏳️‍🌈.",
    "combining_marks": "Zoe\u0308 e\u0301\u0302\u0303 Z\u0336a\u0337l\u0338g\u0335o\u0334",
    "cjk": "東京で首相は「停戦は維持される」と述べた。北京 서울",
    "rtl": "قال الوزير إن الهدنة صامدة",
    "tabs": "col1\tcol2\t\tcol4\n\tindented",
    "rich_markup": "[bold red]not bold[/bold red] [link=https://x.invalid]l[/link] [/] [",
    "textual_markup": "[@click=app.quit]quit[/] [$accent]var[/] [b]$variable[/b] \\[escaped]",
    "noncharacters": "\ufffe\uffff\U0010fffe private \ue000\U000f0000",
    "long_line_5mb": "word " * (1024 * 1024),
}
INVALID_UTF8 = {
    "stray_continuation": b"ok \x80 bad",
    "overlong_slash": b"over\xc0\xaflong",
    "encoded_surrogate": b"sur\xed\xa0\x80rogate",
    "truncated_at_end": b"cut \xe2\x82",
    "latin1_file": "Zoë Müller said “hi”".encode("latin-1", "replace"),
    "bom_then_bad": b"\xef\xbb\xbfok\xff",
}


@dataclass(frozen=True)
class HostileCase:
    name: str
    accepted: bool
    """True: the program reads it; False: it is refused with a one-line reason."""
    layout: Callable[[Path], None]
    """Writes the case's files into a project folder."""
    offending: str = ""
    """For refused cases: the relative path of the file the message must name."""
    line: int | None = None
    """For refused cases: the line the message must name, when there is one."""
    text: str | None = None
    """For accepted text documents: the normalized text (offsets are checked against it)."""


def _write(root: Path, relative: str, data: bytes) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _text_case(name: str, text: str, encoded: bytes | None = None) -> HostileCase:
    data = text.encode("utf-8") if encoded is None else encoded
    return HostileCase(
        f"txt-{name}",
        True,
        lambda root: _write(root, f"documents/{name}.txt", data),
        text=normalize_text(data.decode("utf-8")),
    )


def _jsonl_docs(name: str, body: bytes, *, accepted: bool, line: int | None = 2) -> HostileCase:
    good = b'{"id": "good-doc", "text": "A plain line."}\n'
    return HostileCase(
        f"corpus-{name}",
        accepted,
        lambda root: _write(root, f"documents/{name}.jsonl", good + body),
        offending=f"documents/{name}.jsonl",
        line=line,
    )


BASE_TEXT = "Minister Ana Ruiz said the ceasefire would hold."


def base_record(annotator: str = "alice", **changes: object) -> dict[str, object]:
    record = AnnotationRecord(
        doc_id="base",
        annotator=annotator,
        text_sha256=text_sha256(BASE_TEXT),
        spans=[Span(id="s1", start=9, end=17, label="speaker", text="Ana Ruiz")],
    ).model_dump(mode="json", exclude_none=True)
    record.update(changes)
    return record


def _annotation_case(name: str, line: bytes, *, accepted: bool = False) -> HostileCase:
    first = orjson.dumps(base_record()) + b"\n"
    return HostileCase(
        f"annotation-{name}",
        accepted,
        lambda root: _write(root, "annotations/alice.jsonl", first + line + b"\n"),
        offending="annotations/alice.jsonl",
        line=2,
    )


def _span(**changes: object) -> bytes:
    span: dict[str, object] = {"id": "s1", "start": 9, "end": 17, "label": "speaker"}
    span["text"] = "Ana Ruiz"
    span.update(changes)
    return orjson.dumps(base_record(spans=[span], doc_id="base"))


def _config_case(name: str, text: bytes, line: int | None) -> HostileCase:
    return HostileCase(
        f"config-{name}",
        False,
        lambda root: _write(root, "annotator.toml", text),
        offending="annotator.toml",
        line=line,
    )


def _deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def cases() -> list[HostileCase]:
    found: list[HostileCase] = []
    for name, text in {**TERMINAL_ATTACKS, **ODD_TEXTS}.items():
        found.append(_text_case(name, text))
    found.append(_text_case("bom", "\ufeffWith a BOM\r\n", "\ufeffWith a BOM\r\n".encode()))
    for name, data in INVALID_UTF8.items():
        found.append(
            HostileCase(
                f"txt-invalid-{name}",
                False,
                lambda root, name=name, data=data: _write(root, f"documents/{name}.txt", data),
                offending=f"documents/{name}.txt",
            )
        )
    # corpus JSONL lines
    found += [
        _jsonl_docs(
            "deep-nesting",
            b'{"id": "d", "text": "x", "meta": ' + _deep(5000) + b"}\n",
            accepted=False,
        ),
        _jsonl_docs("deep-array", _deep(100_000) + b"\n", accepted=False),
        _jsonl_docs(
            "huge-number-id", b'{"id": 1' + b"0" * 400 + b', "text": "x"}\n', accepted=False
        ),
        _jsonl_docs(
            "huge-float", b'{"id": "f", "text": "x", "meta": {"n": 1e999}}\n', accepted=False
        ),
        _jsonl_docs("nan", b'{"id": "n", "text": NaN}\n', accepted=False),
        _jsonl_docs(
            "duplicate-keys", b'{"id": "dup", "text": "first", "text": "second"}\n', accepted=True
        ),
        _jsonl_docs("wrong-types", b'{"id": null, "text": ["a"]}\n', accepted=False),
        _jsonl_docs("text-is-object", b'{"id": "o", "text": {"a": 1}}\n', accepted=False),
        _jsonl_docs("lone-surrogate", b'{"id": "s", "text": "\\ud800"}\n', accepted=False),
        _jsonl_docs("raw-nul", b'{"id": "z", "text": "a\x00b"}\n', accepted=False),
        _jsonl_docs(
            "escaped-controls", b'{"id": "e", "text": "\\u001b[2J\\u0000\\u009b"}\n', accepted=True
        ),
        _jsonl_docs("invalid-utf8", b'{"id": "u", "text": "\xff"}\n', accepted=False),
        _jsonl_docs("not-object", b'"just a string"\n', accepted=False),
        _jsonl_docs("trailing-garbage", b'{"id": "t", "text": "x"} trailing\n', accepted=False),
        _jsonl_docs("bool-id", b'{"id": true, "text": "x"}\n', accepted=False),
        _jsonl_docs("markup-id", b'{"id": "[bold]x[/]", "text": "[red]y[/]"}\n', accepted=True),
        _jsonl_docs("escape-id", b'{"id": "\\u001b]0;t\\u0007", "text": "x"}\n', accepted=True),
        _jsonl_docs("crlf-lines", b'{"id": "c", "text": "x"}\r\n', accepted=True),
    ]
    # annotation lines
    found += [
        _annotation_case("negative-offset", _span(start=-1)),
        _annotation_case("overlong-offset", _span(start=40, end=48)),
        _annotation_case("past-the-end", _span(start=45, end=53, text="x" * 8)),
        _annotation_case(
            "huge-offset", _span(start=123456789, end=123456797).replace(b"12345678", b"1" * 40)
        ),
        _annotation_case("end-before-start", _span(start=17, end=9)),
        _annotation_case("text-mismatch", _span(text="Ana Ruis")),
        _annotation_case("float-offset", _span(start=9.5)),
        _annotation_case("string-offset", _span(start="9")),
        _annotation_case("wrong-types", orjson.dumps(base_record(spans="none", status=3))),
        _annotation_case("deep-note", b'{"doc_id": "base", "note": ' + _deep(3000) + b"}"),
        _annotation_case("deep-array", _deep(100_000)),
        _annotation_case("huge-number", orjson.dumps(base_record())[:-1] + b', "x": 1e999}'),
        _annotation_case("raw-nul", b'{"doc_id": "ba\x00se"}'),
        _annotation_case("invalid-utf8", b'{"doc_id": "base", "note": "\xfe"}'),
        _annotation_case("not-object", b"[1, 2, 3]"),
        _annotation_case("unknown-field", orjson.dumps(base_record(evil=True))),
        _annotation_case("other-annotator", orjson.dumps(base_record("mallory"))),
        _annotation_case("missing-document", orjson.dumps(base_record(doc_id="../../etc/passwd"))),
        _annotation_case("unknown-label", _span(label="[bold]x[/]")),
        _annotation_case("escape-in-label", _span(label="\x1b[2J")),
        _annotation_case(
            "relation-to-nowhere",
            orjson.dumps(
                base_record(
                    relations=[{"id": "r1", "label": "attributed_to", "head": "s1", "tail": "s9"}]
                )
            ),
        ),
        _annotation_case(
            "duplicate-keys", orjson.dumps(base_record())[:-1] + b', "spans": []}', accepted=True
        ),
        _annotation_case("crlf", orjson.dumps(base_record()) + b"\r", accepted=True),
    ]
    found += [
        _config_case("bad-toml", b"[[labels]\n", 1),
        _config_case("deep", b"x = " + b"[" * 2000 + b"]" * 2000 + b"\n", None),
        _config_case("huge-int", b"gold_annotator = 1" + b"0" * 5000 + b"\n", None),
        _config_case("escape-label", b'[[labels]]\nname = "\\u001b[2J"\nkey = "1"\n', None),
        _config_case("invalid-utf8", b'gold_annotator = "\xff"\n', None),
        _config_case("nul", b'gold_annotator = "a\x00"\n', 1),
        _config_case("duplicate-key", b"gold_annotator = 'a'\ngold_annotator = 'b'\n", 2),
    ]
    # file names
    found += [
        HostileCase(
            "name-markup",
            True,
            lambda root: _write(root, "documents/[bold]x[/] [@click=app.quit]q.txt", b"text"),
        ),
        HostileCase(
            "name-escape",
            False,
            lambda root: _write(root, "documents/\x1b]0;title\x07\x1b[2J.txt", b"\xff"),
            offending="documents/",
        ),
        HostileCase(
            "name-invalid-utf8",
            False,
            lambda root: _write(root, "documents/bad\udcff.txt", b"\xff"),
            offending="documents/bad",
        ),
        HostileCase(
            "name-long", True, lambda root: _write(root, "documents/" + "n" * 250 + ".txt", b"t")
        ),
        HostileCase(
            "name-newline",
            False,
            lambda root: _write(root, "documents/two\nlines.txt", b"\xff"),
            offending="documents/two",
        ),
        HostileCase(  # no annotator's file: ignored, as bob.jsonl.bak is (validate notes it)
            "annotator-file-name",
            True,
            lambda root: _write(root, "annotations/con.jsonl", b""),
        ),
    ]
    return found
