"""annotator: keyboard-first span annotation of news articles in the terminal."""

__version__ = "0.1.0"
