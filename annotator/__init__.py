"""annotator: keyboard-first span annotation of news articles in the terminal."""

import os

__version__ = "0.1.0"


def skip_pydantic_plugins() -> None:
    """Called by annotator's own programs (the command line and the app), not on import.

    pydantic looks for plugins among the entry points of every installed distribution when it
    builds its first validator (a few ms on the way to the first frame); annotator uses none.
    A user who set the variable (to load some plugins, say) keeps their choice.
    """
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
