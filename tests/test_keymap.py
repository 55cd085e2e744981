"""The annotate screen's keys: every default reaches the app, and annotator.toml cannot give
one key to two actions."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.cli import main
from annotator.model.config import ProjectConfig
from annotator.model.errors import AnnotatorError
from annotator.model.keymap import ACTIONS, all_actions, display_keys, key_name
from annotator.store.config_file import load_config


def test_every_default_key_is_one_a_terminal_can_send() -> None:
    """A terminal sends alt+KEY as escape then KEY, and Textual makes that alt+KEY only for a
    letter or digit: ``alt+<`` arrives as a plain ``<`` (another action's key)."""
    for action in all_actions(ProjectConfig()):
        for key in action.keys.split(","):
            modifiers, _, last = key.strip().rpartition("+")
            if "alt" in modifiers.split("+"):
                assert len(last) == 1 and last.isalnum(), f"{action.name}: {key}"


def test_the_span_start_moves_with_the_end_keys_unshifted() -> None:
    keys = {action.name: action.keys for action in ACTIONS}
    assert (keys["grow_start"], keys["shrink_start"]) == ("comma", "full_stop")
    assert (display_keys(keys["grow_start"]), display_keys(keys["shrink_start"])) == (",", ".")
    assert (keys["shrink_end"], keys["grow_end"]) == ("<", ">")


def test_key_names_compare_as_textual_names_them() -> None:
    assert key_name("alt+<") == key_name("alt+less_than_sign") == "alt+less_than_sign"
    assert (
        key_name(",") == "comma" and key_name("/") == "slash" and key_name("ctrl++") == "ctrl+plus"
    )
    assert key_name(" w ") == "w"


def _project(tmp_path: Path, toml: str) -> Path:
    root = tmp_path / "p"
    (root / "documents").mkdir(parents=True)
    (root / "documents" / "a.txt").write_text("Some text.\n", encoding="utf-8")
    (root / "annotator.toml").write_text(toml, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            '[keys]\nundo = "1"\n',
            "keys.undo: '1' is the key of both tag_speaker (Tag as speaker) and undo (Undo)",
        ),
        ('[keys]\nnext_word = "b"\n', "keys.next_word: 'b' is the key of both"),
        ('[keys]\nfrobnicate = "z"\n', "keys: unknown action(s) frobnicate"),
    ],
)
def test_a_key_given_twice_or_an_unknown_action_is_refused_by_every_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], toml: str, message: str
) -> None:
    root = _project(tmp_path, toml)
    with pytest.raises(AnnotatorError) as raised:
        load_config(root)
    # the line of the offending key in [keys] (line 1 is the table)
    assert str(raised.value).startswith(f"{root / 'annotator.toml'}:2: {message}")
    for command in (["validate", str(root)], ["stats", str(root)]):
        assert main(command) != 0
        err = capsys.readouterr().err
        assert f"{root / 'annotator.toml'}:2: {message}" in err
        assert "Traceback" not in err


def test_a_label_key_that_takes_an_action_key_is_refused(tmp_path: Path) -> None:
    toml = (
        '[[labels]]\nname = "speaker"\nkey = "u"\ncolor = "#ff0000"\n'
        '[[labels]]\nname = "claim"\nkey = "2"\ncolor = "#00ff00"\n'
    )
    root = _project(tmp_path, toml)
    with pytest.raises(AnnotatorError) as raised:
        load_config(root)
    assert str(raised.value).startswith(
        f"{root / 'annotator.toml'}:3: labels[1].key: 'u' is the key of both tag_speaker"
    )


def test_keys_moved_out_of_the_way_are_accepted(tmp_path: Path) -> None:
    config = load_config(_project(tmp_path, '[keys]\nundo = "1"\ntag_speaker = "9"\n'))
    keys = {action.name: action.keys for action in all_actions(config)}
    assert keys["undo"] == "1" and keys["tag_speaker"] == "9"
