"""annotator.toml errors name the file, the line where TOML knows it, and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.model.errors import AnnotatorError
from annotator.store.config_file import load_config
from annotator.store.project import DEFAULT_CONFIG_TEXT


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "annotator.toml"
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def error_of(tmp_path: Path) -> AnnotatorError:
    with pytest.raises(AnnotatorError) as caught:
        load_config(tmp_path)
    return caught.value


def test_no_file_gives_the_defaults(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config.label_names == ["speaker", "claim", "entity", "event"]
    assert config.relation("attributed_to") is not None


def test_default_config_text_equals_the_defaults(tmp_path: Path) -> None:
    write(tmp_path, DEFAULT_CONFIG_TEXT)
    from annotator.model.config import ProjectConfig

    assert load_config(tmp_path) == ProjectConfig()


def test_bom_is_accepted(tmp_path: Path) -> None:
    write(tmp_path, b"\xef\xbb\xbfgold_annotator = 'judge'\n")
    assert load_config(tmp_path).gold_annotator == "judge"


def test_bad_toml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, 'gold_annotator = "g"\n\n[[labels]\nname = "x"\n')
    error = error_of(tmp_path)
    assert error.file == str(path)
    assert error.line == 3
    assert str(error).startswith(f"{path}:3: not valid TOML")


def test_duplicate_toml_key_is_refused_with_line(tmp_path: Path) -> None:
    path = write(tmp_path, 'gold_annotator = "a"\ngold_annotator = "b"\n')
    error = error_of(tmp_path)
    assert (error.file, error.line) == (str(path), 2)


def test_invalid_utf8(tmp_path: Path) -> None:
    path = write(tmp_path, b'gold_annotator = "\xff"\n')
    assert str(error_of(tmp_path)) == f"{path}: invalid UTF-8 at byte offset 18"


LABEL = '[[labels]]\nname = "{name}"\nkey = "{key}"\n'


@pytest.mark.parametrize(
    ("text", "line", "field", "message"),
    [
        (
            LABEL.format(name="claim", key="1")
            + '[[relations]]\nname = "said"\nhead_labels = ["claim"]\ntail_labels = ["person"]\n',
            7,
            "relations[1].tail_labels",
            "relation 'said' refers to unknown label 'person' (labels: claim)",
        ),
        (
            LABEL.format(name="a", key="1") + LABEL.format(name="a", key="2"),
            5,
            "labels",
            "duplicate label name 'a' (the 1st and 2nd [[labels]] tables)",
        ),
        (
            LABEL.format(name="a", key="1") + LABEL.format(name="b", key="1"),
            6,
            "labels",
            "duplicate label key '1' (a and b)",
        ),
        (
            LABEL.format(name="has space", key="1"),
            2,
            "labels[1].name",
            "label name 'has space': use only ASCII letters, digits, _ . - (no spaces)",
        ),
        (
            LABEL.format(name="a", key="1") + 'color = "red"\n',
            4,
            "labels[1].color",
            "colour must look like #rrggbb, got 'red'",
        ),
        ('[tokenizer]\nkind = "regex"\n', 2, "tokenizer.kind", 'kind = "regex" needs a pattern'),
        (
            '[tokenizer]\nkind = "regex"\npattern = "("\n',
            3,
            "tokenizer.pattern",
            "pattern does not compile",
        ),
        (
            '[tokenizer]\nkind = "regex"\npattern = "a*"\n',
            3,
            "tokenizer.pattern",
            "pattern must not match the empty string",
        ),
        ("labels = []\n", 1, "labels", "at least one label is needed"),
    ],
)
def test_config_value_errors_name_file_line_and_field(
    tmp_path: Path, text: str, line: int, field: str, message: str
) -> None:
    path = write(tmp_path, text)
    error = error_of(tmp_path)
    assert (error.file, error.line, error.field) == (str(path), line, field)
    assert str(error).startswith(f"{path}:{line}: {field}: {message}")
