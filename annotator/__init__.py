"""annotator: correct spaCy entities, tag claims, quotes and sources, keep every decision in SQLite."""

__version__ = "0.1.0"
