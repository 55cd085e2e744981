"""The default `words` tokenizer on the scripts of world news: what word snapping, token-level
agreement and the token exports (CoNLL, HF, Prodigy) see as one word."""

from __future__ import annotations

import re
import unicodedata

import pytest

from annotator.model.tokenize import LazyTokenIndex, tokenize
from annotator.model.unicode_marks import BMP_MARKS, UNICODE_VERSION


def words(text: str) -> list[str]:
    return [text[start:end] for start, end in tokenize(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # vowel signs and viramas (Mc/Mn) are part of the word
        ("क्षत्रिय हिन्दी", ["क्षत्रिय", "हिन्दी"]),
        ("বাংলা ভাষা", ["বাংলা", "ভাষা"]),
        ("தமிழ் நாடு", ["தமிழ்", "நாடு"]),
        # points and harakat
        ("שָׁלוֹם עֲלֵיכֶם", ["שָׁלוֹם", "עֲלֵיכֶם"]),
        ("قَالَ الرَّئِيسُ", ["قَالَ", "الرَّئِيسُ"]),
        # Thai tone marks (no spaces between Thai words: a run is one token, as before)
        ("ภาษาไทย ง่าย", ["ภาษาไทย", "ง่าย"]),
        # a soft hyphen and joiners between letters
        (
            "Ribei\xadro co\u200doperate می\u200cخواهم",
            ["Ribei\xadro", "co\u200doperate", "می\u200cخواهم"],
        ),
    ],
)
def test_a_word_keeps_its_combining_marks(text: str, expected: list[str]) -> None:
    assert words(text) == expected


def test_each_ideograph_and_kana_is_a_token() -> None:
    text = "東京都知事の小池百合子は「経済」と述べた。"
    assert words(text) == [
        *"東京都知事の小池百合子は",
        "「",
        "経",
        "済",
        "」",
        "と",
        "述",
        "べ",
        "た",
        "。",
    ]
    # so a name inside a run of ideographs can be a span of whole tokens
    start = text.index("小池百合子")
    extents = tokenize(text)
    assert (start, start + 1) in extents and (start + 4, start + 5) in extents
    # a combining voiced mark and a variation selector stay with their character
    assert words("か\u3099ー葛\U000e0100") == ["か\u3099", "ー", "葛\U000e0100"]
    assert words("𠮷野家") == ["𠮷", "野", "家"]
    # Korean is written with spaces: its words stay whole
    assert words("서울 시장") == ["서울", "시장"]


def test_latin_words_emoji_and_flags_are_cut_as_before() -> None:
    text = "don't U.S. al-Assad snake_case Zoe\u0301 👩\u200d🍳 🇪🇸 6.5%"
    assert words(text) == [
        "don't",
        "U.S",
        ".",
        "al-Assad",
        "snake_case",
        "Zoe\u0301",
        "👩\u200d🍳",
        "🇪🇸",
        "6.5",
        "%",
    ]


def test_word_moves_and_snapping_in_the_editor_take_whole_words() -> None:
    text = "नरेंद्र मोदी ने कहा"
    index = LazyTokenIndex(text)
    starts = [0]
    while (following := index.next_start(starts[-1])) is not None:
        starts.append(following)
    assert starts == [0, text.index("मोदी"), text.index("ने"), text.index("कहा")]
    # a selection inside the first word snaps to the whole of it, not to a letter
    assert index.extent(2, 3) == (0, len("नरेंद्र"))


def test_the_marks_table_is_the_unicode_databases() -> None:
    marks = re.compile(f"[{BMP_MARKS}]")
    listed = {code for code in range(0x10000) if marks.match(chr(code))}
    for code in listed:
        assert unicodedata.category(chr(code)) in ("Mn", "Mc", "Me", "Cn"), hex(code)
    in_python = {code for code in range(0x10000) if unicodedata.category(chr(code)).startswith("M")}
    missing = in_python - listed
    if unicodedata.unidata_version == UNICODE_VERSION:
        assert not missing  # scripts/unicode_marks.py wrote it from this very database
    else:  # a newer Python knows a few marks more: rerun scripts/unicode_marks.py
        assert len(missing) < 64, sorted(map(hex, missing))[:10]
