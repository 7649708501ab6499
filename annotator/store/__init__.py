"""The project database: the only package that speaks SQL.

One SQLite file per project, in WAL mode with foreign keys on, a busy timeout, and a schema
version (``PRAGMA user_version``) with forward migrations. What must never be stored is refused
by the database itself: CHECK constraints (``0 <= start < end``), a trigger that keeps every span
inside its text, a trigger that keeps a document's text immutable, foreign keys from spans to
known labels. Every user action is one transaction (:meth:`Store.transaction`) that also appends
to the ``history`` table.

:class:`Store` is one object over one connection, composed of parts that each hold the SQL of
one subject (a module each): the connection and its migrations, the project's schema and
annotators, documents, spans, suggestions, links, history (and undo), the corpus (search, tag
all), export selections, comparisons, and merging. ``rows`` holds the row shapes and column
lists every part shares; ``migrations``, ``files``, ``untrusted`` and ``backups`` deal with the
file itself.
"""

from __future__ import annotations

from annotator.store.assignments import Assignments
from annotator.store.attach import Attach
from annotator.store.comparison import Comparison
from annotator.store.connection import Connection
from annotator.store.corpus import Corpus
from annotator.store.documents import DOCUMENT_LABEL_CHOICE, DOCUMENT_LABEL_ORDER, Documents
from annotator.store.files import connect, default_db_path, read_only_uri
from annotator.store.history import History
from annotator.store.links import Links
from annotator.store.migrations import (
    APPLICATION_ID,
    MIGRATIONS,
    SCHEMA_VERSION,
    catalogue_problem,
    split_sql,
)
from annotator.store.project import Project
from annotator.store.rows import SpanRow, dump_json, fts_query, now, pack_offsets, unpack_offsets
from annotator.store.selection import Selections
from annotator.store.spans import Spans
from annotator.store.suggestions import Suggestions


class Store(
    Connection,
    Project,
    Documents,
    Spans,
    Suggestions,
    Links,
    History,
    Corpus,
    Selections,
    Comparison,
    Attach,
    Assignments,
):
    """A project database. Open with ``Store(path)``; ``":memory:"`` gives a throwaway one.

    Raises NotAProjectError for a file that is not SQLite or belongs to another application,
    NewerSchemaError for a project written by a newer version of this tool.
    """


__all__ = [
    "APPLICATION_ID",
    "DOCUMENT_LABEL_CHOICE",
    "DOCUMENT_LABEL_ORDER",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "SpanRow",
    "Store",
    "catalogue_problem",
    "connect",
    "default_db_path",
    "dump_json",
    "fts_query",
    "now",
    "pack_offsets",
    "read_only_uri",
    "split_sql",
    "unpack_offsets",
]
