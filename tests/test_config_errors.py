"""A mistake in annotator.toml is one line naming the file, the line of the setting and the
setting, in the file's words (QA D1, D2, D12, D13); ``[[relations]] key`` is deprecated (D3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.cli import main
from annotator.model.config import ProjectConfig
from annotator.model.errors import AnnotatorError
from annotator.model.keymap import ACTIONS, NAMED_KEYS, all_actions, key_problem
from annotator.store.config_file import line_of, load_config
from annotator.store.project import DEFAULT_CONFIG_TEXT


def project(tmp_path: Path, toml: str) -> Path:
    root = tmp_path / "p"
    (root / "documents").mkdir(parents=True, exist_ok=True)
    (root / "documents" / "a.txt").write_text("Some text.\n", encoding="utf-8")
    (root / "annotator.toml").write_text(toml, encoding="utf-8")
    return root


def edited(old: str, new: str) -> str:
    """The annotator.toml `annotator init` writes, with one edit (as a user makes it)."""
    assert DEFAULT_CONFIG_TEXT.count(old) == 1, old
    return DEFAULT_CONFIG_TEXT.replace(old, new)


def line_number(text: str, needle: str) -> int:
    """The 1-based line of the one line of ``text`` that contains ``needle``."""
    found = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(found) == 1, (needle, found)
    return found[0]


def refusal(tmp_path: Path, toml: str) -> str:
    """The one line every command prints for this annotator.toml (validate, stats, load)."""
    root = project(tmp_path, toml)
    with pytest.raises(AnnotatorError) as raised:
        load_config(root)
    line = str(raised.value)
    assert "\n" not in line and "Traceback" not in line
    return line.removeprefix(str(root / "annotator.toml"))


def refused_by_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], toml: str, expected: str
) -> None:
    root = project(tmp_path, toml)
    assert main(["validate", str(root)]) == 1
    err = capsys.readouterr().err
    assert err.strip() == f"annotator: error: {root / 'annotator.toml'}{expected}", err


# --- D1: the line, the setting counted as the file counts it, the file's words ---------------


def test_a_bad_colour_names_the_line_and_the_label_counted_from_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    toml = edited('color = "#3584e4"', 'color = "yellowish"')
    line = line_number(toml, "yellowish")
    refused_by_the_cli(
        tmp_path,
        capsys,
        toml,
        f":{line}: labels[2].color: colour must look like #rrggbb, got 'yellowish'",
    )


def test_two_labels_with_one_key_name_both_labels_at_the_second_key(tmp_path: Path) -> None:
    toml = edited('key = "2"', 'key = "1"')
    second = [n for n, text in enumerate(toml.splitlines(), 1) if text == 'key = "1"'][1]
    assert (
        refusal(tmp_path, toml) == f":{second}: labels: duplicate label key '1' (speaker and claim)"
    )


def test_a_duplicate_label_name_says_which_tables(tmp_path: Path) -> None:
    toml = edited('name = "entity"', 'name = "speaker"')
    line = [n for n, text in enumerate(toml.splitlines(), 1) if text == 'name = "speaker"'][1]
    assert refusal(tmp_path, toml) == (
        f":{line}: labels: duplicate label name 'speaker' (the 1st and 3rd [[labels]] tables)"
    )


def test_a_relation_naming_an_unknown_label_lists_the_labels(tmp_path: Path) -> None:
    toml = edited('head_labels = ["claim"]', 'head_labels = ["claims"]')
    assert refusal(tmp_path, toml) == (
        f":{line_number(toml, 'claims')}: relations[1].head_labels: relation 'attributed_to' "
        "refers to unknown label 'claims' (labels: speaker, claim, entity, event)"
    )


@pytest.mark.parametrize(
    ("old", "new", "needle", "expected"),
    [
        (
            'description = "A statement',
            'descriptio = "A statement',
            "descriptio =",
            "labels[2]: unknown setting 'descriptio' (known: name, key, color, description)",
        ),
        (
            "[tokenizer]",
            "[tokeniser]",
            "[tokeniser]",
            "unknown setting 'tokeniser' (known: labels, relations, tokenizer, keys, "
            "gold_annotator)",
        ),
        (
            'tail_labels = ["speaker"]',
            'tail_labels = ["speaker"]\nheads = ["claim"]',
            "heads",
            "relations[1]: unknown setting 'heads' (known: name, head_labels, tail_labels, "
            "description)",
        ),
        (
            'snap = "word"',
            'snap = "words"',
            'snap = "words"',
            "tokenizer.snap: must be 'word' or 'char', got 'words'",
        ),
        ('name = "claim"', "name = 2", "name = 2", "labels[2].name: must be text in quotes, got 2"),
        (
            'name = "entity"',
            'name = "named entity"',
            "named entity",
            "labels[3].name: label name 'named entity': use only ASCII letters, digits, _ . - "
            "(no spaces)",
        ),
    ],
)
def test_unknown_settings_and_wrong_values_read_as_the_file_does(
    tmp_path: Path, old: str, new: str, needle: str, expected: str
) -> None:
    toml = edited(old, new)
    message = refusal(tmp_path, toml)
    assert message == f":{line_number(toml, needle)}: {expected}"
    for jargon in ("record:", "Extra inputs", "Input should", "String should", "^[A-Za-z"):
        assert jargon not in message


def test_a_missing_setting_names_its_table(tmp_path: Path) -> None:
    toml = '[[labels]]\nname = "a"\nkey = "1"\n\n[[labels]]\nname = "b"\n'
    assert refusal(tmp_path, toml) == ":5: labels[2]: missing setting 'key'"


def test_lines_are_found_past_multi_line_strings_and_in_keys(tmp_path: Path) -> None:
    """A key-like line inside a \"\"\" string is text, not a setting; [keys] names its line."""
    toml = (
        'relations = []\n[[labels]]\nname = "a"\nkey = "1"\ndescription = """\nkey = "2"\n'
        '[[labels]]\n"""\n[[labels]]\nname = "b"\nkey = "1"\n\n[keys]\n"next_word" = "b"\n'
    )
    assert line_of(toml, "labels[2].key") == 11
    assert line_of(toml, "labels[1].key") == 4
    assert line_of(toml, "keys.next_word") == 14
    assert line_of(toml, "gold_annotator") is None  # not in the file: no line
    assert refusal(tmp_path, toml).startswith(":11: labels: duplicate label key '1' (a and b)")
    assert refusal(tmp_path, toml.replace('key = "1"\n\n', 'key = "9"\n\n')).startswith(
        ":14: keys.next_word: 'b' is the key of both"
    )


def test_a_default_relation_that_no_longer_fits_the_labels_says_so(tmp_path: Path) -> None:
    toml = '[[labels]]\nname = "a"\nkey = "1"\n'
    assert refusal(tmp_path, toml) == (
        ": relations[1].head_labels: relation 'attributed_to' refers to unknown label 'claim' "
        "(labels: a); it is a default relation: write [[relations]] tables, or relations = [] "
        "for none"
    )


def test_labels_written_inline_are_found_at_their_table(tmp_path: Path) -> None:
    toml = 'gold_annotator = "gold"\nlabels = [{name = "a", key = "1", colour = "#ffffff"}]\n'
    assert refusal(tmp_path, toml) == (
        ":2: labels[1]: unknown setting 'colour' (known: name, key, color, description)"
    )


# --- D2: keys no terminal can send ------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "needle", "expected"),
    [
        (
            'key = "2"',
            'key = "12"',
            '"12"',
            "labels[2].key: '12' is not a key (one character, or a name such as ctrl+x, f5, "
            "pageup)",
        ),
        (
            "# [keys]",
            '[keys]\nnext_word = "ctrl+shift+banana"',
            "banana",
            "keys.next_word: 'ctrl+shift+banana' is not a key (one character, or a name such as "
            "ctrl+x, f5, pageup)",
        ),
        ('key = "4"', 'key = "shift+4"', "shift+4", "labels[4].key: 'shift+4' never arrives"),
        ('key = "3"', 'key = "alt+<"', "alt+<", "labels[3].key: 'alt+<' never arrives"),
        ('key = "3"', 'key = "Enter"', "Enter", "labels[3].key: 'Enter' is not a key"),
        ("# [keys]", '[keys]\nundo = "u,ctrl+Z"', "ctrl+Z", "keys.undo: 'ctrl+Z' never arrives"),
    ],
)
def test_a_key_no_terminal_can_send_is_refused_at_load(
    tmp_path: Path, old: str, new: str, needle: str, expected: str
) -> None:
    toml = edited(old, new)
    assert refusal(tmp_path, toml).startswith(f":{line_number(toml, needle)}: {expected}")


@pytest.mark.parametrize(
    "key",
    [
        "q",
        "Q",
        "7",
        "$",
        "<",
        "comma",
        "less_than_sign",
        "ctrl+x",
        "ctrl+shift+x",
        "alt+x",
        "alt+shift+x",
        "f5",
        "ctrl+f12",
        "pageup",
        "shift+pagedown",
        "shift+tab",
        "space",
        "escape",
        "ctrl+left",
        "ctrl+shift+right",
        "ctrl+plus",
        "ctrl++",
        "ä",
        "€",
        "§",
    ],
)
def test_keys_a_terminal_sends_are_accepted(key: str) -> None:
    assert key_problem(key) is None


@pytest.mark.parametrize(
    "key",
    [
        *[
            "12",
            "ab",
            "banana",
            "ctrl+banana",
            "shift+4",
            "shift+a",
            "alt+<",
            "alt+comma",
            "ctrl+A",
            "shift+ctrl+x",
        ],
        *["ctrl+ctrl+x", "win+x", "Enter", "F5", "f25", "ctrl+"],
        " ",
        "\t",
    ],
)
def test_keys_no_terminal_sends_are_refused(key: str) -> None:
    problem = key_problem(key)
    assert problem is not None and problem.startswith(repr(key.strip()))


def test_every_default_key_is_accepted() -> None:
    for action in all_actions(ProjectConfig()):
        for key in action.keys.split(","):
            assert key_problem(key) is None, (action.name, key)


def test_the_key_names_match_what_textual_produces() -> None:
    """Every key Textual's terminal parser produces passes the check, and every word
    :data:`NAMED_KEYS` accepts is one of the keys Textual produces (the list is a copy)."""
    pytest.importorskip("textual")
    from textual._ansi_sequences import ANSI_SEQUENCES_KEYS
    from textual._keyboard_protocol import FUNCTIONAL_KEYS
    from textual.keys import Keys

    produced = {
        key.value
        for keys in ANSI_SEQUENCES_KEYS.values()
        if isinstance(keys, tuple)
        for key in keys
        if isinstance(key, Keys) and not key.value.startswith("<")
    }
    assert len(produced) > 100
    refused = {key: key_problem(key) for key in produced if key_problem(key) is not None}
    assert refused == {}
    words = {key.rpartition("+")[2] for key in produced} | set(FUNCTIONAL_KEYS.values())
    assert words >= NAMED_KEYS
    assert {f"f{n}" for n in range(1, 25)} <= NAMED_KEYS


def test_the_app_builds_its_bindings_from_keys_the_check_accepts(tmp_path: Path) -> None:
    """What the check accepts, the app binds under the name Textual gives the key."""
    pytest.importorskip("textual")
    from textual.keys import _character_to_key

    from annotator.tui.keys import bindings_for

    toml = edited('key = "3"', 'key = "ctrl+less_than_sign"').replace('key = "4"', 'key = "$"')
    config = load_config(project(tmp_path, toml))
    keys = {binding.id: binding.key for binding in bindings_for(config)}
    assert keys["tag_entity"] == "ctrl+less_than_sign"
    assert keys["tag_event"] == _character_to_key("$")


# --- D12: gold_annotator ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["../../escaped", "has space", "con", ""])
def test_a_gold_annotator_that_is_not_an_annotator_name_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    toml = edited('gold_annotator = "gold"', f"gold_annotator = {name!r}")
    line = line_number(toml, "gold_annotator =")
    root = project(tmp_path, toml)
    for command in (["validate", str(root)], ["stats", str(root)]):
        assert main(command) == 1
        err = capsys.readouterr().err
        assert f"{root / 'annotator.toml'}:{line}: gold_annotator: invalid annotator name" in err


def test_a_valid_gold_annotator_is_kept(tmp_path: Path) -> None:
    toml = edited('gold_annotator = "gold"', 'gold_annotator = "judge.1"')
    assert load_config(project(tmp_path, toml)).gold_annotator == "judge.1"


# --- D13: a pattern for another tokenizer, two labels of one colour --------------------------


@pytest.mark.parametrize("kind", ["words", "whitespace"])
def test_a_pattern_without_kind_regex_is_refused(tmp_path: Path, kind: str) -> None:
    toml = edited('kind = "words"', f'kind = "{kind}"\npattern = "x"')
    assert refusal(tmp_path, toml) == (
        f":{line_number(toml, 'pattern =')}: tokenizer.pattern: pattern is only used with "
        f'kind = "regex" (kind is "{kind}")'
    )


def test_two_labels_given_one_colour_are_refused(tmp_path: Path) -> None:
    toml = edited('color = "#2ec27e"', 'color = "#E5A50A"')
    assert refusal(tmp_path, toml) == (
        f":{line_number(toml, '#E5A50A')}: labels[3].color: entity has the colour of speaker "
        "(#e5a50a): they could not be told apart on screen"
    )


def test_labels_left_without_a_colour_are_still_accepted(tmp_path: Path) -> None:
    """Omitting ``color`` (older files, generated projects) gives every such label the same
    grey: accepted as before, only two colours written down are a choice to refuse."""
    toml = 'relations = []\n[[labels]]\nname = "a"\nkey = "1"\n[[labels]]\nname = "b"\nkey = "2"\n'
    assert load_config(project(tmp_path, toml)).label_names == ["a", "b"]


# --- D3: [[relations]] key is deprecated ------------------------------------------------------


def test_the_relation_key_is_not_written_by_init_and_still_read(tmp_path: Path) -> None:
    relations = DEFAULT_CONFIG_TEXT[DEFAULT_CONFIG_TEXT.index("[[relations]]") :]
    assert "\nkey =" not in relations.split("[tokenizer]")[0]
    toml = edited('name = "attributed_to"', 'name = "attributed_to"\nkey = "x"')
    config = load_config(project(tmp_path, toml))
    assert config.relation("attributed_to") is not None
    # it binds nothing: x still deletes, linking is the link action's key
    keys = {action.name: action.keys for action in all_actions(config)}
    assert keys["delete_span"] == "x,delete" and keys["link"] == "a"
    assert {action.name for action in ACTIONS} >= {"link"}


@pytest.mark.parametrize(
    ("key", "advice"),
    [
        ("shift+ctrl+x", "'ctrl+shift+x'"),
        ("ctrl+A", "'ctrl+shift+a'"),
        ("Home", "'home'"),
        ("shift+a", "(A); write that character"),
        ("alt+<", "as a plain '<'"),
    ],
)
def test_a_refused_key_says_what_to_write(key: str, advice: str) -> None:
    problem = key_problem(key)
    assert problem is not None and advice in problem
