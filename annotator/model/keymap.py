"""The names of the annotate screen's actions and their default keys.

``annotator.toml``'s ``[keys]`` table maps these names to comma-separated keys. Kept out of
``tui/`` so that help texts, docs and tests can list the actions without Textual.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from annotator.model.config import ProjectConfig
from annotator.model.errors import AnnotatorError


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """One bindable action of the annotate screen."""

    name: str
    """Stable name used in ``[keys]`` and as the binding id."""
    keys: str
    """Default keys, comma separated, in Textual's key names."""
    description: str
    group: str
    show: bool = False
    """Shown in the footer."""
    short: str = ""
    """Footer text (else the description)."""


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("cursor_left", "left,h", "Cursor left", "Move"),
    ActionSpec("cursor_right", "right,l", "Cursor right", "Move"),
    ActionSpec("cursor_up", "up,k", "Cursor up a row", "Move"),
    ActionSpec("cursor_down", "down,j", "Cursor down a row", "Move"),
    ActionSpec("next_word", "w", "Next word (commas, dashes, quotes skipped)", "Move"),
    ActionSpec("prev_word", "b", "Previous word (commas, dashes, quotes skipped)", "Move"),
    ActionSpec("prev_paragraph", "{", "Previous paragraph", "Move"),
    ActionSpec("next_paragraph", "}", "Next paragraph", "Move"),
    ActionSpec("row_start", "home", "Start of row", "Move"),
    ActionSpec("row_end", "end", "End of row", "Move"),
    ActionSpec("page_up", "pageup", "Page up", "Move"),
    ActionSpec("page_down", "pagedown", "Page down", "Move"),
    ActionSpec("doc_start", "g", "Start of document", "Move"),
    ActionSpec("doc_end", "G", "End of document", "Move"),
    ActionSpec("select_left", "shift+left,H", "Extend selection left", "Select"),
    ActionSpec("select_right", "shift+right,L", "Extend selection right", "Select"),
    ActionSpec("select_up", "shift+up,K", "Extend selection up", "Select"),
    ActionSpec("select_down", "shift+down,J", "Extend selection down", "Select"),
    ActionSpec(
        "select_next_word",
        "W,ctrl+shift+right",
        'Extend selection a word; after a word, first to the punctuation glued to it (.")',
        "Select",
    ),
    ActionSpec(
        "select_prev_word",
        "B,ctrl+shift+left",
        "Extend selection back a word; before a word, first to the quote glued to it",
        "Select",
    ),
    ActionSpec("select_row_start", "shift+home", "Extend selection to row start", "Select"),
    ActionSpec("select_row_end", "shift+end", "Extend selection to row end", "Select"),
    ActionSpec("select_page_up", "shift+pageup", "Extend selection a page up", "Select"),
    ActionSpec("select_page_down", "shift+pagedown", "Extend selection a page down", "Select"),
    ActionSpec(
        "visual", "v", "Start a selection at the cursor", "Select", show=True, short="Select"
    ),
    ActionSpec("clear_selection", "escape", "Clear the selection; cancel a pending link", "Select"),
    ActionSpec("toggle_snap", "c", "Toggle word / character precision", "Select"),
    ActionSpec("search", "/", "Search", "Search", show=True, short="Search"),
    ActionSpec("next_match", "n", "Next match", "Search"),
    ActionSpec("prev_match", "N", "Previous match", "Search"),
    ActionSpec("next_span", "tab", "Next span", "Spans"),
    ActionSpec("prev_span", "shift+tab", "Previous span", "Spans"),
    ActionSpec(
        "delete_span",
        "x,delete",
        "Delete the span under the cursor",
        "Spans",
        show=True,
        short="Delete",
    ),
    ActionSpec("grow_end", ">", "Move the span end right a word", "Spans"),
    ActionSpec("shrink_end", "<", "Move the span end left a word", "Spans"),
    # The start moves with the same keys unshifted: a terminal sends alt+< as escape then <,
    # which arrives as a plain < (only letters and digits combine with alt).
    # (A comma separates keys in these lists, so it is named.)
    ActionSpec("grow_start", "comma", "Move the span start left a word", "Spans"),
    ActionSpec("shrink_start", "full_stop", "Move the span start right a word", "Spans"),
    ActionSpec(
        "link",
        "a",
        "Link the claim to a speaker (on a speaker: a claim to it); 1-9 pick a row",
        "Link",
        show=True,
        short="Link",
    ),
    ActionSpec("unlink", "A", "Remove the link under the cursor", "Link"),
    ActionSpec("undo", "u,ctrl+z", "Undo", "Edit", show=True, short="Undo"),
    ActionSpec("redo", "ctrl+r,ctrl+y", "Redo", "Edit"),
    ActionSpec("next_doc", "]", "Next document", "Documents"),
    ActionSpec("prev_doc", "[", "Previous document", "Documents"),
    ActionSpec("doc_list", "ctrl+o", "Document list", "Documents", show=True, short="Documents"),
    ActionSpec(
        "mark_done",
        "ctrl+d",
        "Mark done, open the next not done (a flagged document: press twice)",
        "Documents",
        show=True,
        short="Done",
    ),
    ActionSpec(
        "skip",
        "ctrl+k",
        "Skip: set aside until the rest is done, open the next (flagged: press twice)",
        "Documents",
    ),
    ActionSpec("flag", "ctrl+f", "Flag the document with a note", "Documents"),
    ActionSpec("toggle_panel", "s", "Show / hide the side panel", "View"),
    ActionSpec("help", "?", "Help: keys and guidelines", "View", show=True, short="Help"),
    ActionSpec("command_palette", "ctrl+p", "Command palette", "View"),
    ActionSpec("quit", "q,ctrl+q", "Quit", "View", show=True, short="Quit"),
)

ACTION_NAMES = frozenset(action.name for action in ACTIONS)


def tag_action(label: str) -> str:
    """The action name that applies ``label`` (e.g. ``tag_speaker``)."""
    return f"tag_{label}"


def label_actions(config: ProjectConfig) -> list[ActionSpec]:
    return [
        ActionSpec(tag_action(label.name), label.key, f"Tag as {label.name}", "Tag")
        for label in config.labels
    ]


class KeyBindingError(AnnotatorError):
    """A key of ``annotator.toml`` that cannot work; ``at`` is the setting whose line to show
    when ``field`` names a whole table."""

    def __init__(self, message: str, *, file: str | Path, field: str, at: str | None = None):
        super().__init__(message, file=file, field=field)
        self.at = at


def all_actions(config: ProjectConfig, file: str | Path = "annotator.toml") -> list[ActionSpec]:
    """Every action with its keys after the project's ``[keys]`` overrides.

    Raises :class:`KeyBindingError` (naming ``file``) for an unknown action name in ``[keys]``,
    for a key no terminal can deliver (see :func:`key_problem`) and for a key given to two
    actions (a label's key included): the second would silently take it from the first."""
    actions = [*label_actions(config), *ACTIONS]
    known = {action.name for action in actions}
    unknown = sorted(set(config.keys) - known)
    if unknown:
        raise KeyBindingError(
            f"unknown action(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})",
            file=file,
            field="keys",
            at=f"keys.{unknown[0]}",
        )
    bound = [
        ActionSpec(a.name, config.keys.get(a.name, a.keys), a.description, a.group, a.show, a.short)
        for a in actions
    ]
    label_numbers = {tag_action(label.name): n for n, label in enumerate(config.labels, 1)}

    def setting(action: ActionSpec) -> str | None:
        """Where the project set ``action``'s keys (None: a default)."""
        if action.name in config.keys:
            return f"keys.{action.name}"
        if action.name in label_numbers:
            return f"labels[{label_numbers[action.name]}].key"
        return None

    owner: dict[str, ActionSpec] = {}
    for action in bound:
        where = setting(action)
        for key in action.keys.split(","):
            if not key.strip():
                continue
            if where is not None:
                problem = key_problem(key)
                if problem is not None:
                    raise KeyBindingError(problem, file=file, field=where)
            canonical = key_name(key)
            first = owner.setdefault(canonical, action)
            if first is not action:
                # Name the binding the project set: defaults only collide through a label key.
                field = next(
                    (f"keys.{one.name}" for one in (action, first) if one.name in config.keys),
                    None,
                ) or next(filter(None, (setting(action), setting(first))), "labels")
                raise KeyBindingError(
                    f"{key.strip()!r} is the key of both {first.name} ({first.description}) "
                    f"and {action.name} ({action.description}); give one of them another key",
                    file=file,
                    field=field,
                )
    return bound


MODIFIERS = ("alt", "ctrl", "hyper", "meta", "shift", "super")
"""The modifiers Textual puts in a key name, in the (alphabetical) order it joins them."""

NAMED_KEYS = frozenset(
    (
        *("escape", "enter", "tab", "backspace", "space", "insert", "delete"),
        *("up", "down", "left", "right", "home", "end", "pageup", "pagedown"),
        *(f"f{number}" for number in range(1, 25)),
    )
)
"""The keys other than characters that Textual names by a word when a terminal sends them
(tests/test_keymap.py compares this with Textual's own tables)."""

_KEY_HINT = "one character, or a name such as ctrl+x, f5, pageup"


def _named_character(name: str) -> str | None:
    """The character Textual calls ``name`` (``less_than_sign`` -> ``<``), if a keyboard has it:
    punctuation and symbols, not pictographs (``banana``)."""
    name = {new: old for old, new in _REPLACED.items()}.get(name, name)
    words = name.upper().split("_")
    # Unicode names join some words with a hyphen (HYPHEN-MINUS, LESS-THAN SIGN).
    tries = [" ".join(words)] + [
        " ".join(words[:at]) + "-" + " ".join(words[at:]) for at in range(1, len(words))
    ]
    for unicode_name in tries:
        try:
            character = unicodedata.lookup(unicode_name)
        except KeyError:
            continue
        category = unicodedata.category(character)
        if (
            category[0] == "P"
            or category in ("Sc", "Sk", "Sm")
            or (category == "So" and ord(character) < 0x2000)
        ):
            return character
    return None


def key_problem(key: str) -> str | None:
    """Why ``key`` (as written in ``annotator.toml``) can never reach the app from a terminal,
    or None when it can: an unknown name (``12``, ``ctrl+banana``), or a combination a terminal
    turns into another key (``shift+4`` arrives as ``$``, ``alt+<`` as ``<``)."""
    written = key.strip()
    not_a_key = f"{written!r} is not a key ({_KEY_HINT})"
    if not written:
        return not_a_key
    *modifiers, base = key_name(written).split("+")
    if any(part not in MODIFIERS for part in modifiers) or len(set(modifiers)) < len(modifiers):
        return not_a_key
    character = base if len(base) == 1 else None
    if character is None and base not in NAMED_KEYS:
        character = _named_character(base)
        if character is None or character.isalnum():
            lower = "+".join((*modifiers, base.lower()))
            if base.lower() in NAMED_KEYS:
                return f"{not_a_key}; key names are lower case: {lower!r}"
            return not_a_key
    if character is not None and (not character.isprintable() or character.isspace()):
        return not_a_key
    if modifiers != sorted(modifiers):
        in_order = "+".join((*sorted(modifiers), base))
        return f"{written!r} never arrives as written: modifiers go in a-z order ({in_order!r})"
    if character is None or not modifiers:
        return None
    if modifiers == ["shift"]:
        example = character.upper() if character.isalpha() else "$ for shift+4 on a US keyboard"
        return (
            f"{written!r} never arrives: a terminal sends shift with a character as the "
            f"character it types ({example}); write that character"
        )
    if character.isalpha() and not character.islower():
        lower = "+".join(sorted({*modifiers, "shift"})) + "+" + character.lower()
        return (
            f"{written!r} never arrives: with a modifier a letter is written in lower case, "
            f"shift included ({lower!r})"
        )
    if (
        "alt" in modifiers
        and not character.isalnum()
        and not {"ctrl", "super", "hyper", "meta"} & set(modifiers)
    ):
        return (
            f"{written!r} never arrives: a terminal sends alt with {character!r} as a plain "
            f"{character!r} (alt only combines with letters and digits)"
        )
    return None


_REPLACED = {
    "solidus": "slash",
    "reverse_solidus": "backslash",
    "commercial_at": "at",
    "hyphen_minus": "minus",
    "plus_sign": "plus",
    "low_line": "underscore",
}


def key_name(key: str) -> str:
    """One key in a canonical form (``alt+<`` and ``alt+less_than_sign`` alike), the way
    Textual names it: a single character other than a letter or digit by its Unicode name."""
    key = key.strip()
    if key == "+" or key.endswith("++"):
        head, last = key[:-1], "+"
    else:
        head, _, last = key.rpartition("+")
        head = head + "+" if head else ""
    if len(last) == 1 and not last.isalnum():
        last = unicodedata.name(last, last).lower().replace("-", "_").replace(" ", "_")
        last = _REPLACED.get(last, last)
    return head + last


_KEY_NAMES = {
    ",": "comma",
    ".": "full_stop",
    "{": "left_curly_bracket",
    "}": "right_curly_bracket",
    "<": "less_than_sign",
    ">": "greater_than_sign",
    "?": "question_mark",
    "/": "slash",
    "[": "left_square_bracket",
    "]": "right_square_bracket",
}


def display_keys(keys: str) -> str:
    """Keys as an annotator reads them (``{`` rather than Textual's long names)."""
    reverse = {long: short for short, long in _KEY_NAMES.items()}
    shown = []
    for key in keys.split(","):
        key = key.strip()
        parts = key.split("+")
        parts[-1] = reverse.get(parts[-1], parts[-1])
        shown.append("+".join(parts))
    return " ".join(shown)
