"""annotator: keyboard-first span annotation of news articles in the terminal."""

import os

__version__ = "0.1.0"

# pydantic looks for plugins among the entry points of every installed distribution when it
# builds its first validator (~13 ms, on the way to every first frame); annotator uses none.
# A user who sets the variable (to load some plugins, say) keeps their choice.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
