"""Textual bindings built from the action table and the project's ``[keys]`` overrides."""

from __future__ import annotations

from textual.binding import Binding
from textual.keys import _character_to_key

from annotator.model.config import ProjectConfig
from annotator.model.keymap import ActionSpec, all_actions


def normalize_keys(keys: str) -> str:
    """``alt+<,{`` -> ``alt+less_than_sign,left_curly_bracket`` (Textual's key names)."""
    out = []
    for key in keys.split(","):
        key = key.strip()
        if not key:
            continue
        if key == "+" or key.endswith("++"):
            head, last = key[:-1], "+"
        else:
            head, _, last = key.rpartition("+")
            head = head + "+" if head else ""
        if len(last) == 1:
            last = _character_to_key(last)
        out.append(head + last)
    return ",".join(out)


def action_method(action: ActionSpec) -> str:
    """The screen action a binding runs."""
    if action.name == "command_palette":
        return "app.command_palette"
    if action.name.startswith("tag_"):
        return f"tag('{action.name[4:]}')"
    return action.name


def bindings_for(config: ProjectConfig) -> list[Binding]:
    return [
        Binding(
            normalize_keys(action.keys),
            action_method(action),
            action.short or action.description,
            # Shown after the description (the palette's Keys panel): only when it says more.
            tooltip=action.description if action.short else "",
            show=action.show,
            id=action.name,
            priority=action.name == "command_palette",
        )
        for action in all_actions(config)
    ]
